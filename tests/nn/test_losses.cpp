#include <doctest/doctest.h>
#include <cmath>
#include <string>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
Matrix<double> random_matrix(std::size_t n, std::size_t k, locus::Rng& rng, double lo = -2, double hi = 2) {
  Matrix<double> m({n, k});
  for (auto& v : m) v = rng.uniform(lo, hi);
  return m;
}

template <class L>
void check_gradient(const L& loss, std::size_t K, double lo = -2, double hi = 2) {
  locus::Rng rng(3);
  const std::size_t n = 7, C = L::prediction_columns(K);
  auto pred = random_matrix(n, C, rng, lo, hi), target = random_matrix(n, K, rng, lo, hi);
  Matrix<double> grad;
  const double v = loss.gradient(pred, target, grad);
  CHECK(v == doctest::Approx(loss.value(pred, target)).epsilon(1e-14));
  std::vector<double> x(pred.begin(), pred.end()), g(grad.begin(), grad.end());
  auto f = [&](const std::vector<double>& p) {
    Matrix<double> pm({n, C});
    std::copy(p.begin(), p.end(), pm.begin());
    return loss.value(pm, target);
  };
  const auto r = gradcheck(f, x, g);
  CAPTURE(r.worst);
  CAPTURE(r.analytic);
  CAPTURE(r.numeric);
  CAPTURE(L::name);
  CHECK(r.max_error < 1e-6);
}
}  // namespace

TEST_CASE("losses: gradients match finite differences") {
  check_gradient(Mse{}, 3);
  check_gradient(Mae{}, 3);
  check_gradient(Huber{0.7}, 3);
  check_gradient(Smape{1e-2}, 3, 0.5, 3.0);
  check_gradient(Moments{}, 3);
  check_gradient(Weighted<Moments>{100.0, 2500.0, 100.0}, 3);
  check_gradient(Weighted<Mse>{1.0, 4.0}, 2);
}

TEST_CASE("losses: closed-form values") {
  Matrix<double> p = {{1.0, 2.0}, {3.0, -1.0}}, t = {{0.0, 2.5}, {1.0, 1.0}};
  // errors: 1, -0.5, 2, -2
  CHECK(Mse{}.value(p, t) == doctest::Approx((1 + 0.25 + 4 + 4) / 4.0));
  CHECK(Mae{}.value(p, t) == doctest::Approx((1 + 0.5 + 2 + 2) / 4.0));
  CHECK(Huber{1.0}.value(p, t) == doctest::Approx((0.5 + 0.125 + 1.5 + 1.5) / 4.0));
  // Moments, one target: θ = 1, μ = 0.5, σ = 0.3 and θ = 0, μ = 0, σ = 1
  Matrix<double> pm = {{0.5, 0.3}, {0.0, 1.0}}, tm = {{1.0}, {0.0}};
  const double l1 = 0.25 + std::pow(0.25 - 0.09, 2), l2 = 0 + 1.0;
  CHECK(Moments{}.value(pm, tm) == doctest::Approx((l1 + l2) / 2));
  // Eq. 2 weights
  auto eq2 = paper_moments_loss();
  CHECK(eq2.weights[0] == doctest::Approx(100.0));
  CHECK(eq2.weights[1] == doctest::Approx(2500.0));
  CHECK(eq2.weights[2] == doctest::Approx(100.0));
  // Weighted<Mse> with unit weights is K times the mean
  CHECK(Weighted<Mse>{1.0, 1.0}.value(p, t) == doctest::Approx(2 * Mse{}.value(p, t)));
}

TEST_CASE("losses: the moments loss is minimised by the true mean and scatter") {
  // For θ ~ N(m, s²), E[ℓ] over (μ, σ) is minimised at μ = m and σ² = s² (+ O(1/n) noise).
  locus::Rng rng(17);
  const std::size_t n = 20000;
  Matrix<double> t({n, 1});
  for (auto& v : t) v = rng.normal(1.5, 0.4);
  auto loss_at = [&](double mu, double sig) {
    Matrix<double> p({n, 2});
    for (std::size_t r = 0; r < n; ++r) p(r, 0) = mu, p(r, 1) = sig;
    return Moments{}.value(p, t);
  };
  const double best = loss_at(1.5, 0.4);
  for (double dm : {-0.05, 0.05}) CHECK(loss_at(1.5 + dm, 0.4) > best);
  for (double ds : {-0.05, 0.05}) CHECK(loss_at(1.5, 0.4 + ds) > best);
}

TEST_CASE("losses: a NaN or infinite target names its row and column") {
  Matrix<double> p({3, 2}), t({3, 2});
  p.fill(0);
  t.fill(1);
  t(2, 1) = NAN;
  try {
    (void)Mse{}.value(p, t);
    FAIL("no exception");
  } catch (const locus::InputError& e) {
    CHECK(std::string(e.what()).find("row 2, column 1 is NaN") != std::string::npos);
  }
  t(2, 1) = INFINITY;
  CHECK_THROWS_WITH_AS((void)Moments{}.value(Matrix<double>({3, 4}), t), doctest::Contains("infinite"), locus::InputError);
  CHECK_THROWS_AS((void)Mse{}.value(Matrix<double>({3, 3}), t), locus::InputError);
  CHECK_THROWS_AS((void)Weighted<Mse>({1.0, 2.0, 3.0}).value(p, Matrix<double>({3, 2}, 0.0)), locus::InputError);
}

TEST_CASE("losses: cross-entropy equals −log p of the true class, and its gradient is −t/p") {
  // closed form: uniform probabilities over 4 classes give log 4 per row
  Matrix<double> p({3, 4}, 0.25);
  const auto t = class_targets<double>(std::vector<int>{0, 3, 2}, 4);
  CHECK(CrossEntropy{}.value(p, t) == doctest::Approx(std::log(4.0)).epsilon(1e-14));
  locus::Rng rng(23);
  Matrix<double> q({5, 3});
  for (auto& v : q) v = rng.uniform(0.05, 1.0);
  const auto y = class_targets<double>(std::vector<std::size_t>{0, 1, 2, 1, 0}, 3);
  double ref = 0;
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t c = 0; c < 3; ++c) ref -= y(r, c) * std::log(q(r, c));
  CHECK(CrossEntropy{}.value(q, y) == doctest::Approx(ref / 5).epsilon(1e-14));
  Matrix<double> g;
  CrossEntropy{}.gradient(q, y, g);
  std::vector<double> x(q.begin(), q.end()), analytic(g.begin(), g.end());
  const auto res = gradcheck(
      [&](const std::vector<double>& v) {
        Matrix<double> m({5, 3});
        std::copy(v.begin(), v.end(), m.begin());
        return CrossEntropy{}.value(m, y);
      },
      x, analytic, 1e-5);
  CHECK(res.max_error < 1e-7);
  CHECK_THROWS_WITH_AS(class_targets(std::vector<int>{0, 3}, 3), doctest::Contains("label 3 at row 1"), locus::InputError);
  CHECK_THROWS_AS(class_targets(std::vector<int>{-1}, 2), locus::InputError);
}

TEST_CASE("losses: cross-entropy through a Softmax network matches finite differences (double)") {
  locus::Rng rng(24);
  Stack net(Dense<Tanh, double>(4, 6, rng), Dense<Softmax, double>(6, 3, rng));
  Matrix<double> x({7, 4});
  for (auto& v : x) v = rng.normal();
  const auto y = class_targets<double>(std::vector<int>{0, 1, 2, 2, 1, 0, 1}, 3);
  auto loss_of = [&]() { return CrossEntropy{}.value(net.predict(x), y); };
  // analytic: the loss gradient back-propagated through the network
  const std::size_t np = locus::simd::round_up<double>(7);
  auto ws = net.workspace(7);
  locus::kernels::to_feature_major(x.data(), 4, 7, 4, ws.input(), ws.capacity, np);
  net.forward_train(ws, np);
  Matrix<double> pred({7, 3}), g;
  locus::kernels::to_batch_major(ws.output(), ws.capacity, 7, 3, pred.data(), 3);
  CrossEntropy{}.gradient(pred, y, g);
  locus::kernels::to_feature_major(g.data(), 3, 7, 3, ws.output_grad(), ws.capacity, np);
  auto grads = net.make_gradients();
  net.backward(ws, np, grads);
  double worst = 0;
  std::size_t b = 0;
  for (auto p : net.parameters()) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double v0 = p[i];
      const double num = central_difference(
          [&](double d) {
            p[i] = v0 + d;
            return loss_of();
          },
          1e-4);
      p[i] = v0;
      worst = std::max(worst, std::abs(num - grads[b][i]) / std::max(1e-3, std::abs(num)));
    }
    ++b;
  }
  CHECK(worst < 1e-6);
}
