#include <doctest/doctest.h>
#include <locus/tune/gaussian_process.hpp>
#include <cmath>

using namespace locus;
using namespace locus::tune;

namespace {
struct Data {
  std::size_t n, d;
  std::vector<double> x, y;
};
Data make_data(std::size_t n, std::size_t d, std::uint64_t seed, double noise = 0.05) {
  Rng rng(seed);
  Data s{n, d, std::vector<double>(n * d), std::vector<double>(n)};
  for (auto& v : s.x) v = rng.uniform();
  for (std::size_t i = 0; i < n; ++i) {
    const double* r = &s.x[i * d];
    s.y[i] = std::sin(6 * r[0]) + 0.5 * r[1 % d] * r[1 % d] + 2.0 + noise * rng.normal();
  }
  return s;
}
// Independent reference: dense Gauss–Jordan inverse and log-determinant (partial pivoting).
double matern(const double* a, const double* b, const GpHyperparameters& h, std::size_t d) {
  double r2 = 0;
  for (std::size_t k = 0; k < d; ++k) r2 += (a[k] - b[k]) * (a[k] - b[k]) / (h.length_scales[k] * h.length_scales[k]);
  const double r = std::sqrt(r2);
  return h.signal_variance * (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r2) * std::exp(-std::sqrt(5.0) * r);
}
void invert(std::vector<double>& a, std::size_t n, double& logdet) {
  std::vector<double> inv(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  logdet = 0;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
    for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[piv * n + k]), std::swap(inv[c * n + k], inv[piv * n + k]);
    const double p = a[c * n + c];
    logdet += std::log(std::abs(p));
    for (std::size_t k = 0; k < n; ++k) a[c * n + k] /= p, inv[c * n + k] /= p;
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (std::size_t k = 0; k < n; ++k) a[r * n + k] -= f * a[c * n + k], inv[r * n + k] -= f * inv[c * n + k];
    }
  }
  a = inv;
}
}  // namespace

TEST_CASE("GP likelihood and predictions agree with a dense Gauss-Jordan reference") {
  const auto s = make_data(25, 3, 1);
  GpHyperparameters h{1.7, 0.8, {0.3, 0.7, 1.9}, 0.01};
  GaussianProcess gp(h);
  gp.fit(s.x.data(), s.n, s.d, s.y.data());
  std::vector<double> k(s.n * s.n);
  for (std::size_t i = 0; i < s.n; ++i)
    for (std::size_t j = 0; j < s.n; ++j) k[i * s.n + j] = matern(&s.x[i * s.d], &s.x[j * s.d], h, s.d) + (i == j ? h.noise_variance : 0);
  double logdet;
  invert(k, s.n, logdet);
  std::vector<double> alpha(s.n, 0.0);
  for (std::size_t i = 0; i < s.n; ++i)
    for (std::size_t j = 0; j < s.n; ++j) alpha[i] += k[i * s.n + j] * (s.y[j] - h.mean);
  double quad = 0;
  for (std::size_t i = 0; i < s.n; ++i) quad += (s.y[i] - h.mean) * alpha[i];
  const double lml = -0.5 * quad - 0.5 * logdet - 0.5 * s.n * std::log(2 * M_PI);
  CHECK(gp.log_marginal_likelihood() == doctest::Approx(lml).epsilon(1e-10));
  CHECK(GaussianProcess::log_marginal_likelihood(s.x.data(), s.n, s.d, s.y.data(), h) == doctest::Approx(lml).epsilon(1e-10));
  Rng rng(2);
  for (int t = 0; t < 20; ++t) {
    std::vector<double> xs(3);
    for (auto& v : xs) v = rng.uniform(-0.2, 1.2);
    std::vector<double> ks(s.n);
    for (std::size_t i = 0; i < s.n; ++i) ks[i] = matern(xs.data(), &s.x[i * s.d], h, s.d);
    double mean = h.mean, var = h.signal_variance;
    for (std::size_t i = 0; i < s.n; ++i) {
      mean += ks[i] * alpha[i];
      for (std::size_t j = 0; j < s.n; ++j) var -= ks[i] * k[i * s.n + j] * ks[j];
    }
    const auto [m, sd] = gp.predict(xs);
    CHECK(m == doctest::Approx(mean).epsilon(1e-10));
    CHECK(sd == doctest::Approx(std::sqrt(var)).epsilon(1e-8));
  }
}

TEST_CASE("GP likelihood gradient matches central finite differences") {
  // sizes around the SIMD width and the 8-row register blocks of the triangular kernels
  for (const std::size_t n : {2, 7, 8, 9, 17, 30, 41}) {
  CAPTURE(n);
  const auto s = make_data(n, 4, 3);
  GpHyperparameters h{2.1, 0.6, {0.25, 0.5, 1.2, 3.0}, 0.02};
  std::vector<double> g;
  GaussianProcess::log_marginal_likelihood(s.x.data(), s.n, s.d, s.y.data(), h, &g);
  REQUIRE(g.size() == 6);
  auto lml_at = [&](std::size_t k, double delta) {
    GpHyperparameters q = h;
    if (k == 0) q.signal_variance *= std::exp(delta);
    else if (k == 5) q.noise_variance *= std::exp(delta);
    else q.length_scales[k - 1] *= std::exp(delta);
    return GaussianProcess::log_marginal_likelihood(s.x.data(), s.n, s.d, s.y.data(), q);
  };
  for (std::size_t k = 0; k < 6; ++k) {
    const double eps = 1e-5;
    const double fd = (lml_at(k, eps) - lml_at(k, -eps)) / (2 * eps);
    INFO("theta " << k << ": analytic " << g[k] << " fd " << fd);
    CHECK(std::abs(g[k] - fd) <= 1e-6 * std::max(1.0, std::abs(fd)));
  }
  }
}

TEST_CASE("one-hot inputs: the likelihood with bit columns is the dense computation, bit for bit") {
  // Inputs as a one-hot SearchSpace encoding makes them: numeric columns, 0/1 columns of
  // categorical blocks, and all-zero columns. The bit-column form must give the same numbers.
  for (const std::size_t n : {2, 9, 30, 67, 130}) {
    CAPTURE(n);
    const std::size_t d = 1 + 3 + 4 + 1;  // numeric, 3-choice block, 4-choice block (last choice never used), numeric
    Rng rng(11 + n);
    std::vector<double> x(n * d, 0.0), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      double* r = &x[i * d];
      r[0] = rng.uniform();
      r[1 + rng.uniform_index(3)] = 1.0;
      if (rng.uniform() < 0.7) r[4 + rng.uniform_index(3)] = 1.0;  // else inactive: all zero
      r[8] = rng.uniform();
      y[i] = std::sin(5 * r[0]) + r[2] - 0.5 * r[5] + 0.1 * rng.normal();
    }
    const tune::detail::GpPairs bits(x.data(), n, d), dense(x.data(), n, d, false);
    CHECK(bits.binary == std::vector<char>{0, 1, 1, 1, 1, 1, 1, 1, 0});
    for (int t = 0; t < 3; ++t) {
      std::vector<double> theta(d + 2);
      for (auto& v : theta) v = 0.7 * rng.normal();
      double m1 = 0, m2 = 0;
      std::vector<double> g1(d + 2), g2(d + 2);
      tune::detail::GpWork w1, w2;
      const double f1 = tune::detail::gp_neg_lml(bits, y.data(), theta.data(), true, &m1, g1.data(), w1);
      const double f2 = tune::detail::gp_neg_lml(dense, y.data(), theta.data(), true, &m2, g2.data(), w2);
      CHECK(f1 == f2);
      CHECK(m1 == m2);
      for (std::size_t k = 0; k < d + 2; ++k) CHECK(g1[k] == g2[k]);
    }
  }
}

TEST_CASE("one-hot inputs: likelihood gradient matches central finite differences") {
  const std::size_t n = 40, d = 6;  // numeric + 5-choice block
  Rng rng(4);
  std::vector<double> x(n * d, 0.0), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i * d] = rng.uniform();
    x[i * d + 1 + rng.uniform_index(5)] = 1.0;
    y[i] = std::cos(4 * x[i * d]) + x[i * d + 2] + 0.05 * rng.normal();
  }
  GpHyperparameters h{0.3, 0.9, {0.4, 0.8, 1.3, 0.6, 2.0, 1.1}, 0.01};
  std::vector<double> g;
  GaussianProcess::log_marginal_likelihood(x.data(), n, d, y.data(), h, &g);
  auto lml_at = [&](std::size_t k, double delta) {
    GpHyperparameters q = h;
    if (k == 0) q.signal_variance *= std::exp(delta);
    else if (k == d + 1) q.noise_variance *= std::exp(delta);
    else q.length_scales[k - 1] *= std::exp(delta);
    return GaussianProcess::log_marginal_likelihood(x.data(), n, d, y.data(), q);
  };
  for (std::size_t k = 0; k < d + 2; ++k) {
    const double eps = 1e-5;
    const double fd = (lml_at(k, eps) - lml_at(k, -eps)) / (2 * eps);
    INFO("theta " << k << ": analytic " << g[k] << " fd " << fd);
    CHECK(std::abs(g[k] - fd) <= 1e-6 * std::max(1.0, std::abs(fd)));
  }
}

TEST_CASE("GP interpolates noise-free data and is uncertain far away") {
  const auto s = make_data(15, 2, 4, 0.0);
  GaussianProcess gp({0.0, 1.0, {0.4, 0.4}, 1e-10});
  gp.fit(s.x.data(), s.n, s.d, s.y.data());
  for (std::size_t i = 0; i < s.n; ++i) {
    const auto [m, sd] = gp.predict(std::span<const double>(&s.x[i * 2], 2));
    CHECK(m == doctest::Approx(s.y[i]).epsilon(1e-6));
    CHECK(sd < 1e-3);
  }
  const std::vector<double> far = {30.0, -30.0};
  const auto [m, sd] = gp.predict(far);
  CHECK(m == doctest::Approx(0.0).epsilon(1e-12));  // back to the prior mean
  CHECK(sd == doctest::Approx(1.0).epsilon(1e-9));
}

TEST_CASE("GP hyperparameter optimisation raises the likelihood and finds the irrelevant inputs") {
  // y depends on x0 (and weakly x1) only; x2 and x3 are irrelevant.
  Rng data_rng(5);
  const std::size_t n = 60, d = 4;
  std::vector<double> x(n * d), y(n);
  for (auto& v : x) v = data_rng.uniform();
  for (std::size_t i = 0; i < n; ++i) y[i] = 3.0 + std::sin(5 * x[i * d]) + 0.3 * x[i * d + 1] + 0.01 * data_rng.normal();
  GaussianProcess gp;
  const GpHyperparameters start{3.0, 1.0, std::vector<double>(d, 0.5), 1e-3};
  const double lml0 = GaussianProcess::log_marginal_likelihood(x.data(), n, d, y.data(), start);
  Rng rng(6);
  GpFitOptions opt;
  opt.restarts = 4;
  const double lml = gp.optimize(x.data(), n, d, y.data(), rng, opt);
  CHECK(lml > lml0 + 10);
  CHECK(lml == doctest::Approx(gp.log_marginal_likelihood()));
  const auto& h = gp.hyperparameters();
  MESSAGE("length scales " << h.length_scales[0] << " " << h.length_scales[1] << " " << h.length_scales[2] << " "
                           << h.length_scales[3] << ", noise " << h.noise_variance << ", mean " << h.mean);
  CHECK(h.length_scales[2] > 5 * h.length_scales[0]);
  CHECK(h.length_scales[3] > 5 * h.length_scales[0]);
  CHECK(h.noise_variance < 0.01);
  // At the optimum the gradient of the fixed-mean likelihood vanishes for interior parameters.
  std::vector<double> g;
  GaussianProcess::log_marginal_likelihood(x.data(), n, d, y.data(), h, &g);
  CHECK(std::abs(g[1]) < 0.05 * (1 + std::abs(lml)));
  // Deterministic whatever the thread count.
  GaussianProcess gp2;
  Rng rng2(6);
  opt.threads = 2;
  CHECK(gp2.optimize(x.data(), n, d, y.data(), rng2, opt) == lml);
  CHECK(gp2.hyperparameters().length_scales == h.length_scales);
}

TEST_CASE("GP input errors") {
  GaussianProcess gp;
  CHECK_THROWS_AS(gp.predict(std::vector<double>{0.0}), ConfigError);
  std::vector<double> x = {0.0, 1.0}, y = {1.0, std::nan("")};
  CHECK_THROWS_AS(gp.fit(x.data(), 2, 1, y.data()), InputError);
  std::vector<double> same = {0.5, 0.5}, ys = {1.0, 2.0};
  GaussianProcess exact({0.0, 1.0, {1.0}, 0.0});
  CHECK_THROWS_AS(exact.fit(same.data(), 2, 1, ys.data()), InputError);
}
