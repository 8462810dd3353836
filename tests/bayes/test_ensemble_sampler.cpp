#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include <locus/bayes/ensemble_sampler.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

using namespace locus::bayes;

namespace {
double unit_gaussian(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += v * v;
  return -0.5 * s;
}
std::vector<double> normal_start(std::size_t nwalkers, std::size_t ndim, locus::Rng& rng) {
  std::vector<double> p(nwalkers * ndim);
  for (auto& v : p) v = rng.normal();
  return p;
}
}  // namespace

TEST_CASE("emcee's own check: 3-D unit Gaussian, 32 walkers x 2000 steps") {
  // emcee's tests/integration/test_gaussian.py: start from N(0, I), keep every sample.
  for (std::uint64_t seed : {1234u, 99u}) {
    locus::Rng rng(seed);
    EnsembleSampler<> sampler(32, 3);
    sampler.run(unit_gaussian, normal_start(32, 3, rng), 2000, rng);
    const auto m = sampler.chain().mean(), s = sampler.chain().stddev();
    for (std::size_t d = 0; d < 3; ++d) {
      CHECK(std::abs(m[d]) < 0.08);
      CHECK(std::abs(s[d] - 1) < 0.05);
    }
    // The stretch move on a 3-D Gaussian accepts about half of its proposals.
    const double acc = sampler.mean_acceptance_fraction();
    CHECK(acc > 0.4);
    CHECK(acc < 0.8);
    const auto tau = sampler.autocorr_time();
    for (const auto& t : tau) {
      CHECK(t.reliable);
      CHECK(t.tau > 1.0);
      CHECK(t.tau < 40.0);
    }
    MESSAGE("seed " << seed << ": acceptance " << acc << ", tau " << tau[0].tau << " " << tau[1].tau << " "
                    << tau[2].tau);
  }
}

TEST_CASE("affine invariance: a strongly correlated, badly scaled Gaussian") {
  // x = L ε with a covariance of condition number ~1e6 and correlation 0.99. The stretch
  // move is affine invariant, so it samples this as easily as the unit Gaussian.
  const double s1 = 1000.0, s2 = 1.0, rho = 0.99;
  const double det = s1 * s1 * s2 * s2 * (1 - rho * rho);
  const double i11 = s2 * s2 / det, i22 = s1 * s1 / det, i12 = -rho * s1 * s2 / det;
  auto logp = [&](std::span<const double> x) {
    return -0.5 * (i11 * x[0] * x[0] + 2 * i12 * x[0] * x[1] + i22 * x[1] * x[1]);
  };
  locus::Rng rng(7);
  const std::size_t K = 32;
  std::vector<double> start(K * 2);
  for (std::size_t k = 0; k < K; ++k) {
    const double e1 = rng.normal(), e2 = rng.normal();
    start[2 * k] = s1 * e1;
    start[2 * k + 1] = s2 * (rho * e1 + std::sqrt(1 - rho * rho) * e2);
  }
  EnsembleSampler<> sampler(K, 2);
  sampler.run(logp, start, 3000, rng);
  const auto& ch = sampler.chain();
  const auto m = ch.mean(), sd = ch.stddev();
  CHECK(std::abs(m[0]) < 0.1 * s1);
  CHECK(std::abs(m[1]) < 0.1 * s2);
  CHECK(sd[0] == doctest::Approx(s1).epsilon(0.06));
  CHECK(sd[1] == doctest::Approx(s2).epsilon(0.06));
  double c = 0;
  for (std::size_t t = 0; t < ch.steps(); ++t)
    for (std::size_t k = 0; k < K; ++k) c += (ch.at(t, k)[0] - m[0]) * (ch.at(t, k)[1] - m[1]);
  c /= static_cast<double>(ch.steps() * K) * sd[0] * sd[1];
  CHECK(c == doctest::Approx(rho).epsilon(0.01));
}

TEST_CASE("a bounded, skewed target: exponential(1) on x > 0, 4 walkers in 1-D") {
  // −∞ outside the support; mean 1, sd 1, median ln 2.
  auto logp = [](std::span<const double> x) {
    return x[0] > 0 ? -x[0] : -std::numeric_limits<double>::infinity();
  };
  locus::Rng rng(3);
  EnsembleSampler<> sampler(4, 1);
  const std::vector<double> start{0.5, 1.0, 1.5, 2.0};
  sampler.run(logp, start, 60000, rng);
  const auto& ch = sampler.chain();
  CHECK(ch.mean(1000)[0] == doctest::Approx(1.0).epsilon(0.05));
  CHECK(ch.stddev(1000)[0] == doctest::Approx(1.0).epsilon(0.06));
  CHECK(ch.quantile(0, 0.5, 1000) == doctest::Approx(std::log(2.0)).epsilon(0.05));
  for (std::size_t t = 0; t < ch.steps(); ++t)
    for (std::size_t k = 0; k < 4; ++k) REQUIRE(ch.at(t, k)[0] > 0);
}

TEST_CASE("stretch move: z has density proportional to 1/sqrt(z) on [1/a, a]") {
  // E[z] = (2/3)(a^{3/2} − a^{−3/2}) / (2(a^{1/2} − a^{−1/2})), 7/6 for a = 2.
  StretchMove mv;
  locus::Rng rng(1);
  const int n = 200000;
  double sum = 0, lo = 1e9, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double z = mv.draw_z(rng);
    sum += z;
    lo = std::min(lo, z);
    hi = std::max(hi, z);
  }
  const double a = 2.0;
  const double expected = (2.0 / 3.0) * (std::pow(a, 1.5) - std::pow(a, -1.5)) / (2 * (std::sqrt(a) - 1 / std::sqrt(a)));
  CHECK(expected == doctest::Approx(7.0 / 6.0));
  CHECK(sum / n == doctest::Approx(expected).epsilon(0.003));
  CHECK(lo >= 0.5);
  CHECK(hi <= 2.0);
  // propose() places y on the line through c and x, and returns (n − 1) log z.
  const std::vector<double> x{1.0, 2.0, 3.0}, c{0.0, 0.0, 1.0};
  std::vector<const double*> others{c.data()};
  std::vector<double> y(3);
  locus::Rng r1(5), r2(5);
  const double lf = mv.propose(std::span<const double>(x), others, std::span<double>(y), r1);
  const double z = mv.draw_z(r2);
  CHECK(lf == doctest::Approx(2 * std::log(z)));
  for (int d = 0; d < 3; ++d) CHECK(y[d] == doctest::Approx(c[d] + z * (x[d] - c[d])));
}

TEST_CASE("determinism: same seed, same chain; continuing equals one long run") {
  auto run = [](std::uint64_t seed, bool split) {
    locus::Rng rng(seed);
    EnsembleSampler<> s(8, 3, {}, EnsembleOptions{.randomize_split = split});
    const auto start = normal_start(8, 3, rng);
    s.run(unit_gaussian, start, 100, rng);
    s.run(unit_gaussian, 50, rng);
    return std::vector<double>(s.chain().data().begin(), s.chain().data().end());
  };
  const auto a = run(10, true), b = run(10, true), c = run(11, true), d = run(10, false);
  CHECK(a.size() == 150 * 8 * 3);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != d);

  locus::Rng r1(10), r2(10);
  EnsembleSampler<> one(8, 3), two(8, 3);
  const auto s1 = normal_start(8, 3, r1), s2 = normal_start(8, 3, r2);
  one.run(unit_gaussian, s1, 150, r1);
  two.run(unit_gaussian, s2, 100, r2);
  two.run(unit_gaussian, 50, r2);
  CHECK(std::vector<double>(one.chain().data().begin(), one.chain().data().end()) ==
        std::vector<double>(two.chain().data().begin(), two.chain().data().end()));
}

TEST_CASE("acceptance: a target that rejects everything away from the start") {
  // log π = 0 at the starting points' exact coordinates (a lattice), −∞ elsewhere: no
  // stretch proposal with z ≠ 1 lands on the lattice, so nothing is accepted.
  auto logp = [](std::span<const double> x) {
    return (x[0] == std::floor(x[0]) && x[1] == std::floor(x[1])) ? 0.0 : -std::numeric_limits<double>::infinity();
  };
  locus::Rng rng(2);
  EnsembleSampler<> s(4, 2);
  const std::vector<double> start{0, 0, 1, 0, 0, 1, 3, 5};
  s.run(logp, start, 200, rng);
  CHECK(s.mean_acceptance_fraction() < 0.02);  // only z exactly on an integer ratio could land
  for (double v : s.position()) CHECK(v == std::floor(v));
}

TEST_CASE("errors: bad shapes and NaN log probabilities") {
  CHECK_THROWS_AS(EnsembleSampler<>(1, 3), locus::ConfigError);
  CHECK_THROWS_AS(EnsembleSampler<>(4, 0), locus::ConfigError);
  locus::Rng rng(1);
  EnsembleSampler<> s(4, 2);
  CHECK_THROWS_AS(s.run(unit_gaussian, 10, rng), locus::ConfigError);
  const std::vector<double> wrong(7, 0.0), ok{0, 0, 1, 0, 0, 1, 1, 1};
  CHECK_THROWS_AS(s.run(unit_gaussian, wrong, 10, rng), locus::InputError);
  auto nan_logp = [](std::span<const double> x) { return x[0] > 0.5 ? std::nan("") : 0.0; };
  CHECK_THROWS_AS(s.run(nan_logp, ok, 100, rng), locus::InputError);
  CHECK_THROWS_AS(s.chain().mean(s.chain().steps()), locus::InputError);
}
