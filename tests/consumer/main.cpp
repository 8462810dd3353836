// A program outside the locus tree, built against an installed locus.
#include <cmath>
#include <cstdio>
#include <locus/locus.hpp>

int main() {
  using namespace locus::nn;
  locus::Rng rng(7);
  Stack net(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 6, rng), Dense<Linear>(6, 6, rng));
  locus::Matrix<float> x({100, 10});
  for (auto& v : x) v = static_cast<float>(rng.normal());
  const auto y = net.predict(x);
  for (float v : y)
    if (!std::isfinite(v)) return 1;
  std::printf("consumer: predicted %zu x %zu\n", y.shape(0), y.shape(1));
  return y.shape(0) == 100 && y.shape(1) == 6 ? 0 : 1;
}
