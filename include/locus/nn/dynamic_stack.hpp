#pragma once
// DynamicStack<Acts, T>: a network whose architecture is chosen at run time, e.g. by a tuner:
//   DynamicStack<paper_activations> net(10, {{45, "gelu"}, {45, "softsign"}, {6, "linear"}}, rng);
// Each layer is a std::variant over Dense<A, T> for A in Acts, so a layer runs the very
// same Dense kernels as in a Stack; the variant is resolved once per layer and chunk,
// never inside a loop over rows. With equal weights it is bit-identical to the Stack.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "activations.hpp"
#include "dense.hpp"
#include "network.hpp"

namespace locus::nn {

struct LayerSpec {
  std::size_t units = 0;
  std::string activation;
  bool operator==(const LayerSpec&) const = default;
};

namespace detail {
template <class T>
struct dense_of {
  template <class A>
  using type = Dense<A, T>;
};
template <class List, class T>
struct variant_of_dense;
template <class... As, class T>
struct variant_of_dense<type_list<As...>, T> {
  using type = std::variant<Dense<As, T>...>;
};

inline std::string activation_names(auto list) {
  std::string names;
  for_each_type(list, [&]<class A>() {
    if (!names.empty()) names += ", ";
    names += A::name;
  });
  return names;
}
}  // namespace detail

template <class Acts = paper_activations, class T = float>
class DynamicStack : public Network<DynamicStack<Acts, T>, T> {
 public:
  using value_type = T;
  using layer_type = typename detail::variant_of_dense<Acts, T>::type;

  DynamicStack() = default;
  DynamicStack(std::size_t inputs, const std::vector<LayerSpec>& specs, Rng& rng) { build(inputs, specs, &rng); }
  DynamicStack(std::size_t inputs, const std::vector<LayerSpec>& specs, Rng&& rng) { build(inputs, specs, &rng); }
  // Layers initialised from locus's fixed default streams (see Dense).
  DynamicStack(std::size_t inputs, const std::vector<LayerSpec>& specs) { build(inputs, specs, nullptr); }

  std::size_t depth() const { return layers_.size(); }
  const std::vector<LayerSpec>& specs() const { return specs_; }
  layer_type& layer(std::size_t i) { return layers_.at(i); }
  const layer_type& layer(std::size_t i) const { return layers_.at(i); }

  template <class F>
  void visit(std::size_t i, F&& f) const {
    std::visit(f, layers_[i]);
  }
  template <class F>
  void visit(std::size_t i, F&& f) {
    std::visit(f, layers_[i]);
  }

  // A layer with activation called `name` (Keras spelling); ConfigError lists the choices.
  static layer_type make_layer(std::size_t in, std::size_t out, std::string_view name, Rng* rng) {
    std::optional<layer_type> made;
    for_each_type(Acts{}, [&]<class A>() {
      if (!made && A::name == name) {
        if (rng)
          made.emplace(std::in_place_type<Dense<A, T>>, in, out, *rng);
        else
          made.emplace(std::in_place_type<Dense<A, T>>, in, out);
      }
    });
    if (!made)
      throw ConfigError("unknown activation \"" + std::string(name) + "\"; choose one of: " +
                        detail::activation_names(Acts{}));
    return std::move(*made);
  }

 private:
  void build(std::size_t inputs, const std::vector<LayerSpec>& specs, Rng* rng) {
    if (specs.empty()) throw ConfigError("DynamicStack: no layers given");
    if (inputs == 0) throw ConfigError("DynamicStack: input size must be positive");
    specs_ = specs;
    std::size_t in = inputs;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].units == 0) throw ConfigError("DynamicStack: layer " + std::to_string(i) + " has 0 units");
      if (rng) {
        Rng r = rng->split(i);
        layers_.push_back(make_layer(in, specs[i].units, specs[i].activation, &r));
      } else {
        layers_.push_back(make_layer(in, specs[i].units, specs[i].activation, nullptr));
      }
      in = specs[i].units;
    }
  }

  std::vector<layer_type> layers_;
  std::vector<LayerSpec> specs_;
};

}  // namespace locus::nn
