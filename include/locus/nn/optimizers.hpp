#pragma once
// Optimizers: Sgd (with momentum), Adam and AdamW, as small policy types.
//
// Specification. An optimizer holds its hyperparameters as public fields (so
// `Adam{.learning_rate = 1e-3, .clip_value = 1.0}` reads like the paper) plus its running
// state. step(params, grads, lr) applies one update with learning rate lr to every
// parameter span (Network::parameters(): W0, b0, W1, b1, ...) given gradients in the same
// order (Network::make_gradients()). The learning rate is an argument because a schedule
// owns it; `learning_rate` is the base rate a schedule starts from. reset() forgets the
// state (fit() calls it at the start of every run).
//
// The update rules are those of torch.optim (checked against it, tests/python/
// check_optimizers_torch.py), which for Adam is Kingma & Ba's algorithm with
// ε added to the bias-corrected sqrt(v̂). Keras's defaults are used (β1 0.9, β2 0.999,
// ε 1e-7). clip_value clips each gradient element to [−c, c] before the update (Keras
// `clipvalue`, torch `clip_grad_value_`). State is kept in double whatever the network's
// scalar type, so float training does not lose small updates in the moment estimates.
//
// The contract fit() needs is the concept Optimizer below; config() (for
// training_metadata) is optional.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "../core/errors.hpp"
#include "../core/rng.hpp"  // network.hpp uses Rng without including it
#include "network.hpp"

namespace locus::nn {

namespace detail {
template <class T>
void check_step_shapes(std::string_view who, const std::vector<std::span<T>>& params, const Gradients<T>& grads) {
  if (params.size() != grads.size())
    throw ConfigError(std::string(who) + ": " + std::to_string(params.size()) + " parameter blocks but " +
                      std::to_string(grads.size()) + " gradient blocks");
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].size() != grads[i].size())
      throw ConfigError(std::string(who) + ": parameter block " + std::to_string(i) + " has " +
                        std::to_string(params[i].size()) + " values but its gradient has " +
                        std::to_string(grads[i].size()));
}
template <class T>
void ensure_state(std::vector<std::vector<double>>& s, const std::vector<std::span<T>>& params) {
  bool same = s.size() == params.size();
  for (std::size_t i = 0; same && i < params.size(); ++i) same = s[i].size() == params[i].size();
  if (same) return;
  s.assign(params.size(), {});
  for (std::size_t i = 0; i < params.size(); ++i) s[i].assign(params[i].size(), 0.0);
}
inline double clip(double g, const std::optional<double>& c) {
  if (!c) return g;
  return g > *c ? *c : (g < -*c ? -*c : g);
}
inline void check_clip(std::string_view who, const std::optional<double>& c) {
  if (c && !(*c > 0)) throw ConfigError(std::string(who) + ": clip_value must be positive");
}
}  // namespace detail

// The optimizer contract of fit() for scalar type T.
template <class O, class T = float>
concept Optimizer = requires(O& o, const std::vector<std::span<T>>& params, const Gradients<T>& grads, double lr) {
  { o.learning_rate } -> std::convertible_to<double>;
  o.reset();
  o.step(params, grads, lr);
};

namespace detail {
// Optimizer one member at a time, so that the message names the missing one.
template <class O, class T>
consteval bool check_optimizer() {
  static_assert(requires(O& o) { { o.learning_rate } -> std::convertible_to<double>; },
                "an Optimizer needs a field `double learning_rate` (the base rate a schedule starts from)");
  static_assert(requires(O& o) { o.reset(); }, "an Optimizer needs `void reset()` (forget the running state)");
  static_assert(requires(O& o, const std::vector<std::span<T>>& p, const Gradients<T>& g, double lr) { o.step(p, g, lr); },
                "an Optimizer needs `template <class T> void step(const std::vector<std::span<T>>& params, "
                "const Gradients<T>& grads, double lr)`");
  return Optimizer<O, T>;
}
}  // namespace detail

// Stochastic gradient descent with (optionally Nesterov) momentum, torch.optim.SGD's rule:
//   b ← μ b + g  (b = g on the first step),  p ← p − lr (nesterov ? g + μ b : b).
struct Sgd {
  static constexpr std::string_view name = "sgd";
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double l2 = 0.0;  // L2 regularisation: adds l2·p to the gradient (torch's weight_decay)
  std::optional<double> clip_value{};
  // state
  std::vector<std::vector<double>> buffer{};
  std::size_t steps = 0;

  void reset() {
    buffer.clear();
    steps = 0;
  }

  template <class T>
  void step(const std::vector<std::span<T>>& params, const Gradients<T>& grads, double lr) {
    detail::check_step_shapes(name, params, grads);
    detail::check_clip(name, clip_value);
    if (!(momentum >= 0)) throw ConfigError("sgd: momentum must be non-negative");
    if (nesterov && momentum == 0) throw ConfigError("sgd: nesterov momentum needs momentum > 0");
    if (!(l2 >= 0)) throw ConfigError("sgd: l2 must be non-negative");
    if (momentum > 0) detail::ensure_state(buffer, params);
    for (std::size_t i = 0; i < params.size(); ++i) {
      T* p = params[i].data();
      const T* g = grads[i].data();
      const std::size_t n = params[i].size();
      if (momentum == 0) {
        for (std::size_t j = 0; j < n; ++j)
          p[j] = static_cast<T>(double(p[j]) - lr * detail::clip(g[j] + l2 * double(p[j]), clip_value));
        continue;
      }
      double* b = buffer[i].data();
      for (std::size_t j = 0; j < n; ++j) {
        const double gj = detail::clip(g[j] + l2 * double(p[j]), clip_value);
        b[j] = steps == 0 ? gj : momentum * b[j] + gj;
        const double d = nesterov ? gj + momentum * b[j] : b[j];
        p[j] = static_cast<T>(double(p[j]) - lr * d);
      }
    }
    ++steps;
  }

  nlohmann::json config() const {
    nlohmann::json j{{"name", name}, {"learning_rate", learning_rate}, {"momentum", momentum}, {"nesterov", nesterov}};
    if (clip_value) j["clip_value"] = *clip_value;
    if (l2 > 0) j["l2"] = l2;
    return j;
  }
};

namespace detail {
// The Adam update shared by Adam and AdamW (decay = 0 for Adam; l2 = coupled L2, added to
// the gradient before the moments, as torch.optim.Adam's weight_decay).
template <class T>
void adam_step(std::string_view who, const std::vector<std::span<T>>& params, const Gradients<T>& grads, double lr,
               double beta1, double beta2, double eps, double decay, const std::optional<double>& clip_value,
               std::vector<std::vector<double>>& m, std::vector<std::vector<double>>& v, std::size_t& steps,
               double l2 = 0.0) {
  if (!(l2 >= 0)) throw ConfigError(std::string(who) + ": l2 must be non-negative");
  check_step_shapes(who, params, grads);
  check_clip(who, clip_value);
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
    throw ConfigError(std::string(who) + ": beta1 and beta2 must lie in [0, 1)");
  if (!(eps > 0)) throw ConfigError(std::string(who) + ": epsilon must be positive");
  ensure_state(m, params);
  ensure_state(v, params);
  ++steps;
  const double t = static_cast<double>(steps);
  const double bc1 = 1.0 - std::pow(beta1, t), bc2 = 1.0 - std::pow(beta2, t);
  const double step_size = lr / bc1, inv_sqrt_bc2 = 1.0 / std::sqrt(bc2), keep = 1.0 - lr * decay;
  for (std::size_t i = 0; i < params.size(); ++i) {
    T* p = params[i].data();
    const T* g = grads[i].data();
    double* mi = m[i].data();
    double* vi = v[i].data();
    const std::size_t n = params[i].size();
    for (std::size_t j = 0; j < n; ++j) {
      const double gj = clip(g[j] + l2 * double(p[j]), clip_value);
      mi[j] = beta1 * mi[j] + (1.0 - beta1) * gj;
      vi[j] = beta2 * vi[j] + (1.0 - beta2) * gj * gj;
      const double denom = std::sqrt(vi[j]) * inv_sqrt_bc2 + eps;
      p[j] = static_cast<T>(double(p[j]) * keep - step_size * mi[j] / denom);
    }
  }
}
}  // namespace detail

// Adam (Kingma & Ba 2014) with Keras's defaults. Paper 000 trains with learning rate 1e-3.
struct Adam {
  static constexpr std::string_view name = "adam";
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
  double l2 = 0.0;  // L2 regularisation: adds l2·p to the gradient (torch.optim.Adam's weight_decay)
  std::optional<double> clip_value{};
  // state: first and second moments, step count
  std::vector<std::vector<double>> m{}, v{};
  std::size_t steps = 0;

  void reset() {
    m.clear();
    v.clear();
    steps = 0;
  }
  template <class T>
  void step(const std::vector<std::span<T>>& params, const Gradients<T>& grads, double lr) {
    detail::adam_step(name, params, grads, lr, beta1, beta2, epsilon, 0.0, clip_value, m, v, steps, l2);
  }
  nlohmann::json config() const {
    nlohmann::json j{{"name", name}, {"learning_rate", learning_rate}, {"beta1", beta1}, {"beta2", beta2},
                     {"epsilon", epsilon}};
    if (clip_value) j["clip_value"] = *clip_value;
    if (l2 > 0) j["l2"] = l2;
    return j;
  }
};

// AdamW (Loshchilov & Hutter 2019, used by paper 004): Adam with decoupled weight decay,
// p ← p (1 − lr·weight_decay) before the Adam update, as torch.optim.AdamW. The decay
// applies to every parameter passed in, biases included (as torch does when given
// net.parameters()).
struct AdamW {
  static constexpr std::string_view name = "adamw";
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
  double weight_decay = 0.01;
  std::optional<double> clip_value{};
  std::vector<std::vector<double>> m{}, v{};
  std::size_t steps = 0;

  void reset() {
    m.clear();
    v.clear();
    steps = 0;
  }
  template <class T>
  void step(const std::vector<std::span<T>>& params, const Gradients<T>& grads, double lr) {
    if (!(weight_decay >= 0)) throw ConfigError("adamw: weight_decay must be non-negative");
    detail::adam_step(name, params, grads, lr, beta1, beta2, epsilon, weight_decay, clip_value, m, v, steps);
  }
  nlohmann::json config() const {
    nlohmann::json j{{"name", name},       {"learning_rate", learning_rate}, {"beta1", beta1},
                     {"beta2", beta2},     {"epsilon", epsilon},             {"weight_decay", weight_decay}};
    if (clip_value) j["clip_value"] = *clip_value;
    return j;
  }
};

}  // namespace locus::nn
