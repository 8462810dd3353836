#pragma once
// Small dense linear algebra in double precision, namespace locus::linalg: dot, axpy, an
// in-place Cholesky factorisation, triangular solves, the inverse of a Cholesky factor and
// K⁻¹ = L⁻ᵀL⁻¹. Written for the Gaussian process likelihood (n ≈ 100, a Cholesky, K⁻¹ and a
// few solves per evaluation): no BLAS/LAPACK is needed for n in the hundreds.
//
// Storage is column-major with a leading dimension ld. The padded form, ld >= padded_ld(n)
// with zero padding rows, lets every column loop run in whole SIMD batches (up to
// block_rows rows past the last one) instead of finishing with scalar iterations, and lets
// the triangular kernels hold block_rows rows in registers. Why: written as axpys over
// columns, every multiply-add came with a store and the short columns ended in scalar
// remainders, store-bound at a quarter of the FMA rate (docs/design-notes.md). With ld = n
// (the overloads without ld) the same functions work on unpadded matrices, more slowly.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <locus/core/simd.hpp>

namespace locus::linalg {

using batch = simd::batch<double>;
inline constexpr std::size_t lanes = simd::lanes<double>;
inline constexpr std::size_t block_rows = 8;  // rows per register block of the triangular kernels

// Leading dimension of a padded n×n work matrix: n rounded up to the lane count, plus
// block_rows rows of zeros.
inline std::size_t padded_ld(std::size_t n) { return (n + lanes - 1) / lanes * lanes + block_rows; }

// Sum of the lanes, through memory (xsimd 8.1's AVX-512 hadd trips -Wmaybe-uninitialized in GCC 12).
inline double lane_sum(const batch& v) {
  constexpr std::size_t W = batch::size;
  alignas(64) double buf[W];
  v.store_aligned(buf);
  double s = 0;
  for (std::size_t k = 0; k < W; ++k) s += buf[k];
  return s;
}

// Σ a[i] b[i], two batches per step (two independent accumulator chains).
inline double dot(const double* a, const double* b, std::size_t n) {
  using B = batch;
  constexpr std::size_t W = B::size;
  std::size_t i = 0;
  B acc0(0.0), acc1(0.0);
  for (; i + 2 * W <= n; i += 2 * W) {
    acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
    acc1 = xsimd::fma(B::load_unaligned(a + i + W), B::load_unaligned(b + i + W), acc1);
  }
  for (; i + W <= n; i += W) acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
  double s = lane_sum(acc0 + acc1);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y[i] += a * x[i]. Explicit batches: callers pass rows of one buffer, which the compiler
// cannot prove disjoint, so it would not vectorise the plain loop.
inline void axpy(double a, const double* x, double* y, std::size_t n) {
  using B = batch;
  constexpr std::size_t W = B::size;
  const B av(a);
  std::size_t i = 0;
  for (; i + W <= n; i += W) xsimd::fma(av, B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += a * x[i];
}

namespace detail {

// y[0..len) += a x[0..len) in whole batches when `wide` (the caller has room and finite
// padding past len), else with a scalar tail.
inline void axpy_rows(double a, const double* x, double* y, std::size_t len, bool wide) {
  if (!wide) return axpy(a, x, y, len);
  const batch av(a);
  for (std::size_t i = 0; i < len; i += lanes)
    xsimd::fma(av, batch::load_unaligned(x + i), batch::load_unaligned(y + i)).store_unaligned(y + i);
}

// Rows r0 .. r0 + NB·W - 1 of column j minus Σ_{k<j} L(j,k)·L(rows, k), accumulated in
// registers (one load and one multiply-add per element, one store per batch at the end).
template <std::size_t NB>
inline void cholesky_column_rows(double* a, std::size_t ld, std::size_t j, std::size_t r0) {
  constexpr std::size_t W = lanes;
  std::array<batch, NB> acc;
  double* cj = a + j * ld + r0;
  for (std::size_t b = 0; b < NB; ++b) acc[b] = batch::load_unaligned(cj + b * W);
  for (std::size_t k = 0; k < j; ++k) {
    const double* ck = a + k * ld + r0;
    const batch l(a[k * ld + j]);
    for (std::size_t b = 0; b < NB; ++b) acc[b] = xsimd::fnma(l, batch::load_unaligned(ck + b * W), acc[b]);
  }
  for (std::size_t b = 0; b < NB; ++b) acc[b].store_unaligned(cj + b * W);
}

// Column j once its updates are in: L(j,j) = sqrt, the rows below divided by it. False if the
// pivot is not positive and finite (the matrix is not positive definite).
inline bool cholesky_scale_column(double* cj, std::size_t j, std::size_t n) {
  const double ajj = cj[j];
  if (!(ajj > 0) || !std::isfinite(ajj)) return false;
  const double ljj = std::sqrt(ajj);
  cj[j] = ljj;
  const double inv = 1.0 / ljj;
  for (std::size_t i = j + 1; i < n; ++i) cj[i] *= inv;
  return true;
}

}  // namespace detail

// In-place Cholesky of a symmetric positive definite matrix in column-major storage with
// leading dimension ld (the lower triangle is read and overwritten with L). Returns false if
// not positive definite. With ld >= padded_ld(n) and zero padding rows: left-looking, in whole
// batches with the rows of a column held in registers; otherwise right-looking by axpys.
inline bool cholesky(double* a, std::size_t n, std::size_t ld) {
  const bool wide = ld >= padded_ld(n);
  if (wide) {  // left-looking: column j from all earlier columns, 8 batches of rows in registers
    constexpr std::size_t W = lanes;
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t r0 = j; r0 < n; r0 += 8 * W) {
        switch (std::min<std::size_t>(8, (n - r0 + W - 1) / W)) {
          case 1: detail::cholesky_column_rows<1>(a, ld, j, r0); break;
          case 2: detail::cholesky_column_rows<2>(a, ld, j, r0); break;
          case 3: detail::cholesky_column_rows<3>(a, ld, j, r0); break;
          case 4: detail::cholesky_column_rows<4>(a, ld, j, r0); break;
          case 5: detail::cholesky_column_rows<5>(a, ld, j, r0); break;
          case 6: detail::cholesky_column_rows<6>(a, ld, j, r0); break;
          case 7: detail::cholesky_column_rows<7>(a, ld, j, r0); break;
          default: detail::cholesky_column_rows<8>(a, ld, j, r0); break;
        }
      }
      if (!detail::cholesky_scale_column(a + j * ld, j, n)) return false;
    }
    return true;
  }
  for (std::size_t j = 0; j < n; ++j) {  // right-looking, for unpadded matrices
    double* cj = a + j * ld;
    if (!detail::cholesky_scale_column(cj, j, n)) return false;
    for (std::size_t k = j + 1; k < n; ++k) axpy(-cj[k], cj + k, a + k * ld + k, n - k);
  }
  return true;
}
inline bool cholesky(double* a, std::size_t n) { return cholesky(a, n, n); }

// Solves L z = b in place (L lower, column-major, leading dimension ld; b padded like L's
// columns when ld >= padded_ld(n)).
inline void forward_solve(const double* l, std::size_t n, double* b, std::size_t ld) {
  const bool wide = ld >= padded_ld(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double* cj = l + j * ld;
    const double zj = b[j] / cj[j];
    b[j] = zj;
    detail::axpy_rows(-zj, cj + j + 1, b + j + 1, n - j - 1, wide);
  }
}
inline void forward_solve(const double* l, std::size_t n, double* b) { forward_solve(l, n, b, n); }

// Solves Lᵀ x = z in place.
inline void backward_solve(const double* l, std::size_t n, double* z, std::size_t ld) {
  for (std::size_t j = n; j-- > 0;) {
    const double* cj = l + j * ld;
    z[j] = (z[j] - dot(cj + j + 1, z + j + 1, n - j - 1)) / cj[j];
  }
}
inline void backward_solve(const double* l, std::size_t n, double* z) { backward_solve(l, n, z, n); }

// X = L⁻¹ (L: n×n lower, column-major, ld = padded_ld(n), zero padding rows) in column blocks
// of `lanes`: x[c·rows·W + i·W + r] = X(i, cW + r) for rows i >= cW (rows = ld, W = lanes;
// x holds ld·ld doubles). Each block is a forward substitution with W right-hand sides, 8 rows
// at a time held in registers (8 accumulators, one load and 8 multiply-adds per earlier
// row): compute-bound, unlike the axpy form. inv_diag: 1/L(i,i), zero past n (so padding
// rows stay finite).
inline void triangular_inverse(const double* l, std::size_t n, std::size_t ld, const double* inv_diag, double* x) {
  constexpr std::size_t W = lanes, R = block_rows;
  const std::size_t nb = (n + W - 1) / W;
  for (std::size_t c = 0; c < nb; ++c) {
    const std::size_t c0 = c * W;
    double* xb = x + c * ld * W;
    for (std::size_t i0 = c0; i0 < n; i0 += R) {
      std::array<batch, R> acc;
      for (std::size_t r = 0; r < R; ++r) {  // the identity's rows, restricted to this block's columns
        alignas(64) double e[W] = {};
        if (i0 + r - c0 < W) e[i0 + r - c0] = 1.0;
        acc[r] = batch::load_aligned(e);
      }
      for (std::size_t j = c0; j < i0; ++j) {
        const batch xj = batch::load_unaligned(xb + j * W);
        const double* lj = l + j * ld + i0;
        for (std::size_t r = 0; r < R; ++r) acc[r] = xsimd::fnma(batch(lj[r]), xj, acc[r]);
      }
      for (std::size_t r = 0; r < R; ++r) {  // the R×R diagonal block, in order
        for (std::size_t s = 0; s < r; ++s) acc[r] = xsimd::fnma(batch(l[(i0 + s) * ld + i0 + r]), acc[s], acc[r]);
        acc[r] *= batch(inv_diag[i0 + r]);
        acc[r].store_unaligned(xb + (i0 + r) * W);
      }
    }
  }
}

// K⁻¹ = XᵀX for X = L⁻¹ from triangular_inverse: the lower triangle (and the diagonal
// blocks whole) of K⁻¹, column-major with leading dimension ld. Block (A, B), A >= B:
// K⁻¹(A·W + a, B·W + b) = Σ_{i >= A·W} X(i, A·W + a) X(i, B·W + b): W accumulators (one
// per column b), one load and W multiply-adds per row i.
inline void inverse_from_triangular_inverse(const double* x, std::size_t n, std::size_t ld, double* kinv) {
  constexpr std::size_t W = lanes;
  const std::size_t nb = (n + W - 1) / W;
  for (std::size_t A = 0; A < nb; ++A) {
    const double* xa = x + A * ld * W;
    for (std::size_t B = 0; B <= A; ++B) {
      const double* xbb = x + B * ld * W;
      std::array<batch, W> acc;
      acc.fill(batch(0.0));
      for (std::size_t i = A * W; i < n; ++i) {
        const batch va = batch::load_unaligned(xa + i * W);
        const double* rb = xbb + i * W;
        for (std::size_t b = 0; b < W; ++b) acc[b] = xsimd::fma(batch(rb[b]), va, acc[b]);
      }
      for (std::size_t b = 0; b < W; ++b) acc[b].store_unaligned(kinv + (B * W + b) * ld + A * W);
    }
  }
}

}  // namespace locus::linalg
