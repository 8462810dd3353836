#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/dropout.hpp>
#include <locus/nn/gradcheck.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
// Training-mode output of a one-layer Dropout stack for a given seed.
std::vector<float> dropped(const Matrix<float>& x, double p, std::uint64_t seed, std::size_t& ld) {
  Stack net(Dropout<float>(x.shape(1), p));
  const std::size_t n = x.shape(0), np = locus::simd::round_up<float>(n);
  auto ws = net.workspace(n);
  locus::kernels::to_feature_major(x.data(), x.shape(1), n, x.shape(1), ws.input(), ws.capacity, np);
  net.forward_train(ws, np, TrainPass{n, seed});
  ld = ws.capacity;
  return std::vector<float>(ws.output(), ws.output() + x.shape(1) * ws.capacity);
}
}  // namespace

TEST_CASE("Dropout: keep rate and scaling (inverted dropout)") {
  // 64 × 4093 = 261,952 draws at p = 0.3: the dropped fraction has σ = 0.0009; allow 4σ.
  const std::size_t n = 4093, w = 64;
  Matrix<float> x({n, w});
  locus::Rng rng(31);
  for (auto& v : x) v = static_cast<float>(rng.uniform(0.5, 2.0));
  std::size_t ld = 0;
  const auto y = dropped(x, 0.3, 7, ld);
  std::size_t zeros = 0, bad = 0;
  for (std::size_t q = 0; q < w; ++q) {
    for (std::size_t r = 0; r < n; ++r) {
      const float v = y[q * ld + r];
      if (v == 0)
        ++zeros;
      else if (v != x(r, q) * static_cast<float>(1 / 0.7))
        ++bad;
    }
    for (std::size_t r = n; r < ld; ++r) bad += y[q * ld + r] != 0;  // padding rows
  }
  CHECK(bad == 0);
  const double frac = double(zeros) / double(n * w), sd = std::sqrt(0.3 * 0.7 / double(n * w));
  CHECK(std::abs(frac - 0.3) < 4 * sd);
}

TEST_CASE("Dropout: masks depend only on the seed; inference is the identity") {
  Matrix<float> x({100, 8});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 1.0f + float(i % 7);
  std::size_t ld = 0;
  CHECK(dropped(x, 0.5, 1, ld) == dropped(x, 0.5, 1, ld));
  CHECK(dropped(x, 0.5, 1, ld) != dropped(x, 0.5, 2, ld));
  const auto y = Stack(Dropout<float>(8, 0.5)).predict(x);
  CHECK(std::equal(y.begin(), y.end(), x.begin()));
  const auto same = dropped(x, 0.0, 3, ld);
  for (std::size_t q = 0; q < 8; ++q)
    for (std::size_t r = 0; r < 100; ++r) CHECK(same[q * ld + r] == x(r, q));
}

TEST_CASE("Dropout: gradients match finite differences with a fixed mask (double)") {
  locus::Rng rng(32);
  Stack net(Dense<Gelu, double>(4, 10, rng), Dropout<double>(10, 0.4), Dense<Linear, double>(10, 2, rng));
  Matrix<double> x({9, 4});
  for (auto& v : x) v = rng.normal();
  const auto r = gradcheck_network(net, x, rng);
  CHECK(r.max_error < 1e-6);
}

TEST_CASE("Dropout: fit is bit-identical for 1 and 2 threads") {
  locus::Rng rng(33);
  Matrix<float> x({500, 2}), y({500, 1});
  for (std::size_t r = 0; r < 500; ++r) {
    x(r, 0) = static_cast<float>(rng.normal());
    x(r, 1) = static_cast<float>(rng.normal());
    y(r, 0) = std::sin(x(r, 0)) + x(r, 1);
  }
  auto run = [&](std::size_t threads) {
    locus::Rng init(3);
    Stack net(Dense<Relu>(2, 32, init), Dropout<float>(32, 0.25), Dense<Linear>(32, 1, init));
    Adam opt;
    Constant sched;
    fit(net, Mse{}, opt, sched, {x, y}, {},
        FitOptions{.epochs = 2, .batch_size = 250, .patience = 0, .threads = threads, .chunk_rows = 32});
    return net.predict(x);
  };
  const auto a = run(1), b = run(2);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}

TEST_CASE("Dropout: a rate outside [0, 1) is a ConfigError") {
  CHECK_THROWS_AS(Dropout<float>(4, 1.0), locus::ConfigError);
  CHECK_THROWS_AS(Dropout<float>(4, -0.1), locus::ConfigError);
  CHECK_THROWS_AS(Dropout<float>(0, 0.1), locus::ConfigError);
}
