// Hyperband over paper 000's architecture space, with real training.
//
//   hyperband_paper [--R 81] [--eta 3] [--train 7500] [--val 2500] [--threads 2] [--seed 1]
//                   [--max-layers 10] [--max-units 50] [--journal FILE] [--json FILE]
//                   [--keep-optimizer]
//
// Space (tune::architecture_space): 1-10 hidden layers, 1-50 units and one of the 12
// nn::paper_activations per layer, followed by the 6-unit linear output of the moments
// network. Budget = epochs (R = 81, eta = 3: 143 models, 1,902 epoch-budget units per
// iteration). Each model is a DynamicStack<paper_activations> trained by nn::fit with Adam
// (learning rate 0.01), ReduceOnPlateau (factor 0.9) and the weighted moments loss of
// paper 000 (Eq. 2), batch 1024, on 10,000 synthetic stars (7,500 train + 2,500 validation):
// the synthetic mapping of the training issue (examples/train_moments): five colours c ~ U(-1,1)
// observed with per-star errors (10 inputs: colours and errors) and three targets
//   t0 = 4 + 3 sin(1.5 c0) + c1 c2        σ0 = 0.1 + 0.2 |c3|
//   t1 = 0.5 + 0.3 c1² + 0.2 c4           σ1 = 0.01 + 0.03 (1 + c0)
//   t2 = -1 + tanh(2 c2) + 0.3 c3 c4      σ2 = 0.15 (1.2 + c4)
// The loss of a trial is its best validation loss so far. The objective is the library's
// tune::MomentsObjective (the one `locus tune` uses).
//
// Promoted trials resume: the network (with its best weights) and the learning rate the
// schedule had reached are kept in the trial's checkpoint, and training continues for the
// extra epochs only. Adam's moments restart at each rung by default, as in Keras Tuner (its
// checkpoints hold the weights only); --keep-optimizer keeps them too
// (MomentsObjectiveOptions::reset_optimizer = false). ReduceOnPlateau's patience counter starts afresh.
// Trials of a rung train in parallel, one per thread; each training is single-threaded.
// Prints the schedule, the winner, the leaderboard, the models trained, the epochs actually
// trained and the wall time; --json writes the same figures for bench/hyperband_vs_optuna.py.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <locus/nn/trainer.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/moments_objective.hpp>
#include <nlohmann/json.hpp>
#include "paper_search.hpp"

using namespace locus;
using namespace locus::tune;

int main(int argc, char** argv) {
  double R = 81, eta = 3;
  std::size_t n_train = 7500, n_val = 2500, threads = 2, max_layers = 10, max_units = 50;
  std::uint64_t seed = 1;
  std::string journal, json_out;
  bool keep_optimizer = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--keep-optimizer") {
      keep_optimizer = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value after %s\n", a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--R") R = std::atof(v);
    else if (a == "--eta") eta = std::atof(v);
    else if (a == "--train") n_train = std::strtoull(v, nullptr, 10);
    else if (a == "--val") n_val = std::strtoull(v, nullptr, 10);
    else if (a == "--threads") threads = std::strtoull(v, nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
    else if (a == "--max-layers") max_layers = std::strtoull(v, nullptr, 10);
    else if (a == "--max-units") max_units = std::strtoull(v, nullptr, 10);
    else if (a == "--journal") journal = v;
    else if (a == "--json") json_out = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const auto [train, val] = paper_search::make_split(n_train, n_val);
  const nn::Data<float> train_data(train.x, train.y), val_data(val.x, val.y);
  MomentsObjectiveOptions mo;
  mo.learning_rate = 0.01;
  mo.reset_optimizer = !keep_optimizer;  // a fresh trial's Adam has no state either way
  const MomentsObjective objective(train_data, val_data, mo);

  HyperbandOptions o;
  o.max_budget = R;
  o.eta = eta;
  o.seed = seed;
  o.threads = threads;
  o.journal = journal;
  const Hyperband hb(architecture_space(static_cast<std::int64_t>(max_layers), static_cast<std::int64_t>(max_units)), o);
  std::printf("Hyperband over paper 000's space (%zu layers x %zu units x 12 activations), R = %g epochs, eta = %g\n",
              max_layers, max_units, R, eta);
  std::printf("%zu training + %zu validation stars, Adam lr 0.01, ReduceOnPlateau 0.9, weighted moments loss, "
              "%zu worker threads\n\n%s\n",
              n_train, n_val, threads, hb.schedule_table().c_str());

  const auto result = hb.run(objective);

  const auto best = result.best();
  std::printf("winner: loss %.5g at %g epochs (trial %llu)\n  %s\n\n", best.loss, best.budget,
              static_cast<unsigned long long>(best.trial), best.config.to_string().c_str());
  std::printf("leaderboard:\n%s\n", format_leaderboard(result.leaderboard(10)).c_str());
  const double hours = result.wall_seconds / 3600.0;
  std::printf("models trained: %zu (evaluations %zu, run here %zu, diverged %zu)\n", result.trials, result.evaluations,
              result.evaluations_run, objective.diverged());
  std::printf("epochs: budget %.0f, actually trained %zu (promoted trials resume)\n", result.total_budget,
              objective.epochs());
  std::printf("wall time %.1f s; %.0f models/hour\n", result.wall_seconds,
              hours > 0 ? static_cast<double>(result.trials) / hours : 0.0);
  if (!json_out.empty()) {
    nlohmann::json j = {{"models", result.trials},
                        {"evaluations", result.evaluations},
                        {"epochs_trained", objective.epochs()},
                        {"budget", result.total_budget},
                        {"wall_seconds", result.wall_seconds},
                        {"best_loss", best.loss},
                        {"best_config", best.config.to_json()},
                        {"threads", threads},
                        {"train", n_train},
                        {"val", n_val}};
    std::ofstream(json_out) << j.dump(2) << "\n";
  }
  return std::isfinite(best.loss) ? 0 : 1;
}
