#include <doctest/doctest.h>
#include <cmath>
#include <vector>
#include <locus/sim/lsst_errors.hpp>

using namespace locus;
using namespace locus::sim;

TEST_CASE("LsstErrors: matches the Ivezic et al. 2019 formula with the coadded depths") {
  const auto e = LsstErrors::coadd();
  const double m5[6] = {25.73, 26.86, 26.88, 26.34, 25.63, 24.87};
  const double gam[6] = {0.038, 0.039, 0.039, 0.039, 0.039, 0.039};
  for (std::size_t b = 0; b < 6; ++b) {
    CHECK(e.m5[b] == m5[b]);
    CHECK(e.gamma[b] == gam[b]);
    for (double m : {16.0, 20.0, 23.5, 25.0, 26.0, 27.0}) {
      const double x = std::pow(10.0, 0.4 * (m - m5[b]));
      const double expect = std::sqrt(0.005 * 0.005 + (0.04 - gam[b]) * x + gam[b] * x * x);
      CHECK(e.sigma(b, m) == doctest::Approx(expect).epsilon(1e-14));
    }
    // at m = m5, x = 1: σ² = 0.005² + 0.04
    CHECK(e.sigma(b, m5[b]) == doctest::Approx(std::sqrt(0.005 * 0.005 + 0.04)));
  }
  // bright stars sit on the 0.005 floor
  CHECK(e.sigma(2, 14.0) == doctest::Approx(0.005).epsilon(1e-3));
  // SNR conversion: σ = 2.5 log10(1 + 1/SNR)
  CHECK(LsstErrors::snr_of_sigma(2.5 * std::log10(1.2)) == doctest::Approx(5.0));
  CHECK(e.snr(2, 20.0) == doctest::Approx(1.0 / (std::pow(10.0, 0.4 * e.sigma(2, 20.0)) - 1)));
}

TEST_CASE("LsstErrors: single-visit and SDSS-like depths") {
  const auto s = LsstErrors::single_visit();
  CHECK(s.m5[0] == 23.50);
  CHECK(s.m5[2] == 23.98);
  CHECK(s.sigma(2, 23.0) > LsstErrors::coadd().sigma(2, 23.0));
  const auto d = LsstErrors::sdss_like();
  CHECK(d.m5[2] == 22.2);
  CHECK(d.sigma_sys == 0.02);
  CHECK(d.sigma(2, 15.0) == doctest::Approx(0.02).epsilon(1e-2));
  CHECK(LsstErrors::named("single_visit").m5 == s.m5);
  CHECK(LsstErrors::named("sdss_like").m5 == d.m5);
  CHECK_THROWS_AS(LsstErrors::named("hst"), ConfigError);
  CHECK(LsstErrors::band_index("z") == 4);
  CHECK_THROWS_AS(LsstErrors::band_index("q"), ConfigError);
}

TEST_CASE("LsstErrors: observe adds noise of the stated size and recomputes the error") {
  const auto e = LsstErrors::coadd();
  Rng rng(19);
  const double m_true = 24.5;  // σ ≈ 0.04 in r
  const double sig = e.sigma(2, m_true);
  const int n = 50000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const auto o = e.observe(2, m_true, rng);
    CHECK(o.error == e.sigma(2, o.mag));
    s += o.mag - m_true;
    s2 += (o.mag - m_true) * (o.mag - m_true);
  }
  const double mean = s / n, sd = std::sqrt(s2 / n - mean * mean);
  CHECK(std::abs(mean) < 4 * sig / std::sqrt(double(n)));
  CHECK(sd == doctest::Approx(sig).epsilon(0.02));  // 4σ of the sd estimate is 1.3 %
  // very faint: the noise is clipped at 1 mag
  for (int i = 0; i < 1000; ++i) CHECK(std::abs(e.observe(0, 30.0, rng).mag - 30.0) <= 1.0);
}
