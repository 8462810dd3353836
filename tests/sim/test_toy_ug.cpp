#include <doctest/doctest.h>
#include <cmath>
#include <vector>
#include <locus/sim/toy_ug.hpp>

using namespace locus;
using namespace locus::sim;

TEST_CASE("toy_ug: Eq. A1 and its inverse") {
  CHECK(ToyUgModel::color(0.0) == doctest::Approx(1.18));
  CHECK(ToyUgModel::color(-1.0) == doctest::Approx(0.84 + 0.34 * std::pow(10.0, -0.45)));
  for (double x = -3; x <= 0.5; x += 0.25) CHECK(ToyUgModel::feh_of_color(ToyUgModel::color(x)) == doctest::Approx(x));
  CHECK(std::isnan(ToyUgModel::feh_of_color(0.84)));
  CHECK(std::isnan(ToyUgModel::feh_of_color(0.5)));
}

TEST_CASE("toy_ug: priors are normalised and the sample follows them") {
  for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    ToyUgModel m;
    m.prior = prior;
    double integral = 0;
    const double lo = -6, hi = 3, h = 1e-4;
    for (double x = lo + h / 2; x < hi; x += h) integral += m.prior_pdf(x) * h;
    CHECK(integral == doctest::Approx(1.0).epsilon(1e-3));
  }
  ToyUgModel m;
  m.prior = ToyFehPrior::binormal;
  Rng rng(5);
  const auto s = toy_ug_sample(m, 20000, rng);
  double m1 = 0, m2 = 0;
  for (std::size_t i = 0; i < 10000; ++i) m1 += s.feh_true[i] / 10000;
  for (std::size_t i = 10000; i < 20000; ++i) m2 += s.feh_true[i] / 10000;
  CHECK(std::abs(m1 + 1.5) < 0.015);  // 5σ of the mean (0.3/√10⁴ = 0.003)
  CHECK(std::abs(m2 + 0.5) < 0.01);   // 5σ = 0.01
  // noise is added with the configured sigma
  double v = 0;
  for (std::size_t i = 0; i < s.size(); ++i) v += std::pow(s.ug[i] - s.ug_true[i], 2) / double(s.size());
  CHECK(std::sqrt(v) == doctest::Approx(0.1).epsilon(0.03));
}

TEST_CASE("toy_ug: exact median has the closed forms of its limits") {
  // σ_ug = 0, σ_FeH = 0, uniform prior: the stars in a u−g window are uniform in [Fe/H] between
  // the window's inverse images, so the median is their midpoint.
  ToyUgModel m;
  m.sigma_ug = 0;
  m.sigma_feh = 0;
  const double a = 0.95, b = 1.05;
  const double expect = 0.5 * (ToyUgModel::feh_of_color(a) + ToyUgModel::feh_of_color(b));
  CHECK(toy_ug_expected_median(m, a, b) == doctest::Approx(expect).epsilon(1e-3));
  // Symmetric [Fe/H] noise does not move that median when the selected [Fe/H] are symmetric.
  m.sigma_feh = 0.1;
  CHECK(toy_ug_expected_median(m, a, b) == doctest::Approx(expect).epsilon(1e-3));
  // Vanishing u−g error: the median at a point is the true [Fe/H].
  for (double ug : {0.89, 0.99, 1.09}) {
    ToyUgModel z;
    z.sigma_ug = 1e-3;
    CHECK(toy_ug_expected_median_at(z, ug) == doctest::Approx(ToyUgModel::feh_of_color(ug)).epsilon(5e-3));
    z.sigma_ug = 0;
    CHECK(toy_ug_expected_median_at(z, ug) == doctest::Approx(ToyUgModel::feh_of_color(ug)));
  }
}

TEST_CASE("toy_ug: the bias has the paper's sign (high at blue u-g, low at red u-g)") {
  ToyUgModel m;  // uniform, σ_ug = 0.1
  CHECK(toy_ug_expected_median_at(m, 0.85) > ToyUgModel::feh_of_color(0.85) + 0.5);
  CHECK(toy_ug_expected_median_at(m, 1.09) < ToyUgModel::feh_of_color(1.09) - 0.2);
  ToyUgModel b;
  b.prior = ToyFehPrior::binormal;
  CHECK(toy_ug_expected_median_at(b, 0.89) > ToyUgModel::feh_of_color(0.89) + 0.3);
  CHECK(toy_ug_expected_median_at(b, 1.09) < ToyUgModel::feh_of_color(1.09) - 0.1);
  // larger error, larger bias
  double previous = ToyUgModel::feh_of_color(0.89);
  for (double s : {0.02, 0.05, 0.1, 0.2}) {
    b.sigma_ug = s;
    const double med = toy_ug_expected_median_at(b, 0.89);
    CHECK(med > previous);
    previous = med;
  }
}

TEST_CASE("toy_ug: Monte Carlo binned medians agree with the exact integration (Figs. 28-29)") {
  for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    ToyUgModel m;
    m.prior = prior;
    Rng rng(prior == ToyFehPrior::uniform ? 28 : 29);
    const auto s = toy_ug_sample(m, 40000, rng);
    std::vector<double> edges;
    for (double e = 0.70; e < 1.401; e += 0.05) edges.push_back(e);
    const auto bins = toy_ug_binned_medians(m, s, edges);
    double chi2 = 0;
    int used = 0;
    for (const auto& b : bins) {
      if (b.count < 300) continue;
      const double z = (b.median_mc - b.median_exact) / b.median_error;
      CHECK_MESSAGE(std::abs(z) < 4.0, "bin ", b.ug_lo, " mc ", b.median_mc, " exact ", b.median_exact);
      chi2 += z * z;
      ++used;
    }
    CHECK(used >= 8);
    // the order-statistic error is a 1σ estimate: the mean z² must be of order one
    CHECK(chi2 / used < 2.5);
  }
}

TEST_CASE("toy_ug: Monte Carlo median vs u-g error agrees with the exact integration (Fig. 30)") {
  for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    ToyUgModel m;
    m.prior = prior;
    Rng rng(30);
    const auto pts = toy_ug_median_vs_error(m, {0.89, 0.99, 1.09}, {0.0, 0.05, 0.15}, 200000, 0.01, rng);
    REQUIRE(pts.size() == 9);
    for (const auto& p : pts) {
      REQUIRE(p.count > 500);
      CHECK_MESSAGE(std::abs(p.median_mc - p.median_exact) < 4 * p.median_error + 1e-3, "ug ", p.ug_true,
                    " sigma ", p.sigma_ug, " mc ", p.median_mc, " exact ", p.median_exact);
      if (p.sigma_ug == 0) CHECK(std::abs(p.median_exact - p.feh_true) < 0.05);
    }
  }
}

TEST_CASE("toy_ug: bad configuration throws") {
  ToyUgModel m;
  CHECK_THROWS_AS(toy_ug_expected_median(m, 1.0, 0.9), ConfigError);
  Rng rng(1);
  ToyUgSample s = toy_ug_sample(m, 10, rng);
  CHECK_THROWS_AS(toy_ug_binned_medians(m, s, {1.0}), ConfigError);
  CHECK_THROWS_AS(toy_ug_binned_medians(m, s, {1.0, 0.5}), ConfigError);
  m.sigma_ug = -1;
  CHECK_THROWS_AS(toy_ug_sample(m, 10, rng), ConfigError);
}
