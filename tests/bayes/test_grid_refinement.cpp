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

TEST_CASE("grid_refinement: a fixed R x R refinement equals the node grid over the model refined R x R") {
  const auto model = LocusModel::builtin();
  const auto priors = locus::test::s82_priors();
  const std::size_t R = 3;
  const GridPosterior fine(locus::test::refine(model, R, R), priors);
  const GridPosterior refined(model, priors, {}, refining(R, R)), nodes(model, priors);
  auto stars = locus::test::s82_stars(400);
  const auto bright = bright_s82(400, 5);
  stars.insert(stars.end(), bright.begin(), bright.end());
  for (const auto& star : stars) {
    const auto a = fine.fit(star), b = refined.fit(star);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    for (std::size_t p = 0; p < n_params; ++p) {
      // the same points and weights; only the skipped far tails (< 1e-12 of the mass) differ
      CHECK(std::abs(b.mean[p] - a.mean[p]) <= 1e-6 * a.sigma[p]);
      CHECK(std::abs(b.sigma[p] / a.sigma[p] - 1) <= 1e-6);
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
  // measured: 36 of 38 (95 %, as in the whole-S82 study of docs/bayes.md; the issue's goal,
  // 99 %, is not reached yet), node grid 22 of 38
  CHECK(refined_ok + 2 >= n);
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
    // the binned marginals' means: within a bin width of the summaries (4,096 bins)
    CHECK(std::abs(mm - s.mean[MR]) <= 2 * (mg.mr[1] - mg.mr[0]));
    CHECK(std::abs(mf - s.mean[FEH]) <= 2 * dfeh);
    CHECK(s.q14[MR] < s.q50[MR]);
    CHECK(s.q50[MR] < s.q86[MR]);
    CHECK(s.q14[AR] <= s.q50[AR]);
  }
}
