#pragma once
// Stack<Layers...>: a network whose layer types are fixed at compile time, e.g.
//   Stack net(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Linear>(45, 6, rng));
// Any layer of layer.hpp's contract can appear: Dense, Activate, LayerNorm, BatchNorm,
// Dropout, and the composites Chain, Residual and Heads.
// Every layer call is statically dispatched and inlined. See network.hpp for predict,
// streaming and the training passes.
#include <cstddef>
#include <string>
#include <tuple>
#include <utility>
#include "../core/errors.hpp"
#include "dense.hpp"
#include "layer.hpp"
#include "network.hpp"

namespace locus::nn {

template <class... Layers>
class Stack : public Network<Stack<Layers...>, typename std::tuple_element_t<0, std::tuple<Layers...>>::value_type> {
  static_assert(sizeof...(Layers) > 0, "a Stack needs at least one layer");
  static_assert((detail::check_layer<Layers>() && ...),
                "every Stack element must fulfil the layer contract of locus/nn/layer.hpp (NetworkLayer)");

 public:
  using value_type = typename std::tuple_element_t<0, std::tuple<Layers...>>::value_type;
  static_assert((std::is_same_v<value_type, typename Layers::value_type> && ...),
                "all layers of a Stack must use the same scalar type");

  Stack() = default;
  explicit Stack(Layers... layers) : layers_(std::move(layers)...) { check_shapes(); }

  static constexpr std::size_t depth() { return sizeof...(Layers); }

  template <std::size_t I>
  auto& layer() {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  const auto& layer() const {
    return std::get<I>(layers_);
  }

  template <class F>
  void visit(std::size_t i, F&& f) const {
    visit_impl(*this, i, f, std::index_sequence_for<Layers...>{});
  }
  template <class F>
  void visit(std::size_t i, F&& f) {
    visit_impl(*this, i, f, std::index_sequence_for<Layers...>{});
  }

 private:
  template <class Self, class F, std::size_t... I>
  static void visit_impl(Self& self, std::size_t i, F& f, std::index_sequence<I...>) {
    ((i == I ? (void)f(std::get<I>(self.layers_)) : void()), ...);
  }

  void check_shapes() const {
    std::size_t prev = 0, k = 0;
    bool ok = true;
    std::string msg;
    std::apply(
        [&](const auto&... l) {
          (
              [&] {
                if (k > 0 && l.inputs() != prev && ok) {
                  ok = false;
                  msg = "Stack: layer " + std::to_string(k) + " expects " + std::to_string(l.inputs()) +
                        " inputs but layer " + std::to_string(k - 1) + " gives " + std::to_string(prev);
                }
                prev = l.outputs();
                ++k;
              }(),
              ...);
        },
        layers_);
    if (!ok) throw ConfigError(msg);
  }

  std::tuple<Layers...> layers_;
};

}  // namespace locus::nn
