#include <doctest/doctest.h>
#include <cmath>
#include <limits>
#include <vector>
#include <locus/nn/activations.hpp>
#include <locus/nn/gradcheck.hpp>

using namespace locus::nn;
namespace simd = locus::simd;

namespace {
// Independent double-precision definitions (DESIGN.md, "Standard definitions").
double ref_value(std::string_view n, double x) {
  if (n == "elu") return x > 0 ? x : std::exp(x) - 1;
  if (n == "gelu") return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
  if (n == "hard_sigmoid") return std::clamp(x / 6 + 0.5, 0.0, 1.0);
  if (n == "linear") return x;
  if (n == "relu") return x > 0 ? x : 0;
  if (n == "selu") return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (std::exp(x) - 1));
  if (n == "sigmoid") return 1 / (1 + std::exp(-x));
  if (n == "softplus") return std::log1p(std::exp(-std::abs(x))) + std::max(x, 0.0);
  if (n == "softsign") return x / (1 + std::abs(x));
  if (n == "swish") return x / (1 + std::exp(-x));
  if (n == "tanh") return std::tanh(x);
  if (n == "leaky_relu") return x > 0 ? x : 0.01 * x;
  return NAN;
}

template <class A>
void check_activation(A act = {}) {
  CAPTURE(A::name);
  using BF = simd::batch<float>;
  constexpr std::size_t L = simd::lanes<float>;
  // A grid over [-20, 20] plus extreme values.
  std::vector<float> xs;
  for (int i = -2000; i <= 2000; ++i) xs.push_back(float(i) * 0.01f);
  for (float v : {-1e30f, -1e6f, -100.f, -88.8f, 88.8f, 100.f, 1e6f, 1e30f, 1e-30f, -1e-30f, 0.f}) xs.push_back(v);
  while (xs.size() % L) xs.push_back(0.5f);
  for (std::size_t i = 0; i < xs.size(); i += L) {
    const BF xb = BF::load_unaligned(&xs[i]);
    const BF yb = act.value(xb);
    const BF db = act.derivative(xb, yb);
    float y[64], d[64];
    yb.store_unaligned(y);
    db.store_unaligned(d);
    for (std::size_t j = 0; j < L; ++j) {
      const double x = xs[i + j];
      CAPTURE(x);
      REQUIRE(std::isfinite(y[j]));
      REQUIRE(std::isfinite(d[j]));
      const double ref = ref_value(A::name, x);
      // float batch vs double reference: a few ulp relative, or absolute near zero
      CHECK(std::abs(y[j] - ref) <= 4e-6 * std::max(1.0, std::abs(ref)));
      // scalar path agrees with the batch path
      CHECK(std::abs(act.value(float(x)) - y[j]) <= 2e-6f * std::max(1.0f, std::abs(y[j])));
    }
  }
  // Derivative in double vs central differences, away from kinks.
  std::vector<double> grid;
  for (int i = -400; i <= 400; ++i) {
    const double x = i * 0.05 + 0.0123;
    if (std::abs(std::abs(x) - 3.0) < 1e-3 || std::abs(x) < 1e-3) continue;
    grid.push_back(x);
  }
  // Point by point: relative error, measured absolutely (floor 1e-3) where the derivative
  // itself is tiny, as at large |x|.
  for (double x0 : grid) {
    auto f = [&](const std::vector<double>& v) { return act.value(v[0]); };
    const auto r = gradcheck(f, {x0}, {act.derivative(x0, act.value(x0))}, 1e-4, 0.0, 1e-3);
    CAPTURE(x0);
    CHECK(r.max_error < 1e-6);
  }
}
}  // namespace

TEST_CASE("activations: values match the standard definitions, derivatives match finite differences") {
  check_activation<Elu>();
  check_activation<Gelu>();
  check_activation<HardSigmoid>();
  check_activation<Linear>();
  check_activation<Relu>();
  check_activation<Selu>();
  check_activation<Sigmoid>();
  check_activation<Softplus>();
  check_activation<Softsign>();
  check_activation<Swish>();
  check_activation<Tanh>();
  check_activation<LeakyRelu>();
}

TEST_CASE("activations: LeakyRelu slope is configurable") {
  LeakyRelu a{0.2};
  CHECK(a.value(-2.0) == doctest::Approx(-0.4));
  CHECK(a.derivative(-2.0, -0.4) == doctest::Approx(0.2));
}

TEST_CASE("Softmax: rows sum to one, stable for huge inputs, Jacobian-vector product is exact") {
  constexpr std::size_t L = simd::lanes<double>;
  using BD = simd::batch<double>;
  const std::size_t units = 5, ld = L;
  std::vector<double> z(units * ld);
  for (std::size_t f = 0; f < units; ++f)
    for (std::size_t r = 0; r < L; ++r) z[f * ld + r] = (r % 2 ? 800.0 : -3.0) + 1.7 * double(f) - 0.3 * double(r);
  auto y = z;
  Softmax::apply<BD>(y.data(), units, ld);
  for (std::size_t r = 0; r < L; ++r) {
    double s = 0, m = -1e300;
    for (std::size_t f = 0; f < units; ++f) m = std::max(m, z[f * ld + r]);
    for (std::size_t f = 0; f < units; ++f) s += std::exp(z[f * ld + r] - m);
    for (std::size_t f = 0; f < units; ++f) CHECK(y[f * ld + r] == doctest::Approx(std::exp(z[f * ld + r] - m) / s).epsilon(1e-13));
  }
  // dZ from backward vs finite differences of Σ g·softmax(z).
  std::vector<double> g(units * ld);
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(1.3 * double(i));
  auto dz = g;
  Softmax::backward<BD>(y.data(), dz.data(), units, ld);
  for (std::size_t r = 0; r < L; ++r) {
    std::vector<double> col(units), an(units);
    for (std::size_t f = 0; f < units; ++f) col[f] = z[f * ld + r] - (r % 2 ? 800.0 : 0.0), an[f] = dz[f * ld + r];
    auto obj = [&](const std::vector<double>& v) {
      double m = *std::max_element(v.begin(), v.end()), s = 0, o = 0;
      for (double e : v) s += std::exp(e - m);
      for (std::size_t f = 0; f < units; ++f) o += g[f * ld + r] * std::exp(v[f] - m) / s;
      return o;
    };
    CHECK(gradcheck(obj, col, an, 1e-6, 1e-8).max_error < 1e-6);
  }
}

TEST_CASE("paper_activations lists the twelve searched in paper 000") {
  static_assert(paper_activations::size == 12);
  static_assert(all_activations::size == 13);
}

TEST_CASE("activations: infinite and enormous inputs give the saturated values, never NaN") {
  // Found by fuzzing model files: a weight of 3e21 sent ±inf into xsimd's erfc/exp, which
  // convert it to an integer (undefined behaviour) or return NaN.
  auto check_all = [&]<class T>() {
    using B = locus::simd::batch<T>;
    const T inf = std::numeric_limits<T>::infinity(), big = std::numeric_limits<T>::max();
    for (T v : {inf, -inf, big, -big, T(1e30), T(-1e30), T(1e4), T(-1e4)}) {
      for_each_type(all_activations{}, [&]<class A>() {
        if constexpr (A::elementwise) {
          const A act{};
          const B x(v);
          const T y = act.value(x).get(0), d = act.derivative(x, act.value(x)).get(0);
          INFO(A::name << "(" << double(v) << ") = " << double(y) << ", derivative " << double(d));
          CHECK_FALSE(std::isnan(y));
          CHECK(std::isfinite(d));
          if (std::isinf(y)) CHECK(y == v * T(A::name == "selu" ? Selu::lambda : 1));  // only the identity-like grow
        }
      });
    }
  };
  check_all.template operator()<float>();
  check_all.template operator()<double>();
}
