#pragma once
// Dense<Act, T>: a fully connected layer y = Act(x·W + b).
//
// Weights are [in × out] and bias [out], in the natural layout, and can be read or set
// through weights() and bias(). Initialisation follows Keras: Glorot-uniform with zero bias,
// except LeCun-normal for SELU (the pairing self-normalising networks require).
//
// Two interfaces:
//  - batch-major convenience: forward(x) [n × in] -> [n × out]; backward(x, dy) -> dx and
//    the weight gradients;
//  - feature-major kernels (forward_fm / backward_fm) over padded row chunks, used by
//    Stack and DynamicStack so that nothing is allocated per batch (see core/kernels.hpp).
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/kernels.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "activations.hpp"
#include "layer.hpp"

namespace locus::nn {

template <class Act, class T = float>
class Dense {
  // Each missing member of the activation contract is reported by name (activations.hpp).
  static_assert(detail::check_activation<Act, T>(), "Dense<Act, T>: Act is not a locus::nn::Activation");

 public:
  using activation_type = Act;
  using value_type = T;

  Dense() = default;
  // Initialised from a fixed stream that depends only on the shape; use the Rng overload
  // (or Stack::initialize) to choose the seed.
  Dense(std::size_t in, std::size_t out, Act act = {}) : Dense(in, out, default_rng(in, out), act) {}
  Dense(std::size_t in, std::size_t out, Rng&& rng, Act act = {}) : Dense(in, out, rng, act) {}
  Dense(std::size_t in, std::size_t out, Rng& rng, Act act = {})
      : act_(act), w_(std::array<std::size_t, 2>{in, out}), b_(std::array<std::size_t, 1>{out}) {
    if (in == 0 || out == 0) throw ConfigError("Dense: layer sizes must be positive, got " + std::to_string(in) +
                                               "x" + std::to_string(out));
    initialize(rng);
  }

  void initialize(Rng& rng) {
    const std::size_t in = inputs(), out = outputs();
    if constexpr (std::is_same_v<Act, Selu>) {
      // Keras lecun_normal: truncated normal (|z| < 2), stddev sqrt(1/in)/0.8796...
      const double sd = std::sqrt(1.0 / double(in)) / 0.87962566103423978;
      for (auto& v : w_) {
        double z;
        do z = rng.normal(); while (std::abs(z) >= 2.0);
        v = static_cast<T>(sd * z);
      }
    } else {
      const double limit = std::sqrt(6.0 / double(in + out));
      for (auto& v : w_) v = static_cast<T>(rng.uniform(-limit, limit));
    }
    b_.fill(T(0));
  }

  std::size_t inputs() const { return w_.shape(0); }
  std::size_t outputs() const { return w_.shape(1); }
  Matrix<T>& weights() { return w_; }
  const Matrix<T>& weights() const { return w_; }
  Vector<T>& bias() { return b_; }
  const Vector<T>& bias() const { return b_; }
  const Act& activation() const { return act_; }
  static constexpr std::string_view activation_name() { return Act::name; }

  // --- feature-major kernels; n is a multiple of simd::lanes<T> -------------------------
  // a[q*ld + r] = Act(z), z = b + x·W. If z_out is non-null the pre-activations are kept
  // there (same ld) for back-propagation.
  void forward_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* z_out = nullptr) const {
    forward_kernel(act_, w_.data(), b_.data(), inputs(), outputs(), x, ldx, n, a, ld, z_out);
  }

  // Back-propagation through the layer. `da` holds dL/da on entry and dL/dz on exit.
  // Writes dW into dw [in × out] and db into db [out] (added to them if `accumulate`), and
  // dL/dx into dx (feature-major, ld ldx_out) unless dx is null.
  void backward_fm(const T* x, std::size_t ldx, const T* z, const T* a, T* da, std::size_t ld, std::size_t n, T* dw,
                   T* db, bool accumulate, T* dx = nullptr, std::size_t lddx = 0) const {
    backward_kernel(act_, w_.data(), inputs(), outputs(), x, ldx, z, a, da, ld, n, dw, db, accumulate, dx, lddx);
  }

  // The same two kernels for any weights W [in × out] and bias b (DenseVariational runs them
  // on its sampled weights).
  static void forward_kernel(const Act& act, const T* w, const T* b, std::size_t in, std::size_t out, const T* x,
                             std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* z_out) {
    using B = simd::batch<T>;
    if constexpr (Act::elementwise) {
      if (z_out) {
        kernels::gemm_fm(w, out, 1, b, in, out, x, ldx, n, [&](std::size_t q, std::size_t r, B acc) {
          acc.store_unaligned(z_out + q * ld + r);
          act.value(acc).store_unaligned(a + q * ld + r);
        });
      } else {
        kernels::gemm_fm(w, out, 1, b, in, out, x, ldx, n, [&](std::size_t q, std::size_t r, B acc) {
          act.value(acc).store_unaligned(a + q * ld + r);
        });
      }
    } else {
      kernels::gemm_fm(w, out, 1, b, in, out, x, ldx, n,
                       [&](std::size_t q, std::size_t r, B acc) { acc.store_unaligned(a + q * ld + r); });
      if (z_out)
        for (std::size_t q = 0; q < out; ++q) std::copy(a + q * ld, a + q * ld + n, z_out + q * ld);
      for (std::size_t r = 0; r < n; r += simd::lanes<T>) Act::template apply<B>(a + r, out, ld);
    }
  }
  static void backward_kernel(const Act& act, const T* w, std::size_t in, std::size_t out, const T* x,
                              std::size_t ldx, const T* z, const T* a, T* da, std::size_t ld, std::size_t n, T* dw,
                              T* db, bool accumulate, T* dx, std::size_t lddx) {
    using B = simd::batch<T>;
    constexpr std::size_t L = simd::lanes<T>;
    if constexpr (Act::elementwise) {
      for (std::size_t q = 0; q < out; ++q)
        for (std::size_t r = 0; r < n; r += L) {
          const std::size_t i = q * ld + r;
          const B d = B::load_unaligned(da + i) * act.derivative(B::load_unaligned(z + i), B::load_unaligned(a + i));
          d.store_unaligned(da + i);
        }
    } else {
      for (std::size_t r = 0; r < n; r += L) Act::template backward<B>(a + r, da + r, out, ld);
    }
    kernels::weight_gradient_fm(x, ldx, in, da, ld, out, n, dw, db, accumulate);
    if (dx)
      kernels::gemm_fm(w, 1, out, static_cast<const T*>(nullptr), out, in, da, ld, n,
                       [&](std::size_t q, std::size_t r, B acc) { acc.store_unaligned(dx + q * lddx + r); });
  }

  // --- the layer contract (layer.hpp) -----------------------------------------------------
  std::size_t parameter_blocks() const { return 2; }
  void collect_parameters(std::vector<std::span<T>>& p) {
    p.emplace_back(w_.data(), w_.size());
    p.emplace_back(b_.data(), b_.size());
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    p.emplace_back(w_.data(), w_.size());
    p.emplace_back(b_.data(), b_.size());
  }
  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    forward_fm(x, ldx, n, a, ld);
  }
  std::size_t cache_size(std::size_t ld) const { return outputs() * ld; }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass&) const {
    forward_fm(x, ldx, n, a, ld, cache);
  }
  void backward_train_fm(const T* x, std::size_t ldx, T* cache, const T* a, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* g, bool accumulate, T* dx, std::size_t lddx, const TrainPass&) const {
    backward_fm(x, ldx, cache, a, da, ld, n, g[0].data(), g[1].data(), accumulate, dx, lddx);
  }

  // --- batch-major convenience (allocates; for tests and small jobs) ---------------------
  Matrix<T> forward(const Matrix<T>& x) const {
    check_input(x);
    const std::size_t n = x.shape(0), np = simd::round_up<T>(n), in = inputs(), out = outputs();
    std::vector<T> xf(in * np), af(out * np);
    kernels::to_feature_major(x.data(), in, n, in, xf.data(), np, np);
    forward_fm(xf.data(), np, np, af.data(), np);
    Matrix<T> y({n, out});
    kernels::to_batch_major(af.data(), np, n, out, y.data(), out);
    return y;
  }

  // Returns dL/dx for upstream gradient dy = dL/dy; dW and db go to dw and db.
  Matrix<T> backward(const Matrix<T>& x, const Matrix<T>& dy, Matrix<T>& dw, Vector<T>& db) const {
    check_input(x);
    const std::size_t n = x.shape(0), np = simd::round_up<T>(n), in = inputs(), out = outputs();
    if (dy.shape(0) != n || dy.shape(1) != out) throw InputError("Dense::backward: gradient has the wrong shape");
    std::vector<T> xf(in * np), zf(out * np), af(out * np), df(out * np), dxf(in * np);
    kernels::to_feature_major(x.data(), in, n, in, xf.data(), np, np);
    forward_fm(xf.data(), np, np, af.data(), np, zf.data());
    kernels::to_feature_major(dy.data(), out, n, out, df.data(), np, np);
    dw.resize({in, out});
    db.resize({out});
    backward_fm(xf.data(), np, zf.data(), af.data(), df.data(), np, np, dw.data(), db.data(), false, dxf.data(), np);
    Matrix<T> dx({n, in});
    kernels::to_batch_major(dxf.data(), np, n, in, dx.data(), in);
    return dx;
  }

 private:
  static Rng default_rng(std::size_t in, std::size_t out) { return Rng(0x10C05ull).split(in * 1000003ull + out); }
  void check_input(const Matrix<T>& x) const {
    if (x.shape(1) != inputs())
      throw InputError("Dense: input has " + std::to_string(x.shape(1)) + " columns, layer expects " +
                       std::to_string(inputs()));
  }

  Act act_{};
  Matrix<T> w_;
  Vector<T> b_;
};

}  // namespace locus::nn
