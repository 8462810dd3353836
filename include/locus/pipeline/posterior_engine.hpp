#pragma once
// PosteriorEngine: the photo-D posterior of many stars, by the grid (default) or by MCMC,
// behind one call, so the pipeline and `locus posterior` treat both alike.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/mcmc_posterior.hpp"
#include "locus/bayes/photod_model.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/bayes/star.hpp"
#include "locus/bayes/summary.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/rng.hpp"

namespace locus::pipeline {

enum class Engine { grid, mcmc };
inline const char* to_string(Engine e) { return e == Engine::grid ? "grid" : "mcmc"; }

// The options of both engines; `engine` picks one. mcmc.ar_prior and mcmc.chi2_max are ignored:
// both engines use grid.ar_prior and grid.chi2_max, so the choice of engine changes nothing else.
struct PosteriorOptions {
  Engine engine = Engine::grid;
  bayes::GridOptions grid{};
  bayes::McmcSettings mcmc{};
  std::uint64_t seed = 1;  // MCMC: star i of a run uses Rng(seed).split(i)
};

inline nlohmann::json to_json(const PosteriorOptions& o) {
  nlohmann::json j{{"engine", to_string(o.engine)},
                   {"ar_prior", {{"scale", o.grid.ar_prior.scale}, {"offset", o.grid.ar_prior.offset}}},
                   {"chi2_max", o.grid.chi2_max}};
  if (o.engine == Engine::grid) {
    j["mode"] = o.grid.mode == bayes::GridMode::exact ? "exact" : "brute_force";
    j["ar_step"] = o.grid.ar_step;
    j["skip_tolerance"] = o.grid.skip_tolerance;
    j["exclude_plateau"] = o.grid.exclude_plateau;
    if (o.grid.refine)  // (only when on, so that existing run records keep their fingerprints)
      j["refine"] = {{"steps_per_sigma", o.grid.refine_steps_per_sigma}, {"min", o.grid.min_refine}, {"max", o.grid.max_refine}};
  } else {
    j["walkers"] = o.mcmc.walkers;
    j["steps"] = o.mcmc.steps;
    j["burn_in"] = o.mcmc.burn_in;
    j["stretch_a"] = o.mcmc.move.a;
    j["jump_probability"] = o.mcmc.jump_probability;
    j["autocorr"] = o.mcmc.autocorr;
    j["min_steps_per_tau"] = o.mcmc.min_steps_per_tau;
    j["seed"] = o.seed;
  }
  return j;
}

// PosteriorEngine
//
// Specification: holds the model, priors and whichever engine the options choose.
// fit(stars, first_index, threads) returns one Summary per star (and, for MCMC, diagnostics
// through `diagnostics`). first_index is the index of stars[0] in the whole run: MCMC streams
// are tied to it, so fitting a catalogue block by block gives the same numbers as fitting it
// at once, with any thread count. Bad stars are flagged, never thrown on.
class PosteriorEngine {
 public:
  PosteriorEngine(bayes::LocusModel model, bayes::PriorMaps priors, PosteriorOptions options)
      : model_(std::make_shared<bayes::LocusModel>(std::move(model))),
        priors_(std::make_shared<bayes::PriorMaps>(std::move(priors))),
        o_(std::move(options)) {
    o_.mcmc.ar_prior = o_.grid.ar_prior;
    o_.mcmc.chi2_max = o_.grid.chi2_max;
    if (o_.engine == Engine::grid) grid_ = std::make_unique<bayes::GridPosterior>(*model_, *priors_, bayes::Extinction{}, o_.grid);
    else photod_ = std::make_unique<bayes::PhotodModel>(*model_, *priors_, bayes::Extinction{});
  }

  const PosteriorOptions& options() const { return o_; }
  const bayes::PriorMaps& priors() const { return *priors_; }
  const bayes::LocusModel& model() const { return *model_; }
  bool r_needed() const { return priors_->depends_on_r(); }
  // Whether the posterior can fit this star (0) or which status bits it will get instead.
  io::status_t blockers(const bayes::Star& s) const { return bayes::fit_blockers(s, o_.grid.ar_prior, r_needed()); }

  std::vector<bayes::Summary> fit(std::span<const bayes::Star> stars, std::size_t first_index = 0, std::size_t threads = 0,
                                  std::vector<bayes::McmcDiagnostics>* diagnostics = nullptr) const {
    if (grid_) {
      if (diagnostics) diagnostics->clear();
      return grid_->fit_catalog(stars, threads);
    }
    const auto res = bayes::mcmc_posterior(*photod_, stars, o_.mcmc, Rng(o_.seed), threads, first_index);
    std::vector<bayes::Summary> out(res.size());
    if (diagnostics) diagnostics->resize(res.size());
    for (std::size_t i = 0; i < res.size(); ++i) {
      out[i] = res[i].summary;
      if (diagnostics) (*diagnostics)[i] = res[i].diagnostics;
    }
    return out;
  }

 private:
  std::shared_ptr<bayes::LocusModel> model_;
  std::shared_ptr<bayes::PriorMaps> priors_;
  PosteriorOptions o_;
  std::unique_ptr<bayes::GridPosterior> grid_;
  std::unique_ptr<bayes::PhotodModel> photod_;
};

}  // namespace locus::pipeline
