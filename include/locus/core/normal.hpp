#pragma once
// The normal distribution's density, CDF, upper tail, quantile and scaled upper tail in
// double precision, namespace locus::normal (φ, Φ, Φ̄ = 1 − Φ, Φ⁻¹; z is a standard score).
//
//   pdf(z) = φ(z) = exp(−z²/2) / √(2π);   pdf(x, mean, sigma) = φ((x − mean)/sigma) / sigma
//   cdf(z) = Φ(z) = erfc(−z/√2) / 2       (erfc, not 1 + erf: no cancellation for z < 0)
//   upper_tail(z) = Φ̄(z) = erfc(z/√2) / 2 (= cdf(−z); accurate far into the upper tail)
//   quantile(p) = Φ⁻¹(p): P. J. Acklam's rational approximation (relative error < 1.15e-9)
//                 refined by one Halley step on Φ(x) − p, relative error ~1e-15 (from the
//                 exact quantile of the double p, also for p near 1);
//                 quantile(0) = −inf, quantile(1) = +inf, NaN outside [0, 1]
//   scaled_upper_tail(x) = exp(x²/2) Φ̄(x) = erfcx(x/√2) / 2 exactly (erfcx(t) = exp(t²) erfc(t),
//                 core/erfcx.hpp), relative error ~1e-15 for every x ≥ 0 (≈ 1/(x√(2π)) for
//                 large x, where Φ̄ alone underflows); for x < 0 it is exp(x²/2) − that of −x.
//
// Why here: several models need these (expected improvement, the metallicity mixture, the
// toy u−g model, the truncated A_r prior), and they were written once per user before.
// Accuracy: tests/core/test_normal.cpp compares with long double references.
#include <cmath>
#include <limits>
#include <numbers>
#include <locus/core/erfcx.hpp>

namespace locus::normal {

// std::sqrt(2 * std::numbers::pi), the value the code before this header used (std::numbers
// has no √(2π); the correctly rounded one is an ulp higher, 2.5066282746310007).
inline constexpr double sqrt_2pi = 2.5066282746310002;

inline double pdf(double z) { return std::exp(-0.5 * z * z) / sqrt_2pi; }
inline double pdf(double x, double mean, double sigma) {
  const double t = (x - mean) / sigma;
  return std::exp(-0.5 * t * t) / (sigma * sqrt_2pi);
}

inline double cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
inline double upper_tail(double z) { return 0.5 * std::erfc(z / std::numbers::sqrt2); }

inline double quantile(double p) {
  if (!(p > 0 && p < 1)) {
    if (p == 0) return -std::numeric_limits<double>::infinity();
    if (p == 1) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Acklam's coefficients: central region |p - 1/2| <= 0.47575 (a, b), tails (c, d).
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // Halley: u = (Φ(x) − p)/φ(x). Above 0.97575 the residual comes from the upper tail,
  // (1 − p) − Φ̄(x) with 1 − p exact, else Φ(x) − p would keep only ulp(1)/φ(x) of x. The
  // step is skipped where exp(x²/2) overflows (p < ~1e-308, subnormal), leaving Acklam's 1e-9.
  const double e = p > 1 - 0.02425 ? (1 - p) - upper_tail(x) : cdf(x) - p;
  const double u = e * sqrt_2pi * std::exp(0.5 * x * x);
  if (!std::isfinite(u)) return x;
  return x - u / (1 + 0.5 * x * u);
}

inline double scaled_upper_tail(double x) {
  if (x < 0) return std::exp(0.5 * x * x) - scaled_upper_tail(-x);
  return 0.5 * special::erfcx(x / std::numbers::sqrt2);
}

}  // namespace locus::normal
