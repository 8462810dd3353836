// The program shown in docs/getting-started.md: build a network, train-free forward pass,
// batched prediction, and a gradient check.
#include <cstdio>
#include <locus/locus.hpp>

int main() {
  using namespace locus;
  using namespace locus::nn;

  Rng rng(42);  // every random draw in locus comes from an explicit Rng

  // A compile-time network: 10 inputs -> 45 GELU -> 6 linear outputs.
  Stack net(Dense<Gelu>(10, 45, rng), Dense<Linear>(45, 6, rng));

  // The same architecture chosen at run time (e.g. by a tuner).
  DynamicStack<paper_activations> dyn(10, {{45, "gelu"}, {6, "linear"}}, rng);
  dyn.copy_weights_from(net);

  Matrix<float> x({1000, 10});
  for (auto& v : x) v = static_cast<float>(rng.normal());
  const Matrix<float> y = net.predict(x, /*threads=*/2);
  const Matrix<float> y2 = dyn.predict(x);
  std::printf("predicted %zu rows x %zu outputs; static and dynamic agree bit for bit: %s\n", y.shape(0), y.shape(1),
              std::equal(y.begin(), y.end(), y2.begin()) ? "yes" : "no");

  // Moments loss of paper 000 (Eq. 2) on made-up targets.
  Matrix<float> target({1000, 3});
  for (auto& v : target) v = static_cast<float>(rng.normal());
  std::printf("paper loss on random targets: %.3f\n", paper_moments_loss().value(y, target));

  // Finite-difference check of a small double-precision network.
  Stack small(Dense<Softsign, double>(3, 4, rng), Dense<Linear, double>(4, 2, rng));
  Matrix<double> xs({4, 3});
  for (auto& v : xs) v = rng.normal();
  const auto check = gradcheck_network(small, xs, rng);
  std::printf("gradient check: %zu coordinates, max relative error %.2e\n", check.checked, check.max_error);
  return check.max_error < 1e-6 ? 0 : 1;
}
