#pragma once
// GaussianProcess: GP regression with a Matérn-5/2 ARD kernel, a constant mean and a noise
// term, as used by Bayesian optimisation.
//
//   k(x, x') = s² (1 + √5 r + 5r²/3) exp(-√5 r),   r² = Σ_k (x_k - x'_k)² / l_k²
//   y = c + f(x) + ε,   f ~ GP(0, k),   ε ~ N(0, σ_n²)
//
// fit() factorises K + σ_n² I by Cholesky (no explicit inverse is used for prediction).
// optimize() maximises the log marginal likelihood over (log s², log l_1..l_d, log σ_n²)
// with L-BFGS (core/lbfgs.hpp) from several starts (the current hyperparameters plus random ones; each start
// gets a short run and the best is then run to convergence), with the
// mean c profiled out by its generalised-least-squares value (its gradient then vanishes,
// so the gradient of the profiled likelihood is the partial gradient). Bounds are kept by a
// smooth reparametrisation θ = lo + (hi - lo)·sigmoid(u), so the optimiser is unconstrained.
// The analytic gradient is 0.5 tr((ααᵀ - K⁻¹) ∂K/∂θ); its inner sums run over the pairs of
// points with precomputed squared differences, so a likelihood evaluation costs one
// Cholesky plus O(n³/3) for K⁻¹ plus O(n² d). The Cholesky, solves and K⁻¹ are the padded,
// register-blocked kernels of core/linalg.hpp.
//
// predict() returns the latent mean and standard deviation (noise excluded), matching
// scikit-learn's GaussianProcessRegressor with alpha = σ_n² (tests/python/check_gp_sklearn.py).
//
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics
// (_mm512_undefined_pd) used by xsimd's exp; the warning is spurious. The pragma comes
// before the includes so that it also covers xsimd's out-of-line instantiations (as in
// sanitizer builds, where exp is not inlined), whose locations are in those headers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>
#include <xsimd/xsimd.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/lbfgs.hpp>
#include <locus/core/linalg.hpp>
#include <locus/core/parallel_for.hpp>
#include <locus/core/rng.hpp>
#include <locus/core/tensor.hpp>

namespace locus::tune {

struct GpHyperparameters {
  double mean = 0;                   // c
  double signal_variance = 1;        // s²
  std::vector<double> length_scales; // l_k, one per input dimension (ARD)
  double noise_variance = 1e-6;      // σ_n²
};

// Options of GaussianProcess::optimize. Variance bounds are relative to the variance of y,
// length-scale bounds absolute (inputs of a SearchSpace encoding live in [0,1]).
struct GpFitOptions {
  std::size_t restarts = 3;          // starts: the current hyperparameters + (restarts-1) random
  std::size_t max_iterations = 80;   // L-BFGS iterations in total for the best start
  std::size_t screen_iterations = 15;  // iterations every start gets before the best is refined
  double tolerance = 1e-6;           // relative change of the objective that stops a start
  double min_length = 0.02, max_length = 50;
  double min_signal = 0.02, max_signal = 50;
  double min_noise = 1e-8, max_noise = 0.5;
  std::size_t threads = 1;           // starts run in parallel (deterministic: best start wins, ties by index)
};

namespace detail {

constexpr double sqrt5 = 2.23606797749978969640917366873128;

// In place: r2[i] <- s²(1 + √5 r + 5r²/3) e^{-√5 r}; if deriv, deriv[i] <- s²(5/3)(1 + √5 r) e^{-√5 r}
// (the factor of ∂k/∂log l_k that multiplies (Δ_k / l_k)²).
inline void matern52(double* r2, std::size_t count, double sf2, double* deriv = nullptr) {
  using B = xsimd::batch<double>;
  constexpr std::size_t W = B::size;
  std::size_t i = 0;
  const B s5(sqrt5), c53(5.0 / 3.0), one(1.0), sf(sf2);
  for (; i + W <= count; i += W) {
    const B q = B::load_unaligned(r2 + i);
    const B r = xsimd::sqrt(q);
    const B e = xsimd::exp(-s5 * r);
    const B poly = one + s5 * r;
    (sf * (poly + c53 * q) * e).store_unaligned(r2 + i);
    if (deriv) (sf * c53 * poly * e).store_unaligned(deriv + i);
  }
  for (; i < count; ++i) {
    const double q = r2[i], r = std::sqrt(q), e = std::exp(-sqrt5 * r);
    r2[i] = sf2 * (1 + sqrt5 * r + (5.0 / 3.0) * q) * e;
    if (deriv) deriv[i] = sf2 * (5.0 / 3.0) * (1 + sqrt5 * r) * e;
  }
}

// A row of 8 doubles for every byte b: element k is bit k of b (0 or 1). W lanes of a bit
// column come from this table, so they enter the same fma as a stored column of doubles.
inline const double* bit_rows() {
  struct Rows {
    alignas(64) double r[256 * 8];  // rows on cache-line boundaries: no split loads
    Rows() {
      for (std::size_t b = 0; b < 256; ++b)
        for (std::size_t k = 0; k < 8; ++k) r[b * 8 + k] = static_cast<double>((b >> k) & 1u);
    }
  };
  static const Rows rows;
  return rows.r;
}

// acc + a on the lanes of group g (pairs g*W .. g*W+W-1) whose bit is set in the byte column
// `bytes` (pair p is bit p%8 of bytes[p/8]): fma(a, (0/1 lanes), acc) exactly (a 0 lane adds
// +0, and acc is never -0), by one masked add on AVX-512, elsewhere by a multiply-add with
// W lanes of the byte's row of bit_rows() (consecutive groups share the byte's load).
// `rows` is bit_rows(), fetched by the caller once (not past a static's guard in the loop).
inline linalg::batch add_where(linalg::batch acc, linalg::batch a, const std::uint8_t* bytes, std::size_t g,
                               [[maybe_unused]] const double* rows) {
  constexpr std::size_t W = linalg::lanes;
  const unsigned byte = bytes[g * W / 8];
#if defined(__AVX512F__)
  if constexpr (W == 8)
    return linalg::batch(_mm512_mask_add_pd(acc, static_cast<__mmask8>(byte), acc, a));
  else
#endif
    return xsimd::fma(a, linalg::batch::load_aligned(rows + byte * 8 + g * W % 8), acc);
}

// Pairwise data of a training set, independent of the hyperparameters: the squared
// differences (x_ik - x_jk)² of every pair p = (i > j), in column order. A dimension whose
// squared differences are all 0 or 1 (a one-hot coordinate, an inactive or constant input) is
// stored as one bit per pair; the others as doubles. One-hot encodings are mostly such
// columns (paper 000's space: 120 of 131), so the likelihood's passes over the pairs read a
// few hundred kB instead of megabytes; the arithmetic, and so every result, is the same as
// with all columns stored as doubles. build() reuses the storage of an earlier call.
struct GpPairs {
  std::size_t n = 0, d = 0, pairs = 0, bytes = 0;  // bytes: per bit column, ceil(pairs / 8) + padding
  std::vector<char> binary;      // per dimension
  std::vector<std::size_t> col;  // per dimension: its column in d2 or in bits
  std::vector<double> d2;        // dense column c: d2[c*pairs + p]
  std::vector<std::uint8_t> bits;  // binary column c: pair p is bit p%8 of bits[c*bytes + p/8]
  std::vector<std::uint64_t> value_bits, stream;  // scratch of build()
  GpPairs() = default;
  GpPairs(const double* x, std::size_t n_, std::size_t d_, bool bit_columns = true) { build(x, n_, d_, bit_columns); }

  // bit_columns = false stores every column as doubles (the tests compare the two forms).
  void build(const double* x, std::size_t n_, std::size_t d_, bool bit_columns = true) {
    constexpr std::size_t W = linalg::lanes;
    static_assert(W <= 8, "a group of lanes must fit one byte");
    n = n_, d = d_, pairs = n * (n - 1) / 2;
    bytes = (pairs + 7) / 8 + 1;
    binary.assign(d, 0);
    col.assign(d, 0);
    std::size_t dense = 0, nbin = 0;
    for (std::size_t k = 0; k < d; ++k) {
      // binary: at most two distinct values, one apart
      double a = x[k], b = a;
      bool ok = true;
      for (std::size_t i = 1; i < n && ok; ++i) {
        const double v = x[i * d + k];
        if (v == a || v == b) continue;
        if (a == b) b = v;
        else ok = false;
      }
      ok = ok && bit_columns && (a == b || (a - b) * (a - b) == 1.0);
      binary[k] = ok;
      col[k] = ok ? nbin++ : dense++;
    }
    d2.resize(dense * pairs);
    bits.assign(nbin * bytes, 0);
    for (std::size_t k = 0; k < d; ++k) {
      std::size_t p = 0;
      if (binary[k]) {
        // Bit i of `value`: x_ik differs from x_0k. Pair (i, j) differs where value_i != value_j:
        // for each j, the bits of value after j (flipped if value_j is set), appended 64 at a
        // time to the stream of all pairs in order.
        value_bits.assign((n + 63) / 64 + 1, 0);
        for (std::size_t i = 0; i < n; ++i)
          if (x[i * d + k] != x[k]) value_bits[i / 64] |= std::uint64_t{1} << (i % 64);
        stream.assign((pairs + 63) / 64 + 1, 0);
        auto bits_from = [&](std::size_t s) {  // 64 bits of value_bits from bit s
          const std::size_t w = s / 64, o = s % 64;
          return o == 0 ? value_bits[w] : value_bits[w] >> o | value_bits[w + 1] << (64 - o);
        };
        for (std::size_t j = 0; j < n; ++j) {
          const std::size_t len = n - j - 1;
          const std::uint64_t flip = (value_bits[j / 64] >> (j % 64) & 1u) ? ~std::uint64_t{0} : 0;
          for (std::size_t t = 0; t < len; t += 64) {
            std::uint64_t c = bits_from(j + 1 + t) ^ flip;
            if (len - t < 64) c &= (std::uint64_t{1} << (len - t)) - 1;
            const std::size_t q = p + t, o = q % 64;
            stream[q / 64] |= c << o;
            if (o) stream[q / 64 + 1] |= c >> (64 - o);
          }
          p += len;
        }
        std::uint8_t* b = bits.data() + col[k] * bytes;
        for (std::size_t j = 0; j < (pairs + 7) / 8; ++j) b[j] = static_cast<std::uint8_t>(stream[j / 8] >> (j % 8 * 8));
      } else {
        double* c = d2.data() + col[k] * pairs;
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t i = j + 1; i < n; ++i, ++p) {
            const double diff = x[i * d + k] - x[j * d + k];
            c[p] = diff * diff;
          }
      }
    }
  }
  // Column k: its doubles (nullptr for a bit column) and its bits (nullptr for a dense one).
  const double* dense_of(std::size_t k) const { return binary[k] ? nullptr : d2.data() + col[k] * pairs; }
  const std::uint8_t* bits_of(std::size_t k) const { return binary[k] ? bits.data() + col[k] * bytes : nullptr; }
  double value(std::size_t k, std::size_t p) const {
    if (binary[k]) return static_cast<double>((bits[col[k] * bytes + p / 8] >> (p % 8)) & 1u);
    return d2[col[k] * pairs + p];
  }
  // out[k] = Σ_p a[p]·d2(k, p) for every dimension, each with linalg::dot's order of
  // operations (bit for bit the same sums). Four dimensions of one kind run together, so 8
  // independent chains hide the multiply-add latency and each load of a serves four.
  void dots(const double* a, double* out) const {
    constexpr std::size_t G = 4;
    std::size_t dense_k[G], bin_k[G], nd = 0, nb = 0;
    auto flush = [&](std::size_t* ks, std::size_t& m, bool bin) {
      if (m == 0) return;
      for (std::size_t j = m; j < G; ++j) ks[j] = ks[m - 1];  // a short group repeats its last dimension
      if (bin) {
        const std::uint8_t *b0 = bits_of(ks[0]), *b1 = bits_of(ks[1]), *b2 = bits_of(ks[2]), *b3 = bits_of(ks[3]);
        const double* rows = bit_rows();
        dots4(a, out, ks, m, [=](std::size_t j, std::size_t i, linalg::batch x, linalg::batch acc) {
          const std::uint8_t* b = j == 0 ? b0 : j == 1 ? b1 : j == 2 ? b2 : b3;
          return add_where(acc, x, b, i / linalg::lanes, rows);
        });
      } else {
        const double *c0 = dense_of(ks[0]), *c1 = dense_of(ks[1]), *c2 = dense_of(ks[2]), *c3 = dense_of(ks[3]);
        dots4(a, out, ks, m, [=](std::size_t j, std::size_t i, linalg::batch x, linalg::batch acc) {
          const double* c = j == 0 ? c0 : j == 1 ? c1 : j == 2 ? c2 : c3;
          return xsimd::fma(x, linalg::batch::load_unaligned(c + i), acc);
        });
      }
      m = 0;
    };
    for (std::size_t k = 0; k < d; ++k) {
      if (binary[k]) {
        bin_k[nb++] = k;
        if (nb == G) flush(bin_k, nb, true);
      } else {
        dense_k[nd++] = k;
        if (nd == G) flush(dense_k, nd, false);
      }
    }
    flush(bin_k, nb, true);
    flush(dense_k, nd, false);
  }

 private:
  // dots() for the dimensions ks[0..3] (the first m distinct); step(j, i, a_i, acc) returns
  // acc + a_i·d2(ks[j], i..i+W) as one multiply-add.
  template <class Step>
  void dots4(const double* a, double* out, const std::size_t* ks, std::size_t m, Step step) const {
    using B = linalg::batch;
    constexpr std::size_t W = B::size;
    B p0(0.0), p1(0.0), p2(0.0), p3(0.0), q0(0.0), q1(0.0), q2(0.0), q3(0.0);
    std::size_t i = 0;
    for (; i + 2 * W <= pairs; i += 2 * W) {
      const B a0 = B::load_unaligned(a + i), a1 = B::load_unaligned(a + i + W);
      p0 = step(0, i, a0, p0);
      p1 = step(1, i, a0, p1);
      p2 = step(2, i, a0, p2);
      p3 = step(3, i, a0, p3);
      q0 = step(0, i + W, a1, q0);
      q1 = step(1, i + W, a1, q1);
      q2 = step(2, i + W, a1, q2);
      q3 = step(3, i + W, a1, q3);
    }
    if (i + W <= pairs) {
      const B a0 = B::load_unaligned(a + i);
      p0 = step(0, i, a0, p0);
      p1 = step(1, i, a0, p1);
      p2 = step(2, i, a0, p2);
      p3 = step(3, i, a0, p3);
      i += W;
    }
    const B sums[4] = {p0 + q0, p1 + q1, p2 + q2, p3 + q3};
    for (std::size_t j = 0; j < m; ++j) {
      double s = linalg::lane_sum(sums[j]);
      for (std::size_t t = i; t < pairs; ++t) s += a[t] * value(ks[j], t);
      out[ks[j]] = s;
    }
  }
};

// Likelihood workspace for one optimisation start.
struct GpWork {
  std::vector<double> a, linv, kinv, inv_diag, alpha, ones_solved, kp, fp, w, g_len, inv_l2;
  std::vector<const double*> dense_of;
  std::vector<const std::uint8_t*> bits_of;
  std::size_t n = 0;
};

// v = count zeros; a growing v gets a quarter more room, so a BO run that adds one
// observation per step does not reallocate (and fault in) its matrices at every step.
inline void assign_zeros(std::vector<double>& v, std::size_t count) {
  if (v.capacity() < count) v.reserve(count + count / 4);
  v.assign(count, 0.0);
}

// -log marginal likelihood and its gradient w.r.t. theta = [log s², log l_1..l_d, log σ_n²].
// If profile_mean, c is set to its GLS optimum (written to *mean); otherwise *mean is used.
inline double gp_neg_lml(const GpPairs& pr, const double* y, const double* theta, bool profile_mean, double* mean,
                         double* grad, GpWork& w) {
  const std::size_t n = pr.n, d = pr.d, ld = linalg::padded_ld(n);
  using Bd = linalg::batch;
  constexpr std::size_t W = linalg::lanes;
  const double sf2 = std::exp(theta[0]);
  const double sn2 = std::exp(theta[d + 1]);
  w.inv_l2.resize(d);
  for (std::size_t k = 0; k < d; ++k) w.inv_l2[k] = std::exp(-2 * theta[1 + k]);
  const std::size_t pairs = n * (n - 1) / 2;
  if (w.n != n) {  // zero padding rows and columns once; later evaluations write only inside
    w.n = n;
    for (auto* m : {&w.a, &w.kinv, &w.linv}) assign_zeros(*m, ld * ld);
    for (auto* v : {&w.inv_diag, &w.alpha, &w.ones_solved}) assign_zeros(*v, ld);
    for (auto* v : {&w.kp, &w.fp, &w.w}) assign_zeros(*v, pairs);
  }
  {  // r² for all pairs, NB batches at a time summed over the dimensions in registers, then Matérn.
    // Blocks of 8 batches, then one of 4: the vector part covers the same pairs as blocks of 4.
    const double* rows = bit_rows();
    const double* inv_l2 = w.inv_l2.data();
    w.bits_of.resize(d);
    w.dense_of.resize(d);
    for (std::size_t k = 0; k < d; ++k) w.bits_of[k] = pr.bits_of(k), w.dense_of[k] = pr.dense_of(k);
    const std::uint8_t* const* bits_of = w.bits_of.data();
    const double* const* dense_of = w.dense_of.data();
    std::size_t p = 0;
    auto blocks = [&]<std::size_t NB>(std::integral_constant<std::size_t, NB>, std::size_t end) {
      for (; p + NB * W <= end; p += NB * W) {
        std::array<Bd, NB> r;
        r.fill(Bd(0.0));
        const std::size_t g = p / W;
        for (std::size_t k = 0; k < d; ++k) {
          const Bd il(inv_l2[k]);
          if (const std::uint8_t* b = bits_of[k]) {  // fma(il, 0/1 lanes, r), as add_where
            for (std::size_t v = 0; v < NB; ++v) r[v] = add_where(r[v], il, b, g + v, rows);
          } else {
            const double* dk = dense_of[k] + p;
            for (std::size_t v = 0; v < NB; ++v) r[v] = xsimd::fma(il, Bd::load_unaligned(dk + v * W), r[v]);
          }
        }
        for (std::size_t v = 0; v < NB; ++v) r[v].store_unaligned(w.kp.data() + p + v * W);
      }
    };
    const std::size_t vector_end = pairs / (4 * W) * (4 * W);
    blocks(std::integral_constant<std::size_t, 8>{}, vector_end);
    blocks(std::integral_constant<std::size_t, 4>{}, vector_end);
    for (; p < pairs; ++p) {
      double r = 0;
      for (std::size_t k = 0; k < d; ++k) r += w.inv_l2[k] * pr.value(k, p);
      w.kp[p] = r;
    }
  }
  matern52(w.kp.data(), pairs, sf2, w.fp.data());
  std::size_t p = 0;
  for (std::size_t j = 0; j < n; ++j) {
    double* col = w.a.data() + j * ld;
    col[j] = sf2 + sn2;
    std::copy(w.kp.data() + p, w.kp.data() + p + (n - j - 1), col + j + 1);  // lower triangle, column j
    p += n - j - 1;
  }
  if (!linalg::cholesky(w.a.data(), n, ld)) return std::numeric_limits<double>::infinity();
  const double* l = w.a.data();
  double c = *mean;
  if (profile_mean) {
    std::fill(w.ones_solved.begin(), w.ones_solved.begin() + n, 1.0);
    linalg::forward_solve(l, n, w.ones_solved.data(), ld);
    linalg::backward_solve(l, n, w.ones_solved.data(), ld);
    std::copy(y, y + n, w.alpha.begin());
    linalg::forward_solve(l, n, w.alpha.data(), ld);
    linalg::backward_solve(l, n, w.alpha.data(), ld);
    const double num = std::accumulate(w.alpha.begin(), w.alpha.begin() + n, 0.0);
    const double den = std::accumulate(w.ones_solved.begin(), w.ones_solved.begin() + n, 0.0);
    c = den > 0 ? num / den : 0.0;
    *mean = c;
    for (std::size_t i = 0; i < n; ++i) w.alpha[i] -= c * w.ones_solved[i];
  } else {
    for (std::size_t i = 0; i < n; ++i) w.alpha[i] = y[i] - c;
    linalg::forward_solve(l, n, w.alpha.data(), ld);
    linalg::backward_solve(l, n, w.alpha.data(), ld);
  }
  double fit = 0, logdet = 0;
  for (std::size_t i = 0; i < n; ++i) {
    fit += (y[i] - c) * w.alpha[i];
    logdet += std::log(l[i * ld + i]);
  }
  const double nlml = 0.5 * fit + logdet + 0.5 * static_cast<double>(n) * std::log(2 * 3.14159265358979323846);
  if (!grad) return nlml;

  // K⁻¹ = L⁻ᵀ L⁻¹ by two register-blocked triangular products (lower triangle, column-major).
  for (std::size_t i = 0; i < n; ++i) w.inv_diag[i] = 1.0 / l[i * ld + i];
  linalg::triangular_inverse(l, n, ld, w.inv_diag.data(), w.linv.data());
  linalg::inverse_from_triangular_inverse(w.linv.data(), n, ld, w.kinv.data());
  // W = ααᵀ - K⁻¹ on the pairs (i > j, in the kernel's column order) and the diagonal;
  // pair_k = Σ W·k, and w.w = W·(the Matérn derivative factor).
  double trace_w = 0;
  Bd pk(0.0);
  double pair_k = 0;
  p = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double aj = w.alpha[j];
    const double* kc = w.kinv.data() + j * ld;
    trace_w += aj * aj - kc[j];
    std::size_t i = j + 1;
    for (; i + W <= n; i += W, p += W) {
      const Bd wij = xsimd::fms(Bd::load_unaligned(w.alpha.data() + i), Bd(aj), Bd::load_unaligned(kc + i));
      pk = xsimd::fma(wij, Bd::load_unaligned(w.kp.data() + p), pk);
      (wij * Bd::load_unaligned(w.fp.data() + p)).store_unaligned(w.w.data() + p);
    }
    for (; i < n; ++i, ++p) {
      const double wij = w.alpha[i] * aj - kc[i];
      pair_k += wij * w.kp[p];
      w.w[p] = wij * w.fp[p];
    }
  }
  pair_k += linalg::lane_sum(pk);
  w.g_len.resize(d);
  pr.dots(w.w.data(), w.g_len.data());
  // d(-lml)/dθ = -0.5 Σ_ij W_ij ∂K_ij/∂θ; pairs appear twice in the full sum.
  grad[0] = -(pair_k + 0.5 * sf2 * trace_w);
  for (std::size_t k = 0; k < d; ++k) grad[1 + k] = -(w.g_len[k] * w.inv_l2[k]);
  grad[d + 1] = -0.5 * sn2 * trace_w;
  return nlml;
}

inline double sigmoid(double u) { return 1.0 / (1.0 + std::exp(-u)); }
inline double logit(double p) { return std::log(p / (1 - p)); }

}  // namespace detail

// GaussianProcess: see the header comment. Inputs are rows of an n×d matrix (any real
// values; BayesianOptimizer passes SearchSpace encodings in [0,1]^d). A default-constructed
// GP gets unit length scales on its first fit. Not thread-safe while fitting; predict() is
// const and may be called concurrently.
class GaussianProcess {
 public:
  GaussianProcess() = default;
  explicit GaussianProcess(GpHyperparameters h) : hyper_(std::move(h)) {}

  const GpHyperparameters& hyperparameters() const { return hyper_; }
  void set_hyperparameters(GpHyperparameters h) {
    hyper_ = std::move(h);
    fitted_ = false;
  }
  std::size_t size() const { return n_; }
  std::size_t dim() const { return d_; }
  bool fitted() const { return fitted_; }

  // Conditions on (X, y) with the current hyperparameters. X is n×d row-major.
  void fit(const double* x, std::size_t n, std::size_t d, const double* y) {
    set_data(x, n, d, y);
    factorise();
  }
  void fit(const Matrix<double>& x, std::span<const double> y) {
    check_xy(x, y);
    fit(x.data(), x.shape(0), x.shape(1), y.data());
  }

  // Maximises the log marginal likelihood (several starts, see GpFitOptions), keeps the
  // best hyperparameters and fits. Returns the maximised log marginal likelihood.
  double optimize(const double* x, std::size_t n, std::size_t d, const double* y, Rng& rng,
                  const GpFitOptions& opt = {}) {
    if (n < 2) throw InputError("GaussianProcess::optimize: need at least 2 observations, got " + std::to_string(n));
    set_data(x, n, d, y);
    pairs_.build(x_.data(), n, d);  // storage kept between fits
    const detail::GpPairs& pairs = pairs_;
    double mu = 0, var = 0;
    for (std::size_t i = 0; i < n; ++i) mu += y[i];
    mu /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) var += (y[i] - mu) * (y[i] - mu);
    var /= static_cast<double>(n);
    if (!(var > 0)) var = 1;
    // log-space bounds for theta = [log s², log l_k, log σ_n²]
    const std::size_t dim = d + 2;
    std::vector<double> lo(dim), hi(dim);
    lo[0] = std::log(opt.min_signal * var), hi[0] = std::log(opt.max_signal * var);
    for (std::size_t k = 0; k < d; ++k) lo[1 + k] = std::log(opt.min_length), hi[1 + k] = std::log(opt.max_length);
    lo[d + 1] = std::log(opt.min_noise * var), hi[d + 1] = std::log(opt.max_noise * var);
    auto to_u = [&](const std::vector<double>& theta) {
      std::vector<double> u(dim);
      for (std::size_t k = 0; k < dim; ++k) {
        const double t = std::clamp((theta[k] - lo[k]) / (hi[k] - lo[k]), 1e-6, 1 - 1e-6);
        u[k] = detail::logit(t);
      }
      return u;
    };
    // Starts: the current hyperparameters (or defaults), then random ones.
    std::vector<std::vector<double>> starts;
    {
      std::vector<double> theta(dim);
      const bool have = hyper_.length_scales.size() == d;
      theta[0] = std::log(have ? hyper_.signal_variance : var);
      for (std::size_t k = 0; k < d; ++k) theta[1 + k] = std::log(have ? hyper_.length_scales[k] : 0.5);
      theta[d + 1] = std::log(have ? hyper_.noise_variance : 1e-3 * var);
      starts.push_back(to_u(theta));
    }
    for (std::size_t r = 1; r < std::max<std::size_t>(1, opt.restarts); ++r) {
      std::vector<double> u(dim);
      for (auto& v : u) v = 1.5 * rng.normal();
      starts.push_back(std::move(u));
    }
    struct Outcome {
      double f = std::numeric_limits<double>::infinity();
      std::vector<double> u;
      double mean = 0;
    };
    if (work_.size() < starts.size()) work_.resize(starts.size());
    auto run_start = [&](std::vector<double> u, std::size_t iterations, detail::GpWork& work) {
      std::vector<double> theta(dim), gtheta(dim);
      double mean = 0;
      auto objective = [&](const double* uu, double* gu) {
        for (std::size_t k = 0; k < dim; ++k) theta[k] = lo[k] + (hi[k] - lo[k]) * detail::sigmoid(uu[k]);
        const double f = detail::gp_neg_lml(pairs, y_.data(), theta.data(), true, &mean, gtheta.data(), work);
        for (std::size_t k = 0; k < dim; ++k) {
          const double sg = detail::sigmoid(uu[k]);
          gu[k] = gtheta[k] * (hi[k] - lo[k]) * sg * (1 - sg);
        }
        return f;
      };
      const double f = lbfgs_minimize(objective, u, iterations, opt.tolerance);
      std::vector<double> gtmp(dim);
      const double f_final = objective(u.data(), gtmp.data());  // sets the profiled mean at u
      return Outcome{std::isfinite(f) ? f_final : std::numeric_limits<double>::infinity(), u, mean};
    };
    // Every start gets a short run (in parallel); the best one is then run to convergence.
    const bool screen = starts.size() > 1 && opt.screen_iterations < opt.max_iterations;
    std::vector<Outcome> out(starts.size());
    parallel_for_static(starts.size(), opt.threads, [&](std::size_t, std::size_t s) {
      out[s] = run_start(starts[s], screen ? opt.screen_iterations : opt.max_iterations, work_[s]);
    });
    if (screen) {
      std::size_t lead = 0;
      for (std::size_t s = 1; s < out.size(); ++s)
        if (out[s].f < out[lead].f) lead = s;
      if (std::isfinite(out[lead].f)) {
        Outcome refined = run_start(out[lead].u, opt.max_iterations - opt.screen_iterations, work_[lead]);
        if (refined.f <= out[lead].f) out[lead] = std::move(refined);
      }
    }
    std::size_t best = 0;
    for (std::size_t s = 1; s < out.size(); ++s)
      if (out[s].f < out[best].f) best = s;
    if (!std::isfinite(out[best].f))
      throw InputError("GaussianProcess::optimize: the kernel matrix is not positive definite for any start (duplicate inputs with zero noise?)");
    GpHyperparameters h;
    h.mean = out[best].mean;
    h.signal_variance = std::exp(lo[0] + (hi[0] - lo[0]) * detail::sigmoid(out[best].u[0]));
    h.length_scales.resize(d);
    for (std::size_t k = 0; k < d; ++k)
      h.length_scales[k] = std::exp(lo[1 + k] + (hi[1 + k] - lo[1 + k]) * detail::sigmoid(out[best].u[1 + k]));
    h.noise_variance = std::exp(lo[d + 1] + (hi[d + 1] - lo[d + 1]) * detail::sigmoid(out[best].u[d + 1]));
    hyper_ = std::move(h);
    factorise();
    return lml_;
  }
  double optimize(const Matrix<double>& x, std::span<const double> y, Rng& rng, const GpFitOptions& opt = {}) {
    check_xy(x, y);
    return optimize(x.data(), x.shape(0), x.shape(1), y.data(), rng, opt);
  }

  // Log marginal likelihood of the fitted data under the current hyperparameters.
  double log_marginal_likelihood() const {
    require_fitted();
    return lml_;
  }
  // Log marginal likelihood of (x, y) under h with its mean fixed, and optionally its
  // gradient w.r.t. [log s², log l_1..l_d, log σ_n²] (used by the tests).
  static double log_marginal_likelihood(const double* x, std::size_t n, std::size_t d, const double* y,
                                        const GpHyperparameters& h, std::vector<double>* gradient = nullptr) {
    const detail::GpPairs pairs(x, n, d);
    std::vector<double> theta(d + 2);
    theta[0] = std::log(h.signal_variance);
    for (std::size_t k = 0; k < d; ++k) theta[1 + k] = std::log(h.length_scales.at(k));
    theta[d + 1] = std::log(h.noise_variance);
    detail::GpWork work;
    double mean = h.mean;
    std::vector<double> g(d + 2);
    const double f = detail::gp_neg_lml(pairs, y, theta.data(), false, &mean, gradient ? g.data() : nullptr, work);
    if (gradient) {
      gradient->resize(d + 2);
      for (std::size_t k = 0; k < d + 2; ++k) (*gradient)[k] = -g[k];
    }
    return -f;
  }

  // Latent predictive mean and standard deviation at the m rows of xs (m×d row-major).
  // Rows are processed in blocks of 16 (every inner loop runs across the block), and blocks
  // in parallel over `threads` (0: locus::num_threads()); results do not depend on it.
  void predict(const double* xs, std::size_t m, double* mean, double* sigma, std::size_t threads = 1) const {
    require_fitted();
    parallel_for_chunks(
        m, 8 * block,
        [&](std::size_t, std::size_t b, std::size_t e) {
          std::vector<double> work((n_ + d_) * block);
          for (std::size_t row = b; row < e; row += block)
            predict_block(xs + row * d_, std::min(block, e - row), mean + row, sigma + row, work);
        },
        threads);
  }
  std::pair<double, double> predict(std::span<const double> x) const {
    require_fitted();
    if (x.size() != d_) throw InputError("GaussianProcess::predict: expected " + std::to_string(d_) + " inputs, got " + std::to_string(x.size()));
    std::vector<double> work((n_ + d_) * block);
    double m = 0, s = 0;
    predict_block(x.data(), 1, &m, &s, work);
    return {m, s};
  }

 private:
  void check_xy(const Matrix<double>& x, std::span<const double> y) const {
    if (x.shape(0) != y.size())
      throw InputError("GaussianProcess: X has " + std::to_string(x.shape(0)) + " rows but y has " + std::to_string(y.size()) + " values");
  }
  void set_data(const double* x, std::size_t n, std::size_t d, const double* y) {
    if (n == 0 || d == 0) throw InputError("GaussianProcess: empty training set");
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(y[i])) throw InputError("GaussianProcess: y[" + std::to_string(i) + "] is not finite");
      for (std::size_t k = 0; k < d; ++k)
        if (!std::isfinite(x[i * d + k]))
          throw InputError("GaussianProcess: X[" + std::to_string(i) + ", " + std::to_string(k) + "] is not finite");
    }
    if (hyper_.length_scales.empty()) hyper_.length_scales.assign(d, 1.0);
    n_ = n;
    d_ = d;
    x_.assign(x, x + n * d);
    y_.assign(y, y + n);
  }
  void factorise() {
    if (hyper_.length_scales.size() != d_)
      throw ConfigError("GaussianProcess: " + std::to_string(hyper_.length_scales.size()) + " length scales for " + std::to_string(d_) + " input dimensions");
    if (!(hyper_.signal_variance > 0) || !(hyper_.noise_variance >= 0))
      throw ConfigError("GaussianProcess: variances must be positive");
    for (double l : hyper_.length_scales)
      if (!(l > 0)) throw ConfigError("GaussianProcess: length scales must be positive");
    inv_l_.resize(d_);
    for (std::size_t k = 0; k < d_; ++k) inv_l_[k] = 1.0 / hyper_.length_scales[k];
    xscaled_.resize(n_ * d_);
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t k = 0; k < d_; ++k) xscaled_[i * d_ + k] = x_[i * d_ + k] * inv_l_[k];
    // L in a padded work matrix (see linalg::padded_ld), so the batched kernels apply.
    const std::size_t n = n_;
    ld_ = linalg::padded_ld(n);
    l_.assign(ld_ * ld_, 0.0);
    std::vector<double> r2(n);
    for (std::size_t j = 0; j < n; ++j) {
      kernel_row(xscaled_.data() + j * d_, r2);
      std::copy(r2.begin() + static_cast<std::ptrdiff_t>(j), r2.end(), l_.begin() + static_cast<std::ptrdiff_t>(j * ld_ + j));
      l_[j * ld_ + j] += hyper_.noise_variance;
    }
    if (!linalg::cholesky(l_.data(), n, ld_))
      throw InputError("GaussianProcess: the kernel matrix is not positive definite (duplicate inputs with zero noise?)");
    alpha_.assign(ld_, 0.0);
    for (std::size_t i = 0; i < n; ++i) alpha_[i] = y_[i] - hyper_.mean;
    linalg::forward_solve(l_.data(), n, alpha_.data(), ld_);
    double fit = 0, logdet = 0;
    for (std::size_t i = 0; i < n; ++i) fit += alpha_[i] * alpha_[i], logdet += std::log(l_[i * ld_ + i]);
    lml_ = -0.5 * fit - logdet - 0.5 * static_cast<double>(n) * std::log(2 * 3.14159265358979323846);
    linalg::backward_solve(l_.data(), n, alpha_.data(), ld_);
    // X = L⁻¹, row-major with 8 zero rows of padding, for predict's variances.
    const std::size_t W = linalg::lanes;
    std::vector<double> inv_diag(ld_, 0.0), xb(ld_ * ld_, 0.0);
    for (std::size_t j = 0; j < n; ++j) inv_diag[j] = 1.0 / l_[j * ld_ + j];
    linalg::triangular_inverse(l_.data(), n, ld_, inv_diag.data(), xb.data());
    xinv_.assign((n + linalg::block_rows) * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) xinv_[i * n + j] = xb[(j / W) * ld_ * W + i * W + j % W];
    fitted_ = true;
  }
  // k(x, x_i) for all training points i; xs is a point already divided by the length scales.
  void kernel_row(const double* xs, std::vector<double>& out) const {
    for (std::size_t i = 0; i < n_; ++i) {
      const double* xi = xscaled_.data() + i * d_;
      double r2 = 0;
      for (std::size_t k = 0; k < d_; ++k) r2 += (xs[k] - xi[k]) * (xs[k] - xi[k]);
      out[i] = r2;
    }
    detail::matern52(out.data(), n_, hyper_.signal_variance);
  }
  static constexpr std::size_t block = 16;
  // Predicts `count` (<= block) rows; work holds n×block kernel values and d×block inputs.
  void predict_block(const double* xs, std::size_t count, double* mean, double* sigma, std::vector<double>& work) const {
    double* kb = work.data();               // kb[i*block + c] = k(x_i, xs_c)
    double* xt = work.data() + n_ * block;  // xt[k*block + c] = xs_c[k] / l_k
    std::fill(work.begin(), work.end(), 0.0);
    for (std::size_t c = 0; c < count; ++c)
      for (std::size_t k = 0; k < d_; ++k) xt[k * block + c] = xs[c * d_ + k] * inv_l_[k];
    // Explicit batches: the compiler cannot prove that rows of `work` do not alias. P training
    // points at a time, so that P·V independent chains run over the dimensions and each load
    // of the block serves P points.
    using B = xsimd::batch<double>;
    constexpr std::size_t W = B::size, V = block / W, P = V >= 4 ? 2 : 4;  // P·V chains fit the registers
    static_assert(block % W == 0);
    for (std::size_t i = 0; i < n_; i += P) {
      std::array<const double*, P> xp;
      for (std::size_t q = 0; q < P; ++q) xp[q] = xscaled_.data() + std::min(i + q, n_ - 1) * d_;
      std::array<std::array<B, V>, P> acc;
      for (auto& a : acc) a.fill(B(0.0));
      for (std::size_t k = 0; k < d_; ++k) {
        std::array<B, V> xv;
        for (std::size_t v = 0; v < V; ++v) xv[v] = B::load_unaligned(xt + k * block + v * W);
        for (std::size_t q = 0; q < P; ++q) {
          const B vq(xp[q][k]);
          for (std::size_t v = 0; v < V; ++v) {
            const B e = xv[v] - vq;
            acc[q][v] = xsimd::fma(e, e, acc[q][v]);
          }
        }
      }
      for (std::size_t q = 0; q < P && i + q < n_; ++q)
        for (std::size_t v = 0; v < V; ++v) acc[q][v].store_unaligned(kb + (i + q) * block + v * W);
    }
    detail::matern52(kb, n_ * block, hyper_.signal_variance);
    alignas(64) double mu[block], var[block];
    for (std::size_t c = 0; c < block; c += W) {
      B m(hyper_.mean);
      for (std::size_t i = 0; i < n_; ++i) m = xsimd::fma(B(alpha_[i]), B::load_unaligned(kb + i * block + c), m);
      m.store_aligned(mu + c);
    }
    // var = s² - |L⁻¹ k|² for the whole block: V = X K with X = L⁻¹ (row-major, zero above the
    // diagonal), R rows of V at a time in registers.
    constexpr std::size_t R = V >= 8 ? 1 : 8 / V;
    std::array<B, V> vacc;
    vacc.fill(B(hyper_.signal_variance));
    for (std::size_t i0 = 0; i0 < n_; i0 += R) {
      std::array<std::array<B, V>, R> acc{};
      for (auto& row : acc) row.fill(B(0.0));
      const std::size_t jend = std::min(i0 + R, n_);
      for (std::size_t j = 0; j < jend; ++j) {
        std::array<B, V> kj;
        for (std::size_t v = 0; v < V; ++v) kj[v] = B::load_unaligned(kb + j * block + v * W);
        for (std::size_t r = 0; r < R; ++r) {
          const B xr(xinv_[(i0 + r) * n_ + j]);
          for (std::size_t v = 0; v < V; ++v) acc[r][v] = xsimd::fma(xr, kj[v], acc[r][v]);
        }
      }
      for (std::size_t r = 0; r < R; ++r)
        for (std::size_t v = 0; v < V; ++v) vacc[v] = xsimd::fnma(acc[r][v], acc[r][v], vacc[v]);
    }
    for (std::size_t v = 0; v < V; ++v) vacc[v].store_aligned(var + v * W);
    for (std::size_t c = 0; c < count; ++c) {
      mean[c] = mu[c];
      sigma[c] = var[c] > 0 ? std::sqrt(var[c]) : 0.0;
    }
  }
  void require_fitted() const {
    if (!fitted_) throw ConfigError("GaussianProcess: call fit() or optimize() first");
  }

  GpHyperparameters hyper_;
  std::size_t n_ = 0, d_ = 0;
  std::vector<double> x_, y_, inv_l_, xscaled_, l_, alpha_, xinv_;  // l_: padded, leading dimension ld_
  // optimize()'s pair table and per-start workspaces, kept so that refits reuse their memory
  detail::GpPairs pairs_;
  std::vector<detail::GpWork> work_;
  std::size_t ld_ = 0;
  double lml_ = 0;
  bool fitted_ = false;
};

}  // namespace locus::tune

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
