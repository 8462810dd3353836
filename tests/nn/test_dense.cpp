#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/dense.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
Matrix<double> random_input(std::size_t n, std::size_t k, locus::Rng& rng) {
  Matrix<double> x({n, k});
  for (auto& v : x) v = rng.normal();
  return x;
}

template <class A>
void check_dense() {
  CAPTURE(A::name);
  locus::Rng rng(21);
  Dense<A, double> layer(6, 5, rng);
  for (auto& b : layer.bias()) b = rng.normal(0, 0.3);
  // n = 11 is not a multiple of the lane width, so padding is exercised.
  const auto x = random_input(11, 6, rng);
  // forward vs a direct double computation
  const auto y = layer.forward(x);
  for (std::size_t r = 0; r < 11; ++r) {
    std::vector<double> z(5);
    for (std::size_t j = 0; j < 5; ++j) {
      z[j] = layer.bias()(j);
      for (std::size_t k = 0; k < 6; ++k) z[j] += x(r, k) * layer.weights()(k, j);
    }
    if constexpr (std::is_same_v<A, Softmax>) {
      double m = *std::max_element(z.begin(), z.end()), s = 0;
      for (double v : z) s += std::exp(v - m);
      for (std::size_t j = 0; j < 5; ++j) CHECK(y(r, j) == doctest::Approx(std::exp(z[j] - m) / s).epsilon(1e-12));
    } else {
      for (std::size_t j = 0; j < 5; ++j) CHECK(y(r, j) == doctest::Approx(A{}.value(z[j])).epsilon(1e-12));
    }
  }
  Stack net(layer);
  const auto res = gradcheck_network(net, x, rng);
  CHECK(res.checked == 6 * 5 + 5 + 11 * 6);
  CHECK(res.max_error < 1e-6);
}
}  // namespace

TEST_CASE("Dense<Act, double>: forward matches a direct computation; gradients match finite differences") {
  check_dense<Elu>();
  check_dense<Gelu>();
  check_dense<HardSigmoid>();
  check_dense<Linear>();
  check_dense<Relu>();
  check_dense<Selu>();
  check_dense<Sigmoid>();
  check_dense<Softmax>();
  check_dense<Softplus>();
  check_dense<Softsign>();
  check_dense<Swish>();
  check_dense<Tanh>();
  check_dense<LeakyRelu>();
}

TEST_CASE("Dense: batch-major backward agrees with the network backward") {
  locus::Rng rng(4);
  Dense<Tanh, double> layer(3, 4, rng);
  const auto x = random_input(5, 3, rng);
  Matrix<double> dy({5, 4});
  for (auto& v : dy) v = rng.normal();
  Matrix<double> dw;
  locus::Vector<double> db;
  const auto dx = layer.backward(x, dy, dw, db);
  // dW = Xᵀ (dy ⊙ (1 − y²)) computed directly
  const auto y = layer.forward(x);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j) {
      double s = 0;
      for (std::size_t r = 0; r < 5; ++r) s += x(r, k) * dy(r, j) * (1 - y(r, j) * y(r, j));
      CHECK(dw(k, j) == doctest::Approx(s).epsilon(1e-12));
    }
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t k = 0; k < 3; ++k) {
      double s = 0;
      for (std::size_t j = 0; j < 4; ++j) s += layer.weights()(k, j) * dy(r, j) * (1 - y(r, j) * y(r, j));
      CHECK(dx(r, k) == doctest::Approx(s).epsilon(1e-12));
    }
}

TEST_CASE("Dense: initialisation follows Keras (Glorot-uniform; LeCun-normal for SELU; zero bias)") {
  locus::Rng rng(8);
  Dense<Gelu, double> g(200, 300, rng);
  const double limit = std::sqrt(6.0 / 500);
  double s2 = 0;
  for (double w : g.weights()) {
    CHECK(std::abs(w) <= limit);
    s2 += w * w;
  }
  // Var U(-a, a) = a²/3; 60000 draws, 5 sigma
  const double var = s2 / 60000, expect = limit * limit / 3;
  CHECK(std::abs(var - expect) < 5 * expect * std::sqrt(0.8 / 60000));
  for (double b : g.bias()) CHECK(b == 0.0);
  Dense<Selu, double> s(200, 300, rng);
  double ss = 0, maxabs = 0;
  for (double w : s.weights()) ss += w * w, maxabs = std::max(maxabs, std::abs(w));
  CHECK(std::abs(ss / 60000 - 1.0 / 200) < 0.03 / 200);  // lecun_normal variance 1/fan_in
  CHECK(maxabs < 2 * std::sqrt(1.0 / 200) / 0.87962566103423978);
}

TEST_CASE("Dense: bad shapes are clear errors") {
  CHECK_THROWS_AS(Dense<Relu>(0, 3), locus::ConfigError);
  Dense<Relu> d(3, 2);
  CHECK_THROWS_WITH_AS(d.forward(Matrix<float>({4, 5})), doctest::Contains("expects 3"), locus::InputError);
}
