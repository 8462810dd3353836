#pragma once
// The photo-D posterior by MCMC: an ensemble sampler on PhotodTarget per star, summarised into
// the same Summary the grid posterior returns, with the sampler's diagnostics beside it.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "locus/bayes/ar_prior.hpp"
#include "locus/bayes/autocorrelation.hpp"
#include "locus/bayes/chain.hpp"
#include "locus/bayes/ensemble_sampler.hpp"
#include "locus/bayes/grid_jump_move.hpp"
#include "locus/bayes/parameters.hpp"
#include "locus/bayes/photod_model.hpp"
#include "locus/bayes/photod_target.hpp"
#include "locus/bayes/quantiles.hpp"
#include "locus/bayes/star.hpp"
#include "locus/bayes/summary.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/interrupt.hpp"
#include "locus/core/parallel_for.hpp"
#include "locus/core/rng.hpp"

namespace locus::bayes {

/* McmcDiagnostics: the mean acceptance fraction of the run and the integrated autocorrelation
   time τ (emcee's estimator, in steps, after burn-in) of each parameter in Param order; τ is
   NaN when not computed (McmcSettings::autocorr false) or undefined (a constant chain). */
struct McmcDiagnostics {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  double acceptance = nan;
  std::array<double, n_params> tau{nan, nan, nan};
};

/* Summaries of a photo-D chain of (t, [Fe/H], Ar), dropping `discard` leading steps: mean, σ
   (population form) and the 14/50/86 % quantiles (numpy's linear rule, sample_quantile) of
   Mr(t, [Fe/H]), Ar and [Fe/H], in Param order. With `tau`, also τ per parameter.
   status, chi2_min, prior_bin and nodes_used are left for the caller. */
inline Summary summarize(const PhotodTarget& target, const Chain& chain, std::size_t discard = 0,
                         std::array<double, n_params>* tau = nullptr) {
  if (discard >= chain.steps()) throw InputError("summarize: discard leaves no samples");
  const std::size_t steps = chain.steps() - discard, n = steps * chain.walkers();
  Summary s;
  std::array<std::vector<double>, n_params> v;  // [step][walker] per parameter
  for (auto& e : v) e.resize(n);
  std::size_t j = 0;
  for (std::size_t t = discard; t < chain.steps(); ++t)
    for (std::size_t w = 0; w < chain.walkers(); ++w, ++j) {
      const double* x = chain.at(t, w);
      v[index(Param::mr)][j] = target.mr(x[0], x[1]);
      v[index(Param::feh)][j] = x[1];
      v[index(Param::ar)][j] = x[2];
    }
  for (std::size_t d = 0; d < n_params; ++d) {
    double m = 0;
    for (double x : v[d]) m += x;
    m /= static_cast<double>(n);
    double ss = 0;
    for (double x : v[d]) ss += (x - m) * (x - m);
    s.mean[d] = m;
    s.sigma[d] = std::sqrt(ss / static_cast<double>(n));
    if (tau) (*tau)[d] = integrated_time(v[d].data(), steps, chain.walkers(), 1, 0).tau;  // before reordering
    const auto q = sample_quantiles(v[d]);
    s.q14[d] = q[0];
    s.q50[d] = q[1];
    s.q86[d] = q[2];
  }
  return s;
}

/* McmcSettings: ensemble MCMC per star — walkers, steps, burn-in steps dropped from the
   summaries, and the stretch-move scale. photo-D's setting is 4 walkers × 500 steps.
   jump_probability > 0 mixes in GridJumpMove proposals with that probability (0 = the
   stretch move alone, as emcee and photo-D). ar_prior and chi2_max mean what they mean in
   GridOptions. autocorr computes τ per parameter (McmcDiagnostics). min_steps_per_tau > 0
   sets not_converged on a star whose kept steps are fewer than that many times its largest τ
   (emcee advises 50; photo-D's 400 kept steps rarely reach it, so the default is off). */
struct McmcSettings {
  std::size_t walkers = 4;
  std::size_t steps = 500;
  std::size_t burn_in = 100;
  StretchMove move{};
  ArPrior ar_prior{};
  double jump_probability = 0.0;
  double chi2_max = 100.0;
  bool autocorr = true;
  double min_steps_per_tau = 0.0;
};

/* McmcResult: the star's Summary (status bits as the grid posterior sets them: fit_blockers()
   for bad input, prior_zero, poor_fit; no_fit and NaN summaries when nothing was sampled) and
   the sampler's diagnostics. */
struct McmcResult {
  Summary summary;
  McmcDiagnostics diagnostics;
};

// One star: target, start, ensemble run, summary. `rng` drives everything.
inline McmcResult mcmc_posterior(const PhotodModel& pm, const Star& star, const McmcSettings& set, Rng& rng) {
  McmcResult res;
  Summary& s = res.summary;
  s.prior_bin = std::isfinite(star.r) ? PriorMaps::bin_index(star.r) : -1;
  if (const io::status_t bad = fit_blockers(star, set.ar_prior, pm.r_needed())) {
    s.status = bad | status::no_fit;
    return res;
  }
  const PhotodTarget target(pm, star, set.ar_prior);
  std::vector<double> start;
  try {
    start = target.start(set.walkers, rng);
  } catch (const InputError&) {
    s.status = status::prior_zero | status::no_fit;
    s.chi2_min = target.last_chi2_min();
    return res;
  }
  const double chi2_min = target.last_chi2_min();
  auto finish = [&](auto& sampler) {
    sampler.run(target, start, set.steps, rng);
    const std::size_t discard = std::min(set.burn_in, set.steps - 1);
    const int bin = s.prior_bin;
    s = summarize(target, sampler.chain(), discard, set.autocorr ? &res.diagnostics.tau : nullptr);
    s.prior_bin = bin;
    s.chi2_min = chi2_min;
    if (chi2_min > set.chi2_max) s.status |= status::poor_fit;
    res.diagnostics.acceptance = sampler.mean_acceptance_fraction();
    if (set.min_steps_per_tau > 0) {
      const double worst = *std::max_element(res.diagnostics.tau.begin(), res.diagnostics.tau.end());
      if (!(static_cast<double>(set.steps - discard) >= set.min_steps_per_tau * worst)) s.status |= status::not_converged;
    }
    return res;
  };
  if (set.jump_probability > 0) {
    using Move = MixtureMove<StretchMove, GridJumpMove>;
    EnsembleSampler<Move> sampler(set.walkers, PhotodTarget::dim, Move{set.move, GridJumpMove(target), set.jump_probability});
    return finish(sampler);
  }
  EnsembleSampler<StretchMove> sampler(set.walkers, PhotodTarget::dim, set.move);
  return finish(sampler);
}

// A catalogue: star i uses rng.split(first_index + i), so results depend neither on the thread
// count nor on how a large catalogue is cut into blocks (pass each block's first index). An
// interruption (interrupt::request, Ctrl-C) is answered after the stars being sampled: the rest
// are skipped and Interrupted is thrown.
inline std::vector<McmcResult> mcmc_posterior(const PhotodModel& pm, std::span<const Star> stars,
                                              const McmcSettings& set, const Rng& rng, std::size_t threads = 0,
                                              std::size_t first_index = 0) {
  if (set.walkers < 2 || set.steps == 0) throw ConfigError("mcmc_posterior: need at least 2 walkers and 1 step");
  std::vector<McmcResult> out(stars.size());
  parallel_for(
      stars.size(), 8,
      [&](std::size_t i) {
        if (interrupt::requested()) return;
        Rng r = rng.split(first_index + i);
        out[i] = mcmc_posterior(pm, stars[i], set, r);
      },
      threads);
  interrupt::check("mcmc_posterior");
  return out;
}

}  // namespace locus::bayes
