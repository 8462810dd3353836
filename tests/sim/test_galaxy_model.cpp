#include <doctest/doctest.h>
#include <array>
#include <cmath>
#include <vector>
#include <locus/sim/galaxy_model.hpp>

using namespace locus;
using namespace locus::sim;

TEST_CASE("GalaxyModel: Juric et al. 2008 parameters and normalisation") {
  const auto biased = GalaxyParams::juric2008_biased();
  CHECK(biased.thin_h == 245);
  CHECK(biased.thin_l == 2150);
  CHECK(biased.thick_h == 743);
  CHECK(biased.thick_l == 3261);
  CHECK(biased.thick_f == 0.13);
  CHECK(biased.halo_n == 2.77);
  CHECK(biased.halo_q == 0.64);
  CHECK(biased.halo_f == 0.0051);
  CHECK(biased.r_sun == 8000);
  CHECK(biased.z_sun == 25);
  const auto corr = GalaxyParams::juric2008_corrected();
  CHECK(corr.thin_h == 300);
  CHECK(corr.thin_l == 2600);
  CHECK(corr.thick_h == 900);
  CHECK(corr.thick_l == 3600);
  CHECK(corr.thick_f == 0.12);

  const GalaxyModel m;
  CHECK(m.shape(Component::thin_disk, 8000, 0) == 1.0);
  CHECK(m.shape(Component::thick_disk, 8000, 0) == doctest::Approx(0.13));
  CHECK(m.shape(Component::halo, 8000, 0) == doctest::Approx(0.0051));
  CHECK(m.shape(Component::thin_disk, 8000, 245) == doctest::Approx(std::exp(-1.0)));
  CHECK(m.shape(Component::thin_disk, 8000 + 2150, -245) == doctest::Approx(std::exp(-2.0)));
  CHECK(m.shape(Component::halo, 0, 8000 * 0.64) == doctest::Approx(0.0051));
  CHECK(m.shape(Component::halo, 2e5, 0) == 0.0);  // beyond r_max
  // The Sun is at Z = 25 pc: straight up from the Sun the thin disk falls as exp(-(25+d)/245).
  CHECK(m.shape_along(Component::thin_disk, 0, 90, 100) == doctest::Approx(std::exp(-125.0 / 245)));
  // Toward the Galactic centre at b = 0 the disk grows as exp(d / L).
  CHECK(m.shape_along(Component::thin_disk, 0, 0, 1000) ==
        doctest::Approx(std::exp(1000.0 / 2150 - 25.0 / 245)));
  // number density and counts
  CHECK(m.number_density(Component::thin_disk, 0, 90, 100, 5.0) ==
        doctest::Approx(m.luminosity_function()(5.0) * std::exp(-125.0 / 245)));
  CHECK(m.counts(Component::thin_disk, 0, 90, 10, 100, 5.0) ==
        doctest::Approx(solid_angle(10) * 1e4 * m.number_density(Component::thin_disk, 0, 90, 100, 5.0)));
  CHECK(solid_angle(41252.96124941927) == doctest::Approx(4 * M_PI));
  CHECK_THROWS_AS(GalaxyModel(GalaxyParams{.thin_h = -1}), ConfigError);
}

TEST_CASE("GalaxyModel: LineOfSight totals equal the nested-quadrature expectation") {
  const GalaxyModel m;
  for (auto [l, b] : {std::array<double, 2>{90, 60}, std::array<double, 2>{200, -25}}) {
    const auto los = m.line_of_sight(l, b, 2.0, -2, 16, 23.0);
    for (auto c : all_components) {
      const double direct = m.expected_count(c, l, b, 2.0, 1.0, 1e7, -2, 16, 23.0);
      CHECK(los.expected(c) == doctest::Approx(direct).epsilon(2e-4));
    }
  }
}

// Simulated counts in (component, distance) and (Mr) bins against the model's analytic
// expectation, for two lines of sight: every bin within 4 Poisson sigma, and a chi-square
// over all bins consistent with its degrees of freedom.
TEST_CASE("GalaxyModel: simulated counts match the analytic expectation within Poisson error") {
  const GalaxyModel m;
  const double m_lim = 22.0;
  struct Sight {
    double l, b, area;
  };
  for (const Sight s : {Sight{90, 60, 20.0}, Sight{200, -25, 8.0}}) {
    const auto los = m.line_of_sight(s.l, s.b, s.area, -2, 16, m_lim);
    Rng rng(static_cast<std::uint64_t>(s.l));
    const auto stars = los.sample(rng);
    REQUIRE(stars.size() > 5000);
    const std::vector<double> d_edges{1, 300, 1000, 3000, 10000, 1e6};
    const std::vector<double> mr_edges{-1, 3, 5, 7, 10, 16};
    std::array<std::vector<double>, 3> hd;
    for (auto& h : hd) h.assign(d_edges.size() - 1, 0);
    std::vector<double> hm(mr_edges.size() - 1, 0);
    for (const auto& st : stars) {
      CHECK(st.mr + 5 * std::log10(st.distance / 10) < m_lim + 1e-9);
      for (std::size_t k = 0; k + 1 < d_edges.size(); ++k)
        if (st.distance >= d_edges[k] && st.distance < d_edges[k + 1]) hd[static_cast<int>(st.component)][k] += 1;
      for (std::size_t k = 0; k + 1 < mr_edges.size(); ++k)
        if (st.mr >= mr_edges[k] && st.mr < mr_edges[k + 1]) hm[k] += 1;
    }
    double chi2 = 0;
    int dof = 0;
    auto compare = [&](double observed, double expected, const char* what, double edge) {
      if (expected < 20) return;
      const double z = (observed - expected) / std::sqrt(expected);
      CHECK_MESSAGE(std::abs(z) < 4.0, what, " bin from ", edge, " at (l,b)=(", s.l, ",", s.b, "): ", observed,
                    " vs ", expected);
      chi2 += z * z;
      ++dof;
    };
    for (auto c : all_components)
      for (std::size_t k = 0; k + 1 < d_edges.size(); ++k)
        compare(hd[static_cast<int>(c)][k],
                m.expected_count(c, s.l, s.b, s.area, d_edges[k], d_edges[k + 1], -2, 16, m_lim), to_string(c),
                d_edges[k]);
    for (std::size_t k = 0; k + 1 < mr_edges.size(); ++k) {
      double e = 0;
      for (auto c : all_components) e += m.expected_count(c, s.l, s.b, s.area, 1, 1e7, mr_edges[k], mr_edges[k + 1], m_lim);
      compare(hm[k], e, "Mr", mr_edges[k]);
    }
    REQUIRE(dof >= 12);
    // chi-square with `dof` degrees of freedom: mean dof, sd sqrt(2 dof); 5 sd is generous
    CHECK(chi2 < dof + 5 * std::sqrt(2.0 * dof));
    // The comparison has power: the same stars are far from the bias-corrected model's
    // expectation (thicker disks, f = 0.12).
    const GalaxyModel other(GalaxyParams::juric2008_corrected());
    double chi2_other = 0;
    for (auto c : all_components)
      for (std::size_t k = 0; k + 1 < d_edges.size(); ++k) {
        const double e = other.expected_count(c, s.l, s.b, s.area, d_edges[k], d_edges[k + 1], -2, 16, m_lim);
        if (e >= 20) chi2_other += std::pow(hd[static_cast<int>(c)][k] - e, 2) / e;
      }
    CHECK(chi2_other > 10 * (dof + 5 * std::sqrt(2.0 * dof)));
  }
}

TEST_CASE("GalaxyModel: Poisson totals scatter as Poisson") {
  const GalaxyModel m;
  const auto los = m.line_of_sight(0, 90, 0.5, -2, 16, 20.0);
  const double lambda = los.expected_total();
  REQUIRE(lambda > 50);
  Rng rng(9);
  const int reps = 400;
  double s = 0, s2 = 0;
  for (int i = 0; i < reps; ++i) {
    const auto n = los.draw_counts(rng);
    const double t = double(n[0] + n[1] + n[2]);
    s += t;
    s2 += t * t;
  }
  const double mean = s / reps, var = s2 / reps - mean * mean;
  CHECK(std::abs(mean - lambda) < 4 * std::sqrt(lambda / reps));
  CHECK(var / lambda == doctest::Approx(1.0).epsilon(0.3));
}

TEST_CASE("GalaxyModel: a bright magnitude limit and bad patches") {
  const GalaxyModel m;
  // m_lim = 6: only Mr < 6 + 5 (d ≥ 1 pc) can be seen; sampling never fails.
  const auto los = m.line_of_sight(0, 90, 2000, -2, 16, 6.0);
  Rng rng(4);
  for (int i = 0; i < 2000; ++i) {
    const auto s = los.draw(Component::thin_disk, rng);
    CHECK(s.mr + 5 * std::log10(s.distance / 10) < 6.0 + 1e-9);
  }
  CHECK(los.expected(Component::thin_disk) ==
        doctest::Approx(m.expected_count(Component::thin_disk, 0, 90, 2000, 1, 1e7, -2, 16, 6.0)).epsilon(1e-3));
  CHECK_THROWS_AS(m.line_of_sight(0, 90, 1, -2, 16, -10.0), ConfigError);
  CHECK_THROWS_AS(m.line_of_sight(0, 95, 1, -2, 16, 20.0), ConfigError);
  CHECK_THROWS_AS(m.line_of_sight(0, 30, 0, -2, 16, 20.0), ConfigError);
}
