#include <doctest/doctest.h>
#include <algorithm>
#include <cmath>
#include <vector>
#include <locus/core/erfcx.hpp>

namespace sp = locus::special;
using B = locus::simd::batch<double>;

namespace {
// Reference in long double (64-bit mantissa): exp(t²) erfc(t) loses ~t² ulps of long
// double through the rounding of t², i.e. < 1e-16 relative up to t = 25; beyond, the
// asymptotic series (six terms, truncation error < 1e-17 there).
long double erfcx_ref(long double t) {
  if (t < 25) return std::exp(t * t) * std::erfc(t);
  const long double z = 1 / (2 * t * t);
  long double s = 1, term = 1;
  for (int k = 1; k <= 6; ++k) s += (term *= -(2 * k - 1) * z);
  return s / (t * std::sqrt(3.141592653589793238462643383279502884L));
}
std::vector<double> grid() {
  std::vector<double> t;
  for (int i = 0; i <= 20000; ++i) t.push_back(i * 0.002);  // 0 .. 40, both seams
  for (double v : {1e-300, 1e-20, 1e-8, 0.46875, std::nextafter(0.46875, 1.0), 4.0, std::nextafter(4.0, 5.0), 1e3, 1e8, 1e150})
    t.push_back(v);
  return t;
}
double rel(double a, long double ref) { return static_cast<double>(std::abs((a - ref) / ref)); }
}  // namespace

TEST_CASE("erfcx: scalar and batch agree with a long double reference to 1e-15 on [0, 1e150]") {
  const auto t = grid();
  double worst_s = 0, worst_b = 0;
  for (std::size_t i = 0; i < t.size(); i += B::size) {
    alignas(64) double in[B::size], out[B::size];
    for (std::size_t l = 0; l < B::size; ++l) in[l] = t[std::min(i + l, t.size() - 1)];
    sp::erfcx(B::load_aligned(in)).store_aligned(out);
    for (std::size_t l = 0; l < B::size; ++l) {
      const long double ref = erfcx_ref(in[l]);
      worst_s = std::max(worst_s, rel(sp::erfcx(in[l]), ref));
      worst_b = std::max(worst_b, rel(out[l], ref));
      REQUIRE(std::isfinite(out[l]));
    }
  }
  MESSAGE("max relative error: scalar " << worst_s << ", batch " << worst_b);
  CHECK(worst_s < 1e-15);
  CHECK(worst_b < 1e-15);
  CHECK(sp::erfcx(0.0) == 1.0);
}

TEST_CASE("erf_small: agrees with long double erf on |t| <= 0.46875, odd") {
  double worst = 0;
  for (int i = -2000; i <= 2000; ++i) {
    const double t = i * (0.46875 / 2000);
    if (t == 0) continue;
    worst = std::max(worst, rel(sp::erf_small(t), std::erf(static_cast<long double>(t))));
    CHECK(sp::erf_small(-t) == -sp::erf_small(t));
  }
  MESSAGE("max relative error " << worst);
  CHECK(worst < 5e-16);
}

TEST_CASE("erfcx: the normal CDF from one exp matches std::erfc across the range") {
  // The grid posterior's use: Phi(x) = exp(-x²/2) erfcx(-x/√2) / 2 for x < 0.
  // exp(-x²/2) carries the rounding of x²/2 (x² · 1.1e-16 relative), so the bound grows with x².
  double worst = 0;
  for (int i = 1; i <= 3000; ++i) {
    const double x = -i * 0.01;  // down to -30 (Phi ~ 5e-198)
    const double u = -x / std::sqrt(2.0);
    const double phi = 0.5 * std::exp(-0.5 * x * x) * sp::erfcx(u);
    const long double ref = 0.5L * std::erfc(static_cast<long double>(u));
    const double err = rel(phi, ref);
    worst = std::max(worst, err / (1 + x * x));
    CHECK(err < 1e-15 + 2.3e-16 * x * x);
  }
  MESSAGE("max relative error / (1 + x²): " << worst);
}
