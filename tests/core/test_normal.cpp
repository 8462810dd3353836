#include <doctest/doctest.h>
#include <locus/core/normal.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace nm = locus::normal;

namespace {
using ld = long double;
const ld sqrt2_l = 1.414213562373095048801688724209698079L;
const ld sqrt_2pi_l = 2.506628274631000502415765284811045253L;

// Φ(z) in long double (64-bit mantissa): the argument z/√2 is rounded to ~5e-20 relative, so
// erfc loses ~z²·5e-20, below 1e-16 for |z| <= 40.
ld cdf_ref(ld z) { return 0.5L * std::erfc(-z / sqrt2_l); }
// exp(x²/2) Φ̄(x): directly in long double below x = 25 (error ~x²·5e-20 < 4e-17); above, the
// asymptotic (Mills-ratio) series Σ_k (−1)^k (2k−1)!! / x^{2k} / (x √(2π)), whose first
// omitted term at x = 25 is below 1e-22.
ld scaled_tail_ref(ld x) {
  if (x < 25) return std::exp(0.5L * x * x) * 0.5L * std::erfc(x / sqrt2_l);
  const ld z = 1 / (x * x);
  ld s = 1, term = 1;
  for (int k = 1; k <= 14; ++k) s += (term *= -(2 * k - 1) * z);
  return s / (x * sqrt_2pi_l);
}
double rel(double a, ld ref) { return static_cast<double>(std::abs((a - ref) / ref)); }
}  // namespace

TEST_CASE("normal: pdf is the closed form, with location and scale") {
  CHECK(nm::sqrt_2pi == std::sqrt(2 * std::numbers::pi));
  CHECK(nm::pdf(0.0) == 1 / std::sqrt(2 * std::numbers::pi));
  for (double z : {-37.0, -7.5, -1.0, -1e-3, 0.0, 0.25, 1.0, 3.0, 9.0, 37.0}) {
    CAPTURE(z);
    const ld ref = std::exp(-0.5L * z * z) / sqrt_2pi_l;
    CHECK(rel(nm::pdf(z), ref) < 1e-15 * (1 + z * z));
    CHECK(nm::pdf(-z) == nm::pdf(z));
    // N(x; mean, sigma) = φ((x − mean)/sigma)/sigma
    CHECK(nm::pdf(2.0 + 0.5 * z, 2.0, 0.5) == doctest::Approx(2 * nm::pdf(z)).epsilon(1e-14));
  }
  CHECK(nm::pdf(1e3) == 0.0);
}

TEST_CASE("normal: cdf and upper tail agree with long double erfc on [-37, 37]") {
  // (Φ(-37) = 5.7e-300; beyond -37.5 the result is subnormal and loses digits.)
  double worst_cdf = 0, worst_tail = 0;
  for (int i = -3700; i <= 3700; ++i) {
    const double z = i * 0.01;
    worst_cdf = std::max(worst_cdf, rel(nm::cdf(z), cdf_ref(z)) / (1 + z * z));
    worst_tail = std::max(worst_tail, rel(nm::upper_tail(z), cdf_ref(-static_cast<ld>(z))) / (1 + z * z));
    CHECK(nm::upper_tail(z) == nm::cdf(-z));
  }
  MESSAGE("max relative error / (1 + z²): cdf " << worst_cdf << ", upper tail " << worst_tail);
  CHECK(worst_cdf < 1e-15);
  CHECK(worst_tail < 1e-15);
  CHECK(nm::cdf(0.0) == 0.5);
  CHECK(nm::cdf(1.959963984540054) == doctest::Approx(0.975).epsilon(1e-15));
}

TEST_CASE("normal: quantile at known values, in round trips and by symmetry") {
  // References: the exact quantile of the double p (mpmath, 60 digits, checked by Φ(x) = p).
  const struct {
    double p, x;
  } known[] = {{0.975, 1.959963984540053855604},      {0.995, 2.575829303548900453857},
               {0.5, 0.0},                            {0.1, -1.281551565544600435335},
               {0.9, 1.281551565544600593487},        {0.3, -0.5244005127080408159695},
               {0.02425, -1.972961051311884837603},   {0.97575, 1.972961051311884959401},
               {1e-5, -4.264890793922824610234},      {1e-10, -6.3613409024040561991},
               {1e-300, -37.04709629936119923655},    {0.999999, 4.753424308817087765688},
               {0.99999999, 5.612001243305504982605}, {1 - 0x1p-40, 7.047700256664408725351}};
  for (const auto& k : known) {
    CAPTURE(k.p);
    CHECK(nm::quantile(k.p) == doctest::Approx(k.x).epsilon(1e-15));
  }
  CHECK(nm::quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-15));
  // Lower tail: forward error. From x, p = Φ(x) is accurate to ~x² ulps relative, and
  // Φ⁻¹'s condition number there is p/(|x| φ(x)) < 1/x² + ..., so x comes back to ~1e-15.
  double worst = 0;
  for (int i = 100; i <= 3700; ++i) {
    const double x = -i * 0.01;
    worst = std::max(worst, std::abs(nm::quantile(nm::cdf(x)) - x) / std::abs(x));
  }
  MESSAGE("max relative round-trip error on [-37, -1]: " << worst);
  CHECK(worst < 2e-15);
  // Symmetry where both p and 1 − p are exact (p = k/2^(j+3)): Φ⁻¹(1 − p) = −Φ⁻¹(p), also for
  // 1 − p within a few ulps of 1.
  double worst_sym = 0;
  for (int j = 1; j <= 50; ++j)  // p >= 2^-53, so 1 - p is exact
    for (int k : {1, 3, 5}) {
      const double p = std::ldexp(k, -j - 3);
      worst_sym = std::max(worst_sym, std::abs(nm::quantile(1 - p) + nm::quantile(p)) / std::abs(nm::quantile(p)));
    }
  MESSAGE("max relative asymmetry for p = k/2^(j+3): " << worst_sym);
  CHECK(worst_sym < 2e-15);
  CHECK(nm::quantile(0.5) == 0.0);
  CHECK(nm::quantile(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(nm::quantile(1.0) == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(nm::quantile(-0.1)));
  CHECK(std::isnan(nm::quantile(1.5)));
  CHECK(std::isnan(nm::quantile(std::nan(""))));
  // Subnormal p: exp(x²/2) overflows, so the Halley step is skipped (Acklam's 1.15e-9 is left).
  CHECK(nm::quantile(1e-310) == doctest::Approx(-37.66306033194952373189).epsilon(1.2e-9));
}

TEST_CASE("normal: scaled upper tail exp(x²/2) Φ̄(x) to 1e-15 relative on [0, 1e3] and beyond") {
  std::vector<double> xs;
  for (int i = 0; i <= 20000; ++i) xs.push_back(i * 0.005);  // 0 .. 100, across erfcx's seams
  for (int i = 1; i <= 1000; ++i) xs.push_back(i * 1.0);     // .. 1e3
  for (double v : {1e-300, 1e-8, 0.6629126073623883, 5.656854249492381, 1e4, 1e8, 1e150}) xs.push_back(v);
  double worst = 0;
  for (double x : xs) worst = std::max(worst, rel(nm::scaled_upper_tail(x), scaled_tail_ref(x)));
  MESSAGE("max relative error: " << worst);
  CHECK(worst < 1e-15);
  CHECK(nm::scaled_upper_tail(0.0) == 0.5);
  CHECK(nm::scaled_upper_tail(std::numeric_limits<double>::infinity()) == 0.0);
  // Below x ≈ 37 it is exp(x²/2) times the upper tail; for x < 0, exp(x²/2) − that of −x.
  for (double x : {-30.0, -5.0, -1.0, -0.1, 0.1, 1.0, 5.0, 30.0}) {
    CAPTURE(x);
    CHECK(nm::scaled_upper_tail(x) == doctest::Approx(std::exp(0.5 * x * x) * nm::upper_tail(x)).epsilon(1e-13));
  }
}
