// The code of docs/tuning.md, runnable: a search space with a conditional parameter and its
// JSON round trip, Hyperband with resumable trials and a journal, and Bayesian optimisation
// (run() with constant-liar batches, and the ask/tell API with the LCB acquisition).
// The "training" is a toy learning curve so that the program runs in a fraction of a second.
//
// usage: tuning_quickstart [--dir DIR]   (journals are written to DIR, default: a temp dir)
#include <any>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/space.hpp>

using namespace locus;
using namespace locus::tune;

namespace {
// A toy "model": a loss that decreases with training, faster for good hyperparameters.
struct Model {
  double trained = 0;
  double quality = 0;
};
Model build(const Configuration& c, Rng&) {
  const double lr = c.get_float("lr");
  const double opt_bonus = c.get_string("optimizer") == "adam" ? 0.0 : 0.3 * (1 - c.get_float("momentum"));
  return {0, std::abs(std::log10(lr) + 2.5) + opt_bonus + 0.001 * static_cast<double>(c.get_int("batch"))};
}
void train(Model& m, double epochs) { m.trained += epochs; }
double validation_loss(const Model& m) { return m.quality + 1.0 / std::sqrt(1 + m.trained); }
double train_and_validate(const Configuration& c) {
  Rng rng(0);
  Model m = build(c, rng);
  train(m, 27);
  return validation_loss(m);
}
}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "locus_tuning_quickstart";
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--dir") dir = argv[i + 1];
  std::filesystem::remove_all(dir);

  // --- search space -------------------------------------------------------------------------
  SearchSpace s;
  s.add_float("lr", 1e-4, 1e-1, Scale::log)
      .add_int("batch", 16, 1024, Scale::log)
      .add_categorical("optimizer", {"sgd", "adam"})
      .add_float("momentum", 0.0, 0.99, Scale::linear, Condition::one_of("optimizer", {"sgd"}));
  std::cout << s.to_string() << "\n";
  Rng rng(1);
  const Configuration c = s.sample(rng);
  const std::string text = c.to_json().dump();
  const Configuration back = s.canonical(Configuration::from_json(nlohmann::json::parse(text)));
  std::cout << "sample: " << c << "\nJSON:   " << text << "\nround trip equal: " << (back == c)
            << ", same hash: " << (back.hash() == c.hash()) << "\n\n";

  // --- Hyperband ----------------------------------------------------------------------------
  HyperbandOptions o;
  o.max_budget = 81;
  o.eta = 3;
  o.seed = 7;
  o.threads = 2;
  o.journal = dir / "hyperband.jsonl";  // resume after a crash or kill -9
  Hyperband hb(s, o);
  std::cout << hb.schedule_table() << "\n";
  auto result = hb.run([&](const Configuration& cfg, double budget, ResumeState& st) {
    // st.checkpoint: whatever was stored last time this trial ran (empty when fresh);
    // st.previous_budget: the budget it was already trained for; st.rng: this evaluation's stream.
    auto& model = st.checkpoint.has_value() ? std::any_cast<Model&>(st.checkpoint)
                                            : st.checkpoint.emplace<Model>(build(cfg, st.rng));
    train(model, budget - st.previous_budget);  // continue, do not restart
    return validation_loss(model);
  });
  std::cout << format_leaderboard(result.leaderboard(5)) << "models " << result.trials << ", evaluations "
            << result.evaluations << ", budget " << result.total_budget << "\n";
  // A second run with the same journal finds every evaluation there and trains nothing.
  const auto again = hb.run([](const Configuration&, double, ResumeState&) -> double {
    throw std::logic_error("a journaled trial was run again");
  });
  std::cout << "rerun from the journal: " << again.evaluations_run << " evaluations run, same best: "
            << (again.best().config == result.best().config) << "\n\n";

  // --- Bayesian optimisation ----------------------------------------------------------------
  BayesOptOptions bo_opt;
  bo_opt.seed = 1;
  bo_opt.initial_points = 10;  // Latin hypercube by default
  bo_opt.batch = 2;
  bo_opt.threads = 2;  // two trials at a time (constant liar)
  bo_opt.journal = dir / "bo.jsonl";
  BayesianOptimizer<> bo(s, bo_opt);  // expected improvement
  const auto res = bo.run([](const Configuration& cfg) { return train_and_validate(cfg); }, 30);
  std::cout << "BO (EI) best after 30 trials: " << res.best().loss << "  " << res.best().config << "\n";

  BayesianOptimizer<LowerConfidenceBound> lcb(s, bo_opt, LowerConfidenceBound{2.6});
  double best = 1e300;
  for (int t = 0; t < 20; ++t) {
    const Configuration cfg = lcb.suggest();  // ask
    const double loss = train_and_validate(cfg);
    lcb.observe(cfg, loss);                   // tell
    best = std::min(best, loss);
  }
  std::cout << "BO (LCB, ask/tell) best after 20 trials: " << best << "\n";
  std::filesystem::remove_all(dir);
  return std::isfinite(res.best().loss) && again.evaluations_run == 0 ? 0 : 1;
}
