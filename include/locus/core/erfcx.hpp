#pragma once
// The scaled complementary error function erfcx(t) = exp(t²) erfc(t) for t >= 0, and erf on
// |t| <= 0.46875, as rational functions without any exp (scalar double or an xsimd batch).
//
// Why: the grid posterior's A_r CDF needs Φ and the Gaussian density at ~200 nodes per
// evaluation. Written as exp(-t²) · erfcx(t), both share one exp, and erfcx itself needs
// none (xsimd's erf/erfc evaluate exp internally, and its erfc loses up to 3e-12 relative).
//
// Formulas: W. J. Cody, "Rational Chebyshev approximations for the error function",
// Math. Comp. 23 (1969) 631-638, with the coefficients of his SPECFUN routine CALERF
// (netlib specfun, 1990), whose approximations are good to ~18 digits in exact arithmetic:
//   |t| <= 0.46875:   erf(t)   = t P4(t²) / Q4(t²)
//   0.46875 < t <= 4: erfcx(t) = P8(t) / Q8(t)
//   t > 4:            erfcx(t) = (1/√π - z P5(z)/Q5(z)) / t,  z = 1/t²
// (the same coefficients, rearranged: see erf_or_erfcx).
// Measured against long double exp(t²) erfc(t) in tests/core/test_erfcx.cpp.
#include <cmath>
#include <type_traits>
#include "simd.hpp"

namespace locus::special {

inline constexpr double erf_split = 0.46875;  // below: the erf form; above: the erfcx forms

namespace detail {
inline bool any_of(bool b) { return b; }
template <class M>
inline bool any_of(const M& m) {
  return xsimd::any(m);
}
template <class V>
inline V min_of(V a, V b) {
  if constexpr (std::is_arithmetic_v<V>) return a < b ? a : b;
  else return xsimd::min(a, b);
}
template <class V>
inline V abs_of(V a) {
  if constexpr (std::is_arithmetic_v<V>) return a < 0 ? -a : a;
  else return xsimd::abs(a);
}
}  // namespace detail

// erf(t) where t <= 0.46875 and erfcx(t) where t > 0.46875, for t >= 0, with a single division
// (the three rational forms are evaluated for every lane and the numerator and denominator
// selected; divisions, not multiply-adds, are what costs in SIMD). The asymptotic form is
// multiplied through by t^10 so that it needs no 1/t²: with s = t², Cody's z P5(z)/Q5(z) is
// N(s)/(s D(s)), N and D of degree 5 in s with all coefficients positive.
template <class V>
inline V erf_or_erfcx(V t) {
  constexpr double a[5] = {3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
                           3.20937758913846947e03, 1.85777706184603153e-1};
  constexpr double b[4] = {2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
                           2.84423683343917062e03};
  constexpr double c[9] = {5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
                           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
                           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8};
  constexpr double d[8] = {1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                           3.43936767414372164e03, 1.23033935480374942e03};
  constexpr double p[6] = {3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
                           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2};
  constexpr double q[5] = {2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                           6.05183413124413191e-2, 2.33520497626869185e-3};
  constexpr double inv_sqrt_pi = 0.56418958354775628695;
  // small: erf(t) = t (a4 s⁴ + a0 s³ + a1 s² + a2 s + a3) / (s⁴ + b0 s³ + b1 s² + b2 s + b3)
  const V ts = detail::min_of(t, V(erf_split)), ss = ts * ts;
  V ns = V(a[4]), ds = V(1.0);
  for (int i = 0; i < 4; ++i) {
    ns = ns * ss + V(a[i]);
    ds = ds * ss + V(i < 3 ? b[i] : b[3]);
  }
  // mid: erfcx(t) = (c8 t⁸ + c0 t⁷ + ... + c7) / (t⁸ + d0 t⁷ + ... + d7)
  const V tm = detail::min_of(t, V(4.0));
  V nm = V(c[8]), dm = V(1.0);
  for (int i = 0; i < 8; ++i) {
    nm = nm * tm + V(c[i]);
    dm = dm * tm + V(d[i]);
  }
  // far: erfcx(t) = (1/√π - N/(s D)) / t = (s D/√π - N) / (t s D); s is capped at 1e16 (beyond,
  // erfcx(t) t is constant to rounding, and the final 1/t keeps the exact t)
  const V sf = detail::min_of(t * t, V(1e16));
  // N = p4 s⁵ + p3 s⁴ + p2 s³ + p1 s² + p0 s + p5,  D = q4 s⁵ + q3 s⁴ + q2 s³ + q1 s² + q0 s + 1
  V nf = V(p[4]), df = V(q[4]);
  for (int i = 3; i >= 0; --i) {
    nf = nf * sf + V(p[i]);
    df = df * sf + V(q[i]);
  }
  nf = nf * sf + V(p[5]);
  df = df * sf + V(1.0);
  const V sdf = sf * df;
  const auto small = t <= V(erf_split), mid = t <= V(4.0);
  const V num = simd::select(small, ts * ns, simd::select(mid, nm, sdf * V(inv_sqrt_pi) - nf));
  const V den = simd::select(small, ds, simd::select(mid, dm, t * sdf));
  return num / den;
}

// erf(t) for |t| <= 0.46875.
template <class V>
inline V erf_small(V t) {
  const V r = erf_or_erfcx(detail::abs_of(t));
  return simd::select(t < V(0.0), -r, r);
}

// erfcx(t) for t >= 0.
template <class V>
inline V erfcx(V t) {
  const V r = erf_or_erfcx(t);
  const auto small = t <= V(erf_split);
  if (!detail::any_of(small)) return r;
  using std::exp;
  const V ts = simd::select(small, t, V(0.0));
  return simd::select(small, exp(ts * ts) * (V(1.0) - r), r);
}

}  // namespace locus::special
