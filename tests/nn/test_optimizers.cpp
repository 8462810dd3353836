#include <doctest/doctest.h>
#include <locus/nn/optimizers.hpp>

using namespace locus::nn;

TEST_CASE("optimizers: L2 regularisation adds l2·p to the gradient (Sgd closed form, Adam equivalence)") {
  std::vector<double> a{1.0, -2.0, 0.5}, b = a;
  std::vector<std::span<double>> pa{std::span<double>(a)}, pb{std::span<double>(b)};
  Gradients<double> zero{{0.0, 0.0, 0.0}};
  Sgd sgd{.l2 = 0.1};
  sgd.step(pa, zero, 0.5);
  CHECK(a[0] == doctest::Approx(1.0 * (1 - 0.5 * 0.1)).epsilon(1e-15));
  CHECK(a[1] == doctest::Approx(-2.0 * (1 - 0.5 * 0.1)).epsilon(1e-15));
  // Adam with l2 on g is plain Adam on g + l2·p, step after step
  std::vector<double> c{0.3, -0.7}, d = c;
  std::vector<std::span<double>> pc{std::span<double>(c)}, pd{std::span<double>(d)};
  Adam with{.l2 = 0.05}, without;
  for (int step = 0; step < 5; ++step) {
    Gradients<double> g{{0.1 * step - 0.2, 0.3}};
    Gradients<double> g2{{g[0][0] + 0.05 * d[0], g[0][1] + 0.05 * d[1]}};
    with.step(pc, g, 1e-2);
    without.step(pd, g2, 1e-2);
    CHECK(c == d);
  }
  CHECK(with.config().at("l2") == 0.05);
  Adam bad{.l2 = -1};
  Gradients<double> z2{{0.0, 0.0}};
  CHECK_THROWS_AS(bad.step(pc, z2, 1e-3), locus::ConfigError);
}
