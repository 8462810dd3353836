#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/pipeline/statistics.hpp"

using namespace locus;
using namespace locus::pipeline;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

// numpy's default ("linear") quantile by a full sort: v[lo] + (pos − lo)(v[lo+1] − v[lo]).
double brute_quantile(std::vector<double> v, double p) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double pos = std::clamp(p, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

TEST_CASE("statistics: quantile and median agree with numpy's linear rule") {
  // values from numpy 1.24: np.quantile([1,2,3,4], .25), np.quantile([3.5,-1,7,2,10], .14), np.median([4,1,3,2])
  const std::vector<double> a{1, 2, 3, 4}, b{3.5, -1, 7, 2, 10}, c{4, 1, 3, 2};
  CHECK(quantile(a, 0.25) == 1.75);
  CHECK(quantile(b, 0.14) == doctest::Approx(0.68).epsilon(1e-15));
  CHECK(median(c) == 2.5);
  CHECK(median(std::vector<double>{3, 1, 2}) == 2);
  CHECK(quantile(std::vector<double>{0.1, 0.2, 0.7}, 0.75) == doctest::Approx(0.45).epsilon(1e-15));
  CHECK(quantile(std::vector<double>{5.0}, 0.3) == 5.0);

  // random sizes, ties and probabilities against a full sort
  Rng rng(11);
  std::size_t bad = 0, cases = 0;
  for (int t = 0; t < 300; ++t) {
    const std::size_t n = 1 + rng.uniform_index(60);
    std::vector<double> v(n);
    for (auto& x : v) x = t % 3 == 0 ? std::round(rng.normal(0, 2)) : rng.normal(0, 2);  // ties every third case
    for (double p : {0.0, 0.14, 0.25, 0.5, 0.75, 0.86, 1.0, rng.uniform()}) {
      const double want = brute_quantile(v, p), got = quantile(v, p);
      bad += !(std::abs(got - want) <= 1e-12 * (1 + std::abs(want)));
      ++cases;
    }
  }
  CHECK(cases == 2400);
  CHECK(bad == 0);
  // p outside [0, 1] is clamped
  CHECK(quantile(b, -0.5) == -1);
  CHECK(quantile(b, 2.0) == 10);
}

TEST_CASE("statistics: non-finite values are left out; none at all gives NaN") {
  const std::vector<double> v{kNaN, 1, inf, 3, -inf, 2, kNaN};
  CHECK(median(v) == 2);
  CHECK(quantile(v, 0.0) == 1);
  CHECK(quantile(v, 1.0) == 3);
  CHECK(sigma_g(v) == doctest::Approx(0.7413 * (2.5 - 1.5)));
  CHECK(std::isnan(median(std::vector<double>{})));
  CHECK(std::isnan(median(std::vector<double>{kNaN, inf})));
  CHECK(std::isnan(sigma_g(std::vector<double>{kNaN})));
  const auto s = robust_stats(v);
  CHECK(s.n == 3);
  CHECK(s.mean == 2);
  CHECK(s.stddev == 1);  // sample form (n − 1)
  CHECK(s.median == 2);
  const auto e = robust_stats(std::vector<double>{kNaN});
  CHECK(e.n == 0);
  CHECK((std::isnan(e.median) && std::isnan(e.sigma_g) && std::isnan(e.mean) && std::isnan(e.stddev)));
  const auto one = robust_stats(std::vector<double>{4.5});
  CHECK(one.n == 1);
  CHECK(one.stddev == 0);
  CHECK(one.sigma_g == 0);
  CHECK(one.median == 4.5);
}

TEST_CASE("statistics: sigma_g is 0.7413 IQR, and estimates sigma of a normal sample") {
  CHECK(sigma_g_factor == 0.7413);
  Rng rng(2024);
  std::vector<double> v(200000);
  const double mu = -0.3, sigma = 2.5;
  for (auto& x : v) x = rng.normal(mu, sigma);
  const double iqr = brute_quantile(v, 0.75) - brute_quantile(v, 0.25);
  CHECK(sigma_g(v) == doctest::Approx(0.7413 * iqr).epsilon(1e-12));
  // σ_G's standard error is about 1.17 σ/√n = 0.26 % here; 1 % is about 4 standard errors
  CHECK(sigma_g(v) == doctest::Approx(sigma).epsilon(0.01));
  // the median's standard error is 1.2533 σ/√n = 0.007
  CHECK(std::abs(median(v) - mu) < 4 * 1.2533 * sigma / std::sqrt(200000.0));
  const auto s = robust_stats(v);
  CHECK(s.n == v.size());
  CHECK(s.sigma_g == sigma_g(v));
  CHECK(s.median == median(v));
  CHECK(s.stddev == doctest::Approx(sigma).epsilon(0.01));
  CHECK(std::abs(s.mean - mu) < 4 * sigma / std::sqrt(200000.0));

  // robust: 5 % wild outliers move σ_G by a few per cent (the IQR of the 95 % core), the
  // standard deviation by orders of magnitude
  std::vector<double> w(v.begin(), v.begin() + 20000);
  for (std::size_t i = 0; i < 1000; ++i) w[i] = 1e4 * (i % 2 ? 1 : -1);
  const auto r = robust_stats(w);
  CHECK(r.sigma_g == doctest::Approx(sigma).epsilon(0.1));
  CHECK(r.stddev > 100 * sigma);
}

TEST_CASE("statistics: binned_stats bins [lo, hi), the last bin closed") {
  const std::vector<double> edges{0, 1, 2, 3};
  const std::vector<double> x{0.0, 0.5, 1.0, 1.999, 2.0, 3.0, 3.0000001, -1e-9, kNaN, 2.5, 1.5};
  const std::vector<double> y{10, 11, 20, 21, 30, 31, 99, 99, 99, kNaN, 22};
  const auto b = binned_stats(x, y, edges);
  REQUIRE(b.size() == 3);
  CHECK(b[0].lo == 0);
  CHECK(b[0].hi == 1);
  CHECK(b[2].hi == 3);
  CHECK(b[0].stats.n == 2);  // 0.0, 0.5
  CHECK(b[0].stats.median == 10.5);
  CHECK(b[1].stats.n == 3);  // 1.0, 1.999, 1.5
  CHECK(b[1].stats.median == 21);
  CHECK(b[2].stats.n == 2);  // 2.0 and 3.0 (closed); 2.5 has NaN y
  CHECK(b[2].stats.median == 30.5);

  // against a direct selection on a random sample
  Rng rng(5);
  std::vector<double> xs(5000), ys(5000);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = rng.uniform(13, 29), ys[i] = rng.normal(xs[i] / 10, 0.2);
  const auto e = even_edges(14, 28, 7);
  const auto bs = binned_stats(xs, ys, e);
  REQUIRE(bs.size() == 7);
  for (std::size_t k = 0; k < 7; ++k) {
    std::vector<double> sel;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (xs[i] >= e[k] && (xs[i] < e[k + 1] || (k == 6 && xs[i] == e[k + 1]))) sel.push_back(ys[i]);
    CHECK(bs[k].stats.n == sel.size());
    CHECK(bs[k].stats.median == brute_quantile(sel, 0.5));
    CHECK(bs[k].stats.sigma_g == doctest::Approx(0.7413 * (brute_quantile(sel, 0.75) - brute_quantile(sel, 0.25))));
  }
  // an empty bin has n = 0 and NaN statistics
  const std::vector<double> far{100};
  const auto eb = binned_stats(far, far, edges);
  CHECK(eb[0].stats.n == 0);
  CHECK(std::isnan(eb[0].stats.median));
}

TEST_CASE("statistics: errors and even_edges") {
  const std::vector<double> x{1, 2}, y{1}, e1{1}, e_flat{0, 1, 1}, e_down{2, 1};
  CHECK_THROWS_AS(binned_stats(x, y, std::vector<double>{0, 3}), InputError);
  CHECK_THROWS_AS(binned_stats(x, x, e1), ConfigError);
  CHECK_THROWS_AS(binned_stats(x, x, e_flat), ConfigError);
  CHECK_THROWS_AS(binned_stats(x, x, e_down), ConfigError);
  const auto e = even_edges(14, 28, 14);
  REQUIRE(e.size() == 15);
  for (std::size_t k = 0; k < e.size(); ++k) CHECK(e[k] == 14.0 + static_cast<double>(k));
  CHECK(even_edges(0, 1, 3)[3] == 1.0);
  CHECK_THROWS_AS(even_edges(0, 1, 0), ConfigError);
  CHECK_THROWS_AS(even_edges(1, 1, 3), ConfigError);
  CHECK_THROWS_AS(even_edges(2, 1, 3), ConfigError);
}
