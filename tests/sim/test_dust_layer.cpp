#include <doctest/doctest.h>
#include <cmath>
#include <locus/sim/dust_layer.hpp>

using namespace locus::sim;

namespace {
// Brute-force ∫_0^d exp(-|z0 + s sin b| / h) ds by the midpoint rule.
double brute(double b_deg, double d, double h = 100, double z0 = 25) {
  const double sb = std::sin(b_deg * M_PI / 180);
  const std::size_t n = 200000;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = (double(i) + 0.5) * d / double(n);
    s += std::exp(-std::abs(z0 + t * sb) / h);
  }
  return s * d / double(n);
}
}  // namespace

TEST_CASE("DustLayer: the closed form matches brute-force integration of the layer") {
  const DustLayer dust;  // h = 100 pc, Z_sun = 25 pc
  for (double b : {30.0, -30.0, 5.0, -5.0, 85.0, -60.0}) {
    const double far = 200 * 100 / std::abs(std::sin(b * M_PI / 180));  // 200 scale heights
    const double total = brute(b, far);
    for (double d : {10.0, 100.0, 300.0, 1000.0, 3000.0}) {
      CHECK_MESSAGE(dust.fraction(b, d) == doctest::Approx(brute(b, d) / total).epsilon(1e-5), "b=", b, " d=", d);
    }
  }
}

TEST_CASE("DustLayer: limits, monotonicity, normalisation to the SFD value") {
  const DustLayer dust;
  CHECK(dust.fraction(30, 0) == 0.0);
  CHECK(dust.fraction(30, 1e7) == doctest::Approx(1.0));
  CHECK(dust.fraction(-30, 1e7) == doctest::Approx(1.0));
  // Looking up (b > 0) from 25 pc above the mid-plane: 1 - exp(-d sin b / h)
  CHECK(dust.fraction(30, 200) == doctest::Approx(1 - std::exp(-200 * 0.5 / 100)));
  double prev = 0;
  for (double d = 1; d < 1e5; d *= 1.3) {
    const double f = dust.fraction(-20, d);
    CHECK(f >= prev);
    prev = f;
  }
  CHECK(dust.extinction(0.4, 30, 1e7) == doctest::Approx(0.4));
  CHECK(dust.extinction(0.4, 30, 200) == doctest::Approx(0.4 * dust.fraction(30, 200)));
  // A thicker layer puts more of the dust beyond a given distance.
  DustLayer thick{300, 25};
  CHECK(thick.fraction(30, 200) < dust.fraction(30, 200));
  // b = 0 stays finite and monotone
  CHECK(dust.fraction(0, 1000) >= 0.0);
  CHECK(dust.fraction(0, 1000) <= 1.0);
}
