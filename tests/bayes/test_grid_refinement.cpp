// GridOptions::refine: the grid posterior integrated between the nodes. The references are
// built here: the plain node grid over the model refined by the tests' own bilinear
// interpolation (support/photod_reference.hpp), at two resolutions to show it converged.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"

#include "../support/photod_reference.hpp"
#include "../support/s82.hpp"

using namespace locus::bayes;

namespace {
constexpr std::size_t MR = index(Param::mr), AR = index(Param::ar), FEH = index(Param::feh);

GridOptions refining(std::size_t min_r = 1, std::size_t max_r = 32) {
  GridOptions o;
  o.refine = true;
  o.min_refine = min_r, o.max_refine = max_r;
  return o;
}

// S82 stars made brighter: errors divided by `f` (the posterior narrows by about f).
std::vector<Star> bright_s82(std::size_t stride, double f) {
  auto stars = locus::test::s82_stars(stride);
  for (auto& s : stars)
    for (auto& e : s.error) e /= f;
  return stars;
}
}  // namespace

namespace {
// The composite degree-3 cubature over the model split R x R, written from the formula: on
// the model refined 2R x 2R by the tests' own interpolation, the nodes with both indices even
// are the sub-cell corners (trapezoid weights: 1/2 on the first and last lines, times 1/3),
// those with both odd the sub-cell centres (2/3), the others weigh nothing. The prior map at
// the node, and the A_r integral by Simpson's rule (n_a intervals). Returns the means and
// sigmas of (Mr, A_r, [Fe/H]) in Param order.
std::array<double, 6> cubature_reference(const LocusModel& fine, const PriorMaps& priors, const Star& star, int n_a) {
  const Extinction ext;
  const auto& map = priors.map(static_cast<std::size_t>(PriorMaps::bin_index(star.r)));
  const double amax = 1.3 * star.ar_sfd + 0.1;
  auto weight = [&](std::size_t i, std::size_t j) {
    if (i % 2 != j % 2) return 0.0;
    if (i % 2 == 1) return 2.0 / 3.0;
    return (i == 0 || i + 1 == fine.n_t() ? 0.5 : 1.0) * (j == 0 || j + 1 == fine.n_feh() ? 0.5 : 1.0) / 3.0;
  };
  std::vector<double> lw(fine.size(), -INFINITY);
  double top = -INFINITY;
  auto chi2 = [&](std::size_t n, double A) {
    double x = 0;
    for (std::size_t c = 0; c < n_colours; ++c) {
      const double r = (star.colour[c] - fine.colour(c, n) - ext.colour_coefficient(c) * A) / star.error[c];
      x += r * r;
    }
    return x;
  };
  for (std::size_t n = 0; n < fine.size(); ++n) {
    const double pr = map.density(fine.mr(n), fine.feh(n));
    if (!(pr > 0)) continue;
    double best = INFINITY;
    for (int j = 0; j <= n_a; ++j) best = std::min(best, chi2(n, amax * j / n_a));
    const double w = weight(fine.t_index(n), fine.feh_index(n));
    if (!(w > 0)) continue;
    lw[n] = std::log(pr * w) - 0.5 * best;
    top = std::max(top, lw[n]);
  }
  double W = 0, s1[3] = {}, s2[3] = {};
  for (std::size_t n = 0; n < fine.size(); ++n) {
    if (!(lw[n] > top - 60)) continue;
    double best = INFINITY;
    for (int j = 0; j <= n_a; ++j) best = std::min(best, chi2(n, amax * j / n_a));
    double z = 0, za = 0, za2 = 0;
    for (int j = 0; j <= n_a; ++j) {
      const double A = amax * j / n_a, sw = (j == 0 || j == n_a) ? 1 : (j % 2 ? 4 : 2);
      const double e = sw * std::exp(-0.5 * (chi2(n, A) - best));
      z += e, za += e * A, za2 += e * A * A;
    }
    const double w = std::exp(lw[n] - top) * z;
    W += w;
    const double v[3] = {fine.mr(n), za / z, fine.feh(n)}, v2[3] = {fine.mr(n) * fine.mr(n), za2 / z, fine.feh(n) * fine.feh(n)};
    for (int k = 0; k < 3; ++k) s1[k] += w * v[k], s2[k] += w * v2[k];
  }
  std::array<double, 6> out{};
  for (int k = 0; k < 3; ++k) {
    out[k] = s1[k] / W;
    out[3 + k] = std::sqrt(std::max(0.0, s2[k] / W - out[k] * out[k]));
  }
  return out;
}
}  // namespace

TEST_CASE("grid_refinement: a fixed R x R refinement is the degree-3 cubature over the model split R x R") {
  const auto model = LocusModel::builtin();
  const auto priors = locus::test::s82_priors();
  const std::size_t R = 2;
  const auto fine = locus::test::refine(model, 2 * R, 2 * R);
  const GridPosterior refined(model, priors, {}, refining(R, R)), nodes(model, priors);
  auto stars = locus::test::s82_stars(800);
  const auto bright = bright_s82(800, 5);
  stars.insert(stars.end(), bright.begin(), bright.end());
  for (const auto& star : stars) {
    const auto ref = cubature_reference(fine, priors, star, 2000);
    const auto b = refined.fit(star);
    REQUIRE(b.ok());
    for (std::size_t p = 0; p < n_params; ++p) {
      // Differences: cells below e^-8 of the best node keep their node alone (bayes.md), and
      // Simpson's A_r integral; both far below the 0.1 sigma the refinement is for.
      CHECK(std::abs(b.mean[p] - ref[p]) <= 2e-3 * ref[3 + p]);
      CHECK(std::abs(b.sigma[p] / ref[3 + p] - 1) <= 4e-3);
    }
    CHECK(b.chi2_min == nodes.fit(star).chi2_min);  // chi2_min is the nodes' minimum
  }
}

TEST_CASE("grid_refinement: converges to the continuous model on S82 stars, where the node grid does not") {
  const auto model = LocusModel::builtin();
  const auto priors = locus::test::s82_priors();
  const auto stars = locus::test::s82_stars(100);  // 40 real stars
  // The reference and its own convergence: 12 x 12 against 6 x 6.
  const GridPosterior ref(locus::test::refine(model, 12, 12), priors), check(locus::test::refine(model, 6, 6), priors);
  const GridPosterior nodes(model, priors), refined(model, priors, {}, refining());
  std::size_t n = 0, refined_ok = 0, nodes_ok = 0;
  auto close = [](const Summary& s, const Summary& r, double tol) {
    for (std::size_t p = 0; p < n_params; ++p) {
      if (std::abs(s.mean[p] - r.mean[p]) > tol * r.sigma[p]) return false;
      if (std::abs(s.sigma[p] / r.sigma[p] - 1) > 2 * tol) return false;
    }
    return true;
  };
  for (const auto& star : stars) {
    const auto r = ref.fit(star);
    REQUIRE(r.ok());
    if (!close(check.fit(star), r, 0.03)) continue;  // the reference is not converged for this star
    ++n;
    refined_ok += close(refined.fit(star), r, 0.1);
    nodes_ok += close(nodes.fit(star), r, 0.1);
  }
  MESSAGE("stars with a converged reference: " << n << " of " << stars.size() << "; refine within 0.1 sigma (sigma 20 %): "
                                               << refined_ok << "; node grid: " << nodes_ok);
  REQUIRE(n >= 30);
  // measured: 38 of 38, node grid 22 of 38
  CHECK(refined_ok + 1 >= n);
  CHECK(nodes_ok <= n * 3 / 4);  // the node grid misses on these stars
}

TEST_CASE("grid_refinement: a star narrower than max_refine resolves is flagged, never silently narrow") {
  const auto model = LocusModel::builtin();
  const auto priors = locus::test::s82_priors();
  const auto stars = bright_s82(400, 20);
  std::size_t flagged = 0;
  for (const auto& star : stars) {
    const auto s2 = GridPosterior(model, priors, {}, refining(1, 2)).fit(star);
    const auto plain = GridPosterior(model, priors).fit(star);
    CHECK((plain.status & status::unresolved) == 0);  // without refine the bit is never set
    flagged += (s2.status & status::unresolved) != 0;
    CHECK(s2.ok());  // flagged, still summarised
  }
  CHECK(flagged >= stars.size() / 2);
}

TEST_CASE("grid_refinement: marginals are normalised and reproduce the summaries") {
  const auto model = LocusModel::builtin();
  const GridPosterior g(model, locus::test::s82_priors(), {}, refining());
  for (const auto& star : bright_s82(997, 4)) {
    Marginals mg;
    const auto s = g.fit(star, mg);
    REQUIRE(s.ok());
    REQUIRE(s.nodes_used > model.size() / 1000);
    double sm = 0, mm = 0, sf = 0, mf = 0;
    for (std::size_t j = 0; j < mg.mr.size(); ++j) sm += mg.p_mr[j], mm += mg.p_mr[j] * mg.mr[j];
    const double dfeh = mg.feh[1] - mg.feh[0];
    for (std::size_t j = 0; j < mg.feh.size(); ++j) sf += mg.p_feh[j] * dfeh, mf += mg.p_feh[j] * dfeh * mg.feh[j];
    CHECK(sm == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(sf == doctest::Approx(1.0).epsilon(1e-9));
    // the binned marginals' means: within a bin width of the summaries (1,024 bins)
    CHECK(std::abs(mm - s.mean[MR]) <= 2 * (mg.mr[1] - mg.mr[0]));
    CHECK(std::abs(mf - s.mean[FEH]) <= 2 * dfeh);
    CHECK(s.q14[MR] < s.q50[MR]);
    CHECK(s.q50[MR] < s.q86[MR]);
    CHECK(s.q14[AR] <= s.q50[AR]);
  }
}
