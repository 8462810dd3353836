#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "locus/core/interrupt.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/pipeline/hybrid_pipeline.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"
#include "../support/pipeline.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::same_summary;
using locus::test::same_value;
using locus::test::same_vector;
using locus::test::TempDir;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr double patch_area = 0.05;  // about 2,200 rows
constexpr std::size_t n_train = 150, n_check = 50;
#else
constexpr double patch_area = 0.2;  // about 8,800 rows
constexpr std::size_t n_train = 300, n_check = 100;
#endif

// The mock patch with two rows the pipeline cannot use: row 5 has no u−g (flagged
// missing_value, as a file reader flags it), row 10 the −99 sentinel as r.
std::shared_ptr<const io::Catalog> mock() {
  static const auto cat = [] {
    auto c = std::make_shared<io::Catalog>(*test::small_patch(patch_area, 7));
    c->column<double>("ug")[5] = std::numeric_limits<double>::quiet_NaN();
    c->flag(5, io::status::missing_value);
    c->column<double>("rmag")[10] = -99;
    return std::shared_ptr<const io::Catalog>(c);
  }();
  return cat;
}
CatalogSource mock_source() { return CatalogSource::memory(mock(), "mock patch, seed 7, two bad rows"); }

#if defined(__SANITIZE_ADDRESS__)
// The KDE of the patch is slow under the sanitizers: its maps, made once, then read from a file.
const std::string& kde_prior_file() {
  static const TempDir dir("hybrid_priors");
  static const std::string path = [] {
    const auto src = mock_source();
    io::write_file_atomically(dir / "kde.csv", load_priors(PriorSource::parse("kde"), &src).to_csv());
    return (dir / "kde.csv").string();
  }();
  return path;
}
#endif

PipelineOptions options(std::size_t threads = 1) {
  PipelineOptions o;
  o.sample.train = n_train;
  o.sample.check = n_check;
  o.sample.seed = 3;
  o.training = test::quick_training(12);
  o.block_rows = 1000;
  o.threads = threads;
#if defined(__SANITIZE_ADDRESS__)
  o.priors = PriorSource::parse(kde_prior_file());
#endif
  return o;
}

// Fixed inputs to compare models by their predictions: the first 300 complete rows.
const Matrix<float>& probe_inputs() {
  static const Matrix<float> x = [] {
    std::vector<bayes::Star> s;
    for (const auto& star : read_stars(*mock()))
      if (network_ready(star) && s.size() < 300) s.push_back(star);
    return network_inputs(s);
  }();
  return x;
}
std::size_t differing(const Matrix<float>& a, const Matrix<float>& b) {
  if (a.shape() != b.shape()) return a.size() + b.size();
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += !same_value(a.flat(i), b.flat(i));
  return n;
}
std::size_t differing_predictions(const nn::MomentsModel& a, const nn::MomentsModel& b) {
  const auto pa = a.predict(probe_inputs(), 1), pb = b.predict(probe_inputs(), 1);
  return differing(pa.mu, pb.mu) + differing(pa.sigma_nn, pb.sigma_nn) + differing(pa.sigma_b, pb.sigma_b) +
         differing(pa.sigma_total, pb.sigma_total);
}

// Two runs produced the same results: sample, posterior, model, residuals and evaluation.
void check_same_result(const PipelineResult& a, const PipelineResult& b) {
  CHECK(a.rows == b.rows);
  CHECK(a.eligible == b.eligible);
  CHECK(a.selection.rows == b.selection.rows);
  CHECK(a.selection.roles == b.selection.roles);
  REQUIRE(a.summaries.size() == b.summaries.size());
  std::size_t bad = 0;
  for (std::size_t k = 0; k < a.summaries.size(); ++k) bad += !same_summary(a.summaries[k], b.summaries[k]);
  CHECK(bad == 0);
  bad = 0;
  REQUIRE(a.diagnostics.size() == b.diagnostics.size());
  for (std::size_t k = 0; k < a.diagnostics.size(); ++k) {
    bad += !same_value(a.diagnostics[k].acceptance, b.diagnostics[k].acceptance);
    for (std::size_t p = 0; p < 3; ++p) bad += !same_value(a.diagnostics[k].tau[p], b.diagnostics[k].tau[p]);
  }
  CHECK(bad == 0);
  CHECK(a.trained_on == b.trained_on);
  CHECK(a.validated_on == b.validated_on);
  CHECK(differing_predictions(a.model, b.model) == 0);
  const auto &ra = a.residuals, &rb = b.residuals;
  CHECK(ra.row == rb.row);
  CHECK(ra.role == rb.role);
  CHECK(ra.in_all == rb.in_all);
  bool same_res = same_vector(ra.r, rb.r);
  for (std::size_t p = 0; p < 3; ++p)
    same_res = same_res && same_vector(ra.truth[p], rb.truth[p]) && same_vector(ra.nn[p], rb.nn[p]) &&
               same_vector(ra.sigma_total[p], rb.sigma_total[p]) && same_vector(ra.sigma_nn[p], rb.sigma_nn[p]) &&
               same_vector(ra.sigma_b[p], rb.sigma_b[p]) && same_vector(ra.bayes_mean[p], rb.bayes_mean[p]) &&
               same_vector(ra.bayes_sigma[p], rb.bayes_sigma[p]);
  CHECK(same_res);
  CHECK(to_json(a.evaluation) == to_json(b.evaluation));
}

std::vector<bool> resumed(const PipelineResult& r) {
  std::vector<bool> v;
  for (const auto& s : r.stages) v.push_back(s.resumed);
  return v;
}
const std::vector<bool> all_run{false, false, false, false, false}, all_resumed{true, true, true, true, true};

// The reference run: in memory, one thread, no record (made once).
const PipelineResult& reference() {
  static const PipelineResult r = HybridPipeline(options(1)).run(mock_source());
  return r;
}

// The reference run's predictions file (made once).
const std::string& reference_output() {
  static const std::string text = [] {
    TempDir dir("hybrid");
    HybridPipeline(options(1)).run(mock_source(), dir / "pred.csv");
    return test::slurp(dir / "pred.csv");
  }();
  return text;
}

// Reads a predictions file back exactly (NaN is a value; nn_* and sample_role stay float).
io::Catalog read_output(const fs::path& path) {
  io::CatalogReadOptions o;
  io::CsvReader header(path);
  for (const auto& name : header.header()) {
    if (name == "status") continue;
    const bool f32 = name.rfind("nn_", 0) == 0 || name == "sample_role";
    o.columns.push_back(io::ColumnSpec(name, f32 ? io::ColumnType::f32 : io::ColumnType::f64).on_missing(io::Missing::ignore));
  }
  return io::read_catalog(path, o);
}

}  // namespace

TEST_CASE("hybrid_pipeline: the in-memory predictions catalogue has every input row, in order, and the documented columns") {
  const auto& res = reference();
  const auto& in = *mock();
  const std::size_t n = in.rows();
  CHECK(res.rows == n);
  CHECK(res.eligible == n - 2);
  REQUIRE(res.stages.size() == 5);
  for (std::size_t k = 0; k < 5; ++k) CHECK(res.stages[k].stage == pipeline_stages[k]);
  CHECK(resumed(res) == all_run);
  CHECK(res.output.empty());
  // the sample
  CHECK(res.selection.rows.size() == n_train + n_check);
  CHECK(res.selection.count(Role::check) == n_check);
  CHECK(res.selection.count(Role::validation) == static_cast<std::size_t>(std::llround(0.25 * n_train)));
  for (auto row : res.selection.rows) CHECK((row != 5 && row != 10));  // never the bad rows
  CHECK(res.trained_on + res.validated_on <= n_train);
  CHECK(res.trained_on >= res.selection.count(Role::train) - 5);  // nearly every posterior succeeds
  CHECK(res.posterior_us_per_star > 0);

  REQUIRE(res.catalog);
  const io::Catalog& out = *res.catalog;
  REQUIRE(out.rows() == n);
  std::vector<std::string> names = in.names();
  for (const auto p : bayes::all_params) {
    const std::string stem = "nn_" + std::string(bayes::name(p));
    names.insert(names.end(), {stem, stem + "_sigma", stem + "_sigma_nn", stem + "_sigma_b"});
  }
  for (const auto p : bayes::all_params)
    for (const auto stat : summary_stats) names.push_back(column_name("bayes_", p, stat));
  names.insert(names.end(), {"bayes_chi2_min", "bayes_prior_bin", "bayes_nodes", "sample_role"});
  CHECK(out.names() == names);
  for (const auto& name : in.names()) {
    INFO(name);
    CHECK(test::differing_rows(out, in, name) == 0);
  }
  // the networks on every complete row, equal to the model applied to all of them at once
  const auto stars = read_stars(in);
  std::vector<bayes::Star> ready;
  std::vector<std::size_t> ready_rows;
  for (std::size_t i = 0; i < n; ++i)
    if (network_ready(stars[i])) ready.push_back(stars[i]), ready_rows.push_back(i);
  CHECK(ready.size() == n - 2);
  const auto pred = res.model.predict(network_inputs(ready), 1);
  std::size_t bad = 0;
  for (std::size_t k = 0; k < ready.size(); ++k)
    for (const auto p : bayes::all_params) {
      const std::string P(bayes::name(p));
      bad += !same_value(out.column<float>("nn_" + P)[ready_rows[k]], pred.mu(k, bayes::index(p)));
      bad += !same_value(out.column<float>("nn_" + P + "_sigma")[ready_rows[k]], pred.sigma_total(k, bayes::index(p)));
    }
  CHECK(bad == 0);
  for (std::size_t i : {5, 10}) {
    CHECK((out.status(i) & io::status::no_fit) != 0);
    CHECK(std::isnan(out.value("nn_Mr", i)));
    CHECK(std::isnan(out.value("nn_FeH_sigma", i)));
    CHECK(out.value("sample_role", i) == 0);
  }
  CHECK(out.status(5) == (io::status::missing_value | io::status::no_fit));  // the input flag is kept
  // the posterior on the labelled rows, NaN elsewhere; sample_role
  std::size_t labelled = 0, wrong = 0;
  for (std::size_t i = 0, k = 0; i < n; ++i) {
    if (k < res.selection.rows.size() && res.selection.rows[k] == i) {
      const auto& s = res.summaries[k];
      wrong += !same_value(out.value("bayes_Mr_mean", i), s.mean[0]) + !same_value(out.value("bayes_FeH_q86", i), s.q86[2]) +
               !same_value(out.value("bayes_prior_bin", i), s.prior_bin);
      wrong += out.value("sample_role", i) != static_cast<double>(res.selection.roles[k]);
      wrong += (out.status(i) & s.status) != s.status;
      ++labelled, ++k;
    } else {
      wrong += !std::isnan(out.value("bayes_Mr_mean", i)) + (out.value("sample_role", i) != 0);
    }
  }
  CHECK(labelled == n_train + n_check);
  CHECK(wrong == 0);

  // the evaluation: every row in the all-rows sample (n < eval_max_rows), the truth is known,
  // and the Bayesian posterior recovers it (Bayes − truth on the check stars)
  const auto& e = res.evaluation;
  CHECK(e.has_truth);
  CHECK(e.rows == n);
  CHECK(e.check_rows == n_check);
  CHECK(e.table[0][0].n == n_check);
  CHECK(std::abs(e.table[0][0].median) < 0.15);  // Mr
  CHECK(e.table[0][0].sigma_g < 0.6);
  CHECK(std::abs(e.table[0][2].median) < 0.15);  // [Fe/H]
  CHECK(e.table[3][0].n == n - 2);               // NN − truth where the networks ran
}

TEST_CASE("hybrid_pipeline: deterministic for a seed, whatever the thread count and block size") {
  const auto& one = reference();
  auto o = options(2);
  o.block_rows = 777;
  const auto two = HybridPipeline(o).run(mock_source());
  check_same_result(one, two);
  REQUIRE(two.catalog);
  test::check_same_catalog(*two.catalog, *one.catalog);
  // a different training seed gives a different model (the comparison can fail)
  auto o3 = options(1);
  o3.training.seed = 43;
  const auto other = HybridPipeline(o3).run(mock_source());
  CHECK(other.selection.rows == one.selection.rows);
  CHECK(differing_predictions(other.model, one.model) > 0);
}

TEST_CASE("hybrid_pipeline: a file input gives the same result as the catalogue in memory") {
  TempDir dir("hybrid");
  io::write_catalog(*mock(), dir / "mock.csv");
  const auto res = HybridPipeline(options(1)).run(CatalogSource::file(dir / "mock.csv"));
  check_same_result(res, reference());
  REQUIRE(res.catalog);
  test::check_same_catalog(*res.catalog, *reference().catalog);
  // and a file output holds the same catalogue as the memory output
  const auto to_file = HybridPipeline(options(2)).run(CatalogSource::file(dir / "mock.csv"), dir / "pred.csv");
  CHECK(to_file.output == dir / "pred.csv");
  CHECK_FALSE(to_file.catalog);
  check_same_result(to_file, reference());
  test::check_same_catalog(read_output(dir / "pred.csv"), *reference().catalog);
  CHECK(test::temp_files_in(dir.path).empty());
}

TEST_CASE("hybrid_pipeline: a run record resumes finished stages and redoes what an option change affects") {
  // one record through a sequence of reruns (each a full run would be slow under sanitizers)
  TempDir dir("hybrid");
  const fs::path rec = dir / "run", out = dir / "pred.csv";
  const auto first = HybridPipeline(options(1)).run(mock_source(), out, rec);
  CHECK(resumed(first) == all_run);
  check_same_result(first, reference());
  for (const char* f : {"1-sample.json", "2-posterior.json", "3-train.json", "4-predict.json", "5-evaluate.json", "sample.csv",
                        "posterior.csv", "model.moments.model", "model.sigma_b.model", "residuals.csv", "evaluation.json"})
    CHECK_MESSAGE(fs::exists(rec / f), f);
  // KDE priors are recorded too (in photo-D's format, which loads back to the same maps)
  if (options().priors.kind == PriorSource::Kind::kde) {
    const auto src = mock_source();
    CHECK(test::slurp(rec / "priors.csv") == load_priors(PriorSource::parse("kde"), &src).to_csv());
  }
  const std::string output = test::slurp(out);
  auto rerun = [&](const PipelineOptions& o, const fs::path& to = {}) {
    return HybridPipeline(o).run(mock_source(), to.empty() ? out : to, rec);
  };
  {
    INFO("the same options: every stage resumed, the same result");
    std::vector<std::string> log;
    auto o = options(2);  // threads are not part of the record
    o.log = [&](const std::string& s) { log.push_back(s); };
    const auto again = rerun(o);
    CHECK(resumed(again) == all_resumed);
    check_same_result(again, first);
    CHECK(test::slurp(out) == output);
    REQUIRE(log.size() == 5);
    for (const auto& line : log) CHECK(mentions(line, "resumed"));
    CHECK(again.seconds("2-posterior") == first.seconds("2-posterior"));  // the recorded time
  }
  {
    INFO("a deleted model file: training and what follows redone, the same result");
    fs::remove(rec / "model.sigma_b.model");
    const auto again = rerun(options(1));
    CHECK(resumed(again) == std::vector<bool>{true, true, false, false, false});
    check_same_result(again, first);
    CHECK(test::slurp(out) == output);
  }
  {
    INFO("a deleted output: prediction and evaluation redone, the same file");
    fs::remove(out);
    const auto again = rerun(options(1));
    CHECK(resumed(again) == std::vector<bool>{true, true, true, false, false});
    check_same_result(again, first);
    CHECK(test::slurp(out) == output);
  }
  {
    INFO("a deleted posterior file: the posterior and what follows redone");
    fs::remove(rec / "posterior.csv");
    const auto again = rerun(options(1));
    CHECK(resumed(again) == std::vector<bool>{true, false, false, false, false});
    check_same_result(again, first);
  }
  {
    INFO("only the evaluation bins changed: only stage 5 redone");
    auto o = options(1);
    o.r_edges = {14, 20, 28};
    const auto changed = rerun(o);
    CHECK(resumed(changed) == std::vector<bool>{true, true, true, true, false});
    CHECK(changed.evaluation.by_r[0].size() == 2);
    CHECK(to_json(changed.evaluation.table[3][0]) == to_json(first.evaluation.table[3][0]));
  }
  {
    INFO("another output file: prediction redone into it");
    const auto again = rerun(options(1), dir / "other.csv");
    CHECK(resumed(again) == std::vector<bool>{true, true, true, false, false});
    CHECK(test::slurp(dir / "other.csv") == output);
  }
  {
    INFO("a training option changed: sample and posterior resumed, the rest redone");
    auto o = options(1);
    o.training.primary.epochs = 9;
    const auto changed = rerun(o);
    CHECK(resumed(changed) == std::vector<bool>{true, true, false, false, false});
    // equal to a fresh run with those options: the resumed labels are the computed ones
    const auto fresh = HybridPipeline(o).run(mock_source());
    check_same_result(changed, fresh);
    CHECK(differing_predictions(changed.model, first.model) > 0);
    CHECK(test::slurp(out) != output);
  }
  {
    INFO("the sample changed: everything redone");
    auto o = options(1);
    o.sample.seed = 4;
    const auto changed = rerun(o);
    CHECK(resumed(changed) == all_run);
    CHECK(changed.selection.rows != first.selection.rows);
  }
  {
    INFO("predictions in memory with a record: the catalogue is there on a rerun too");
    const auto mem = HybridPipeline(options(1)).run(mock_source(), {}, dir / "run_mem");
    REQUIRE(mem.catalog);
    const auto again = HybridPipeline(options(1)).run(mock_source(), {}, dir / "run_mem");
    CHECK(resumed(again) == std::vector<bool>{true, true, true, false, false});
    check_same_result(again, mem);
    REQUIRE(again.catalog);
    test::check_same_catalog(*again.catalog, *mem.catalog);
  }
}

TEST_CASE("hybrid_pipeline: a resumed posterior keeps failed fits exactly (NaN summaries are values, not missing input)") {
  // the S82 priors with the r = 21 bin zeroed: labelled stars there get prior_zero | no_fit
  TempDir dir("hybrid");
  std::ifstream in(std::string(LOCUS_DATA_DIR) + "/photod/s82/priors_s82_pix0.csv");
  std::ofstream priors(dir / "priors.csv");
  std::size_t zeroed = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("21,", 0) == 0) {
      line = line.substr(0, line.rfind(',')) + ",0";
      ++zeroed;
    }
    priors << line << "\n";
  }
  priors.close();
  REQUIRE(zeroed > 0);
  auto o = options(1);
  o.priors = PriorSource::parse((dir / "priors.csv").string());
  const auto first = HybridPipeline(o).run(mock_source(), {}, dir / "run");
  std::size_t failed = 0;
  for (const auto& s : first.summaries) failed += (s.status & io::status::prior_zero) != 0;
  CHECK(failed > 0);
  CHECK(first.trained_on + first.validated_on + failed <= n_train + n_check);
  const auto again = HybridPipeline(o).run(mock_source(), {}, dir / "run");
  CHECK(resumed(again) == std::vector<bool>{true, true, true, false, false});  // (in-memory output: predicted again)
  check_same_result(again, first);
  REQUIRE(again.catalog);
  test::check_same_catalog(*again.catalog, *first.catalog);
}

TEST_CASE("hybrid_pipeline: an interrupted run throws Interrupted, leaves no partial output, and resumes to the same result") {
  test::InterruptGuard guard;
  TempDir dir("hybrid");
  const fs::path rec = dir / "run", out = dir / "pred.csv";
  const std::string& want = reference_output();
  bool finished = false;

  SUBCASE("during training (stage 3)") {
    auto o = options(1);
    // the request arrives as stage 2 reports; training checks it at its first batch
    o.log = [](const std::string& s) {
      if (s.rfind("2. posterior", 0) == 0) interrupt::request();
    };
    const std::string msg = message_of<Interrupted>([&] { HybridPipeline(o).run(mock_source(), out, rec); });
    CHECK(mentions(msg, "training"));
    CHECK(fs::exists(rec / "2-posterior.json"));
    CHECK_FALSE(fs::exists(rec / "3-train.json"));
    CHECK_FALSE(fs::exists(rec / "model.moments.model"));
  }
  SUBCASE("during prediction (stage 4)") {
    auto o = options(1);
    o.log = [](const std::string& s) {
      if (s.rfind("3. train", 0) == 0) interrupt::request();
    };
    CHECK_THROWS_AS(HybridPipeline(o).run(mock_source(), out, rec), Interrupted);
    CHECK(fs::exists(rec / "3-train.json"));
    CHECK_FALSE(fs::exists(rec / "4-predict.json"));
  }
  SUBCASE("from another thread, at some point of the run") {
    // wherever it lands the run stops with Interrupted (or has finished); either way no
    // partial output, and the rerun below gives the uninterrupted result
    std::thread stopper([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      interrupt::request();
    });
    try {
      HybridPipeline(options(1)).run(mock_source(), out, rec);
      finished = true;
    } catch (const Interrupted&) {
    }
    stopper.join();
  }
  CHECK(interrupt::requested());
  CHECK(fs::exists(out) == finished);
  CHECK(test::temp_files_in(dir.path).empty());
  CHECK(test::temp_files_in(rec).empty());

  interrupt::clear();
  const bool sample_recorded = fs::exists(rec / "1-sample.json");  // (not if the thread's request came that early)
  const auto again = HybridPipeline(options(1)).run(mock_source(), out, rec);
  CHECK(again.stages.front().resumed == sample_recorded);
  check_same_result(again, reference());
  CHECK(test::slurp(out) == want);
}

TEST_CASE("hybrid_pipeline: MCMC posterior with a record: diagnostics resumed, thread count irrelevant") {
  TempDir dir("hybrid");
  auto o = options(2);
  o.posterior.engine = Engine::mcmc;
  o.posterior.mcmc.walkers = 4;
  o.posterior.mcmc.steps = 100;
  o.posterior.mcmc.burn_in = 30;
  o.posterior.seed = 9;
  const auto first = HybridPipeline(o).run(mock_source(), {}, dir / "run");
  REQUIRE(first.diagnostics.size() == first.summaries.size());
  CHECK(first.diagnostics[0].acceptance > 0);
  o.threads = 1;
  const auto again = HybridPipeline(o).run(mock_source(), {}, dir / "run");
  CHECK(again.stages[1].resumed);
  check_same_result(again, first);
  const auto fresh = HybridPipeline(o).run(mock_source());
  check_same_result(fresh, first);
  REQUIRE(fresh.catalog);
  CHECK(fresh.catalog->has_column("bayes_Mr_q50"));
}

TEST_CASE("hybrid_pipeline: bad options and inputs are reported before any output") {
  TempDir dir("hybrid");
  auto o = options(1);
  o.block_rows = 0;
  CHECK_THROWS_AS(HybridPipeline{o}, ConfigError);
  o = options(1);
  o.eval_max_rows = 0;
  CHECK_THROWS_AS(HybridPipeline{o}, ConfigError);
  o = options(1);
  o.training.target_sigmas = {0.1, 0.1};
  CHECK_THROWS_AS(HybridPipeline{o}, ConfigError);

  // a missing output directory: OutputError before the first stage
  std::size_t logged = 0;
  o = options(1);
  o.log = [&](const std::string&) { ++logged; };
  CHECK_THROWS_AS(HybridPipeline(o).run(mock_source(), dir / "no" / "pred.csv"), OutputError);
  CHECK(logged == 0);

  // too few usable stars
  auto tiny = std::make_shared<io::Catalog>(io::slice(*mock(), 0, 2));
  const std::string msg =
      message_of<InputError>([&] { HybridPipeline(options(1)).run(CatalogSource::memory(tiny, "two rows")); });
  CHECK(mentions(msg, "two rows"));
  CHECK(mentions(msg, "at least 3"));

  // KDE priors need the truth columns
  auto no_truth = std::make_shared<io::Catalog>(*mock());
  no_truth->remove_column("Mr_true");
  auto kde_options = options(1);
  kde_options.priors = PriorSource::parse("kde");
  const std::string kde = message_of<InputError>(
      [&] { HybridPipeline(kde_options).run(CatalogSource::memory(no_truth, "no truth"), dir / "p.csv"); });
  CHECK(mentions(kde, "Mr_true"));
  CHECK_FALSE(fs::exists(dir / "p.csv"));
  // with flat priors the same catalogue runs (and the evaluation has no Mr truth)
  auto flat = options(1);
  flat.priors = PriorSource::parse("flat");
  const auto res = HybridPipeline(flat).run(CatalogSource::memory(no_truth, "no truth"));
  CHECK(res.evaluation.table[0][0].n == 0);
  CHECK(res.evaluation.table[1][0].n == n_check);
}
