#pragma once
// Flags shared by the commands that run the posterior (posterior, pipeline) and train the
// networks (train, pipeline, tune).
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include <locus/bayes/ar_prior.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/posterior_engine.hpp>
#include <locus/pipeline/prior_source.hpp>

namespace locus_cli {

struct PosteriorFlags {
  std::string engine = "grid", priors, mode = "exact";
  double ar_scale = 1.3, ar_offset = 0.1, ar_max = 0, chi2_max = 100;
  std::size_t walkers = 4, steps = 500, burn_in = 100;
  double jump = 0;
  bool no_tau = false, refine = false;
  double refine_steps = 1.5;
  std::size_t max_refine = 32;
  std::uint64_t seed = 1;

  void add_to(CLI::App& sub, const std::string& default_priors) {
    priors = default_priors;
    auto* g = sub.add_option_group("posterior", "The photo-D posterior");
    g->add_option("--engine", engine, "grid (exact A_r integral) or mcmc (ensemble sampler)")->check(CLI::IsMember({"grid", "mcmc"}))->capture_default_str();
    g->add_option("--priors", priors, "p(Mr, [Fe/H] | r): a photo-D prior file (rmag,FeH,Mr,density), 'kde' (of the catalogue's true Mr, [Fe/H]) or 'flat'")->capture_default_str();
    g->add_option("--ar-scale", ar_scale, "A_r prior: flat on [0, scale·A_SFD + offset]")->capture_default_str();
    g->add_option("--ar-offset", ar_offset, "A_r prior offset")->capture_default_str();
    g->add_option("--ar-max", ar_max, "A_r prior flat on [0, ar-max] for every star (no SFD column needed); overrides --ar-scale/--ar-offset")->check(CLI::PositiveNumber);
    g->add_option("--chi2-max", chi2_max, "Stars with a smallest chi² above this get status poor_fit")->capture_default_str();
    g->add_option("--grid-mode", mode, "grid engine: 'exact' A_r integral or photo-D's 'brute_force' 0.01 mag A_r grid")->check(CLI::IsMember({"exact", "brute_force"}))->capture_default_str();
    g->add_flag("--refine", refine, "grid exact: integrate between the nodes, converged to the interpolated model (~35x slower; docs/bayes.md)");
    g->add_option("--refine-steps-per-sigma", refine_steps, "--refine: sub-steps per posterior width")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--max-refine", max_refine, "--refine: most splits of a cell per axis (more: status unresolved)")->check(CLI::Range(1, 1024))->capture_default_str();
    g->add_option("--walkers", walkers, "mcmc: walkers per star")->check(CLI::Range(2, 100000))->capture_default_str();
    g->add_option("--steps", steps, "mcmc: steps per walker")->check(CLI::Range(2, 100000000))->capture_default_str();
    g->add_option("--burn-in", burn_in, "mcmc: steps dropped from the summaries")->capture_default_str();
    g->add_option("--jump", jump, "mcmc: probability of a grid-posterior jump proposal per move (0: stretch move only)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
    g->add_flag("--no-tau", no_tau, "mcmc: skip the autocorrelation times");
    g->add_option("--mcmc-seed", seed, "mcmc: random seed (star i uses stream i)")->capture_default_str();
  }

  locus::pipeline::PosteriorOptions options() const {
    locus::pipeline::PosteriorOptions o;
    o.engine = engine == "mcmc" ? locus::pipeline::Engine::mcmc : locus::pipeline::Engine::grid;
    o.grid.mode = mode == "brute_force" ? locus::bayes::GridMode::brute_force : locus::bayes::GridMode::exact;
    o.grid.ar_prior = ar_max > 0 ? locus::bayes::ArPrior::fixed(ar_max) : locus::bayes::ArPrior{ar_scale, ar_offset};
    o.grid.chi2_max = chi2_max;
    o.grid.refine = refine, o.grid.refine_steps_per_sigma = refine_steps, o.grid.max_refine = max_refine;
    if (refine && (engine != "grid" || mode != "exact")) throw locus::ConfigError("--refine needs --engine grid --grid-mode exact");
    o.mcmc.walkers = walkers, o.mcmc.steps = steps, o.mcmc.burn_in = burn_in;
    o.mcmc.jump_probability = jump;
    o.mcmc.autocorr = !no_tau;
    o.seed = seed;
    if (burn_in >= steps) throw locus::ConfigError("--burn-in must be smaller than --steps");
    return o;
  }
  locus::pipeline::PriorSource prior_source() const { return locus::pipeline::PriorSource::parse(priors); }
};

struct TrainingFlags {
  std::size_t epochs = 1024, patience = 100, runs = 2, secondary_epochs = 256, batch = 256;  // pipeline_training()
  double learning_rate = 1e-3;
  std::uint64_t seed = 42;

  void add_to(CLI::App& sub) {
    auto* g = sub.add_option_group("training", "The moments and sigma_B networks (paper 000, section 3.2)");
    g->add_option("--epochs", epochs, "Moments network: at most this many epochs")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--patience", patience, "Early stopping after this many epochs without improvement (0: never)")->capture_default_str();
    g->add_option("--runs", runs, "Moments network: best of this many training runs")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--sigma-epochs", secondary_epochs, "sigma_B network: at most this many epochs")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--batch", batch, "Mini-batch size")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--learning-rate", learning_rate, "Adam's learning rate")->check(CLI::PositiveNumber)->capture_default_str();
    g->add_option("--train-seed", seed, "Training seed (weights, shuffling)")->capture_default_str();
  }

  locus::nn::MomentsModelOptions options() const {
    locus::nn::MomentsModelOptions o;
    o.seed = seed;
    o.optimizer.learning_rate = learning_rate;
    o.primary.epochs = epochs, o.primary.patience = patience, o.primary.batch_size = batch;
    o.primary_runs = runs;
    o.secondary.epochs = secondary_epochs, o.secondary.patience = patience, o.secondary.batch_size = batch;
    return o;
  }
};

}  // namespace locus_cli
