#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/activate.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("LayerNorm: output equals the brute-force double formula, per row") {
  locus::Rng rng(11);
  LayerNorm<float> ln(13);
  for (auto& g : ln.gain()) g = static_cast<float>(rng.normal(1, 0.3));
  for (auto& b : ln.bias()) b = static_cast<float>(rng.normal(0, 0.3));
  Matrix<float> x({37, 13});
  for (auto& v : x) v = static_cast<float>(rng.normal(3, 2));
  const auto y = Stack(ln).predict(x);
  double worst = 0;
  for (std::size_t r = 0; r < 37; ++r) {
    double m = 0, v = 0;
    for (std::size_t q = 0; q < 13; ++q) m += x(r, q);
    m /= 13;
    for (std::size_t q = 0; q < 13; ++q) v += (x(r, q) - m) * (x(r, q) - m);
    v /= 13;
    for (std::size_t q = 0; q < 13; ++q) {
      const double ref = ln.gain()[q] * (x(r, q) - m) / std::sqrt(v + 1e-5) + ln.bias()[q];
      worst = std::max(worst, std::abs(y(r, q) - ref));
    }
  }
  CHECK(worst < 2e-6);
}

TEST_CASE("LayerNorm: gradients match finite differences, alone and inside a stack (double)") {
  locus::Rng rng(12);
  Stack net(Dense<Linear, double>(5, 9, rng), LayerNorm<double>(9), Activate<Gelu, double>(9),
            Dense<Tanh, double>(9, 3, rng));
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.2);  // γ ≠ 1, β ≠ 0
  Matrix<double> x({7, 5});
  for (auto& v : x) v = rng.normal();
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.checked == net.parameter_count() + 35);
  CHECK(r.max_error < 1e-6);
}

TEST_CASE("LayerNorm: bad configuration is a ConfigError") {
  CHECK_THROWS_AS(LayerNorm<float>(0), locus::ConfigError);
  CHECK_THROWS_AS(LayerNorm<float>(4, 0.0), locus::ConfigError);
}
