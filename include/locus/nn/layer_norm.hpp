#pragma once
// LayerNorm<T>: y = γ ⊙ (x − mean(x)) / sqrt(var(x) + ε) + β over the features of each row,
// as torch.nn.LayerNorm(width, eps) (biased variance; ε = 1e-5 by default, PyTorch's; Keras
// uses 1e-3). γ starts at 1 and β at 0. Paper 004 puts it after the stem, inside residual
// blocks and on the projection shortcut (see residual.hpp).
//
// Feature-major buffers make the per-row statistics a SIMD loop across rows. The layer
// contract is in layer.hpp; parameter blocks are γ then β.
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
class LayerNorm {
 public:
  using value_type = T;
  static constexpr std::string_view kind = "layer_norm";

  LayerNorm() = default;
  explicit LayerNorm(std::size_t width, double eps = 1e-5) : eps_(eps), gamma_(std::array<std::size_t, 1>{width}), beta_(std::array<std::size_t, 1>{width}) {
    if (width == 0) throw ConfigError("LayerNorm: width must be positive");
    if (!(eps > 0)) throw ConfigError("LayerNorm: eps must be positive, got " + std::to_string(eps));
    reset();
  }
  LayerNorm(std::size_t width, Rng&, double eps = 1e-5) : LayerNorm(width, eps) {}

  void initialize(Rng&) { reset(); }
  std::size_t inputs() const { return gamma_.size(); }
  std::size_t outputs() const { return gamma_.size(); }
  double eps() const { return eps_; }
  Vector<T>& gain() { return gamma_; }
  const Vector<T>& gain() const { return gamma_; }
  Vector<T>& bias() { return beta_; }
  const Vector<T>& bias() const { return beta_; }

  std::size_t parameter_blocks() const { return 2; }
  void collect_parameters(std::vector<std::span<T>>& p) {
    p.emplace_back(gamma_.data(), gamma_.size());
    p.emplace_back(beta_.data(), beta_.size());
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    p.emplace_back(gamma_.data(), gamma_.size());
    p.emplace_back(beta_.data(), beta_.size());
  }

  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    run(x, ldx, n, a, ld, nullptr, nullptr);
  }

  // cache: x̂ [width × ld], then 1/σ per row [ld]
  std::size_t cache_size(std::size_t ld) const { return (outputs() + 1) * ld; }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass&) const {
    run(x, ldx, n, a, ld, cache, cache + outputs() * ld);
  }

  // dx = (1/σ) (g − mean(g) − x̂ mean(g x̂)), g = γ ⊙ dy; dx is zero where dy is.
  void backward_train_fm(const T*, std::size_t, T* cache, const T*, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx, const TrainPass&) const {
    using B = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t w = outputs();
    const T* xh = cache;
    const T* rs = cache + w * ld;
    T* dg = grads[0].data();
    T* db = grads[1].data();
    for (std::size_t q = 0; q < w; ++q) {
      B sg(T(0)), sb(T(0));
      for (std::size_t r = 0; r < n; r += L) {
        const B d = B::load_unaligned(da + q * ld + r);
        sg += d * B::load_unaligned(xh + q * ld + r);
        sb += d;
      }
      const T g = xsimd::hadd(sg), bsum = xsimd::hadd(sb);
      dg[q] = accumulate ? dg[q] + g : g;
      db[q] = accumulate ? db[q] + bsum : bsum;
    }
    if (!dx) return;
    const B inv_w(T(1) / T(w));
    for (std::size_t r = 0; r < n; r += L) {
      B mg(T(0)), mgx(T(0));
      for (std::size_t q = 0; q < w; ++q) {
        const B g = B::load_unaligned(da + q * ld + r) * B(gamma_[q]);
        mg += g;
        mgx += g * B::load_unaligned(xh + q * ld + r);
      }
      mg *= inv_w;
      mgx *= inv_w;
      const B s = B::load_unaligned(rs + r);
      for (std::size_t q = 0; q < w; ++q) {
        const B g = B::load_unaligned(da + q * ld + r) * B(gamma_[q]);
        (s * (g - mg - B::load_unaligned(xh + q * ld + r) * mgx)).store_unaligned(dx + q * lddx + r);
      }
    }
  }

 private:
  void reset() {
    gamma_.fill(T(1));
    beta_.fill(T(0));
  }
  // Two passes per row block (mean, then variance about it), as PyTorch does, for accuracy.
  void run(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* xhat, T* rstd) const {
    using B = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    const std::size_t w = outputs();
    const B inv_w(T(1) / T(w)), eps(static_cast<T>(eps_));
    for (std::size_t r = 0; r < n; r += L) {
      B m(T(0));
      for (std::size_t q = 0; q < w; ++q) m += B::load_unaligned(x + q * ldx + r);
      m *= inv_w;
      B v(T(0));
      for (std::size_t q = 0; q < w; ++q) {
        const B d = B::load_unaligned(x + q * ldx + r) - m;
        v += d * d;
      }
      const B s = B(T(1)) / xsimd::sqrt(v * inv_w + eps);
      if (rstd) s.store_unaligned(rstd + r);
      for (std::size_t q = 0; q < w; ++q) {
        const B h = (B::load_unaligned(x + q * ldx + r) - m) * s;
        if (xhat) h.store_unaligned(xhat + q * ld + r);
        xsimd::fma(h, B(gamma_[q]), B(beta_[q])).store_unaligned(a + q * ld + r);
      }
    }
  }

  double eps_ = 1e-5;
  Vector<T> gamma_, beta_;
};

}  // namespace locus::nn
