#pragma once
// Chain<Layers...>: layers in sequence, packaged as one layer, so that a block (a residual
// body, a task head) can be any sequence of layers:
//   Chain(Dense<Linear>(128, 64, rng), LayerNorm(64), Activate<Gelu>(64), Dropout(64, 0.4))
// It fulfils the layer contract of layer.hpp; its parameter blocks are its layers' in order.
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "layer.hpp"

namespace locus::nn {

template <class... Layers>
class Chain {
  static_assert(sizeof...(Layers) > 0, "a Chain needs at least one layer");
  static_assert((detail::check_layer<Layers>() && ...),
                "every Chain element must fulfil the layer contract of locus/nn/layer.hpp (NetworkLayer)");

 public:
  using value_type = typename std::tuple_element_t<0, std::tuple<Layers...>>::value_type;
  using T = value_type;
  static_assert((std::is_same_v<T, typename Layers::value_type> && ...), "all layers of a Chain must use one scalar type");
  static constexpr std::string_view kind = "chain";
  static constexpr std::size_t size = sizeof...(Layers);

  Chain() = default;
  explicit Chain(Layers... layers) : layers_(std::move(layers)...) { check_shapes(); }

  template <std::size_t I>
  auto& layer() {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  const auto& layer() const {
    return std::get<I>(layers_);
  }
  template <class F>
  void for_each(F&& f) const {
    std::apply([&](const auto&... l) { (f(l), ...); }, layers_);
  }
  template <class F>
  void for_each(F&& f) {
    std::apply([&](auto&... l) { (f(l), ...); }, layers_);
  }

  void initialize(Rng& rng) {
    std::size_t i = 0;
    for_each([&](auto& l) {
      Rng r = rng.split(i++);
      l.initialize(r);
    });
  }
  std::size_t inputs() const { return std::get<0>(layers_).inputs(); }
  std::size_t outputs() const { return std::get<size - 1>(layers_).outputs(); }

  std::size_t parameter_blocks() const {
    std::size_t n = 0;
    for_each([&](const auto& l) { n += l.parameter_blocks(); });
    return n;
  }
  void collect_parameters(std::vector<std::span<T>>& p) {
    for_each([&](auto& l) { l.collect_parameters(p); });
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    for_each([&](const auto& l) { l.collect_parameters(p); });
  }
  void collect_state(std::vector<std::span<T>>& s) {
    for_each([&](auto& l) { layer_ops::collect_state(l, s); });
  }
  void collect_state(std::vector<std::span<const T>>& s) const {
    for_each([&](const auto& l) { layer_ops::collect_state(l, s); });
  }

  // Inference: ping-pong between two buffers of the widest intermediate, then the layers'
  // own scratch.
  std::size_t scratch_size(std::size_t ld) const {
    std::size_t s = 0;
    for_each([&](const auto& l) { s = std::max(s, l.scratch_size(ld)); });
    return 2 * width() * ld + s;
  }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* scratch) const {
    T* buf[2] = {scratch, scratch + width() * ld};
    T* inner = scratch + 2 * width() * ld;
    const T* cur = x;
    std::size_t i = 0, ldc = ldx;
    for_each([&](const auto& l) {
      T* out = i + 1 == size ? a : buf[i % 2];
      l.infer_fm(cur, ldc, n, out, ld, inner);
      cur = out;
      ldc = ld;
      ++i;
    });
  }

  // Training cache, per layer: its own cache, then (all but the last) its output; then two
  // gradient buffers of the widest intermediate.
  std::size_t cache_size(std::size_t ld) const {
    std::size_t s = 2 * width() * ld, i = 0;
    for_each([&](const auto& l) {
      s += l.cache_size(ld) + (i + 1 < size ? l.outputs() * ld : 0);
      ++i;
    });
    return s;
  }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass& pass) const {
    const T* cur = x;
    std::size_t i = 0, ldc = ldx;
    for_each([&](const auto& l) {
      T* own = cache;
      cache += l.cache_size(ld);
      T* out = a;
      if (i + 1 < size) {
        out = cache;
        cache += l.outputs() * ld;
      }
      l.forward_train_fm(cur, ldc, n, out, ld, own, pass.child(i));
      cur = out;
      ldc = ld;
      ++i;
    });
  }
  void backward_train_fm(const T* x, std::size_t ldx, T* cache, const T* a, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    // Locate every layer's cache, output and gradient blocks, then walk back.
    std::array<T*, size> own{}, out{};
    std::array<std::size_t, size> block{};
    std::size_t i = 0, b = 0;
    for_each([&](const auto& l) {
      own[i] = cache;
      cache += l.cache_size(ld);
      if (i + 1 < size) {
        out[i] = cache;
        cache += l.outputs() * ld;
      }
      block[i] = b;
      b += l.parameter_blocks();
      ++i;
    });
    T* buf[2] = {cache, cache + width() * ld};
    T* d = da;
    backward_from<size>(x, ldx, own, out, a, d, ld, n, grads, block, accumulate, dx, lddx, pass, buf);
  }

  std::size_t statistics_size() const {
    std::size_t s = 0;
    for_each([&](const auto& l) { s += layer_ops::statistics_size(l); });
    return s;
  }
  void export_statistics(const T* cache, std::size_t ld, T* out) const {
    std::size_t i = 0;
    for_each([&](const auto& l) {
      layer_ops::export_statistics(l, cache, ld, out);
      out += layer_ops::statistics_size(l);
      cache += l.cache_size(ld) + (i + 1 < size ? l.outputs() * ld : 0);
      ++i;
    });
  }
  void update_statistics(const std::vector<std::vector<T>>& chunks, std::size_t offset,
                         const std::vector<std::size_t>& rows) {
    for_each([&](auto& l) {
      layer_ops::update_statistics(l, chunks, offset, rows);
      offset += layer_ops::statistics_size(l);
    });
  }

 private:
  // Widest intermediate (the input and output are the caller's buffers).
  std::size_t width() const {
    std::size_t w = 1, i = 0;
    for_each([&](const auto& l) {
      if (i + 1 < size) w = std::max(w, l.outputs());
      ++i;
    });
    return w;
  }

  template <std::size_t K>
  void backward_from(const T* x, std::size_t ldx, const std::array<T*, size>& own, const std::array<T*, size>& out,
                     const T* a, T* d, std::size_t ld, std::size_t n, std::vector<T>* grads,
                     const std::array<std::size_t, size>& block, bool accumulate, T* dx, std::size_t lddx,
                     const TrainPass& pass, T* const* buf) const {
    if constexpr (K > 0) {
      constexpr std::size_t k = K - 1;
      const auto& l = std::get<k>(layers_);
      const T* xin = k == 0 ? x : out[k - 1];
      T* dprev = k == 0 ? dx : buf[k % 2];
      l.backward_train_fm(xin, k == 0 ? ldx : ld, own[k], k + 1 == size ? a : out[k], d, ld, n, grads + block[k],
                          accumulate, dprev, k == 0 ? lddx : ld, pass.child(k));
      backward_from<k>(x, ldx, own, out, a, dprev, ld, n, grads, block, accumulate, dx, lddx, pass, buf);
    }
  }

  void check_shapes() const {
    std::size_t prev = 0, k = 0;
    for_each([&](const auto& l) {
      if (k > 0 && l.inputs() != prev)
        throw ConfigError("Chain: layer " + std::to_string(k) + " expects " + std::to_string(l.inputs()) +
                          " inputs but layer " + std::to_string(k - 1) + " gives " + std::to_string(prev));
      prev = l.outputs();
      ++k;
    });
  }

  std::tuple<Layers...> layers_;
};

}  // namespace locus::nn
