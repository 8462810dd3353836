#pragma once
// Heads<Layers...>: multitask heads. Every head reads the same input (the shared trunk's
// output) and the heads' outputs are concatenated, in order, into one output row:
//   Heads(Chain(Dense<Gelu>(64, 48, rng), Dense<Gelu>(48, 32, rng), Dense<Linear>(32, 1, rng)),
//         Dense<Linear>(64, 1, rng),
//         Chain(Dense<Gelu>(64, 48, rng), Dense<Linear>(48, 1, rng)))
// is paper 004's three heads (Teff 48-32, [Fe/H] linear, log g 48). Parameter blocks are the
// heads' in order.
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
class Heads {
  static_assert(sizeof...(Layers) > 0, "Heads needs at least one head");
  static_assert((detail::check_layer<Layers>() && ...),
                "every head must fulfil the layer contract of locus/nn/layer.hpp (NetworkLayer)");

 public:
  using value_type = typename std::tuple_element_t<0, std::tuple<Layers...>>::value_type;
  using T = value_type;
  static constexpr std::string_view kind = "heads";
  static constexpr std::size_t size = sizeof...(Layers);

  Heads() = default;
  explicit Heads(Layers... heads) : heads_(std::move(heads)...) {
    std::size_t k = 0;
    for_each([&](const auto& h) {
      if (h.inputs() != inputs())
        throw ConfigError("Heads: head " + std::to_string(k) + " takes " + std::to_string(h.inputs()) +
                          " inputs but head 0 takes " + std::to_string(inputs()));
      ++k;
    });
  }

  template <std::size_t I>
  auto& head() {
    return std::get<I>(heads_);
  }
  template <std::size_t I>
  const auto& head() const {
    return std::get<I>(heads_);
  }
  template <class F>
  void for_each(F&& f) const {
    std::apply([&](const auto&... h) { (f(h), ...); }, heads_);
  }
  template <class F>
  void for_each(F&& f) {
    std::apply([&](auto&... h) { (f(h), ...); }, heads_);
  }

  void initialize(Rng& rng) {
    std::size_t i = 0;
    for_each([&](auto& h) {
      Rng r = rng.split(i++);
      h.initialize(r);
    });
  }
  std::size_t inputs() const { return std::get<0>(heads_).inputs(); }
  std::size_t outputs() const {
    std::size_t n = 0;
    for_each([&](const auto& h) { n += h.outputs(); });
    return n;
  }

  std::size_t parameter_blocks() const {
    std::size_t n = 0;
    for_each([&](const auto& h) { n += h.parameter_blocks(); });
    return n;
  }
  void collect_parameters(std::vector<std::span<T>>& p) {
    for_each([&](auto& h) { h.collect_parameters(p); });
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    for_each([&](const auto& h) { h.collect_parameters(p); });
  }
  void collect_state(std::vector<std::span<T>>& s) {
    for_each([&](auto& h) { layer_ops::collect_state(h, s); });
  }
  void collect_state(std::vector<std::span<const T>>& s) const {
    for_each([&](const auto& h) { layer_ops::collect_state(h, s); });
  }

  std::size_t scratch_size(std::size_t ld) const {
    std::size_t s = 0;
    for_each([&](const auto& h) { s = std::max(s, h.scratch_size(ld)); });
    return s;
  }
  // Head k writes its features straight into its slice of the output.
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* scratch) const {
    for_each([&](const auto& h) {
      h.infer_fm(x, ldx, n, a, ld, scratch);
      a += h.outputs() * ld;
    });
  }

  // Training cache: each head's, then one dL/dx buffer for summing the heads' input gradients.
  std::size_t cache_size(std::size_t ld) const {
    std::size_t s = inputs() * ld;
    for_each([&](const auto& h) { s += h.cache_size(ld); });
    return s;
  }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass& pass) const {
    std::size_t k = 0;
    for_each([&](const auto& h) {
      h.forward_train_fm(x, ldx, n, a, ld, cache, pass.child(k++));
      a += h.outputs() * ld;
      cache += h.cache_size(ld);
    });
  }
  void backward_train_fm(const T* x, std::size_t ldx, T* cache, const T* a, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    T* dsum = cache;
    for_each([&](const auto& h) { dsum += h.cache_size(ld); });
    std::size_t k = 0;
    for_each([&](const auto& h) {
      T* target = !dx ? nullptr : k == 0 ? dx : dsum;
      h.backward_train_fm(x, ldx, cache, a, da, ld, n, grads, accumulate, target, k == 0 ? lddx : ld, pass.child(k));
      if (dx && k > 0)
        for (std::size_t q = 0; q < inputs(); ++q)
          for (std::size_t r = 0; r < n; ++r) dx[q * lddx + r] += dsum[q * ld + r];
      a += h.outputs() * ld;
      da += h.outputs() * ld;
      cache += h.cache_size(ld);
      grads += h.parameter_blocks();
      ++k;
    });
  }

  std::size_t statistics_size() const {
    std::size_t s = 0;
    for_each([&](const auto& h) { s += layer_ops::statistics_size(h); });
    return s;
  }
  void export_statistics(const T* cache, std::size_t ld, T* out) const {
    for_each([&](const auto& h) {
      layer_ops::export_statistics(h, cache, ld, out);
      out += layer_ops::statistics_size(h);
      cache += h.cache_size(ld);
    });
  }
  void update_statistics(const std::vector<std::vector<T>>& chunks, std::size_t offset,
                         const std::vector<std::size_t>& rows) {
    for_each([&](auto& h) {
      layer_ops::update_statistics(h, chunks, offset, rows);
      offset += layer_ops::statistics_size(h);
    });
  }

 private:
  std::tuple<Layers...> heads_;
};

}  // namespace locus::nn
