#include <doctest/doctest.h>
#include <locus/nn/chain.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("Chain: a chain inside a stack equals the flat stack, forward and gradients") {
  locus::Rng rng(51);
  Stack flat(Dense<Tanh, double>(4, 8, rng), LayerNorm<double>(8), Dense<Gelu, double>(8, 6, rng),
             Dense<Linear, double>(6, 2, rng));
  Stack nested(Dense<Tanh, double>(4, 8), Chain(LayerNorm<double>(8), Dense<Gelu, double>(8, 6)),
               Dense<Linear, double>(6, 2));
  for (auto p : flat.parameters())
    for (auto& v : p) v += rng.normal(0, 0.1);
  nested.copy_weights_from(flat);
  Matrix<double> x({10, 4});
  for (auto& v : x) v = rng.normal();
  const auto a = flat.predict(x), b = nested.predict(x);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
  CHECK(gradcheck_network(nested, x, rng).max_error < 1e-6);
  // the analytic gradients are the flat stack's, bit for bit
  auto grads = [&](auto& net) {
    const std::size_t np = locus::simd::round_up<double>(10);
    auto ws = net.workspace(10);
    locus::kernels::to_feature_major(x.data(), 4, 10, 4, ws.input(), ws.capacity, np);
    net.forward_train(ws, np);
    for (std::size_t i = 0; i < 2 * ws.capacity; ++i) ws.output_grad()[i] = (i % ws.capacity) < 10 ? 1.0 : 0.0;
    auto g = net.make_gradients();
    net.backward(ws, np, g);
    return g;
  };
  CHECK(grads(flat) == grads(nested));
}

TEST_CASE("Chain: mismatched widths are a ConfigError naming the layer") {
  CHECK_THROWS_WITH_AS(Chain(Dense<Relu>(3, 4), Dense<Relu>(5, 2)), doctest::Contains("layer 1 expects 5"),
                       locus::ConfigError);
}
