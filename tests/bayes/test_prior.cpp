#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/core/rng.hpp"
#include "locus/pipeline/adapters.hpp"
#include "locus/sim/mock_patch.hpp"

using namespace locus::bayes;


TEST_CASE("prior: photo-D's r-bin rule") {
  CHECK(PriorMaps::bin_index(14.0) == 0);
  CHECK(PriorMaps::bin_index(14.24) == 0);
  CHECK(PriorMaps::bin_index(14.25) == 1);
  CHECK(PriorMaps::bin_index(19.6) == 11);  // (19.6-14)/0.5 = 11.2
  CHECK(PriorMaps::bin_index(12.0) == 0);
  CHECK(PriorMaps::bin_index(26.8) == 26);
  CHECK(PriorMaps::bin_index(31.0) == 26);
  CHECK(PriorMaps::bin_index(std::nan("")) == -1);
  CHECK(PriorMaps::bin_centre(26) == 27.0);
}

namespace {
std::string tiny_csv() {
  // 27 bins on a 3 ([Fe/H]) x 2 (Mr) grid, density = bin + 10*ifeh + 100*imr
  std::ostringstream s;
  s << "rmag,FeH,Mr,density\n";
  for (int k = 0; k < 27; ++k)
    for (int j = 1; j >= 0; --j)  // Mr descending, as in photo-D's files
      for (int i = 0; i < 3; ++i) s << 14 + 0.5 * k << "," << -1.0 + 0.5 * i << "," << 3.0 + 2.0 * j << "," << k + 10 * i + 100 * j << "\n";
  return s.str();
}
}  // namespace

TEST_CASE("prior: CSV maps and bilinear interpolation, zero outside") {
  std::istringstream in(tiny_csv());
  const auto p = PriorMaps::parse_csv(in, "tiny");
  const auto& m = p.map(4);
  CHECK(m.feh.n == 3);
  CHECK(m.mr.n == 2);
  CHECK(m.mr.lo == 3.0);
  CHECK(p.density(4, 3.0, -1.0) == 4.0);
  CHECK(p.density(4, 5.0, 0.0) == 4 + 20 + 100);
  // the map is linear in both axes here, so bilinear interpolation is exact
  CHECK(p.density(4, 4.2, -0.3) == doctest::Approx(4 + 10 * 1.4 + 100 * 0.6).epsilon(1e-13));
  CHECK(p.density(4, 5.0, -0.5) == 114.0);
  CHECK(p.density(4, 5.01, 0.0) == 0.0);
  CHECK(p.density(4, 4.0, -1.01) == 0.0);
  CHECK(p.density(4, std::nan(""), 0.0) == 0.0);
  // a bilinear (non-linear) surface: value at the cell centre is the corner mean
  std::vector<PriorMap> maps(27, PriorMap{{0, 1, 2}, {0, 1, 2}, {1, 2, 3, 7}});
  const PriorMaps q(maps);
  CHECK(q.density(0, 0.5, 0.5) == doctest::Approx(13.0 / 4));
  CHECK(q.density(0, 0.25, 0.75) == doctest::Approx(0.75 * 0.25 * 1 + 0.75 * 0.75 * 2 + 0.25 * 0.25 * 3 + 0.25 * 0.75 * 7));

  std::istringstream bad("rmag,FeH,Mr,density\n14,0,1,abc\n");
  CHECK_THROWS_AS(PriorMaps::parse_csv(bad, "bad"), locus::FormatError);
  std::istringstream few("rmag,FeH,Mr,density\n14,0,1,1\n");
  CHECK_THROWS_AS(PriorMaps::parse_csv(few, "few"), locus::FormatError);
}

TEST_CASE("prior: Stripe 82 maps load on photo-D's 36 x 96 grid") {
  const std::string path = std::string(LOCUS_DATA_DIR) + "/photod/s82/priors_s82_pix0.csv";
  REQUIRE_MESSAGE(std::filesystem::exists(path), path << " is missing from the repository");
  const auto p = PriorMaps::load_csv(path);
  for (std::size_t k = 0; k < 27; k += 13) {
    const auto& m = p.map(k);
    CHECK(m.feh.n == 36);
    CHECK(m.mr.n == 96);
    CHECK(m.feh.lo == doctest::Approx(-2.5));
    CHECK(m.mr.lo == doctest::Approx(-2.0));
    CHECK(m.mr.step == doctest::Approx(0.2));
    // a density over ([Fe/H], Mr): its grid integral is close to 1 when the map is normalised
    double s = 0;
    for (double v : m.values) s += v;
    CHECK(s * m.feh.step * m.mr.step == doctest::Approx(1.0).epsilon(0.1));
  }
  const auto on = p.on_nodes(LocusModel::builtin());
  CHECK(on.size() == 27 * 4557);
}

TEST_CASE("prior: from_catalog's exact method equals a Gaussian KDE with Scott's bandwidth (brute force)") {
  locus::Rng rng(3);
  std::vector<double> r, mr, feh;
  for (int i = 0; i < 400; ++i) {
    r.push_back(rng.uniform(13.5, 16.0));
    const double f = rng.normal(-0.7, 0.4);
    feh.push_back(f);
    mr.push_back(5 + 2 * rng.normal() + 1.5 * f);
  }
  KdeOptions opt;
  opt.feh = {-2.5, 0.25, 15};
  opt.mr = {-2.0, 1.0, 20};
  opt.method = KdeMethod::exact;
  const auto p = PriorMaps::from_catalog(r, mr, feh, opt);
  // bin 2 (centre 15): independent computation with the 2x2 covariance written out
  std::vector<double> x, y;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (std::abs(r[i] - 15.0) < 0.5) x.push_back(feh[i]), y.push_back(mr[i]);
  const double n = static_cast<double>(x.size());
  CHECK(p.count(2) == x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double a = 0, b = 0, c = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    a += (x[i] - mx) * (x[i] - mx), b += (x[i] - mx) * (y[i] - my), c += (y[i] - my) * (y[i] - my);
  const double h2 = std::pow(n, -2.0 / 6.0);  // scipy: scotts_factor = n**(-1/(d+4))
  a *= h2 / (n - 1), b *= h2 / (n - 1), c *= h2 / (n - 1);
  const double det = a * c - b * b;
  for (double f : {-1.5, -0.75, 0.0}) {
    for (double m : {2.0, 5.0, 9.0}) {
      double s = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double dx = f - x[i], dy = m - y[i];
        s += std::exp(-0.5 * (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det);
      }
      s /= n * 2 * std::numbers::pi * std::sqrt(det);
      CHECK(p.density(2, m, f) == doctest::Approx(s).epsilon(1e-12));
    }
  }
  // bins with no stars are all zero
  CHECK(p.count(20) == 0);
  CHECK(p.density(20, 5.0, -0.5) == 0.0);
  // a deterministic subsample when max_rows is exceeded; the same maps for any thread count
  opt.max_rows = 50;
  const auto s1 = PriorMaps::from_catalog(r, mr, feh, opt), s2 = PriorMaps::from_catalog(r, mr, feh, opt);
  CHECK(s1.map(2).values == s2.map(2).values);
  CHECK(s1.map(2).values != p.map(2).values);
  CHECK(s1.count(2) == p.count(2));
  for (auto method : {KdeMethod::exact, KdeMethod::binned}) {
    opt.method = method;
    opt.threads = 1;
    const auto one = PriorMaps::from_catalog(r, mr, feh, opt);
    opt.threads = 3;
    const auto three = PriorMaps::from_catalog(r, mr, feh, opt);
    for (std::size_t k = 0; k < PriorMaps::n_bins; ++k) CHECK(one.map(k).values == three.map(k).values);
  }
  // the default (binned) method, all rows: the brute-force values to its tolerance
  const auto binned = PriorMaps::from_catalog(r, mr, feh, KdeOptions{opt.feh, opt.mr});
  const auto peak = *std::max_element(p.map(2).values.begin(), p.map(2).values.end());
  for (std::size_t c = 0; c < p.map(2).values.size(); ++c)
    CHECK(std::abs(binned.map(2).values[c] - p.map(2).values[c]) < 3e-4 * peak);
}

TEST_CASE("prior: flat() is 1 on every built-in node and does not depend on r") {
  const auto flat = PriorMaps::flat();
  CHECK_FALSE(flat.depends_on_r());
  const auto m = LocusModel::builtin();
  const auto on = flat.on_nodes(m);
  // the built-in table reaches Mr = -2.98, below photo-D's map grid (Mr >= -2): still 1 there
  CHECK(*std::min_element(on.begin(), on.end()) == 1.0);
  CHECK(flat.density(0, -5.0, 3.0) == 1.0);
  CHECK(flat.density(0, std::nan(""), 0.0) == 0.0);
  const auto s82 = PriorMaps::load_csv(LOCUS_DATA_DIR "/photod/s82/priors_s82_pix0.csv");
  CHECK(s82.depends_on_r());
}

// The binned KDE (the default) against the exact one, seen through the posterior: priors from a
// 0.5 deg² mock patch both ways, then the grid posterior of 300 of its stars with each.
// Measured: means within 1.2e-4 sigma, sigmas within 0.02 % (the largest over Mr, A_r and [Fe/H]).
TEST_CASE("prior: binned and exact KDE priors give the same posteriors") {
  locus::sim::PatchSpec spec;
  spec.area_deg2 = 0.5;
  locus::Rng rng(11);
  const auto cat = locus::sim::simulate_patch(spec, rng);
  const auto r = cat.to_double("rmag"), mr = cat.to_double("Mr_true"), feh = cat.to_double("FeH_true");
  KdeOptions opt;
  const auto binned = PriorMaps::from_catalog(r, mr, feh, opt);
  opt.method = KdeMethod::exact;
  const auto exact = PriorMaps::from_catalog(r, mr, feh, opt);
  for (std::size_t k = 0; k < PriorMaps::n_bins; ++k) CHECK(binned.count(k) == exact.count(k));

  const auto all = locus::pipeline::read_stars(cat);
  std::vector<Star> stars;
  for (std::size_t i = 0; i < cat.rows() && stars.size() < 300; i += cat.rows() / 300) stars.push_back(all[i]);
  const auto pb = GridPosterior(LocusModel::builtin(), binned).fit_catalog(stars);
  const auto pe = GridPosterior(LocusModel::builtin(), exact).fit_catalog(stars);
  double dmean = 0, dsigma = 0;
  std::size_t fitted = 0;
  for (std::size_t i = 0; i < stars.size(); ++i) {
    REQUIRE(pb[i].ok() == pe[i].ok());
    if (!pe[i].ok()) continue;
    ++fitted;
    for (std::size_t p = 0; p < 3; ++p) {
      dmean = std::max(dmean, std::abs(pb[i].mean[p] - pe[i].mean[p]) / pe[i].sigma[p]);
      dsigma = std::max(dsigma, std::abs(pb[i].sigma[p] / pe[i].sigma[p] - 1));
    }
  }
  MESSAGE(fitted << " stars: max |mean difference| = " << dmean << " sigma, max |sigma ratio - 1| = " << dsigma);
  CHECK(fitted > 250);
  CHECK(dmean < 0.002);
  CHECK(dsigma < 0.001);
}
