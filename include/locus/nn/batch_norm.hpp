#pragma once
// BatchNorm<T>: batch normalisation of each feature, as torch.nn.BatchNorm1d(width,
// eps = 1e-5, momentum = 0.1) — paper 002's Dense → LeakyReLU → BatchNorm → Dropout block.
//  - Training (forward_train): y = γ (x − μ_B) / sqrt(σ²_B + ε) + β with the batch's mean and
//    biased variance. After each optimizer step the running statistics move towards the
//    batch's: running ← (1 − momentum) running + momentum · batch, with the unbiased
//    variance, exactly as PyTorch.
//  - Inference (predict): the running mean and variance take the batch's place.
// The "batch" is the trainer's gradient chunk (FitOptions::chunk_rows, 512 by default), which
// is the whole mini-batch whenever batch_size ≤ chunk_rows; with larger batches each chunk
// is normalised by its own statistics ("ghost" batch norm) while the running statistics still
// combine every chunk of the batch. Either way the result does not depend on the thread count.
// Padding rows are excluded from the statistics and get zero output and zero gradient.
// Parameter blocks: γ, β; state: running mean, running variance.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/simd.hpp"
#include "../core/tensor.hpp"
#include "layer.hpp"

namespace locus::nn {

template <class T = float>
class BatchNorm {
 public:
  using value_type = T;
  static constexpr std::string_view kind = "batch_norm";

  BatchNorm() = default;
  explicit BatchNorm(std::size_t width, double momentum = 0.1, double eps = 1e-5)
      : momentum_(momentum),
        eps_(eps),
        gamma_(std::array<std::size_t, 1>{width}),
        beta_(std::array<std::size_t, 1>{width}),
        mean_(std::array<std::size_t, 1>{width}),
        var_(std::array<std::size_t, 1>{width}) {
    if (width == 0) throw ConfigError("BatchNorm: width must be positive");
    if (!(momentum >= 0 && momentum <= 1))
      throw ConfigError("BatchNorm: momentum must be in [0, 1], got " + std::to_string(momentum));
    if (!(eps > 0)) throw ConfigError("BatchNorm: eps must be positive, got " + std::to_string(eps));
    reset();
  }
  BatchNorm(std::size_t width, Rng&, double momentum = 0.1, double eps = 1e-5) : BatchNorm(width, momentum, eps) {}

  void initialize(Rng&) { reset(); }
  std::size_t inputs() const { return gamma_.size(); }
  std::size_t outputs() const { return gamma_.size(); }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }
  Vector<T>& gain() { return gamma_; }
  const Vector<T>& gain() const { return gamma_; }
  Vector<T>& bias() { return beta_; }
  const Vector<T>& bias() const { return beta_; }
  Vector<T>& running_mean() { return mean_; }
  const Vector<T>& running_mean() const { return mean_; }
  Vector<T>& running_var() { return var_; }
  const Vector<T>& running_var() const { return var_; }

  std::size_t parameter_blocks() const { return 2; }
  void collect_parameters(std::vector<std::span<T>>& p) {
    p.emplace_back(gamma_.data(), gamma_.size());
    p.emplace_back(beta_.data(), beta_.size());
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    p.emplace_back(gamma_.data(), gamma_.size());
    p.emplace_back(beta_.data(), beta_.size());
  }
  void collect_state(std::vector<std::span<T>>& s) {
    s.emplace_back(mean_.data(), mean_.size());
    s.emplace_back(var_.data(), var_.size());
  }
  void collect_state(std::vector<std::span<const T>>& s) const {
    s.emplace_back(mean_.data(), mean_.size());
    s.emplace_back(var_.data(), var_.size());
  }

  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    using B = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    for (std::size_t q = 0; q < outputs(); ++q) {
      const T s = static_cast<T>(double(gamma_[q]) / std::sqrt(double(var_[q]) + eps_));
      const T c = static_cast<T>(double(beta_[q]) - double(mean_[q]) * double(s));
      for (std::size_t r = 0; r < n; r += L)
        xsimd::fma(B::load_unaligned(x + q * ldx + r), B(s), B(c)).store_unaligned(a + q * ld + r);
    }
  }

  // cache: x̂ [width × ld], then per feature 1/σ, μ_B and σ²_B (biased)
  std::size_t cache_size(std::size_t ld) const { return outputs() * ld + 3 * outputs(); }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass& pass) const {
    const std::size_t w = outputs(), rows = std::min(pass.rows, n);
    if (rows == 0) throw InputError("BatchNorm: a training batch has no rows");
    T* xh = cache;
    T* rs = cache + w * ld;
    for (std::size_t q = 0; q < w; ++q) {
      const T* xq = x + q * ldx;
      double m = 0;
      for (std::size_t r = 0; r < rows; ++r) m += xq[r];
      m /= double(rows);
      double v = 0;
      for (std::size_t r = 0; r < rows; ++r) v += (xq[r] - m) * (xq[r] - m);
      v /= double(rows);
      const double s = 1.0 / std::sqrt(v + eps_);
      rs[q] = static_cast<T>(s);
      rs[w + q] = static_cast<T>(m);
      rs[2 * w + q] = static_cast<T>(v);
      for (std::size_t r = 0; r < rows; ++r) {
        const T h = static_cast<T>((xq[r] - m) * s);
        xh[q * ld + r] = h;
        a[q * ld + r] = gamma_[q] * h + beta_[q];
      }
      for (std::size_t r = rows; r < n; ++r) xh[q * ld + r] = a[q * ld + r] = T(0);
    }
  }

  // dx = (γ/σ) (dy − mean(dy) − x̂ mean(dy x̂)) over the real rows; zero in padding rows.
  void backward_train_fm(const T*, std::size_t, T* cache, const T*, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    const std::size_t w = outputs(), rows = std::min(pass.rows, n);
    const T* xh = cache;
    const T* rs = cache + w * ld;
    T* dg = grads[0].data();
    T* db = grads[1].data();
    for (std::size_t q = 0; q < w; ++q) {
      const T* d = da + q * ld;
      const T* h = xh + q * ld;
      double sd = 0, sdh = 0;
      for (std::size_t r = 0; r < rows; ++r) {
        sd += d[r];
        sdh += double(d[r]) * h[r];
      }
      dg[q] = static_cast<T>(accumulate ? dg[q] + sdh : sdh);
      db[q] = static_cast<T>(accumulate ? db[q] + sd : sd);
      if (!dx) continue;
      const double k = double(gamma_[q]) * rs[q], md = sd / double(rows), mdh = sdh / double(rows);
      T* o = dx + q * lddx;
      for (std::size_t r = 0; r < rows; ++r) o[r] = static_cast<T>(k * (d[r] - md - h[r] * mdh));
      for (std::size_t r = rows; r < n; ++r) o[r] = T(0);
    }
  }

  // Chunk statistics: μ then biased σ², per feature.
  std::size_t statistics_size() const { return 2 * outputs(); }
  void export_statistics(const T* cache, std::size_t ld, T* out) const {
    const std::size_t w = outputs();
    const T* rs = cache + w * ld;
    for (std::size_t q = 0; q < 2 * w; ++q) out[q] = rs[w + q];
  }
  // Combines the chunks' statistics (Chan et al.'s pairwise formula, in chunk order) into the
  // batch's mean and unbiased variance and moves the running statistics towards them.
  void update_statistics(const std::vector<std::vector<T>>& chunks, std::size_t offset,
                         const std::vector<std::size_t>& rows) {
    const std::size_t w = outputs();
    for (std::size_t q = 0; q < w; ++q) {
      double n = 0, m = 0, m2 = 0;
      for (std::size_t c = 0; c < rows.size(); ++c) {
        const double nc = double(rows[c]), mc = chunks[c][offset + q], vc = chunks[c][offset + w + q];
        if (nc == 0) continue;
        const double nn = n + nc, delta = mc - m;
        m += delta * nc / nn;
        m2 += vc * nc + delta * delta * n * nc / nn;
        n = nn;
      }
      if (n == 0) continue;
      const double unbiased = n > 1 ? m2 / (n - 1) : m2;
      mean_[q] = static_cast<T>((1 - momentum_) * double(mean_[q]) + momentum_ * m);
      var_[q] = static_cast<T>((1 - momentum_) * double(var_[q]) + momentum_ * unbiased);
    }
  }

 private:
  void reset() {
    gamma_.fill(T(1));
    beta_.fill(T(0));
    mean_.fill(T(0));
    var_.fill(T(1));
  }

  double momentum_ = 0.1, eps_ = 1e-5;
  Vector<T> gamma_, beta_, mean_, var_;
};

}  // namespace locus::nn
