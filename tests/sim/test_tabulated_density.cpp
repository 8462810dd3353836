#include <doctest/doctest.h>
#include <cmath>
#include <vector>
#include <locus/sim/tabulated_density.hpp>

using namespace locus;
using namespace locus::sim;

TEST_CASE("TabulatedDensity: exact integrals of a piecewise-linear function") {
  // f = 1 + x on [0, 1], then 2 on [1, 3], then falls linearly to 0 at 4.
  TabulatedDensity t({0, 1, 3, 4}, {1, 2, 2, 0});
  CHECK(t.total() == doctest::Approx(1.5 + 4 + 1));
  CHECK(t(0.5) == doctest::Approx(1.5));
  CHECK(t(3.5) == doctest::Approx(1.0));
  CHECK(t(-1) == 0.0);
  CHECK(t(5) == 0.0);
  CHECK(t.cumulative(0.5) == doctest::Approx(0.5 + 0.125));
  CHECK(t.integrate(0.5, 2) == doctest::Approx(t.cumulative(2) - t.cumulative(0.5)));
  CHECK(t.cumulative(2) == doctest::Approx(1.5 + 2));
  // inverse of the cumulative
  for (double x : {0.1, 0.7, 1.0, 2.2, 3.3, 3.9}) CHECK(t.invert(t.cumulative(x), 0, 4) == doctest::Approx(x).epsilon(1e-10));
}

TEST_CASE("TabulatedDensity: samples follow the density (chi-square over bins)") {
  TabulatedDensity t({0, 1, 3, 4}, {1, 2, 2, 0});
  Rng rng(11);
  const int n = 200000, nb = 16;
  std::vector<int> h(nb, 0);
  for (int i = 0; i < n; ++i) {
    const double x = t.sample(rng, 0.5, 3.7);
    REQUIRE(x >= 0.5);
    REQUIRE(x <= 3.7);
    ++h[static_cast<int>((x - 0.5) / 3.2 * nb)];
  }
  double chi2 = 0;
  for (int k = 0; k < nb; ++k) {
    const double a = 0.5 + 3.2 * k / nb, b = 0.5 + 3.2 * (k + 1) / nb;
    const double e = n * t.integrate(a, b) / t.integrate(0.5, 3.7);
    chi2 += (h[k] - e) * (h[k] - e) / e;
  }
  CHECK(chi2 < 40.0);  // 15 dof: P(chi2 > 40) ≈ 5e-4
}

TEST_CASE("TabulatedDensity: invalid tables and empty ranges are errors") {
  CHECK_THROWS_AS(TabulatedDensity({0}, {1}), ConfigError);
  CHECK_THROWS_AS(TabulatedDensity({0, 0}, {1, 1}), ConfigError);
  CHECK_THROWS_AS(TabulatedDensity({0, 1}, {1, -1}), ConfigError);
  CHECK_THROWS_AS(TabulatedDensity({0, 1}, {1, NAN}), ConfigError);
  TabulatedDensity z({0, 1, 2}, {0, 0, 1});
  Rng rng(1);
  CHECK_THROWS_AS(z.sample(rng, 0, 1), InputError);
}
