#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include <locus/bayes/photod_target.hpp>

#include "../support/photod_reference.hpp"
#include "../support/s82.hpp"

using namespace locus::bayes;

TEST_CASE("PhotodTarget equals the grid density at every node and is -inf outside the box") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = locus::test::s82_priors();
  const Extinction ext;
  const Star star = locus::test::sample_star();
  const auto target = PhotodTarget::for_star(model, priors, ext, star);
  CHECK(target.ar_max() == doctest::Approx(1.3 * 0.2 + 0.1));
  const PriorMap& pm = priors.map(static_cast<std::size_t>(PriorMaps::bin_index(18.7)));
  CHECK(PriorMaps::bin_index(18.7) == 9);  // nearest centre 18.5
  int finite = 0;
  for (std::size_t n = 0; n < model.size(); n += 37) {
    for (double a : {0.0, 0.17, target.ar_max()}) {
      const std::array<double, 3> x{model.t(n), model.feh(n), a};
      double chi2 = 0;
      for (std::size_t c = 0; c < n_colours; ++c) {
        const double d = (star.colour[c] - model.colour(c, n) - ext.colour_coefficient(c) * a) / star.error[c];
        chi2 += d * d;
      }
      const double pr = pm.density(model.mr(n), model.feh(n));
      const double got = target(x);
      if (pr > 0) {
        CHECK(got == doctest::Approx(std::log(pr) - 0.5 * chi2).epsilon(1e-12));
        ++finite;
      } else {
        CHECK(got == -std::numeric_limits<double>::infinity());
      }
    }
    CHECK(target.mr(model.t(n), model.feh(n)) == doctest::Approx(model.mr(n)).epsilon(1e-12));
  }
  CHECK(finite > 100);
  // Between nodes: bilinear model, prior at the interpolated Mr.
  const double tm = 0.5 * (model.t_values()[40] + model.t_values()[41]);
  const double fm = 0.5 * (model.feh_values()[20] + model.feh_values()[21]);
  const auto p = model.interpolate(tm, fm);
  double chi2 = 0;
  for (std::size_t c = 0; c < n_colours; ++c) {
    const double d = (star.colour[c] - p->colour[c] - ext.colour_coefficient(c) * 0.1) / star.error[c];
    chi2 += d * d;
  }
  CHECK(target(std::array<double, 3>{tm, fm, 0.1}) ==
        doctest::Approx(std::log(pm.density(p->mr, fm)) - 0.5 * chi2).epsilon(1e-12));
  // Outside the box.
  const double inf = -std::numeric_limits<double>::infinity();
  CHECK(target(std::array<double, 3>{tm, fm, -1e-9}) == inf);
  CHECK(target(std::array<double, 3>{tm, fm, target.ar_max() + 1e-9}) == inf);
  CHECK(target(std::array<double, 3>{model.t_values().back() + 1e-9, fm, 0.1}) == inf);
  CHECK(target(std::array<double, 3>{tm, model.feh_values().front() - 1e-9, 0.1}) == inf);
  CHECK(target(std::array<double, 3>{std::nan(""), fm, 0.1}) == inf);
}


TEST_CASE("PhotodTarget input checks and start()") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = locus::test::s82_priors();
  const Extinction ext;
  const Star star = locus::test::sample_star();
  auto bad = star;
  bad.error[2] = 0;
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);
  bad = star;
  bad.colour[0] = std::nan("");
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);
  bad = star;
  bad.r = std::nan("");
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);
  // ... unless the prior does not depend on r
  const PriorMaps flat = PriorMaps::flat();
  CHECK(PhotodTarget::for_star(model, flat, ext, bad).ar_max() == doctest::Approx(0.36));

  const auto target = PhotodTarget::for_star(model, priors, ext, star);
  locus::Rng rng(3);
  const auto start = target.start(16, rng);
  REQUIRE(start.size() == 16 * 3);
  for (std::size_t w = 0; w < 16; ++w) CHECK(std::isfinite(target(std::span<const double>(start.data() + 3 * w, 3))));
  locus::Rng rng2(3);
  CHECK(target.start(16, rng2) == start);  // deterministic

  // A prior that is zero everywhere: start() reports it, the catalogue runner flags it.
  std::vector<PriorMap> zero(PriorMaps::n_bins, PriorMap{Axis::photod_feh(), Axis::photod_mr(),
                                                         std::vector<double>(36 * 96, 0.0)});
  const PriorMaps none(zero);
  const auto dead = PhotodTarget::for_star(model, none, ext, star);
  CHECK_THROWS_AS(dead.start(4, rng), locus::InputError);
}

TEST_CASE("start(): PhotodModel and PriorMap paths agree; extinction far outside the prior box") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = locus::test::s82_priors();
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  // A star made from node n with colours shifted by −0.6 A_r (negative extinction) and one
  // shifted by +3 A_r (far beyond Ar_max = 0.36): the best Ar of most nodes lies tens of σ
  // outside [0, Ar_max], where the start's Gaussian integral uses the Mills-ratio tail.
  const std::size_t n = model.index(model.n_t() * 2 / 3, model.n_feh() / 2);
  for (double shift : {-0.6, 0.0, 3.0}) {
    Star star;
    for (std::size_t c = 0; c < n_colours; ++c) {
      star.colour[c] = model.colour(c, n) + ext.colour_coefficient(c) * shift;
      star.error[c] = 0.005;
    }
    star.r = 19.0;
    star.ar_sfd = 0.2;
    const PhotodTarget fast(pm, star), slow = PhotodTarget::for_star(model, priors, ext, star);
    locus::Rng r1(8), r2(8);
    const auto a = fast.start(8, r1), b = slow.start(8, r2);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-14));
    for (std::size_t w = 0; w < 8; ++w) {
      const std::span<const double> x(a.data() + 3 * w, 3);
      CHECK(std::isfinite(fast(x)));
      CHECK(fast(x) == doctest::Approx(slow(x)).epsilon(1e-12));
      if (shift < 0) CHECK(x[2] < 0.02);
      if (shift > 1) CHECK(x[2] > fast.ar_max() - 0.02);
      if (shift == 0.0) {  // the generating node's neighbourhood
        CHECK(std::abs(x[1] - model.feh(n)) < 0.35);
        CHECK(std::abs(x[2]) < 0.05);
      }
    }
  }
}

