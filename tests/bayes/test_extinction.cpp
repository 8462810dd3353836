#include <doctest/doctest.h>

#include "locus/bayes/extinction.hpp"

using namespace locus::bayes;

TEST_CASE("extinction: Berry 2012 ratios and colour-excess coefficients") {
  const Extinction e;  // default is Berry et al. 2012 (photo-D)
  CHECK(e.name() == "berry2012");
  CHECK(e.ratio(0) == doctest::Approx(1.810));
  CHECK(e.ratio(2) == 1.0);
  const auto k = e.colour_coefficients();
  CHECK(k[0] == doctest::Approx(0.410).epsilon(1e-12));
  CHECK(k[1] == doctest::Approx(0.400).epsilon(1e-12));
  CHECK(k[2] == doctest::Approx(0.241).epsilon(1e-12));
  CHECK(k[3] == doctest::Approx(0.198).epsilon(1e-12));
}

TEST_CASE("extinction: SFD98 matches galfast's photometry.conf, SF11 its table") {
  const auto s = Extinction::sfd98();
  const double galfast[5] = {1.8739, 1.3788, 1.0, 0.7583, 0.5376};
  for (int b = 0; b < 5; ++b) CHECK(s.ratio(b) == doctest::Approx(galfast[b]).epsilon(2e-4));
  const auto f = Extinction::named("schlafly_finkbeiner2011");
  CHECK(f.ratio(0) == doctest::Approx(4.239 / 2.285));
  CHECK(f.colour_coefficient(3) == doctest::Approx((1.698 - 1.263) / 2.285));
  CHECK_THROWS_AS(Extinction::named("cardelli"), locus::ConfigError);
  CHECK_THROWS_AS(Extinction::custom({1, 1, 1, -1, 1}), locus::ConfigError);
}
