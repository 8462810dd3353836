#include <doctest/doctest.h>
#include <locus/nn/chain.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("Heads: outputs are the heads' outputs, concatenated in order") {
  locus::Rng rng(71);
  Heads heads(Chain(Dense<Gelu, double>(6, 5, rng), Dense<Linear, double>(5, 1, rng)), Dense<Linear, double>(6, 2, rng),
              Chain(Dense<Elu, double>(6, 4, rng), Dense<Linear, double>(4, 1, rng)));
  CHECK(heads.outputs() == 4);
  Matrix<double> x({13, 6});
  for (auto& v : x) v = rng.normal();
  const auto y = Stack(heads).predict(x);
  const auto h0 = Stack(heads.head<0>()).predict(x);
  const auto h1 = Stack(heads.head<1>()).predict(x);
  const auto h2 = Stack(heads.head<2>()).predict(x);
  for (std::size_t r = 0; r < 13; ++r) {
    CHECK(y(r, 0) == h0(r, 0));
    CHECK(y(r, 1) == h1(r, 0));
    CHECK(y(r, 2) == h1(r, 1));
    CHECK(y(r, 3) == h2(r, 0));
  }
}

TEST_CASE("Heads: a shared trunk with three heads, gradients match finite differences (double)") {
  locus::Rng rng(72);
  Stack net(Dense<Gelu, double>(5, 8, rng), LayerNorm<double>(8),
            Heads(Chain(Dense<Gelu, double>(8, 6, rng), Dropout<double>(6, 0.2), Dense<Linear, double>(6, 1, rng)),
                  Dense<Linear, double>(8, 1, rng), Chain(Dense<Tanh, double>(8, 3, rng), Dense<Linear, double>(3, 1, rng))));
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.2);
  Matrix<double> x({7, 5});
  for (auto& v : x) v = rng.normal();
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.checked == net.parameter_count() + 35);
  CHECK(r.max_error < 1e-6);
}

TEST_CASE("Heads: heads that read different widths are a ConfigError") {
  CHECK_THROWS_AS(Heads(Dense<Linear>(4, 1), Dense<Linear>(5, 1)), locus::ConfigError);
}
