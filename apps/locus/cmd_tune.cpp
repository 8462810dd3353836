// locus tune: Hyperband or Bayesian optimisation of the moments network's architecture (and,
// if the space has them, learning rate and batch size) on a catalogue labelled by
// `locus posterior`. docs/tuning.md, "The `locus tune` command".
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/io/atomic_file.hpp>
#include <locus/io/catalog_file.hpp>
#include <locus/nn/scalers.hpp>
#include <locus/nn/trainer.hpp>
#include <locus/pipeline/training_set.hpp>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/journal.hpp>
#include <locus/tune/moments_objective.hpp>
#include <locus/tune/space.hpp>
#include <locus/tune/trial.hpp>

#include "common.hpp"
#include "mpi.hpp"

namespace locus_cli {

namespace {

struct TuneOptions {
  Common common;
  std::string in, space, method = "hyperband", journal, out, prefix = "bayes_", acquisition = "ei";
  double max_epochs = 81, eta = 3, validation = 0.25, learning_rate = 1e-3;
  std::size_t iterations = 1, trials = 30, epochs = 81, patience = 10, initial = 10, parallel = 1, batch = 1024, top = 10;
  std::uint64_t seed = 1, split_seed = 1;
};

// A fingerprint of the data: a journal is only valid for the stars it was written on.
std::string data_hash(const locus::pipeline::TrainingSet& ts) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const auto* m : {&ts.train.x, &ts.train.mean, &ts.validation.x, &ts.validation.mean})
    locus::tune::detail::fnv1a(h, m->data(), m->size() * sizeof(float));
  return locus::tune::hash_hex(h);
}

// What a journal's results depend on; a journal written with anything else is refused.
nlohmann::json run_identity(const TuneOptions& o, const locus::tune::SearchSpace& space,
                            const locus::pipeline::TrainingSet& ts) {
  nlohmann::json j = {{"method", o.method},
                      {"seed", o.seed},
                      {"space", space.to_json()},
                      {"data", {{"train_rows", ts.train_rows.size()}, {"validation_rows", ts.validation_rows.size()}, {"hash", data_hash(ts)}}},
                      {"learning_rate", o.learning_rate},
                      {"batch", o.batch}};
  if (o.method == "hyperband") j["hyperband"] = {{"max_epochs", o.max_epochs}, {"eta", o.eta}, {"iterations", o.iterations}};
  else j["bo"] = {{"epochs", o.epochs}, {"patience", o.patience}, {"initial", o.initial}, {"acquisition", o.acquisition}, {"parallel", o.parallel}};
  return j;
}

// Hyperband's per-trial checkpoints live beside the journal, so a resumed trial continues
// its network instead of training it again from scratch.
std::string checkpoint_dir(const std::string& journal) { return journal + ".checkpoints"; }

// Marks a new journal with the run's identity (and drops checkpoints of an older run), or
// checks an old one carries the same identity.
void check_journal(const std::string& path, const nlohmann::json& identity) {
  locus::tune::Journal journal(path);
  const nlohmann::json* found = nullptr;
  for (const auto& rec : journal.records())
    if (locus::tune::is_record_of(rec, "locus tune")) found = &rec;
  if (!found) {
    if (!journal.records().empty())
      throw locus::ConfigError("journal " + path + " was not written by `locus tune`; give a new journal file");
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_dir(path), ec);
    journal.append({{"tuner", "locus tune"}, {"run", identity}});
    return;
  }
  if (!found->contains("run") || !(*found)["run"].is_object())
    throw locus::FormatError("journal " + path + ": its `locus tune` record has no run identity (a damaged journal?)");
  const auto& old = (*found)["run"];
  std::string differs;
  for (auto it = identity.begin(); it != identity.end(); ++it)
    if (!old.contains(it.key()) || old.at(it.key()) != it.value()) differs += (differs.empty() ? "" : ", ") + it.key();
  if (!differs.empty())
    throw locus::ConfigError("journal " + path + " belongs to another run (it differs in: " + differs +
                             "); resume with the same catalogue, space and flags, or give a new journal file");
}

nlohmann::json leaderboard_json(const std::vector<locus::tune::LeaderboardEntry>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows)
    a.push_back({{"trial", r.trial}, {"loss", locus::tune::loss_to_json(r.loss)}, {"budget", r.budget},
                 {"seconds", r.seconds}, {"configuration", r.config.to_json()}});
  return a;
}

// What either tuner returns, in one form.
struct Search {
  std::vector<locus::tune::TrialResult> history;
  std::size_t models = 0, evaluations_run = 0;
  double wall_seconds = 0;
};

Search run_hyperband(const TuneOptions& o, const locus::tune::SearchSpace& space, locus::tune::MomentsObjective& objective) {
  locus::tune::HyperbandOptions ho;
  ho.max_budget = o.max_epochs;
  ho.eta = o.eta;
  ho.iterations = o.iterations;
  ho.threads = o.common.threads;
  ho.seed = o.seed;
  ho.journal = o.journal;
  if (!o.journal.empty()) ho.checkpoint_dir = checkpoint_dir(o.journal);
  ho.progress = progress(o.common);
  ho.share = mpi::tune_share();
  const locus::tune::Hyperband hb(space, ho);
  if (auto log = logger(o.common)) log("Hyperband schedule (trials@epochs):\n" + hb.schedule_table());
  auto r = hb.run(objective);
  // every evaluation is in the journal now; the checkpoints are no longer needed
  std::error_code ec;
  if (!o.journal.empty() && mpi::world().rank == 0) std::filesystem::remove_all(ho.checkpoint_dir, ec);
  return {std::move(r.history), r.trials, r.evaluations_run, r.wall_seconds};
}

template <class Acquisition>
Search run_bo(const TuneOptions& o, const locus::tune::SearchSpace& space, locus::tune::MomentsObjective& objective) {
  locus::tune::BayesOptOptions bo;
  bo.initial_points = o.initial;
  bo.batch = o.parallel;
  bo.threads = o.common.threads;
  bo.seed = o.seed;
  bo.journal = o.journal;
  bo.progress = progress(o.common);
  bo.share = mpi::tune_share();
  locus::tune::BayesianOptimizer<Acquisition> opt(space, bo);
  auto r = opt.run(objective, o.trials);
  const std::size_t models = r.history.size();
  return {std::move(r.history), models, r.evaluations_run, r.wall_seconds};
}

Outcome tune(const TuneOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto space = locus::tune::SearchSpace::load(o.space);
  try {
    locus::tune::check_moments_space(space);
  } catch (const locus::ConfigError& e) {
    throw locus::ConfigError(o.space + ": " + e.what());
  }
  // best.json is written at the end; check its directory before the long run
  if (!o.out.empty()) {
    const std::filesystem::path p(o.out);
    if (!std::filesystem::is_directory(p.has_parent_path() ? p.parent_path() : std::filesystem::path(".")))
      throw locus::OutputError("cannot write '" + o.out + "': its directory does not exist");
  }
  const auto map = column_map(o.common);
  const auto cat = locus::io::read_catalog(o.in, read_options(o.common, map));
  const auto ts = locus::pipeline::make_training_set(cat, map, o.prefix, o.validation, o.split_seed, "'" + o.in + "'");
  if (!o.journal.empty()) {
    // under mpirun rank 0 marks a new journal first; the others then check it
    const auto identity = run_identity(o, space, ts);
    std::exception_ptr error;
    auto check = [&] {
      try {
        check_journal(o.journal, identity);
      } catch (...) {
        error = std::current_exception();
      }
    };
    if (mpi::world().rank == 0) check();
    mpi::agree(error);
    if (mpi::world().rank != 0) check();
    mpi::agree(error);
  }
  if (auto log = logger(o.common); log && o.method == "bo" && o.parallel < std::size_t(mpi::world().size))
    log(format("locus tune: --parallel %zu trials per batch keeps only %zu of the %d ranks busy; give --parallel %d or more",
               o.parallel, o.parallel, mpi::world().size, mpi::world().size));

  // inputs standardised on the training stars, as MomentsModel does; targets in physical units
  locus::nn::StandardScaler scaler;
  scaler.fit(ts.train.x);
  const auto xt = scaler.transform(ts.train.x), xv = scaler.transform(ts.validation.x);
  const locus::nn::Data<float> train(xt, ts.train.mean), validation(xv, ts.validation.mean);
  locus::tune::MomentsObjectiveOptions mo;
  mo.learning_rate = o.learning_rate;
  mo.batch_size = o.batch;
  mo.epochs = o.epochs;
  mo.patience = o.patience;
  // one thread per training when trials run side by side
  mo.threads = o.method == "bo" && o.parallel == 1 ? o.common.threads : 1;
  locus::tune::MomentsObjective objective(train, validation, mo);
  if (auto log = logger(o.common))
    log(format("locus tune: %zu training + %zu validation stars of %zu rows; %zu-parameter space from %s",
               ts.train_rows.size(), ts.validation_rows.size(), ts.rows, space.size(), o.space.c_str()));

  Search s;
  if (o.method == "hyperband") s = run_hyperband(o, space, objective);
  else if (o.acquisition == "lcb") s = run_bo<locus::tune::LowerConfidenceBound>(o, space, objective);
  else s = run_bo<locus::tune::ExpectedImprovement>(o, space, objective);

  // what every rank trained (a world of one: this process)
  double trained[2] = {double(objective.epochs()), double(objective.diverged())};
  if (const auto share = mpi::tune_share(); !share.whole()) share.exchange(trained, nullptr);
  const auto epochs = static_cast<std::size_t>(trained[0]), diverged = static_cast<std::size_t>(trained[1]);
  const auto board = locus::tune::make_leaderboard(s.history, o.top);
  if (board.empty() || !std::isfinite(board.front().loss))
    throw locus::Error("tune: no trial reached a finite validation loss (every training diverged); try a smaller learning rate");
  const auto& best = board.front();
  const std::size_t replayed = s.history.size() - std::min(s.history.size(), s.evaluations_run);
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : locus::tune::moments_layers(best.config, 2 * locus::bayes::n_params))
    layers.push_back({{"units", l.units}, {"activation", l.activation}});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const nlohmann::json best_json = {
      {"method", o.method},
      {"loss", best.loss},
      {"configuration", best.config.to_json()},
      {"layers", layers},
      {"learning_rate", best.config.contains("learning_rate") ? best.config.get_float("learning_rate") : o.learning_rate},
      {"batch_size", best.config.contains("batch_size") ? best.config.get_int("batch_size") : std::int64_t(o.batch)},
      {"trial", best.trial},
      {"epochs", o.method == "hyperband" ? best.budget : double(o.epochs)},
      {"input", o.in},
      {"space", space.to_json()}};
  if (!o.out.empty() && mpi::world().rank == 0) locus::io::write_file_atomically(o.out, best_json.dump(2) + "\n");

  Outcome out;
  out.summary = {{"command", "tune"},
                 {"input", o.in},
                 {"method", o.method},
                 {"train_rows", ts.train_rows.size()},
                 {"validation_rows", ts.validation_rows.size()},
                 {"best", best_json},
                 {"leaderboard", leaderboard_json(board)},
                 {"models", s.models},
                 {"evaluations", s.history.size()},
                 {"evaluations_run", s.evaluations_run},
                 {"evaluations_from_journal", replayed},
                 {"epochs_trained", epochs},
                 {"diverged", diverged},
                 {"tuner_seconds", s.wall_seconds},
                 {"seconds", secs}};
  if (!o.journal.empty()) out.summary["journal"] = o.journal;
  if (!o.out.empty()) out.summary["out"] = o.out;
  const std::string how = o.method == "hyperband"
                              ? format("hyperband, R = %g epochs, eta = %g", o.max_epochs, o.eta)
                              : format("bayesian optimisation (%s), %zu trials of up to %zu epochs, patience %zu",
                                       o.acquisition.c_str(), o.trials, o.epochs, o.patience);
  out.text = format("locus tune (%s): %zu training + %zu validation stars\n", how.c_str(), ts.train_rows.size(),
                    ts.validation_rows.size()) +
             format("  models trained: %zu (evaluations: %zu run here, %zu from the journal; %zu epochs; %zu diverged); "
                    "wall time %.1f s\n",
                    s.models, s.evaluations_run, replayed, epochs, diverged, secs) +
             format("  best: validation loss %.6g (trial %llu%s)\n    %s\n", best.loss,
                    static_cast<unsigned long long>(best.trial),
                    o.method == "hyperband" ? format(", %g epochs", best.budget).c_str() : "",
                    best.config.to_string().c_str()) +
             "leaderboard:\n" + locus::tune::format_leaderboard(board) + (o.out.empty() ? "" : "  wrote " + o.out + "\n");
  return out;
}

}  // namespace

void add_tune(CLI::App& app, Selected& selected) {
  auto o = std::make_shared<TuneOptions>();
  auto* sub = app.add_subcommand("tune", "Search the moments network's architecture (Hyperband or Bayesian optimisation) "
                                         "on a catalogue labelled by `locus posterior`");
  sub->add_option("input", o->in, "Catalogue with the star columns and the posterior's bayes_* columns")->required();
  sub->add_option("--space", o->space, "Search space, a JSON file (docs/tuning.md, \"Search spaces as JSON\")")->required();
  sub->add_option("--method", o->method, "hyperband or bo (Bayesian optimisation)")
      ->check(CLI::IsMember({"hyperband", "bo"}))
      ->capture_default_str();
  sub->add_option("--out", o->out, "Write the best configuration, its layers and loss to this JSON file");
  sub->add_option("--journal", o->journal, "Append every finished trial here; rerunning the same command resumes after an interruption");
  sub->add_option("--validation", o->validation, "Share of the labelled stars kept for validation (the loss)")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  sub->add_option("--split-seed", o->split_seed, "Seed of the training/validation split (as in `locus train`)")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of the search (sampling, suggestions, initial weights)")->capture_default_str();
  sub->add_option("--labels", o->prefix, "Prefix of the posterior columns")->capture_default_str();
  sub->add_option("--learning-rate", o->learning_rate, "Adam's learning rate when the space has no learning_rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--batch", o->batch, "Mini-batch size when the space has no batch_size")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--top", o->top, "Rows of the leaderboard")->check(CLI::PositiveNumber)->capture_default_str();
  auto* hb = sub->add_option_group("hyperband", "--method hyperband (budget = epochs)");
  hb->add_option("--max-epochs", o->max_epochs, "R: the most epochs one configuration gets")->check(CLI::Range(1.0, 1e9))->capture_default_str();
  hb->add_option("--eta", o->eta, "Elimination rate: each rung keeps 1/eta of its trials")->check(CLI::Range(1.01, 1e9))->capture_default_str();
  hb->add_option("--iterations", o->iterations, "Hyperband iterations (each runs every bracket)")->check(CLI::PositiveNumber)->capture_default_str();
  auto* bo = sub->add_option_group("bo", "--method bo (every trial trained fully, with early stopping)");
  bo->add_option("--trials", o->trials, "Trials in total (a resumed run counts the journal's)")->check(CLI::PositiveNumber)->capture_default_str();
  bo->add_option("--epochs", o->epochs, "At most this many epochs per trial")->check(CLI::PositiveNumber)->capture_default_str();
  bo->add_option("--patience", o->patience, "Early stopping after this many epochs without improvement (0: never)")->capture_default_str();
  bo->add_option("--initial", o->initial, "Latin-hypercube trials before the Gaussian process leads")->capture_default_str();
  bo->add_option("--acquisition", o->acquisition, "ei (expected improvement) or lcb (mu - 2.6 sigma)")
      ->check(CLI::IsMember({"ei", "lcb"}))
      ->capture_default_str();
  bo->add_option("--parallel", o->parallel, "Trials trained at once (constant liar)")->check(CLI::PositiveNumber)->capture_default_str();
  add_common(*sub, o->common, true);
  sub->callback([o, &selected] {
    selected.common = &o->common;
    selected.splits = true;
    selected.run = [o] { return tune(*o); };
  });
}

}  // namespace locus_cli
