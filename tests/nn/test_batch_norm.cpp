#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/batch_norm.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
Matrix<double> normal_matrix(std::size_t n, std::size_t k, locus::Rng& rng, double mean = 0, double sd = 1) {
  Matrix<double> x({n, k});
  for (auto& v : x) v = rng.normal(mean, sd);
  return x;
}
}  // namespace

TEST_CASE("BatchNorm: training-mode gradients match finite differences, with padding rows (double)") {
  locus::Rng rng(21);
  Stack net(Dense<LeakyRelu, double>(4, 6, rng), BatchNorm<double>(6), Dense<Linear, double>(6, 2, rng));
  for (auto p : net.parameters())
    for (auto& v : p) v += rng.normal(0, 0.2);
  for (std::size_t n : {5u, 8u, 13u}) {  // 5 and 13 leave padding rows
    const auto x = normal_matrix(n, 4, rng);
    const auto r = gradcheck_network(net, x, rng);
    CHECK(r.max_error < 1e-6);
  }
}

TEST_CASE("BatchNorm: training normalises by the batch, inference by the running statistics") {
  locus::Rng rng(22);
  BatchNorm<double> bn(3, 0.25);
  bn.gain() = {1.5, 0.5, 2.0};
  bn.bias() = {0.1, -0.2, 0.3};
  Stack net(bn);
  const std::size_t n = 10;
  const auto x = normal_matrix(n, 3, rng, 2.0, 3.0);
  auto ws = net.workspace(n);
  const std::size_t np = locus::simd::round_up<double>(n);
  locus::kernels::to_feature_major(x.data(), 3, n, 3, ws.input(), ws.capacity, np);
  net.forward_train(ws, np, TrainPass{n, 1});
  std::vector<std::vector<double>> stats(1, std::vector<double>(net.statistics_size()));
  net.export_statistics(ws, stats[0].data());
  net.update_statistics(stats, {n});
  const auto& l = net.layer<0>();
  for (std::size_t q = 0; q < 3; ++q) {
    double m = 0, v = 0;
    for (std::size_t r = 0; r < n; ++r) m += x(r, q);
    m /= n;
    for (std::size_t r = 0; r < n; ++r) v += (x(r, q) - m) * (x(r, q) - m);
    for (std::size_t r = 0; r < n; ++r)
      CHECK(ws.output()[q * ws.capacity + r] ==
            doctest::Approx(l.gain()[q] * (x(r, q) - m) / std::sqrt(v / n + 1e-5) + l.bias()[q]).epsilon(1e-12));
    for (std::size_t r = n; r < np; ++r) CHECK(ws.output()[q * ws.capacity + r] == 0.0);
    // PyTorch's update: unbiased variance, momentum 0.25 from (0, 1)
    CHECK(l.running_mean()[q] == doctest::Approx(0.25 * m).epsilon(1e-12));
    CHECK(l.running_var()[q] == doctest::Approx(0.75 + 0.25 * v / (n - 1)).epsilon(1e-12));
  }
  const auto y = net.predict(x);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t q = 0; q < 3; ++q)
      CHECK(y(r, q) == doctest::Approx(l.gain()[q] * (x(r, q) - l.running_mean()[q]) /
                                           std::sqrt(l.running_var()[q] + 1e-5) +
                                       l.bias()[q])
                           .epsilon(1e-12));
}

TEST_CASE("BatchNorm: running statistics combine chunks into the whole batch's") {
  locus::Rng rng(23);
  const auto x = normal_matrix(50, 2, rng, -1.0, 4.0);
  BatchNorm<double> one(2, 1.0), split(2, 1.0);  // momentum 1: running = the batch's
  Stack a(one), b(split);
  auto export_rows = [&](auto& net, std::size_t r0, std::size_t rows) {
    auto ws = net.workspace(rows);
    const std::size_t np = locus::simd::round_up<double>(rows);
    locus::kernels::to_feature_major(x.data() + r0 * 2, 2, rows, 2, ws.input(), ws.capacity, np);
    net.forward_train(ws, np, TrainPass{rows, 0});
    std::vector<double> s(net.statistics_size());
    net.export_statistics(ws, s.data());
    return s;
  };
  a.update_statistics({export_rows(a, 0, 50)}, {50});
  b.update_statistics({export_rows(b, 0, 16), export_rows(b, 16, 16), export_rows(b, 32, 18)}, {16, 16, 18});
  for (std::size_t q = 0; q < 2; ++q) {
    CHECK(b.layer<0>().running_mean()[q] == doctest::Approx(a.layer<0>().running_mean()[q]).epsilon(1e-13));
    CHECK(b.layer<0>().running_var()[q] == doctest::Approx(a.layer<0>().running_var()[q]).epsilon(1e-13));
  }
}

TEST_CASE("BatchNorm: fit is bit-identical for 1 and 2 threads, running statistics included") {
  locus::Rng rng(24);
  Matrix<float> x({600, 3}), y({600, 1});
  for (std::size_t r = 0; r < 600; ++r) {
    for (std::size_t c = 0; c < 3; ++c) x(r, c) = static_cast<float>(rng.normal(1, 2));
    y(r, 0) = x(r, 0) * x(r, 1) - x(r, 2);
  }
  auto run = [&](std::size_t threads) {
    locus::Rng init(5);
    Stack net(Dense<LeakyRelu>(3, 16, init), BatchNorm<float>(16), Dense<Linear>(16, 1, init));
    Adam opt;
    Constant sched;
    fit(net, Mse{}, opt, sched, {x, y}, {},
        FitOptions{.epochs = 3, .batch_size = 200, .patience = 0, .threads = threads, .chunk_rows = 64});
    return net;
  };
  const auto n1 = run(1), n2 = run(2);
  auto p1 = n1.parameters(), p2 = n2.parameters();
  for (std::size_t i = 0; i < p1.size(); ++i) CHECK(std::equal(p1[i].begin(), p1[i].end(), p2[i].begin()));
  auto s1 = n1.state(), s2 = n2.state();
  REQUIRE(s1.size() == 2);
  for (std::size_t i = 0; i < s1.size(); ++i) CHECK(std::equal(s1[i].begin(), s1[i].end(), s2[i].begin()));
  CHECK(n1.layer<1>().running_var()[0] != 1.0f);  // the statistics did move
}

TEST_CASE("BatchNorm: bad configuration is a ConfigError") {
  CHECK_THROWS_AS(BatchNorm<float>(0), locus::ConfigError);
  CHECK_THROWS_AS(BatchNorm<float>(3, 1.5), locus::ConfigError);
  CHECK_THROWS_AS(BatchNorm<float>(3, 0.1, -1.0), locus::ConfigError);
}
