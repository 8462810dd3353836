// Bayesian optimisation over paper 000's architecture space, with real training (the
// 100-trial search of paper 004, on the space of paper 000).
//
//   bayes_opt_paper [--trials 100] [--epochs 81] [--patience 10] [--train 7500] [--val 2500]
//                   [--batch 2] [--threads 2] [--seed 1] [--max-layers 10] [--max-units 50]
//                   [--lcb] [--journal FILE] [--json FILE]
//
// Space, data and training are those of hyperband_paper (examples/paper_search.hpp): 1-10
// hidden layers x 1-50 units x 12 activations; Adam (lr 0.01), ReduceOnPlateau (0.9) and the
// weighted moments loss, batch 1024, on 7,500 + 2,500 synthetic stars. Every trial trains a
// fresh network for up to --epochs epochs with early stopping (--patience, best weights
// kept); its loss is the best validation loss (tune::MomentsObjective, as in `locus tune`). The GP sees the 21 parameters through the
// space's encoding (one-hot activations; parameters of absent layers at their neutral value).
// --batch suggestions are trained in parallel, chosen by the constant liar; each training is
// single-threaded. Expected improvement by default, --lcb for μ - 2.6σ (Keras Tuner).
// Prints the best-so-far curve, the winner, the leaderboard, the time spent training and the
// time spent choosing (GP fits + acquisition); --json writes them for plotting.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>
#include <locus/nn/trainer.hpp>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/moments_objective.hpp>
#include <nlohmann/json.hpp>
#include "paper_search.hpp"

using namespace locus;
using namespace locus::tune;

namespace {
template <class Acq>
BayesOptResult search(BayesOptOptions o, Acq acq, const SearchSpace& space, std::size_t trials,
                      const MomentsObjective& objective) {
  BayesianOptimizer<Acq> bo(space, std::move(o), acq);
  return bo.run(objective, trials);
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t trials = 100, epochs = 81, patience = 10, n_train = 7500, n_val = 2500, batch = 2, threads = 2,
              max_layers = 10, max_units = 50;
  std::uint64_t seed = 1;
  bool lcb = false;
  std::string journal, json_out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lcb") {
      lcb = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value after %s\n", a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    auto count = [&] {
      char* end = nullptr;
      const auto n = std::strtoull(v, &end, 10);
      if (*v == '\0' || *end != '\0') {
        std::fprintf(stderr, "%s needs a non-negative integer, got '%s'\n", a.c_str(), v);
        std::exit(2);
      }
      return static_cast<std::size_t>(n);
    };
    if (a == "--trials") trials = count();
    else if (a == "--epochs") epochs = count();
    else if (a == "--patience") patience = count();
    else if (a == "--train") n_train = count();
    else if (a == "--val") n_val = count();
    else if (a == "--batch") batch = count();
    else if (a == "--threads") threads = count();
    else if (a == "--seed") seed = count();
    else if (a == "--max-layers") max_layers = count();
    else if (a == "--max-units") max_units = count();
    else if (a == "--journal") journal = v;
    else if (a == "--json") json_out = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (trials == 0 || epochs == 0 || batch == 0 || n_train == 0 || n_val == 0) {
    std::fprintf(stderr, "--trials, --epochs, --batch, --train and --val must be at least 1\n");
    return 2;
  }
  const auto [train, val] = paper_search::make_split(n_train, n_val);
  const nn::Data<float> train_data(train.x, train.y), val_data(val.x, val.y);
  const auto space = architecture_space(static_cast<std::int64_t>(max_layers), static_cast<std::int64_t>(max_units));

  BayesOptOptions o;
  o.batch = batch;
  o.threads = threads;
  o.seed = seed;
  o.journal = journal;
  std::printf("Bayesian optimisation over paper 000's space (%zu layers x %zu units x 12 activations, %zu parameters)\n",
              max_layers, max_units, space.size());
  std::printf("%zu trials (%zu initial Latin-hypercube points), %s, %zu in parallel (constant liar)\n", trials,
              o.initial_points, lcb ? "lower confidence bound (kappa 2.6)" : "expected improvement", batch);
  std::printf("each trial: up to %zu epochs, patience %zu; %zu training + %zu validation stars, Adam lr 0.01, "
              "ReduceOnPlateau 0.9, weighted moments loss\n\n",
              epochs, patience, n_train, n_val);

  MomentsObjectiveOptions mo;
  mo.learning_rate = 0.01;
  mo.epochs = epochs;
  mo.patience = patience;
  const MomentsObjective objective(train_data, val_data, mo);
  const auto result = lcb ? search(o, LowerConfidenceBound{}, space, trials, objective)
                          : search(o, ExpectedImprovement{}, space, trials, objective);

  std::printf("best validation loss after n trials:\n");
  std::vector<double> best_so_far;
  for (const auto& t : result.history) {
    const double prev = best_so_far.empty() ? t.loss : best_so_far.back();
    best_so_far.push_back(loss_less(t.loss, prev) ? t.loss : prev);
  }
  for (std::size_t t = 0; t < best_so_far.size(); ++t)
    if (t < 10 || (t + 1) % 10 == 0 || t + 1 == best_so_far.size())
      std::printf("  n = %3zu: %.5g\n", t + 1, best_so_far[t]);
  const auto& best = result.best();
  std::printf("\nwinner: loss %.5g (trial %zu)\n  %s\n\n", best.loss, best.trial, best.config.to_string().c_str());
  std::printf("leaderboard:\n%s\n", format_leaderboard(result.leaderboard(10)).c_str());
  double train_seconds = 0;
  for (const auto& t : result.history) train_seconds += t.seconds;
  // Trials of a batch run concurrently, so the choosing time is what the wall time leaves
  // after the longest trial of each batch.
  double batch_seconds = 0;
  for (std::size_t i = 0; i < result.history.size(); i += batch) {
    double m = 0;
    for (std::size_t j = i; j < std::min(i + batch, result.history.size()); ++j) m = std::max(m, result.history[j].seconds);
    batch_seconds += m;
  }
  std::printf("models trained: %zu (run here %zu, diverged %zu); epochs trained %zu\n", result.history.size(),
              result.evaluations_run, objective.diverged(), objective.epochs());
  std::printf("wall time %.1f s: training %.1f s of thread time, choosing (GP + acquisition) about %.1f s; "
              "%.0f models/hour\n",
              result.wall_seconds, train_seconds, std::max(0.0, result.wall_seconds - batch_seconds),
              result.wall_seconds > 0 ? 3600.0 * static_cast<double>(result.evaluations_run) / result.wall_seconds : 0.0);
  if (!json_out.empty()) {
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& t : result.history)
      hist.push_back({{"trial", t.trial}, {"loss", loss_to_json(t.loss)}, {"seconds", t.seconds}});
    nlohmann::json j = {{"trials", result.history.size()},
                        {"epochs_trained", objective.epochs()},
                        {"wall_seconds", result.wall_seconds},
                        {"best_loss", best.loss},
                        {"best_config", best.config.to_json()},
                        {"acquisition", lcb ? "lcb" : "ei"},
                        {"history", hist}};
    std::ofstream(json_out) << j.dump(2) << "\n";
  }
  return std::isfinite(best.loss) ? 0 : 1;
}
