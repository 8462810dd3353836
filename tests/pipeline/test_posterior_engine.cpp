#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/bayes/mcmc_posterior.hpp"
#include "locus/pipeline/posterior_engine.hpp"
#include "locus/pipeline/run_record.hpp"
#include "../support/catalogs.hpp"
#include "../support/s82.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::same_summary;
using locus::test::same_value;

namespace {

bool same_diag(const bayes::McmcDiagnostics& a, const bayes::McmcDiagnostics& b) {
  return same_value(a.acceptance, b.acceptance) && same_value(a.tau[0], b.tau[0]) && same_value(a.tau[1], b.tau[1]) &&
         same_value(a.tau[2], b.tau[2]);
}

// S82 stars (every `stride`-th) plus two that cannot be fitted.
std::vector<bayes::Star> stars_with_bad(std::size_t stride) {
  auto s = test::s82_stars(stride);
  bayes::Star no_colour = s[0];
  no_colour.colour[2] = std::numeric_limits<double>::quiet_NaN();
  bayes::Star bad_error = s[1];
  bad_error.error[0] = -0.1;
  s.insert(s.begin() + 3, no_colour);
  s.push_back(bad_error);
  return s;
}

PosteriorOptions mcmc_options() {
  PosteriorOptions o;
  o.engine = Engine::mcmc;
  o.mcmc.walkers = 4;
  o.mcmc.steps = 150;
  o.mcmc.burn_in = 50;
  o.seed = 31;
  return o;
}

}  // namespace

TEST_CASE("posterior_engine: the grid engine gives exactly GridPosterior's summaries") {
  const auto stars = stars_with_bad(40);
  const auto priors = test::s82_priors();
  for (const auto mode : {bayes::GridMode::exact, bayes::GridMode::brute_force}) {
    PosteriorOptions o;
    o.grid.mode = mode;
    o.grid.chi2_max = 20;  // some poor_fit flags too
    const PosteriorEngine engine(bayes::LocusModel::builtin(), priors, o);
    CHECK(engine.options().engine == Engine::grid);
    CHECK(engine.r_needed());
    const bayes::GridPosterior direct(bayes::LocusModel::builtin(), priors, bayes::Extinction{}, o.grid);
    const auto want = direct.fit_catalog(stars, 1);
    std::vector<bayes::McmcDiagnostics> diag(5);
    const auto got = engine.fit(stars, 0, 2, &diag);
    CHECK(test::differing_summaries(got, want) == 0);
    CHECK(diag.empty());  // the grid has no diagnostics
    CHECK(test::differing_summaries(engine.fit(stars, 1000, 1), want) == 0);  // first_index means nothing to the grid
    // the bad stars are flagged, not thrown on
    CHECK((got[3].status & io::status::no_fit) != 0);
    CHECK((got[3].status & io::status::missing_value) != 0);
    CHECK((got.back().status & io::status::bad_error) != 0);
    CHECK(std::isnan(got.back().mean[0]));
    std::size_t poor = 0;
    for (const auto& s : got) poor += (s.status & io::status::poor_fit) != 0;
    CHECK(poor > 0);
  }
}

TEST_CASE("posterior_engine: the MCMC engine gives exactly mcmc_posterior's results, block-wise and with any threads") {
  const auto stars = stars_with_bad(80);
  REQUIRE(stars.size() > 40);
  const auto priors = test::s82_priors();
  auto o = mcmc_options();
  o.grid.ar_prior = bayes::ArPrior{1.2, 0.05};
  o.grid.chi2_max = 30;
  o.mcmc.ar_prior = bayes::ArPrior::fixed(3.0);  // ignored: both engines use grid.ar_prior
  o.mcmc.chi2_max = 1e9;                         // ignored too
  const PosteriorEngine engine(bayes::LocusModel::builtin(), priors, o);
  CHECK(engine.options().mcmc.ar_prior.scale == 1.2);
  CHECK(engine.options().mcmc.chi2_max == 30);

  const auto model = bayes::LocusModel::builtin();
  const bayes::PhotodModel pm(model, priors, bayes::Extinction{});
  bayes::McmcSettings set = o.mcmc;
  set.ar_prior = o.grid.ar_prior;
  set.chi2_max = o.grid.chi2_max;
  const auto direct = bayes::mcmc_posterior(pm, stars, set, Rng(o.seed), 1, 0);
  std::vector<bayes::Summary> want;
  for (const auto& r : direct) want.push_back(r.summary);

  std::vector<bayes::McmcDiagnostics> diag;
  const auto all = engine.fit(stars, 0, 1, &diag);
  CHECK(test::differing_summaries(all, want) == 0);
  REQUIRE(diag.size() == stars.size());
  std::size_t bad_diag = 0;
  for (std::size_t i = 0; i < stars.size(); ++i) bad_diag += !same_diag(diag[i], direct[i].diagnostics);
  CHECK(bad_diag == 0);
  CHECK((all[3].status & io::status::no_fit) != 0);

  // two threads
  CHECK(test::differing_summaries(engine.fit(stars, 0, 2), want) == 0);
  // in blocks, each with its first_index: the same numbers
  std::vector<bayes::Summary> blocks;
  std::vector<bayes::McmcDiagnostics> d;
  for (std::size_t b = 0; b < stars.size(); b += 7) {
    const std::size_t e = std::min(stars.size(), b + 7);
    const auto s = engine.fit(std::span(stars).subspan(b, e - b), b, 2, &d);
    REQUIRE(d.size() == e - b);
    for (std::size_t i = 0; i < d.size(); ++i) bad_diag += !same_diag(d[i], direct[b + i].diagnostics);
    blocks.insert(blocks.end(), s.begin(), s.end());
  }
  CHECK(test::differing_summaries(blocks, want) == 0);
  CHECK(bad_diag == 0);
  // first_index matters: a block fitted as if it started elsewhere uses other streams
  const auto shifted = engine.fit(std::span(stars).subspan(10, 5), 0, 1);
  CHECK(test::differing_summaries(shifted, std::span(want).subspan(10, 5)) == 5);
  // another seed: other numbers
  auto o2 = o;
  o2.seed = 32;
  CHECK(test::differing_summaries(PosteriorEngine(bayes::LocusModel::builtin(), priors, o2).fit(stars, 0, 1), want) > stars.size() / 2);
}

TEST_CASE("posterior_engine: blockers, r_needed and the options' JSON") {
  const PosteriorEngine flat(bayes::LocusModel::builtin(), bayes::PriorMaps::flat(), PosteriorOptions{});
  CHECK_FALSE(flat.r_needed());
  bayes::Star s = test::s82_stars(1000)[0];
  CHECK(flat.blockers(s) == 0);
  s.r = std::numeric_limits<double>::quiet_NaN();
  CHECK(flat.blockers(s) == 0);  // r is not needed with a flat prior
  const PosteriorEngine s82(bayes::LocusModel::builtin(), test::s82_priors(), PosteriorOptions{});
  CHECK(s82.blockers(s) == io::status::missing_value);
  s = test::s82_stars(1000)[0];
  s.ar_sfd = std::numeric_limits<double>::quiet_NaN();
  CHECK(s82.blockers(s) == io::status::missing_value);  // the A_r prior uses A_SFD
  CHECK(s82.priors().depends_on_r());
  CHECK(s82.model().size() == bayes::LocusModel::builtin().size());

  PosteriorOptions g;
  const auto jg = to_json(g);
  CHECK(jg.at("engine") == "grid");
  CHECK(jg.contains("ar_step"));
  CHECK_FALSE(jg.contains("walkers"));
  CHECK_FALSE(jg.contains("seed"));  // the grid is not random
  auto g2 = g;
  g2.seed = 99;
  g2.mcmc.steps = 1;  // MCMC options do not change a grid run's fingerprint
  CHECK(fingerprint(to_json(g2)) == fingerprint(jg));
  g2.grid.ar_step = 0.02;
  CHECK(fingerprint(to_json(g2)) != fingerprint(jg));
  auto m = mcmc_options();
  const auto jm = to_json(m);
  CHECK(jm.at("engine") == "mcmc");
  CHECK(jm.at("walkers") == 4);
  CHECK(jm.at("seed") == 31);
  CHECK_FALSE(jm.contains("ar_step"));
  auto m2 = m;
  m2.seed = 30;
  CHECK(fingerprint(to_json(m2)) != fingerprint(jm));
  m2 = m;
  m2.grid.ar_prior.offset = 0.2;  // the shared A_r prior is in both
  CHECK(fingerprint(to_json(m2)) != fingerprint(jm));
  CHECK(std::string(to_string(Engine::mcmc)) == "mcmc");
  CHECK_THROWS_AS(([] {
                    auto bad = mcmc_options();
                    bad.mcmc.walkers = 1;
                    const PosteriorEngine e(bayes::LocusModel::builtin(), bayes::PriorMaps::flat(), bad);
                    e.fit(test::s82_stars(2000), 0, 1);
                  }()),
                  ConfigError);
}
