#pragma once
// Activation policies, named and defined as in Keras 3 / PyTorch so the two can check each
// other (see DESIGN.md, "Standard definitions").
//
// An elementwise activation A provides, for V = float, double or xsimd::batch:
//   static V value(V x);
//   static V derivative(V x, V y);   // dA/dx given x and y = value(x)
// The same formula serves scalars and batches: std:: maths for scalars, xsimd's vectorised
// exp/erf/tanh/log1p for batches (found by argument-dependent lookup).
// Softmax is not elementwise: it is applied across the features of each row.
// The contract is the concept Activation below; Dense and Activate check it where they are
// instantiated, so a missing member is reported by name (docs/extending.md).
#include <cmath>
#include <concepts>
#include <cstddef>
#include <string_view>
#include "../core/simd.hpp"
#include "../core/type_list.hpp"

namespace locus::nn {

namespace detail {
using std::abs;
using std::erf;
using std::erfc;
using std::exp;
using std::expm1;
using std::log1p;
using std::max;
using std::min;
using std::tanh;
using xsimd::abs;
using xsimd::erf;
using xsimd::erfc;
using xsimd::exp;
using xsimd::expm1;
using xsimd::log1p;
using xsimd::max;
using xsimd::min;
using xsimd::tanh;
using simd::select;

// Arguments of exp, expm1, erfc and tanh are bounded to ±1e4, where every activation has
// saturated in float and double: xsimd's versions turn ±inf (and, for erfc, huge values) into
// integers or NaN, so an infinite or enormous input must never reach them.
template <class V>
inline V bounded(V x) {
  using S = simd::scalar_t<V>;
  return min(max(x, V(S(-1e4))), V(S(1e4)));
}

template <class V>
inline V sigmoid(V x) {
  // 1/(1+e^{-x}); e^{-x} overflows to +inf for x << 0 and the result is a clean 0.
  return V(1) / (V(1) + exp(-bounded(x)));
}
}  // namespace detail

struct Elu {
  static constexpr std::string_view name = "elu";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    return select(x > V(0), x, expm1(min(bounded(x), V(0))));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    // e^x rather than y + 1: no cancellation for x << 0 (matches PyTorch's backward)
    return select(x > V(0), V(1), exp(min(bounded(x), V(0))));
  }
};

// Exact GELU x·Φ(x). Φ(x) = ½·erfc(−x/√2) rather than ½·(1 + erf(x/√2)): the same function,
// but without the cancellation that loses all float precision of Φ for x < −3.
struct Gelu {
  static constexpr std::string_view name = "gelu";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    // below −40, x Φ(x) is far under the smallest double: 0 (and not −inf · 0 at −inf)
    return select(x < V(S(-40)), V(0), V(S(0.5)) * x * erfc(bounded(x) * V(S(-0.70710678118654752440))));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    const V b = bounded(x);
    const V cdf = V(S(0.5)) * erfc(b * V(S(-0.70710678118654752440)));
    const V pdf = V(S(0.39894228040143267794)) * exp(V(S(-0.5)) * b * b);
    return cdf + b * pdf;
  }
};

struct HardSigmoid {  // clip(x/6 + 1/2, 0, 1), as Keras 3 and torch.nn.Hardsigmoid
  static constexpr std::string_view name = "hard_sigmoid";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return min(max(x * V(S(1) / S(6)) + V(S(0.5)), V(0)), V(1));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return select((x > V(-3)) & (x < V(3)), V(S(1) / S(6)), V(0));
  }
};

struct Linear {
  static constexpr std::string_view name = "linear";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    return x;
  }
  template <class V>
  static V derivative(V, V) {
    return V(1);
  }
};

struct Relu {
  static constexpr std::string_view name = "relu";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    return max(x, V(0));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    return select(x > V(0), V(1), V(0));
  }
};

struct Selu {
  static constexpr std::string_view name = "selu";
  static constexpr bool elementwise = true;
  static constexpr double lambda = 1.0507009873554805;
  static constexpr double alpha = 1.6732632423543772;
  template <class V>
  static V value(V x) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return V(S(lambda)) * select(x > V(0), x, V(S(alpha)) * expm1(min(bounded(x), V(0))));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return select(x > V(0), V(S(lambda)), V(S(lambda * alpha)) * exp(min(bounded(x), V(0))));
  }
};

struct Sigmoid {
  static constexpr std::string_view name = "sigmoid";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    return detail::sigmoid(x);
  }
  // e/(1+e)² with e = e^{-|x|}, rather than y(1 − y), which cancels for |x| ≳ 5 in float.
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    const V e = exp(-abs(bounded(x))), d = V(1) + e;
    return e / (d * d);
  }
};

struct Softplus {  // log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}), stable for any x
  static constexpr std::string_view name = "softplus";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    return max(x, V(0)) + log1p(exp(-abs(bounded(x))));
  }
  template <class V>
  static V derivative(V x, V) {
    return detail::sigmoid(x);
  }
};

struct Softsign {
  static constexpr std::string_view name = "softsign";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    // ±1e30 is ±1 to the last bit in float and double, and keeps inf / inf away
    const V c = clamp30(x);
    return c / (V(1) + abs(c));
  }
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    const V d = V(1) + abs(clamp30(x));
    return V(1) / (d * d);
  }
  template <class V>
  static V clamp30(V x) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return min(max(x, V(S(-1e30))), V(S(1e30)));
  }
};

struct Swish {  // x·sigmoid(x) (Keras "swish", torch SiLU)
  static constexpr std::string_view name = "swish";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return select(x < V(S(-1e4)), V(0), x * detail::sigmoid(x));  // not −inf · 0 at −inf
  }
  template <class V>
  static V derivative(V x, V) {
    const V s = detail::sigmoid(x);
    return s * (V(1) + detail::bounded(x) * (V(1) - s));
  }
};

struct Tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) {
    using namespace detail;
    return tanh(bounded(x));
  }
  // 4e/(1+e)² with e = e^{-2|x|}, rather than 1 − y², which cancels for |x| ≳ 3 in float.
  template <class V>
  static V derivative(V x, V) {
    using namespace detail;
    using S = simd::scalar_t<V>;
    const V e = exp(V(S(-2)) * abs(bounded(x))), d = V(1) + e;
    return V(S(4)) * e / (d * d);
  }
};

// LeakyReLU: x for x > 0, slope·x otherwise. The slope (0.01 by default, as in PyTorch)
// is a member, so this policy is used through an instance.
struct LeakyRelu {
  static constexpr std::string_view name = "leaky_relu";
  static constexpr bool elementwise = true;
  double slope = 0.01;
  template <class V>
  V value(V x) const {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return select(x > V(0), x, V(S(slope)) * x);
  }
  template <class V>
  V derivative(V x, V) const {
    using namespace detail;
    using S = simd::scalar_t<V>;
    return select(x > V(0), V(1), V(S(slope)));
  }
};

// Softmax over the features of each row (Keras activation "softmax" on a Dense layer).
// Rows are given feature-major: element (feature f, row r) is at p[f*ld + r].
struct Softmax {
  static constexpr std::string_view name = "softmax";
  static constexpr bool elementwise = false;

  // In place over `units` features for rows [r, r + lanes of V).
  template <class V>
  static void apply(simd::scalar_t<V>* p, std::size_t units, std::size_t ld) {
    using namespace detail;
    V m = simd::load<V>(p);
    for (std::size_t f = 1; f < units; ++f) m = max(m, simd::load<V>(p + f * ld));
    V s(0);
    for (std::size_t f = 0; f < units; ++f) {
      const V e = exp(simd::load<V>(p + f * ld) - m);
      simd::store(p + f * ld, e);
      s = s + e;
    }
    const V inv = V(1) / s;
    for (std::size_t f = 0; f < units; ++f) simd::store(p + f * ld, simd::load<V>(p + f * ld) * inv);
  }
  // dZ = y ⊙ (dY − Σ_f dY_f y_f); dy is overwritten with dZ.
  template <class V>
  static void backward(const simd::scalar_t<V>* y, simd::scalar_t<V>* dy, std::size_t units, std::size_t ld) {
    V dot(0);
    for (std::size_t f = 0; f < units; ++f) dot = dot + simd::load<V>(dy + f * ld) * simd::load<V>(y + f * ld);
    for (std::size_t f = 0; f < units; ++f)
      simd::store(dy + f * ld, simd::load<V>(y + f * ld) * (simd::load<V>(dy + f * ld) - dot));
  }
};

// The activation contract for scalar type T. Elementwise activations (elementwise = true)
// provide value and derivative for V = simd::batch<T>, as static or const members; the others
// (Softmax) provide apply and backward over the features of a row, with the signatures above.
// Also default-constructible: Dense<Act> keeps an Act{} unless one is given.
template <class A, class T = float>
concept Activation =
    std::default_initializable<A> && std::copy_constructible<A> &&
    requires {
      { A::name } -> std::convertible_to<std::string_view>;
      { A::elementwise } -> std::convertible_to<bool>;
    } &&
    ((A::elementwise && requires(const A& a, simd::batch<T> v) {
       { a.value(v) } -> std::convertible_to<simd::batch<T>>;
       { a.derivative(v, v) } -> std::convertible_to<simd::batch<T>>;
     }) ||
     (!A::elementwise && requires(T* p, const T* y, std::size_t n) {
       A::template apply<simd::batch<T>>(p, n, n);
       A::template backward<simd::batch<T>>(y, p, n, n);
     }));

namespace detail {
// Checks Activation<A, T> one member at a time, so that the compiler's message names the
// missing one. Returns whether A fulfils the contract (to guard code that would only add
// errors).
template <class A, class T>
consteval bool check_activation() {
  using B = simd::batch<T>;
  static_assert(requires { { A::name } -> std::convertible_to<std::string_view>; },
                "an Activation needs `static constexpr std::string_view name` (see docs/extending.md)");
  static_assert(requires { { A::elementwise } -> std::convertible_to<bool>; },
                "an Activation needs `static constexpr bool elementwise`");
  static_assert(std::default_initializable<A> && std::copy_constructible<A>,
                "an Activation must be default-constructible and copyable");
  if constexpr (requires { { A::elementwise } -> std::convertible_to<bool>; }) {
    if constexpr (A::elementwise) {
      static_assert(requires(const A& a, B v) { { a.value(v) } -> std::convertible_to<B>; },
                    "an elementwise Activation needs `template <class V> static V value(V x)`");
      static_assert(requires(const A& a, B v) { { a.derivative(v, v) } -> std::convertible_to<B>; },
                    "an elementwise Activation needs `template <class V> static V derivative(V x, V y)`");
    } else {
      static_assert(requires(T* p, std::size_t n) { A::template apply<B>(p, n, n); },
                    "a row-wise Activation (elementwise = false) needs `template <class V> static void "
                    "apply(scalar_t<V>* p, size_t units, size_t ld)`");
      static_assert(requires(T* p, const T* y, std::size_t n) { A::template backward<B>(y, p, n, n); },
                    "a row-wise Activation (elementwise = false) needs `template <class V> static void "
                    "backward(const scalar_t<V>* y, scalar_t<V>* dy, size_t units, size_t ld)`");
    }
  }
  return Activation<A, T>;
}
}  // namespace detail

// The twelve activations searched by paper 000's Hyperband runs.
using paper_activations =
    type_list<Elu, Gelu, HardSigmoid, Linear, Relu, Selu, Sigmoid, Softmax, Softplus, Softsign, Swish, Tanh>;
// All activations locus provides.
using all_activations = type_list<Elu, Gelu, HardSigmoid, Linear, Relu, Selu, Sigmoid, Softmax, Softplus,
                                  Softsign, Swish, Tanh, LeakyRelu>;

}  // namespace locus::nn
