#include <doctest/doctest.h>
#include <locus/nn/activate.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("Activate: Dense<Linear> then Activate<A> equals the fused Dense<A>") {
  locus::Rng rng(41);
  Stack fused(Dense<Gelu>(6, 11, rng), Dense<Softmax>(11, 4, rng));
  Stack split(Dense<Linear>(6, 11), Activate<Gelu>(11), Dense<Linear>(11, 4), Activate<Softmax>(4));
  split.copy_weights_from(fused);
  Matrix<float> x({29, 6});
  for (auto& v : x) v = static_cast<float>(rng.normal());
  const auto a = fused.predict(x), b = split.predict(x);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}

TEST_CASE("Activate: gradients match finite differences, elementwise and softmax (double)") {
  locus::Rng rng(42);
  Stack net(Dense<Linear, double>(3, 7, rng), Activate<Elu, double>(7), Dense<Linear, double>(7, 5, rng),
            Activate<Softmax, double>(5));
  Matrix<double> x({6, 3});
  for (auto& v : x) v = rng.normal();
  CHECK(gradcheck_network(net, x, rng).max_error < 1e-6);
}
