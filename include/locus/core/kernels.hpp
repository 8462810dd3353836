#pragma once
// Hand-written xsimd kernels for dense layers.
//
// Layout. The public API is batch-major (rows = stars). Inside a chunk of rows the kernels
// work feature-major: element (feature f, row r) sits at p[f*ld + r], so a SIMD register
// holds one feature of `lanes` consecutive rows. Every row's arithmetic is then identical
// whatever chunk or lane it lands in (bit-identical results for any chunking or thread
// count), the weights stay in their natural [in × out] layout with no padding, and the
// activation is applied to the accumulators while they are still in registers.
// `n` (rows in a chunk) must be a multiple of simd::lanes<T>; callers pad chunks.
#include <algorithm>
#include <cstddef>
#include "simd.hpp"

namespace locus::kernels {

// out[q, r] = bias[q] + Σ_p w[p*wp + q*wq] · x[p, r]   for q < nq, r < n,
// then epi(q, r, accumulator) stores it. With (wp, wq) = (out, 1) this is X·W + b; with
// (1, out) and no bias it is the transpose product used for dX in back-propagation.
// Register block: QB outputs × RB vectors of rows. QB·RB accumulators + RB row vectors + one
// broadcast weight must fit the register file: 32 vector registers with AVX-512, 16 with AVX2.
namespace detail {
// Measured on the paper network (bench_inference, 1 thread): AVX2 4x4 0.177 s, 4x3 0.160 s,
// 3x4 0.151 s, 5x2 0.137 s, 6x2 0.136 s, 7x2 0.151 s. Any block gives bit-identical results.
#if defined(__AVX512F__)
inline constexpr std::size_t gemm_qb = 4, gemm_rb = 4;
#else
inline constexpr std::size_t gemm_qb = 6, gemm_rb = 2;
#endif
template <std::size_t QB, std::size_t RB, class T, class Epi>
inline void gemm_block(const T* w, std::size_t wp, std::size_t wq, const T* bias, std::size_t np,
                       const T* x, std::size_t ldx, std::size_t q0, std::size_t r0, Epi& epi) {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  B acc[QB][RB];
  for (std::size_t a = 0; a < QB; ++a) {
    const B init(bias ? bias[q0 + a] : T(0));
    for (std::size_t i = 0; i < RB; ++i) acc[a][i] = init;
  }
  const T* wcol = w + q0 * wq;
  const T* xrow = x + r0;
  for (std::size_t p = 0; p < np; ++p, wcol += wp, xrow += ldx) {
    B xv[RB];
    for (std::size_t i = 0; i < RB; ++i) xv[i] = B::load_unaligned(xrow + i * L);
    for (std::size_t a = 0; a < QB; ++a) {
      const B wv(wcol[a * wq]);
      for (std::size_t i = 0; i < RB; ++i) acc[a][i] = xsimd::fma(wv, xv[i], acc[a][i]);
    }
  }
  for (std::size_t a = 0; a < QB; ++a)
    for (std::size_t i = 0; i < RB; ++i) epi(q0 + a, r0 + i * L, acc[a][i]);
}

// Tails (outputs not a multiple of QB, row vectors not a multiple of RB) use single-width
// blocks: two block shapes per direction instead of sixteen keeps the instantiated code
// (which inlines the activation) small, and the tails are a small share of the work.
template <std::size_t RB, class T, class Epi>
inline void gemm_rows(const T* w, std::size_t wp, std::size_t wq, const T* bias, std::size_t np, std::size_t nq,
                      const T* x, std::size_t ldx, std::size_t r0, Epi& epi) {
  constexpr std::size_t QB = gemm_qb;
  std::size_t q = 0;
  for (; q + QB <= nq; q += QB) gemm_block<QB, RB>(w, wp, wq, bias, np, x, ldx, q, r0, epi);
  for (; q < nq; ++q) gemm_block<1, RB>(w, wp, wq, bias, np, x, ldx, q, r0, epi);
}
}  // namespace detail

template <class T, class Epi>
void gemm_fm(const T* w, std::size_t wp, std::size_t wq, const T* bias, std::size_t np, std::size_t nq,
             const T* x, std::size_t ldx, std::size_t n, Epi&& epi) {
  constexpr std::size_t L = simd::lanes<T>, RB = detail::gemm_rb;
  std::size_t r = 0;
  for (; r + RB * L <= n; r += RB * L) detail::gemm_rows<RB>(w, wp, wq, bias, np, nq, x, ldx, r, epi);
  for (; r < n; r += L) detail::gemm_rows<1>(w, wp, wq, bias, np, nq, x, ldx, r, epi);
}

// dw[p*nq + q] (+)= Σ_r x[p, r] · d[q, r]  and  db[q] (+)= Σ_r d[q, r]   (weight gradients).
// Each output is a dot product over rows, accumulated in lanes and reduced once, in a fixed
// order, so it is deterministic.
namespace detail {
template <std::size_t PB, std::size_t QB, class T>
inline void outer_block(const T* x, std::size_t ldx, const T* d, std::size_t ldd, std::size_t n, std::size_t p0,
                        std::size_t q0, std::size_t nq, T* dw, bool accumulate) {
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  B acc[PB][QB];
  for (std::size_t a = 0; a < PB; ++a)
    for (std::size_t c = 0; c < QB; ++c) acc[a][c] = B(T(0));
  for (std::size_t r = 0; r < n; r += L) {
    B xv[PB], dv[QB];
    for (std::size_t a = 0; a < PB; ++a) xv[a] = B::load_unaligned(x + (p0 + a) * ldx + r);
    for (std::size_t c = 0; c < QB; ++c) dv[c] = B::load_unaligned(d + (q0 + c) * ldd + r);
    for (std::size_t a = 0; a < PB; ++a)
      for (std::size_t c = 0; c < QB; ++c) acc[a][c] = xsimd::fma(xv[a], dv[c], acc[a][c]);
  }
  for (std::size_t a = 0; a < PB; ++a)
    for (std::size_t c = 0; c < QB; ++c) {
      T& out = dw[(p0 + a) * nq + q0 + c];
      const T s = xsimd::hadd(acc[a][c]);
      out = accumulate ? out + s : s;
    }
}
template <std::size_t PB, class T>
inline void outer_rowblock(const T* x, std::size_t ldx, const T* d, std::size_t ldd, std::size_t n, std::size_t p0,
                           std::size_t nq, T* dw, bool accumulate) {
  constexpr std::size_t QB = 4;
  std::size_t q = 0;
  for (; q + QB <= nq; q += QB) outer_block<PB, QB>(x, ldx, d, ldd, n, p0, q, nq, dw, accumulate);
  for (; q < nq; ++q) outer_block<PB, 1>(x, ldx, d, ldd, n, p0, q, nq, dw, accumulate);
}
}  // namespace detail

template <class T>
void weight_gradient_fm(const T* x, std::size_t ldx, std::size_t np, const T* d, std::size_t ldd, std::size_t nq,
                        std::size_t n, T* dw, T* db, bool accumulate) {
  constexpr std::size_t PB = 4;
  std::size_t p = 0;
  for (; p + PB <= np; p += PB) detail::outer_rowblock<PB>(x, ldx, d, ldd, n, p, nq, dw, accumulate);
  for (; p < np; ++p) detail::outer_rowblock<1>(x, ldx, d, ldd, n, p, nq, dw, accumulate);
  using B = simd::batch<T>;
  constexpr std::size_t L = simd::lanes<T>;
  for (std::size_t q = 0; q < nq; ++q) {
    B acc(T(0));
    for (std::size_t r = 0; r < n; r += L) acc = acc + B::load_unaligned(d + q * ldd + r);
    const T s = xsimd::hadd(acc);
    db[q] = accumulate ? db[q] + s : s;
  }
}

// Batch-major [n × cols] (leading dimension ldb) <-> feature-major [cols × n_pad] (ldf).
// Padding rows of the feature-major block are set to zero.
template <class T, class S>
void to_feature_major(const S* b, std::size_t ldb, std::size_t n, std::size_t cols, T* f, std::size_t ldf,
                      std::size_t n_pad) {
  for (std::size_t c = 0; c < cols; ++c) {
    T* out = f + c * ldf;
    for (std::size_t r = 0; r < n; ++r) out[r] = static_cast<T>(b[r * ldb + c]);
    std::fill(out + n, out + n_pad, T(0));
  }
}
template <class T, class S>
void to_batch_major(const T* f, std::size_t ldf, std::size_t n, std::size_t cols, S* b, std::size_t ldb) {
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < cols; ++c) b[r * ldb + c] = static_cast<S>(f[c * ldf + r]);
}

}  // namespace locus::kernels
