#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <locus/bayes/autocorrelation.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

using namespace locus::bayes;

namespace {
// nwalkers independent AR(1) chains x_t = a x_{t−1} + ε_t, stationary start, laid out
// [step][walker][dim=1]. Its integrated autocorrelation time is (1 + a) / (1 − a).
std::vector<double> ar1(double a, std::size_t nsteps, std::size_t nwalkers, std::uint64_t seed) {
  locus::Rng rng(seed);
  std::vector<double> x(nsteps * nwalkers);
  const double sd0 = 1.0 / std::sqrt(1 - a * a);
  for (std::size_t k = 0; k < nwalkers; ++k) x[k] = sd0 * rng.normal();
  for (std::size_t t = 1; t < nsteps; ++t)
    for (std::size_t k = 0; k < nwalkers; ++k) x[t * nwalkers + k] = a * x[(t - 1) * nwalkers + k] + rng.normal();
  return x;
}
}  // namespace

TEST_CASE("autocorrelation_function matches a brute-force double sum") {
  const auto x = ar1(0.7, 300, 1, 5);
  const auto acf = autocorrelation_function(x);
  REQUIRE(acf.size() == x.size());
  double mean = 0;
  for (double v : x) mean += v;
  mean /= x.size();
  double c0 = 0;
  for (double v : x) c0 += (v - mean) * (v - mean);
  for (std::size_t lag : {0u, 1u, 2u, 7u, 50u, 299u}) {
    double c = 0;
    for (std::size_t t = 0; t + lag < x.size(); ++t) c += (x[t] - mean) * (x[t + lag] - mean);
    CHECK(acf[lag] == doctest::Approx(c / c0).epsilon(1e-10).scale(1e-12));
  }
  CHECK(acf[0] == doctest::Approx(1.0).epsilon(1e-14));
}

TEST_CASE("AR(1) with a = 0.9 has integrated time 19 within 20 %") {
  const double a = 0.9, expected = (1 + a) / (1 - a);
  const std::size_t nsteps = 20000, nwalkers = 8;
  const auto x = ar1(a, nsteps, nwalkers, 2025);
  const auto t = integrated_time(x.data(), nsteps, nwalkers, 1, 0);
  MESSAGE("AR(1) a=0.9: tau = " << t.tau << " (window " << t.window << ")");
  CHECK(std::abs(t.tau - expected) < 0.2 * expected);
  // The estimator is much better than the required 20 % at this length.
  CHECK(std::abs(t.tau - expected) < 0.08 * expected);
  CHECK(t.reliable);
  CHECK(t.window >= 5 * t.tau);
  CHECK(t.window < 5 * t.tau + 1);
}

TEST_CASE("AR(1) with a = 0.5 gives 3; white noise gives 1") {
  const auto x = ar1(0.5, 20000, 4, 7);
  CHECK(integrated_time(x.data(), 20000, 4, 1, 0).tau == doctest::Approx(3.0).epsilon(0.1));
  const auto w = ar1(0.0, 20000, 4, 8);
  CHECK(integrated_time(w.data(), 20000, 4, 1, 0).tau == doctest::Approx(1.0).epsilon(0.1));
}

TEST_CASE("direct and FFT paths give the same tau and window") {
  // Two parameters with different correlation, interleaved [step][walker][dim].
  const std::size_t nsteps = 3000, nwalkers = 6;
  const auto p = ar1(0.95, nsteps, nwalkers, 11), q = ar1(0.3, nsteps, nwalkers, 12);
  std::vector<double> chain(nsteps * nwalkers * 2);
  for (std::size_t i = 0; i < nsteps * nwalkers; ++i) {
    chain[2 * i] = p[i];
    chain[2 * i + 1] = q[i];
  }
  for (std::size_t d = 0; d < 2; ++d) {
    AutocorrOptions direct, fft, automatic;
    direct.method = AcfMethod::direct;
    fft.method = AcfMethod::fft;
    automatic.direct_max_lag = 10;  // forces the switch for the slow parameter
    const auto a = integrated_time(chain.data(), nsteps, nwalkers, 2, d, direct);
    const auto b = integrated_time(chain.data(), nsteps, nwalkers, 2, d, fft);
    const auto c = integrated_time(chain.data(), nsteps, nwalkers, 2, d, automatic);
    CHECK(a.window == b.window);
    CHECK(a.window == c.window);
    CHECK(a.tau == doctest::Approx(b.tau).epsilon(1e-10));
    CHECK(a.tau == doctest::Approx(c.tau).epsilon(1e-10));
  }
  const auto all = integrated_times(chain.data(), nsteps, nwalkers, 2);
  CHECK(all[0].tau > 5 * all[1].tau);
}

TEST_CASE("short chains are flagged unreliable; bad input throws") {
  const auto x = ar1(0.99, 300, 1, 3);
  const auto t = integrated_time(std::span<const double>(x));
  CHECK(std::isfinite(t.tau));
  CHECK_FALSE(t.reliable);  // true tau 199: 300 steps cannot resolve it
  const std::vector<double> constant(100, 2.0);
  CHECK(std::isnan(integrated_time(std::span<const double>(constant)).tau));
  CHECK_THROWS_AS(integrated_time(x.data(), 0, 1, 1, 0), locus::InputError);
  CHECK_THROWS_AS(integrated_time(x.data(), 300, 1, 1, 1), locus::InputError);
}

TEST_CASE("lagged_dots: four lagged sums at once, at every length and lag edge") {
  locus::Rng rng(23);
  for (std::size_t n = 1; n <= 70; ++n) {
    std::vector<double> y(n);
    for (auto& v : y) v = rng.normal();
    for (std::size_t lag0 = 0; lag0 < n + 2; ++lag0) {
      const auto s = locus::bayes::detail::lagged_dots(y.data(), n, lag0);
      for (std::size_t j = 0; j < 4; ++j) {
        long double want = 0;  // brute force in extended precision
        for (std::size_t t = 0; t + lag0 + j < n; ++t) want += static_cast<long double>(y[t]) * y[t + lag0 + j];
        CAPTURE(n);
        CAPTURE(lag0);
        CAPTURE(j);
        CHECK(s[j] == doctest::Approx(static_cast<double>(want)).epsilon(1e-13).scale(std::sqrt(static_cast<double>(n))));
      }
    }
  }
}
