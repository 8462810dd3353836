#include <doctest/doctest.h>
#include <locus/bayes/quantiles.hpp>
#include <locus/core/rng.hpp>
#include <algorithm>
#include <cmath>
#include <vector>

using namespace locus;
using namespace locus::bayes;

namespace {
// numpy.quantile's linear rule by a full sort: the reference.
double sorted_quantile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double pos = p * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  if (lo + 1 >= x.size()) return x[lo];
  return x[lo] + (pos - static_cast<double>(lo)) * (x[lo + 1] - x[lo]);
}
}  // namespace

TEST_CASE("sample quantiles: numpy's linear rule, and the three levels at once give the same values") {
  Rng rng(17);
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 60; ++n) sizes.push_back(n);
  sizes.push_back(1600);  // photo-D's 4 walkers x 400 kept steps
  for (const std::size_t n : sizes) {
    for (int ties = 0; ties < 2; ++ties) {
      CAPTURE(n);
      CAPTURE(ties);
      std::vector<double> x(n);
      for (auto& v : x) v = ties ? std::floor(4 * rng.uniform()) : rng.normal();  // ties: 4 distinct values
      std::vector<double> y = x, z = x;
      const auto three = sample_quantiles(z);
      for (std::size_t q = 0; q < 3; ++q) {
        const double want = sorted_quantile(x, quantile_levels[q]);
        CHECK(sample_quantile(y, quantile_levels[q]) == want);  // y keeps its reordering, as in use
        CHECK(three[q] == want);
      }
      std::sort(z.begin(), z.end());
      std::sort(x.begin(), x.end());
      CHECK(z == x);  // a permutation of the input
    }
  }
}
