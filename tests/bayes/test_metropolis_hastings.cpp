#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include <locus/bayes/metropolis_hastings.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

using namespace locus::bayes;

namespace {
double unit_gaussian(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += v * v;
  return -0.5 * s;
}
}  // namespace

TEST_CASE("MH on a 3-D unit Gaussian: moments, adapted acceptance, tau") {
  locus::Rng rng(42);
  MetropolisHastings<> mh({0.1, 0.1, 0.1}, MetropolisOptions{.burn_in = 5000, .adapt = true});
  const std::vector<double> start{0.0, 0.0, 0.0};
  mh.run(unit_gaussian, start, 200000, rng);
  const auto m = mh.chain().mean(), s = mh.chain().stddev();
  for (std::size_t d = 0; d < 3; ++d) {
    CHECK(std::abs(m[d]) < 0.08);
    CHECK(std::abs(s[d] - 1) < 0.05);
  }
  // Robbins–Monro drove the acceptance to the 0.234 target, from a step 10x too small
  // (the optimal scale in 3-D is about 2.38/sqrt(3) ≈ 1.4).
  CHECK(mh.acceptance_fraction() == doctest::Approx(0.234).epsilon(0.15));
  CHECK(mh.scale() > 8.0);
  const auto tau = mh.autocorr_time();
  for (const auto& t : tau) {
    CHECK(t.reliable);
    CHECK(t.tau > 2.0);
    CHECK(t.tau < 30.0);
  }
  MESSAGE("MH: acceptance " << mh.acceptance_fraction() << ", scale " << mh.scale() << ", tau " << tau[0].tau);
}

TEST_CASE("MH without adaptation keeps its scale; a tiny step mixes slowly") {
  locus::Rng rng(1);
  MetropolisHastings<> small({0.05}), good({2.4});
  const std::vector<double> start{0.0};
  small.run(unit_gaussian, start, 20000, rng);
  good.run(unit_gaussian, start, 20000, rng);
  CHECK(small.scale() == 1.0);
  CHECK(small.acceptance_fraction() > 0.95);
  CHECK(good.acceptance_fraction() == doctest::Approx(0.44).epsilon(0.15));
  CHECK(small.autocorr_time()[0].tau > 10 * good.autocorr_time()[0].tau);
}

TEST_CASE("MH on exponential(1): support boundary, mean, sd, median") {
  auto logp = [](std::span<const double> x) {
    return x[0] > 0 ? -x[0] : -std::numeric_limits<double>::infinity();
  };
  locus::Rng rng(9);
  MetropolisHastings<> mh({1.0}, MetropolisOptions{.burn_in = 2000, .adapt = true, .target_acceptance = 0.44});
  const std::vector<double> start{1.0};
  mh.run(logp, start, 200000, rng);
  CHECK(mh.chain().mean()[0] == doctest::Approx(1.0).epsilon(0.04));
  CHECK(mh.chain().stddev()[0] == doctest::Approx(1.0).epsilon(0.05));
  CHECK(mh.chain().quantile(0, 0.5) == doctest::Approx(std::log(2.0)).epsilon(0.04));
}

TEST_CASE("MH determinism and errors") {
  auto run = [](std::uint64_t seed) {
    locus::Rng rng(seed);
    MetropolisHastings<> mh({0.5, 0.5}, MetropolisOptions{.burn_in = 100, .adapt = true});
    const std::vector<double> start{0.1, -0.1};
    mh.run(unit_gaussian, start, 500, rng);
    return std::vector<double>(mh.chain().data().begin(), mh.chain().data().end());
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
  CHECK_THROWS_AS(MetropolisHastings<>({}), locus::ConfigError);
  CHECK_THROWS_AS(MetropolisHastings<>({1.0, -1.0}), locus::ConfigError);
  CHECK_THROWS_AS(MetropolisHastings<>({1.0}, MetropolisOptions{.target_acceptance = 1.5}), locus::ConfigError);
  locus::Rng rng(1);
  MetropolisHastings<> mh({1.0});
  const std::vector<double> out{-1.0};
  auto logp = [](std::span<const double> x) { return x[0] > 0 ? 0.0 : -std::numeric_limits<double>::infinity(); };
  CHECK_THROWS_AS(mh.run(logp, out, 10, rng), locus::InputError);
  CHECK_THROWS_AS(mh.run(logp, std::vector<double>{1.0, 2.0}, 10, rng), locus::InputError);
}
