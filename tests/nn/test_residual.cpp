#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/activate.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/residual.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
Matrix<double> input(std::size_t n, std::size_t k, locus::Rng& rng) {
  Matrix<double> x({n, k});
  for (auto& v : x) v = rng.normal();
  return x;
}
}  // namespace

TEST_CASE("Residual: identity shortcut, y = body(x) + x") {
  locus::Rng rng(61);
  Residual block(Dense<Linear, double>(6, 6, rng), LayerNorm<double>(6), Activate<Gelu, double>(6));
  CHECK_FALSE(block.projects());
  const auto x = input(9, 6, rng);
  const auto y = Stack(block).predict(x);
  const auto body = Stack(block.body()).predict(x);
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data()[i] == doctest::Approx(body.data()[i] + x.data()[i]));
}

TEST_CASE("Residual: projection shortcut is LayerNorm then a linear map") {
  locus::Rng rng(62);
  Residual block(Dense<Linear, double>(5, 3, rng), Activate<Tanh, double>(3));
  REQUIRE(block.projects());
  Stack net(block);
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.2);
  const auto& b = net.layer<0>();
  const auto x = input(7, 5, rng);
  const auto y = net.predict(x);
  const auto body = Stack(b.body()).predict(x);
  const auto normed = Stack(b.projection_norm()).predict(x);
  for (std::size_t r = 0; r < 7; ++r)
    for (std::size_t q = 0; q < 3; ++q) {
      double s = b.projection().bias()[q];
      for (std::size_t i = 0; i < 5; ++i) s += normed(r, i) * b.projection().weights()(i, q);
      CHECK(y(r, q) == doctest::Approx(body(r, q) + s).epsilon(1e-12));
    }
  CHECK(net.parameter_count() == 5 * 3 + 3 + 2 * 5 + 5 * 3 + 3);
}

TEST_CASE("Residual: gradients match finite differences, identity and projection (double)") {
  locus::Rng rng(63);
  Stack net(Dense<Linear, double>(4, 8, rng),
            Residual(Dense<Linear, double>(8, 8, rng), LayerNorm<double>(8), Activate<Swish, double>(8),
                     Dropout<double>(8, 0.3)),
            Residual(Dense<Linear, double>(8, 5, rng), LayerNorm<double>(5), Activate<Gelu, double>(5)),
            Dense<Linear, double>(5, 2, rng));
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.2);
  const auto x = input(6, 4, rng);
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.checked == net.parameter_count() + 24);
  CHECK(r.max_error < 1e-6);
  // first layer a residual block: no input gradient is asked for, parameters still right
  Stack first(Residual(Dense<Gelu, double>(4, 3, rng)), Dense<Linear, double>(3, 1, rng));
  CHECK(gradcheck_network(first, x, rng).max_error < 1e-6);
}
