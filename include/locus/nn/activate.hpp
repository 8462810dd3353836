#pragma once
// Activate<Act, T>: an activation on its own, for blocks where it follows a normalisation
// (paper 004: Dense → LayerNorm → activation). Dense<Act> remains the fused form.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/simd.hpp"
#include "activations.hpp"
#include "layer.hpp"

namespace locus::nn {

template <class Act, class T = float>
class Activate {
  static_assert(detail::check_activation<Act, T>(), "Activate<Act, T>: Act is not a locus::nn::Activation");

 public:
  using value_type = T;
  using activation_type = Act;
  static constexpr std::string_view kind = "activation";

  Activate() = default;
  explicit Activate(std::size_t width, Act act = {}) : width_(width), act_(act) {
    if (width == 0) throw ConfigError("Activate: width must be positive");
  }
  Activate(std::size_t width, Rng&, Act act = {}) : Activate(width, act) {}

  void initialize(Rng&) {}
  std::size_t inputs() const { return width_; }
  std::size_t outputs() const { return width_; }
  const Act& activation() const { return act_; }
  static constexpr std::string_view activation_name() { return Act::name; }

  std::size_t parameter_blocks() const { return 0; }
  void collect_parameters(std::vector<std::span<T>>&) {}
  void collect_parameters(std::vector<std::span<const T>>&) const {}

  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    using B = simd::batch<T>;
    if constexpr (Act::elementwise) {
      for (std::size_t q = 0; q < width_; ++q)
        for (std::size_t r = 0; r < n; r += simd::lanes<T>)
          act_.value(B::load_unaligned(x + q * ldx + r)).store_unaligned(a + q * ld + r);
    } else {
      for (std::size_t q = 0; q < width_; ++q) std::copy_n(x + q * ldx, n, a + q * ld);
      for (std::size_t r = 0; r < n; r += simd::lanes<T>) Act::template apply<B>(a + r, width_, ld);
    }
  }

  std::size_t cache_size(std::size_t) const { return 0; }  // the input is the pre-activation
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*,
                        const TrainPass&) const {
    infer_fm(x, ldx, n, a, ld, nullptr);
  }
  void backward_train_fm(const T* x, std::size_t ldx, T*, const T* a, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>*, bool, T* dx, std::size_t lddx, const TrainPass&) const {
    using B = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    if (!dx) return;
    if constexpr (Act::elementwise) {
      for (std::size_t q = 0; q < width_; ++q)
        for (std::size_t r = 0; r < n; r += L)
          (B::load_unaligned(da + q * ld + r) *
           act_.derivative(B::load_unaligned(x + q * ldx + r), B::load_unaligned(a + q * ld + r)))
              .store_unaligned(dx + q * lddx + r);
    } else {
      for (std::size_t r = 0; r < n; r += L) Act::template backward<B>(a + r, da + r, width_, ld);
      for (std::size_t q = 0; q < width_; ++q) std::copy_n(da + q * ld, n, dx + q * lddx);
    }
  }

 private:
  std::size_t width_ = 0;
  Act act_{};
};

}  // namespace locus::nn
