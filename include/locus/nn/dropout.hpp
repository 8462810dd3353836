#pragma once
// Dropout<T>: inverted dropout (papers 002 and 004). In training each value is kept with
// probability 1 − p and scaled by 1/(1 − p), so inference is the identity. The masks come
// from locus::Rng seeded by the training pass (TrainPass::seed: the fit seed, the step, the
// chunk and the layer's position), so a run is reproducible for a seed whatever the thread
// count. Padding rows are always dropped.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/simd.hpp"
#include "layer.hpp"

namespace locus::nn {

template <class T = float>
class Dropout {
 public:
  using value_type = T;
  static constexpr std::string_view kind = "dropout";

  Dropout() = default;
  Dropout(std::size_t width, double p) : width_(width), p_(p) {
    if (width == 0) throw ConfigError("Dropout: width must be positive");
    if (!(p >= 0 && p < 1)) throw ConfigError("Dropout: rate must be in [0, 1), got " + std::to_string(p));
  }
  Dropout(std::size_t width, double p, Rng&) : Dropout(width, p) {}

  void initialize(Rng&) {}
  std::size_t inputs() const { return width_; }
  std::size_t outputs() const { return width_; }
  double rate() const { return p_; }

  std::size_t parameter_blocks() const { return 0; }
  void collect_parameters(std::vector<std::span<T>>&) {}
  void collect_parameters(std::vector<std::span<const T>>&) const {}

  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    for (std::size_t q = 0; q < width_; ++q) std::copy_n(x + q * ldx, n, a + q * ld);
  }

  // cache: the mask, 0 or 1/(1 − p), [width × ld]
  std::size_t cache_size(std::size_t ld) const { return width_ * ld; }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* mask,
                        const TrainPass& pass) const {
    const std::size_t rows = std::min(pass.rows, n);
    const T keep = static_cast<T>(1.0 / (1.0 - p_));
    Rng rng(pass.seed);
    for (std::size_t q = 0; q < width_; ++q) {
      T* m = mask + q * ld;
      for (std::size_t r = 0; r < rows; ++r) m[r] = p_ > 0 && rng.uniform() < p_ ? T(0) : keep;
      std::fill(m + rows, m + n, T(0));
      for (std::size_t r = 0; r < n; ++r) a[q * ld + r] = x[q * ldx + r] * m[r];
    }
  }
  void backward_train_fm(const T*, std::size_t, T* mask, const T*, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>*, bool, T* dx, std::size_t lddx, const TrainPass&) const {
    if (!dx) return;
    for (std::size_t q = 0; q < width_; ++q)
      for (std::size_t r = 0; r < n; ++r) dx[q * lddx + r] = da[q * ld + r] * mask[q * ld + r];
  }

 private:
  std::size_t width_ = 0;
  double p_ = 0;
};

}  // namespace locus::nn
