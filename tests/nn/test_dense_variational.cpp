#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/dense_variational.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("DenseVariational: data-term gradients match finite differences for a fixed weight sample (double)") {
  locus::Rng rng(91);
  Stack net(Dense<Tanh, double>(3, 6, rng), DenseVariational<Gelu, double>(6, 4, rng, 0.0, 1.0, -1.0),
            DenseVariational<Linear, double>(4, 2, rng, 0.0, 1.0, -2.0));
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.1);
  Matrix<double> x({7, 3});
  for (auto& v : x) v = rng.normal();
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.checked == net.parameter_count() + 21);
  CHECK(r.max_error < 1e-6);
}

TEST_CASE("DenseVariational: the KL term equals numerical integration, and its gradient reaches μ and ρ") {
  locus::Rng rng(92);
  DenseVariational<Linear, double> l(1, 1, rng, 1.0, 0.7);
  l.mean_weights()(0, 0) = 0.4;
  l.rho_weights()(0, 0) = -0.3;
  l.mean_bias()[0] = -0.2;
  l.rho_bias()[0] = 0.5;
  // KL(N(μ, σ²) ‖ N(0, 0.7²)) = ∫ q log(q / p) by the trapezoid rule on ±12σ
  auto kl_numeric = [](double mu, double sigma, double prior) {
    const std::size_t steps = 200000;
    const double lo = mu - 12 * sigma, h = 24 * sigma / steps;
    double s = 0;
    for (std::size_t i = 0; i <= steps; ++i) {
      const double w = lo + h * double(i);
      const double lq = -0.5 * std::pow((w - mu) / sigma, 2) - std::log(sigma * std::sqrt(2 * M_PI));
      const double lp = -0.5 * std::pow(w / prior, 2) - std::log(prior * std::sqrt(2 * M_PI));
      s += (i == 0 || i == steps ? 0.5 : 1.0) * std::exp(lq) * (lq - lp);
    }
    return s * h;
  };
  const double sp = [](double r) { return std::log1p(std::exp(r)); }(-0.3), sb = std::log1p(std::exp(0.5));
  CHECK(l.kl() == doctest::Approx(kl_numeric(0.4, sp, 0.7) + kl_numeric(-0.2, sb, 0.7)).epsilon(1e-8));

  // With zero data gradient the backward pass gives kl_weight · ∂KL/∂(μ, ρ).
  Stack net(l);
  auto ws = net.workspace(4);
  const std::size_t np = locus::simd::round_up<double>(4);
  net.forward_train(ws, np, TrainPass{4, 3});
  std::fill(ws.d0.begin(), ws.d0.end(), 0.0);
  auto g = net.make_gradients();
  net.backward(ws, np, g);
  auto params = net.parameters();
  for (std::size_t b = 0; b < 4; ++b) {
    double& v = params[b][0];
    const double v0 = v;
    const double num = central_difference(
        [&](double d) {
          v = v0 + d;
          return net.layer<0>().kl();
        },
        1e-4);
    v = v0;
    CHECK(g[b][0] == doctest::Approx(num).epsilon(1e-7));
  }
}

TEST_CASE("DenseVariational: on a heteroscedastic toy problem the predictive σ follows the true noise") {
  // y = sin(3x) + σ(x) ε, σ(x) = 0.05 + 0.2 (x + 1) / 2 on x ∈ [−1, 1]. The mean comes from a
  // variational layer, σ from a Softplus head; the moments loss fits σ² to the scatter about
  // the sampled mean, so σ is the total predictive σ. The moments loss is on the scale of e²,
  // not of the Gaussian −log-likelihood e²/2σ², so the KL weight is 2 σ̄²/n (σ̄ = 0.15) to keep
  // the ELBO's balance.
  locus::Rng rng(93);
  const std::size_t n = 4000;
  Matrix<float> x({n, 1}), y({n, 1});
  auto sigma = [](double v) { return 0.05 + 0.2 * (v + 1) / 2; };
  for (std::size_t r = 0; r < n; ++r) {
    x(r, 0) = float(rng.uniform(-1, 1));
    y(r, 0) = float(std::sin(3 * x(r, 0)) + sigma(x(r, 0)) * rng.normal());
  }
  Stack net(Dense<Tanh>(1, 32, rng), Dense<Tanh>(32, 32, rng),
            Heads(DenseVariational<Linear>(32, 1, rng, 2 * 0.15 * 0.15 / n), Dense<Softplus>(32, 1, rng)));
  Adam opt{.learning_rate = 3e-3};
  Constant sched;
  fit(net, Moments{}, opt, sched, {x, y}, {}, FitOptions{.epochs = 150, .batch_size = 128, .patience = 0});
  Matrix<float> grid({9, 1});
  for (std::size_t i = 0; i < 9; ++i) grid(i, 0) = float(-0.8 + 0.2 * double(i));
  const auto p = predict_samples(net, grid, 200, 7);
  double mean_rel = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    const double s = p.mean(i, 1), epistemic = p.spread(i, 0), truth = sigma(grid(i, 0));
    INFO("x = " << grid(i, 0) << ": σ " << s << " (epistemic part " << epistemic << "), true " << truth);
    mean_rel += std::abs(s / truth - 1) / 9;
    CHECK(std::abs(s / truth - 1) < 0.6);           // every point, the low-noise edge included
    CHECK(epistemic > 0);                           // weight samples do differ
    CHECK(epistemic < 0.5 * truth);                 // but 4000 points pin the mean down
    CHECK(std::abs(p.mean(i, 0) - std::sin(3 * grid(i, 0))) < 0.1);
  }
  CHECK(mean_rel < 0.2);                  // σ within 20 % on average over the grid
  CHECK(p.mean(8, 1) > 1.8 * p.mean(1, 1));  // and rising with x (true ratio 0.23 / 0.09 = 2.6)
  const auto again = predict_samples(net, grid, 200, 7);  // reproducible for a seed
  CHECK(std::equal(p.spread.begin(), p.spread.end(), again.spread.begin()));
}
