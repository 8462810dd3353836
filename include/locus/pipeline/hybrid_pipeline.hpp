#pragma once
// HybridPipeline: paper 000's hybrid photo-D run as a library.
//
//   1. sample    choose the stars the Bayesian posterior labels (random, or stratified in r);
//   2. posterior run the grid (or MCMC) posterior on them;
//   3. train     train the moments network and the σ_B network on their labels;
//   4. predict   run the networks on every star (σ_total = √(σ_NN² + σ_B²)), streaming;
//   5. evaluate  residual tables against the truth (when the catalogue has it) and against
//                Bayes on the labelled stars training never saw.
//
// With a run directory every stage leaves a record; a rerun with the same options resumes after
// the last finished stage, and a changed option redoes that stage and the ones after it
// (RunRecord). Results are deterministic for a seed, whatever the thread count.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/bayes/star.hpp"
#include "locus/bayes/summary.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/interrupt.hpp"
#include "locus/core/parallel_for.hpp"
#include "locus/core/progress.hpp"
#include "locus/io/atomic_file.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/nn/callbacks.hpp"
#include "locus/nn/moments_model.hpp"
#include "locus/pipeline/adapters.hpp"
#include "locus/pipeline/catalog_source.hpp"
#include "locus/pipeline/column_map.hpp"
#include "locus/pipeline/evaluation.hpp"
#include "locus/pipeline/posterior_engine.hpp"
#include "locus/pipeline/prior_source.hpp"
#include "locus/pipeline/run_record.hpp"
#include "locus/pipeline/sample_selection.hpp"
#include "locus/pipeline/streaming.hpp"
#include "locus/pipeline/training_set.hpp"

namespace locus::pipeline {

/* The pipeline's training recipe: paper 000's (nn::MomentsModelOptions) with a mini-batch of 256
   for both networks instead of 1024. With 1024, a 10,000-star training set gets 8 optimiser
   steps per epoch and stops at the epoch cap still improving; with 256 the network copies the
   posterior about twice as closely (σ_G(NN − Bayes) / σ_G(Bayes − truth) 0.25 instead of 0.44
   for Mr and [Fe/H], 3 seeds, docs/reproduction/paper-000/report.md) for ~25 % more training
   time. */
inline nn::MomentsModelOptions pipeline_training() {
  nn::MomentsModelOptions o;
  o.primary.batch_size = o.secondary.batch_size = 256;
  return o;
}

/* PipelineOptions
   columns: how the catalogue's columns map onto stars (defaults: the S82 file and mock patches).
   sample: stage 1. posterior, priors: stage 2. training: stage 3 (paper 000's networks and
   recipe with a mini-batch of 256, pipeline_training(); the seed is training.seed).
   block_rows: rows per streamed block (memory, not results). eval_max_rows: the all-rows
   statistics use a random subsample of at most this many rows (with 200,000 their median and
   σ_G carry a sampling error of about 0.3 % of σ, and the run record's residuals.csv stays
   small). keep_predictions: without an output file, return the predictions catalogue in memory (false: compute the
   evaluation only). write: how the predictions file is written. threads: 0 = all cores.
   log: where stage messages go (nothing when empty). progress: progress bars. */
struct PipelineOptions {
  ColumnMap columns{};
  SampleOptions sample{};
  PosteriorOptions posterior{};
  PriorSource priors{};
  nn::MomentsModelOptions training = pipeline_training();
  std::size_t block_rows = 1 << 16;
  std::size_t eval_max_rows = 200000;
  std::vector<double> r_edges = even_edges(14, 28, 14);
  bool keep_predictions = true;
  io::CatalogWriteOptions write{{"locus pipeline: predictions of paper 000's networks"}};
  std::size_t threads = 0;
  std::function<void(const std::string&)> log{};
  Progress::Show progress = Progress::Show::never;
};

// One stage's wall time, and whether it was taken from the run record.
struct StageTime {
  std::string stage;
  double seconds = 0;
  bool resumed = false;
};

/* PipelineResult: what a run produced. summaries[k] (and diagnostics[k], MCMC only) belong to
   selection.rows[k]. output: the predictions file (empty when written to memory: catalog).
   posterior_us_per_star: the posterior's measured cost on the sample, for the route advice. */
struct PipelineResult {
  std::size_t rows = 0, eligible = 0;
  Selection selection;
  std::vector<bayes::Summary> summaries;
  std::vector<bayes::McmcDiagnostics> diagnostics;
  nn::MomentsModel model;
  std::size_t trained_on = 0, validated_on = 0;
  Evaluation evaluation;
  ResidualSample residuals;
  std::vector<StageTime> stages;
  std::filesystem::path output;
  std::shared_ptr<io::Catalog> catalog;
  double posterior_us_per_star = 0;

  double seconds(std::string_view stage) const {
    for (const auto& s : stages)
      if (s.stage == stage) return s.seconds;
    return 0;
  }
  double total_seconds() const {
    double t = 0;
    for (const auto& s : stages) t += s.seconds;
    return t;
  }
};

// The stages' names, in order (also the run record's file stems).
inline constexpr std::array<const char*, 5> pipeline_stages{"1-sample", "2-posterior", "3-train", "4-predict", "5-evaluate"};

// The files of a moments model saved under a prefix: the moments network and the σ_B network.
inline std::pair<std::string, std::string> model_files(const std::string& prefix) {
  return {prefix + ".moments.model", prefix + ".sigma_b.model"};
}

// The moments model saved under a prefix, with its σ_B network when it was trained with one: a
// σ_B file that is missing then, or from another training, is an error, never a silent σ_B of 0.
inline nn::MomentsModel load_model(const std::string& prefix) {
  const auto [pm, sm] = model_files(prefix);
  const bool with_sm = std::filesystem::exists(sm);
  auto m = nn::MomentsModel::load(pm, with_sm ? sm : "");
  if (!with_sm && m.expects_secondary())
    throw InputError("'" + sm + "' is missing: the moments network in '" + pm +
                     "' was saved with a sigma_B network, and predictions need both");
  return m;
}

namespace detail {
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
// Binary search of a sorted row list: position of `row` or npos.
inline std::size_t find_row(const std::vector<std::size_t>& rows, std::size_t row) {
  const auto it = std::lower_bound(rows.begin(), rows.end(), row);
  return it != rows.end() && *it == row ? static_cast<std::size_t>(it - rows.begin()) : static_cast<std::size_t>(-1);
}
inline nlohmann::json training_json(const nn::MomentsModelOptions& t) {
  nlohmann::json j{{"seed", t.seed},
          {"target_sigmas", t.target_sigmas},
          {"learning_rate", t.optimizer.learning_rate},
          {"plateau_factor", t.schedule.factor},
          {"plateau_patience", t.schedule.patience},
          {"epochs", t.primary.epochs},
          {"batch_size", t.primary.batch_size},
          {"patience", t.primary.patience},
          {"chunk_rows", t.primary.chunk_rows},
          {"runs", t.primary_runs},
          {"secondary_epochs", t.secondary.epochs},
          {"secondary_batch_size", t.secondary.batch_size},
          {"secondary_patience", t.secondary.patience},
          {"secondary_runs", t.secondary_runs},
          {"scale_inputs", t.scale_inputs}};
  // only when set, so the paper's layers keep the run records made before this option
  for (const auto& l : t.hidden) j["hidden"].push_back({l.units, l.activation});
  return j;
}
inline nlohmann::json columns_json(const ColumnMap& m) {
  return {{"r", m.r},           {"r_err", m.r_err}, {"colour", m.colour}, {"error", m.error},
          {"ar_sfd", m.ar_sfd}, {"truth", m.truth}, {"sentinel", m.missing_sentinel}};
}
// A summary catalogue of the labelled stars: row, role, the star's columns and the posterior.
inline io::Catalog sample_catalog(const Selection& sel, std::span<const bayes::Star> stars,
                                  std::span<const bayes::Summary> sums, std::span<const bayes::McmcDiagnostics> diag) {
  io::Catalog c(sel.rows.size());
  auto row = c.add_column<double>("row");
  auto role = c.add_column<double>("role");
  for (std::size_t k = 0; k < sel.rows.size(); ++k) row[k] = static_cast<double>(sel.rows[k]), role[k] = static_cast<double>(sel.roles[k]);
  auto r = c.add_column<double>("r"), re = c.add_column<double>("r_err"), ar = c.add_column<double>("ar_sfd");
  std::array<std::span<double>, bayes::n_colours> col, err;
  for (std::size_t j = 0; j < bayes::n_colours; ++j) {
    col[j] = c.add_column<double>(std::string(bayes::colour_names[j]));
    err[j] = c.add_column<double>(std::string(bayes::colour_names[j]) + "_err");
  }
  for (std::size_t k = 0; k < stars.size(); ++k) {
    r[k] = stars[k].r, re[k] = stars[k].r_err, ar[k] = stars[k].ar_sfd;
    for (std::size_t j = 0; j < bayes::n_colours; ++j) col[j][k] = stars[k].colour[j], err[j][k] = stars[k].error[j];
  }
  append_summaries(c, sums);
  if (!diag.empty()) append_diagnostics(c, diag);
  return c;
}
// A CSV file of the run record read back exactly: NaN (a failed fit, an undefined τ) is a value
// there, not a missing input to flag in the status.
inline io::Catalog read_record_file(const std::filesystem::path& path) {
  io::CsvReadOptions o;
  o.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
  return io::read_csv(path, o);
}
inline std::vector<bayes::Star> stars_of_sample(const io::Catalog& c) {
  ColumnMap m;
  m.r = "r", m.r_err = "r_err", m.ar_sfd = "ar_sfd";
  for (std::size_t j = 0; j < bayes::n_colours; ++j) m.colour[j] = std::string(bayes::colour_names[j]), m.error[j] = m.colour[j] + "_err";
  return read_stars(c, m);
}
}  // namespace detail

// HybridPipeline
//
// Specification: run(input, output, record_dir) runs the five stages on `input`.
// - output: the predictions catalogue (CSV or FITS by extension): every input column, then
//   nn_{Mr,Ar,FeH} with _sigma (σ_total), _sigma_nn, _sigma_b, then the posterior columns
//   bayes_* for the labelled stars (NaN elsewhere) and sample_role (0 none, 1 training,
//   2 validation, 3 check); the status column ORs every flag. Empty output: the predictions
//   catalogue is returned in memory (PipelineResult::catalog). Rows are never dropped: a row
//   the networks cannot take (a missing input) gets NaN predictions and status no_fit.
// - record_dir: empty for no record; otherwise stages resume as RunRecord describes (stage 4
//   always runs when its predictions go to memory, which the record does not keep).
// - Throws InputError/ConfigError for bad input or options (before any output appears),
//   Interrupted when interrupt::request() was called; outputs are atomic.
class HybridPipeline {
 public:
  explicit HybridPipeline(PipelineOptions options) : o_(std::move(options)) {
    if (o_.block_rows == 0) throw ConfigError("pipeline: block_rows must be positive");
    if (o_.eval_max_rows == 0) throw ConfigError("pipeline: eval_max_rows must be positive");
    if (o_.training.target_sigmas.size() != bayes::n_params)
      throw ConfigError("pipeline: training.target_sigmas needs 3 values (Mr, Ar, [Fe/H])");
  }
  const PipelineOptions& options() const { return o_; }

  PipelineResult run(const CatalogSource& input, const std::filesystem::path& output = {},
                     const std::filesystem::path& record_dir = {}) const {
    PipelineResult res;
    if (!output.empty()) io::CatalogWriter::check_target(output);  // fail early on a bad output path, creating nothing
    std::optional<RunRecord> rec;
    if (!record_dir.empty()) rec.emplace(record_dir);
    const std::size_t threads = o_.threads ? o_.threads : num_threads();

    // ---- 1. sample ----------------------------------------------------------------------
    nlohmann::json fp_json{{"input", input.identity()},
                           {"columns", detail::columns_json(o_.columns)},
                           {"sample",
                            {{"train", o_.sample.train},
                             {"check", o_.sample.check},
                             {"validation_fraction", o_.sample.validation_fraction},
                             {"sampling", to_string(o_.sample.sampling)},
                             {"stratum_width", o_.sample.stratum_width},
                             {"seed", o_.sample.seed}}},
                           {"ar_prior", {o_.posterior.grid.ar_prior.scale, o_.posterior.grid.ar_prior.offset}},
                           {"priors_need_r", priors_need_r()}};
    std::string fp = fingerprint(fp_json);
    stage(rec, 0, fp, res, [&] {
      res.selection = select(input, res.rows, res.eligible);
      log("1. sample: " + std::to_string(res.selection.rows.size()) + " of " + std::to_string(res.eligible) +
          " eligible stars (" + std::to_string(res.rows) + " rows): " + std::to_string(res.selection.count(Role::train)) +
          " training, " + std::to_string(res.selection.count(Role::validation)) + " validation, " +
          std::to_string(res.selection.count(Role::check)) + " check");
      if (!rec) return nlohmann::json::object();
      io::Catalog c(res.selection.rows.size());
      auto row = c.add_column<double>("row"), role = c.add_column<double>("role");
      for (std::size_t k = 0; k < c.rows(); ++k)
        row[k] = static_cast<double>(res.selection.rows[k]), role[k] = static_cast<double>(res.selection.roles[k]);
      const auto file = rec->file("sample.csv");
      io::write_catalog(c, file);
      return nlohmann::json{{"rows", res.rows}, {"eligible", res.eligible}, {"files", {file.string()}}};
    }, [&](const nlohmann::json& j) {
      res.rows = j.at("rows"), res.eligible = j.at("eligible");
      const auto c = detail::read_record_file(rec->file("sample.csv"));
      const auto row = c.to_double("row"), role = c.to_double("role");
      for (std::size_t k = 0; k < c.rows(); ++k)
        res.selection.rows.push_back(static_cast<std::size_t>(row[k])),
            res.selection.roles.push_back(static_cast<Role>(static_cast<int>(role[k])));
      log("1. sample: resumed (" + std::to_string(res.selection.rows.size()) + " stars)");
    });
    if (res.selection.count(Role::train) < 2 || res.selection.count(Role::validation) < 1)
      throw InputError("pipeline: " + input.describe() + " has only " + std::to_string(res.eligible) +
                       " stars with complete photometry; training needs at least 3");

    // ---- 2. posterior ---------------------------------------------------------------------
    fp_json = {{"previous", fp}, {"posterior", to_json(o_.posterior)}, {"priors", to_json(o_.priors)}};
    fp = fingerprint(fp_json);
    std::vector<bayes::Star> stars;
    stage(rec, 1, fp, res, [&] {
      const auto t0 = std::chrono::steady_clock::now();
      stars = extract(input, res.selection);
      auto priors = load_priors(o_.priors, &input, o_.columns, o_.block_rows, o_.threads, o_.progress);
      const double t_prior = detail::seconds_since(t0);
      const PosteriorEngine engine(bayes::LocusModel::builtin(), std::move(priors), o_.posterior);
      const auto t1 = std::chrono::steady_clock::now();
      res.summaries = fit_blocks(engine, stars, threads, &res.diagnostics, "posterior");
      const double t_fit = detail::seconds_since(t1);
      res.posterior_us_per_star = t_fit / static_cast<double>(std::max<std::size_t>(1, stars.size())) * 1e6;
      std::size_t bad = 0;
      for (const auto& s : res.summaries) bad += !s.ok();
      log("2. posterior (" + std::string(to_string(o_.posterior.engine)) + ", priors " + to_string(o_.priors.kind) + " " +
          fmt(t_prior, 2) + " s): " + std::to_string(stars.size()) + " stars in " + fmt(t_fit, 2) + " s (" +
          fmt(res.posterior_us_per_star, 1) + " µs/star), " + std::to_string(bad) + " without a fit");
      if (!rec) return nlohmann::json::object();
      const auto file = rec->file("posterior.csv");
      io::write_catalog(detail::sample_catalog(res.selection, stars, res.summaries, res.diagnostics), file);
      nlohmann::json info{{"us_per_star", res.posterior_us_per_star}, {"files", {file.string()}}};
      if (o_.priors.kind == PriorSource::Kind::kde) {
        const auto pf = rec->file("priors.csv");
        io::write_file_atomically(pf, engine.priors().to_csv());
        info["files"].push_back(pf.string());
      }
      return info;
    }, [&](const nlohmann::json& j) {
      const auto c = detail::read_record_file(rec->file("posterior.csv"));
      stars = detail::stars_of_sample(c);
      res.summaries = read_summaries(c);
      if (c.has_column("bayes_acceptance")) {
        const auto acc = c.to_double("bayes_acceptance");
        res.diagnostics.resize(c.rows());
        for (std::size_t k = 0; k < c.rows(); ++k) {
          res.diagnostics[k].acceptance = acc[k];
          for (const auto p : bayes::all_params) res.diagnostics[k].tau[bayes::index(p)] = c.value("bayes_tau_" + std::string(bayes::name(p)), k);
        }
      }
      res.posterior_us_per_star = j.value("us_per_star", 0.0);
      log("2. posterior: resumed (" + std::to_string(stars.size()) + " stars)");
    });

    // ---- 3. train ---------------------------------------------------------------------------
    fp = fingerprint({{"previous", fp}, {"training", detail::training_json(o_.training)}});
    stage(rec, 2, fp, res, [&] {
      train(res, stars, threads);
      if (!rec) return nlohmann::json::object();
      const auto [pm, sm] = model_files(rec->file("model").string());
      res.model.save(pm, sm);
      return nlohmann::json{{"trained_on", res.trained_on}, {"validated_on", res.validated_on},
                            {"best_loss", res.model.primary_history().best_loss}, {"files", {pm, sm}}};
    }, [&](const nlohmann::json& j) {
      res.model = load_model(rec->file("model").string());
      res.trained_on = j.at("trained_on"), res.validated_on = j.at("validated_on");
      log("3. train: resumed (model files in " + rec->dir().string() + ")");
    });

    // ---- 4. predict ---------------------------------------------------------------------------
    const std::filesystem::path& out_path = output;
    fp = fingerprint({{"previous", fp},
                      {"output", out_path.empty() ? std::string() : std::filesystem::absolute(out_path).lexically_normal().string()},
                      {"digits", o_.write.significant_digits},
                      {"eval_max_rows", o_.eval_max_rows}});
    // predictions kept in memory are not in the record: predict again to return them
    if (rec && out_path.empty() && o_.keep_predictions) rec->forget(pipeline_stages[3]);
    stage(rec, 3, fp, res, [&] {
      predict(input, out_path, res, threads);
      if (!rec) return nlohmann::json::object();
      const auto rf = rec->file("residuals.csv");
      io::write_catalog(to_catalog(res.residuals), rf);
      nlohmann::json files{rf.string()};
      if (!out_path.empty()) files.push_back(out_path.string());
      return nlohmann::json{{"output", out_path.string()}, {"files", files}};
    }, [&](const nlohmann::json&) {
      res.residuals = residual_sample_from(detail::read_record_file(rec->file("residuals.csv")));
      log("4. predict: resumed" + (out_path.empty() ? std::string() : " (" + out_path.string() + ")"));
    });
    res.output = out_path;

    // ---- 5. evaluate ---------------------------------------------------------------------------
    fp = fingerprint({{"previous", fp}, {"r_edges", o_.r_edges}});
    stage(rec, 4, fp, res, [&] {
      res.evaluation = evaluate(res.residuals, o_.r_edges);
      log("5. evaluate: residuals of " + std::to_string(res.evaluation.rows) + " rows and " +
          std::to_string(res.evaluation.check_rows) + " check stars");
      if (!rec) return nlohmann::json::object();
      const auto ef = rec->file("evaluation.json");
      io::write_file_atomically(ef, to_json(res.evaluation).dump(2) + "\n");
      return nlohmann::json{{"files", {ef.string()}}};
    }, [&](const nlohmann::json&) {
      res.evaluation = evaluate(res.residuals, o_.r_edges);
      log("5. evaluate: resumed");
    });
    return res;
  }

  // ---- the stages, usable one by one -------------------------------------------------------

  // Stage 1: one streaming pass; rows are eligible when the posterior can fit them and the
  // networks can take them.
  Selection select(const CatalogSource& input, std::size_t& rows, std::size_t& eligible) const {
    SampleSelector sel(o_.sample);
    const bool need_r = priors_need_r();
    io::Catalog added;  // stage 4's columns: refused in the input now rather than after training
    append_predictions(added, detail::no_predictions());
    append_summaries(added, {});
    added.add_column<float>("sample_role");
    input.for_each_block(o_.block_rows, [&](const io::Catalog& block, std::size_t first) {
      if (first == 0) detail::check_new_columns(input.describe(), block, added);
      const auto stars = read_stars(block, o_.columns);
      for (std::size_t i = 0; i < stars.size(); ++i) {
        const bool ok = bayes::fit_blockers(stars[i], o_.posterior.grid.ar_prior, need_r) == 0 && network_ready(stars[i]);
        sel.add(first + i, stars[i].r, ok);
      }
    }, "sample", o_.progress);
    rows = sel.rows_seen();
    eligible = sel.rows_eligible();
    return sel.finish();
  }

  // Stage 2's input: the stars of the selected rows.
  std::vector<bayes::Star> extract(const CatalogSource& input, const Selection& sel) const {
    std::vector<bayes::Star> stars(sel.rows.size());
    input.for_each_block(o_.block_rows, [&](const io::Catalog& block, std::size_t first) {
      std::vector<std::size_t> local, where;
      for (std::size_t i = 0; i < block.rows(); ++i)
        if (const std::size_t k = detail::find_row(sel.rows, first + i); k != static_cast<std::size_t>(-1))
          local.push_back(i), where.push_back(k);
      if (local.empty()) return;
      const auto s = read_stars(block, o_.columns, local);
      for (std::size_t j = 0; j < local.size(); ++j) stars[where[j]] = s[j];
    }, "labelled stars", o_.progress);
    return stars;
  }

  // Posterior of many stars in blocks (progress and Ctrl-C between blocks).
  std::vector<bayes::Summary> fit_blocks(const PosteriorEngine& engine, std::span<const bayes::Star> stars, std::size_t threads,
                                         std::vector<bayes::McmcDiagnostics>* diag, const std::string& label) const {
    std::vector<bayes::Summary> out;
    out.reserve(stars.size());
    if (diag) diag->clear();
    const std::size_t block = o_.posterior.engine == Engine::grid ? 16384 : 512;
    Progress progress(stars.size(), label, o_.progress);
    std::vector<bayes::McmcDiagnostics> d;
    for (std::size_t b = 0; b < stars.size(); b += block) {
      interrupt::check(label);
      const std::size_t e = std::min(stars.size(), b + block);
      const auto s = engine.fit(stars.subspan(b, e - b), b, threads, diag ? &d : nullptr);
      out.insert(out.end(), s.begin(), s.end());
      if (diag) diag->insert(diag->end(), d.begin(), d.end());
      progress.advance(e - b);
    }
    return out;
  }

  // Stage 3: the moments and σ_B networks on the labelled training/validation stars.
  void train(PipelineResult& res, std::span<const bayes::Star> stars, std::size_t threads) const {
    std::vector<std::size_t> tr, va;
    for (std::size_t k = 0; k < res.selection.rows.size(); ++k) {
      if (!labelled(res.summaries[k])) continue;
      if (res.selection.roles[k] == Role::train) tr.push_back(k);
      else if (res.selection.roles[k] == Role::validation) va.push_back(k);
    }
    if (tr.size() < 2 || va.empty())
      throw InputError("pipeline: the posterior fitted only " + std::to_string(tr.size()) + " training and " +
                       std::to_string(va.size()) + " validation stars; training needs at least 2 and 1");
    const auto t0 = std::chrono::steady_clock::now();
    res.model = fit_moments(training_matrices(stars, res.summaries, tr), training_matrices(stars, res.summaries, va),
                            o_.training, threads, o_.progress);
    const auto& mo = o_.training;
    res.trained_on = tr.size(), res.validated_on = va.size();
    log("3. train: moments network (" + std::to_string(mo.primary_runs) + " runs, best validation loss " +
        fmt(res.model.primary_history().best_loss, 4) + ", " + std::to_string(res.model.primary_history().epochs()) +
        " epochs) and σ_B network on " + std::to_string(tr.size()) + " + " + std::to_string(va.size()) + " stars: " +
        fmt(detail::seconds_since(t0), 1) + " s");
  }

  // Stage 4: networks on every row, streamed to `out` (or kept in memory when out is empty);
  // fills res.residuals for the evaluation.
  void predict(const CatalogSource& input, const std::filesystem::path& out, PipelineResult& res, std::size_t threads) const {
    std::optional<io::CatalogWriter> writer;
    std::vector<io::Catalog> kept;  // memory output
    if (!out.empty()) writer.emplace(out, o_.write);
    const auto& sel = res.selection;
    // rows of the all-rows subsample: key below the threshold that keeps ~eval_max_rows
    const double keep = std::min(1.0, static_cast<double>(o_.eval_max_rows) / static_cast<double>(std::max<std::size_t>(1, res.rows)));
    const auto threshold = keep >= 1.0 ? std::numeric_limits<std::uint64_t>::max()
                                       : static_cast<std::uint64_t>(keep * 18446744073709551615.0);
    ResidualSample& rs = res.residuals;
    rs = ResidualSample{};
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t n_rows = 0, n_nofit = 0;
    input.for_each_block(o_.block_rows, [&](const io::Catalog& in_block, std::size_t first) {
      io::Catalog block = in_block;
      const auto stars = read_stars(block, o_.columns);
      const auto truth = read_truth(block, o_.columns);
      const std::size_t n = block.rows();
      const auto [ready, pred] = predict_block(res.model, block, stars, threads);
      n_nofit += n - ready.size();
      // the posterior of the labelled rows, and each row's role
      std::vector<std::size_t> local, where;
      for (std::size_t i = 0; i < n; ++i)
        if (const std::size_t k = detail::find_row(sel.rows, first + i); k != static_cast<std::size_t>(-1))
          local.push_back(i), where.push_back(k);
      std::vector<bayes::Summary> sums;
      for (auto k : where) sums.push_back(res.summaries[k]);
      append_summaries(block, sums, "bayes_", local);
      auto role = block.add_column<float>("sample_role", 0.0f);
      for (std::size_t j = 0; j < local.size(); ++j) role[local[j]] = static_cast<float>(sel.roles[where[j]]);
      // the evaluation's rows
      std::vector<std::size_t> pos(n, static_cast<std::size_t>(-1));
      for (std::size_t j = 0; j < ready.size(); ++j) pos[ready[j]] = j;
      std::size_t w = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool check = w < local.size() && local[w] == i && sel.roles[where[w]] == Role::check;
        const bool all = detail::row_key(o_.sample.seed + 0x5eed, first + i) <= threshold;
        const std::size_t k = w < local.size() && local[w] == i ? where[w++] : static_cast<std::size_t>(-1);
        if (!check && !all) continue;
        rs.row.push_back(first + i);
        rs.role.push_back(k != static_cast<std::size_t>(-1) ? sel.roles[k] : Role::none);
        rs.in_all.push_back(static_cast<char>(all));
        rs.r.push_back(stars[i].r);
        for (std::size_t p = 0; p < bayes::n_params; ++p) {
          const bool have = pos[i] != static_cast<std::size_t>(-1);
          const double nan = std::numeric_limits<double>::quiet_NaN();
          rs.truth[p].push_back(truth(i, p));
          rs.nn[p].push_back(have ? pred.mu(pos[i], p) : nan);
          rs.sigma_total[p].push_back(have ? pred.sigma_total(pos[i], p) : nan);
          rs.sigma_nn[p].push_back(have ? pred.sigma_nn(pos[i], p) : nan);
          rs.sigma_b[p].push_back(have ? pred.sigma_b(pos[i], p) : nan);
          rs.bayes_mean[p].push_back(k != static_cast<std::size_t>(-1) ? res.summaries[k].mean[p] : nan);
          rs.bayes_sigma[p].push_back(k != static_cast<std::size_t>(-1) ? res.summaries[k].sigma[p] : nan);
        }
      }
      n_rows += n;
      if (writer) writer->write(block);
      else if (o_.keep_predictions) kept.push_back(std::move(block));
    }, "predict", o_.progress);
    interrupt::check("predict");
    if (writer) writer->commit();
    else if (o_.keep_predictions) res.catalog = std::make_shared<io::Catalog>(concatenate(kept));
    log("4. predict: networks on " + std::to_string(n_rows) + " rows in " + fmt(detail::seconds_since(t0), 2) + " s" +
        (n_nofit ? " (" + std::to_string(n_nofit) + " without complete inputs, flagged no_fit)" : std::string()) +
        (out.empty() ? std::string() : "; wrote " + out.string()));
  }

  // Rows of several catalogues with the same columns, one after the other.
  static io::Catalog concatenate(const std::vector<io::Catalog>& parts) {
    std::size_t n = 0;
    for (const auto& p : parts) n += p.rows();
    io::Catalog out(n);
    if (parts.empty()) return out;
    const auto& first = parts.front();
    for (std::size_t j = 0; j < first.columns(); ++j)
      first.visit_column(j, [&](auto s0) {
        using T = typename decltype(s0)::value_type;
        std::vector<T> v;
        v.reserve(n);
        for (const auto& p : parts) {
          const auto s = p.template column<T>(j);
          v.insert(v.end(), s.begin(), s.end());
        }
        out.add_column<T>(first.name(j), std::move(v));
      });
    if (first.has_ids()) {
      std::vector<std::string> ids;
      for (const auto& p : parts) ids.insert(ids.end(), p.ids().begin(), p.ids().end());
      out.set_ids(std::move(ids), first.id_name());
    }
    std::size_t k = 0;
    for (const auto& p : parts)
      for (auto s : p.status()) out.status()[k++] = s;
    return out;
  }

 private:
  bool priors_need_r() const { return o_.priors.needs_r(); }
  void log(const std::string& s) const {
    if (o_.log) o_.log(s);
  }
  static std::string fmt(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
  }
  // Runs stage k (or resumes it from the record) and records its time.
  template <class Run, class Resume>
  void stage(std::optional<RunRecord>& rec, std::size_t k, const std::string& fp, PipelineResult& res, Run&& run,
             Resume&& resume) const {
    const std::string name = pipeline_stages[k];
    if (rec) {
      if (const auto j = rec->done(name, fp); !j.is_null()) {
        resume(j);
        res.stages.push_back({name, j.value("seconds", 0.0), true});
        return;
      }
      for (std::size_t later = k; later < pipeline_stages.size(); ++later) rec->forget(pipeline_stages[later]);
    }
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json info = run();
    const double secs = detail::seconds_since(t0);
    if (rec) rec->mark_done(name, fp, secs, std::move(info));
    res.stages.push_back({name, secs, false});
  }

  PipelineOptions o_;
};

}  // namespace locus::pipeline
