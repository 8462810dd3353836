#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
template <class T>
auto paper_network(locus::Rng& rng) {
  return Stack(Dense<Gelu, T>(10, 45, rng), Dense<Softsign, T>(45, 45, rng), Dense<Softsign, T>(45, 42, rng),
               Dense<Sigmoid, T>(42, 33, rng), Dense<Gelu, T>(33, 36, rng), Dense<Linear, T>(36, 6, rng));
}
template <class T>
Matrix<T> random_input(std::size_t n, std::size_t k, locus::Rng& rng) {
  Matrix<T> x({n, k});
  for (auto& v : x) v = static_cast<T>(rng.normal());
  return x;
}
}  // namespace

TEST_CASE("Stack: the paper network's gradients match finite differences (double)") {
  locus::Rng rng(1);
  auto net = paper_network<double>(rng);
  for (auto p : net.parameters())
    if (p.size() < 50)
      for (auto& b : p) b = rng.normal(0, 0.2);  // non-zero biases
  CHECK(net.parameter_count() == 7155 + 45 + 45 + 42 + 33 + 36 + 6);
  const auto x = random_input<double>(5, 10, rng);
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.checked == net.parameter_count() + 50);
  CHECK(r.max_error < 1e-6);
}

TEST_CASE("Stack: predict is bit-identical for any chunk size and thread count") {
  locus::Rng rng(2);
  auto net = paper_network<float>(rng);
  const auto x = random_input<float>(1001, 10, rng);
  const auto ref = net.predict(x, 1, 512);
  for (std::size_t chunk : {16u, 48u, 100u, 4096u})
    for (std::size_t threads : {1u, 2u, 3u}) {
      const auto y = net.predict(x, threads, chunk);
      CHECK(std::equal(y.begin(), y.end(), ref.begin()));
    }
  // and agrees with layer-by-layer batch-major evaluation
  auto h = net.layer<0>().forward(x);
  h = net.layer<1>().forward(h);
  h = net.layer<2>().forward(h);
  h = net.layer<3>().forward(h);
  h = net.layer<4>().forward(h);
  h = net.layer<5>().forward(h);
  CHECK(std::equal(h.begin(), h.end(), ref.begin()));
}

TEST_CASE("Stack: predict_stream holds one block at a time and matches predict") {
  locus::Rng rng(3);
  auto net = paper_network<float>(rng);
  const auto x = random_input<float>(2500, 10, rng);
  const auto ref = net.predict(x);
  std::size_t pos = 0, written = 0;
  Matrix<float> out({2500, 6});
  const auto total = net.predict_stream(
      [&](Matrix<float>& buf) {
        const std::size_t rows = std::min<std::size_t>(buf.shape(0), 2500 - pos);
        std::copy(x.data() + pos * 10, x.data() + (pos + rows) * 10, buf.data());
        pos += rows;
        return rows;
      },
      [&](const Matrix<float>& y, std::size_t rows) {
        std::copy(y.data(), y.data() + rows * 6, out.data() + written * 6);
        written += rows;
      },
      700);
  CHECK(total == 2500);
  CHECK(std::equal(out.begin(), out.end(), ref.begin()));
}

TEST_CASE("Stack: mismatched layer sizes are a ConfigError naming the layer") {
  CHECK_THROWS_WITH_AS(Stack(Dense<Relu>(3, 4), Dense<Relu>(5, 2)), doctest::Contains("layer 1 expects 5"),
                       locus::ConfigError);
  Stack net(Dense<Relu>(3, 4), Dense<Linear>(4, 2));
  CHECK_THROWS_AS(net.predict(Matrix<float>({2, 4})), locus::InputError);
}

TEST_CASE("DynamicStack: gradients match finite differences for a mixed architecture") {
  locus::Rng rng(5);
  DynamicStack<all_activations, double> net(
      4, {{7, "elu"}, {6, "selu"}, {5, "softmax"}, {6, "swish"}, {5, "hard_sigmoid"}, {4, "leaky_relu"}, {3, "tanh"}, {3, "linear"}},
      rng);
  const auto x = random_input<double>(6, 4, rng);
  CHECK(gradcheck_network(net, x, rng).max_error < 1e-6);
}

TEST_CASE("DynamicStack: bit-identical to the Stack with the same weights") {
  locus::Rng rng(6);
  auto fixed = paper_network<float>(rng);
  DynamicStack<paper_activations, float> dyn(
      10, {{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}}, rng);
  dyn.copy_weights_from(fixed);
  const auto x = random_input<float>(777, 10, rng);
  const auto a = fixed.predict(x), b = dyn.predict(x, 2);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
  // the same seed builds the same network either way
  locus::Rng s1(9), s2(9);
  auto f2 = paper_network<float>(s1);
  f2.initialize(s2);
  DynamicStack<paper_activations, float> d2(
      10, {{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}},
      locus::Rng(9));
  const auto pa = f2.parameters();
  const auto pb = d2.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(std::equal(pa[i].begin(), pa[i].end(), pb[i].begin()));
}

TEST_CASE("DynamicStack: unknown activations and empty specs are ConfigErrors listing the choices") {
  CHECK_THROWS_WITH_AS((DynamicStack<paper_activations>(3, {{4, "mish"}})), doctest::Contains("gelu"),
                       locus::ConfigError);
  CHECK_THROWS_AS((DynamicStack<paper_activations>(3, {})), locus::ConfigError);
  CHECK_THROWS_AS((DynamicStack<paper_activations>(3, {{0, "relu"}})), locus::ConfigError);
  // leaky_relu is not one of the paper's twelve
  CHECK_THROWS_AS((DynamicStack<paper_activations>(3, {{2, "leaky_relu"}})), locus::ConfigError);
}
