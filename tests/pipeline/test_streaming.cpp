#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/bayes/mcmc_posterior.hpp"
#include "locus/io/csv.hpp"
#include "locus/io/fits.hpp"
#include "locus/pipeline/streaming.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"
#include "../support/pipeline.hpp"
#include "../support/s82.hpp"
#include "../support/s82_model.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::same_summary;
using locus::test::same_value;
using locus::test::TempDir;
using locus::test::s82_model;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t n_rows = 150, n_mcmc = 24;
#else
constexpr std::size_t n_rows = 600, n_mcmc = 60;
#endif

// The first n S82 stars (with their CALIBSTARS ids) and three rows the estimators cannot use:
// row 3 has no u−g, row 7 the −99 sentinel as r, row 11 a negative g−r error.
std::shared_ptr<io::Catalog> s82_rows(std::size_t n) {
  auto c = std::make_shared<io::Catalog>(io::slice(test::s82_catalog(), 0, n));
  c->column<double>("ug")[3] = kNaN;
  c->column<double>("rmag")[7] = -99;
  c->column<double>("grErr")[11] = -0.02;
  return c;
}

// Reads an output back exactly: NaN is a value (not flagged), nn_* columns stay float.
io::Catalog read_back(const fs::path& path) {
  if (io::format_of(path) == io::CatalogFormat::fits) {
    io::FitsReadOptions o;
    o.id_column = "CALIBSTARS";
    o.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
    return io::read_fits(path, o);
  }
  io::CsvReadOptions o;
  o.id_column = "CALIBSTARS";
  o.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
  const auto header = io::CsvReader(path, o).header();
  for (const auto& name : header)
    if (name.rfind("nn_", 0) == 0) o.columns.push_back(io::ColumnSpec(name, io::ColumnType::f32).on_missing(io::Missing::ignore));
  return io::read_csv(path, o);
}

// The output holds the input's columns (same values, ids) first, in order, then `added`.
void check_input_kept(const io::Catalog& out, const io::Catalog& in, const std::vector<std::string>& added) {
  REQUIRE(out.rows() == in.rows());
  auto names = in.names();
  names.insert(names.end(), added.begin(), added.end());
  CHECK(out.names() == names);
  for (const auto& name : in.names()) {
    INFO(name);
    CHECK(test::differing_rows(out, in, name) == 0);
  }
  REQUIRE(out.has_ids());
  std::size_t bad_ids = 0;
  for (std::size_t i = 0; i < in.rows(); ++i) bad_ids += out.id(i) != in.id(i);
  CHECK(bad_ids == 0);
}

std::vector<std::string> summary_columns(bool mcmc) {
  std::vector<std::string> v;
  for (const auto p : bayes::all_params)
    for (const auto stat : summary_stats) v.push_back(column_name("bayes_", p, stat));
  v.insert(v.end(), {"bayes_chi2_min", "bayes_prior_bin", "bayes_nodes"});
  if (mcmc) v.insert(v.end(), {"bayes_acceptance", "bayes_tau_Mr", "bayes_tau_Ar", "bayes_tau_FeH"});
  return v;
}

}  // namespace

TEST_CASE("streaming: posterior_catalog (grid) equals the grid posterior of every row, whatever blocks and threads") {
  TempDir dir("streaming");
  const auto in = s82_rows(n_rows);
  const auto src = CatalogSource::memory(in, "S82 rows");
  PosteriorOptions po;
  po.grid.chi2_max = 20;
  const PosteriorEngine engine(bayes::LocusModel::builtin(), test::s82_priors(), po);
  StreamOptions so;
  so.threads = 1;
  const auto res = posterior_catalog(src, engine, dir / "post.csv", so);
  REQUIRE(fs::exists(dir / "post.csv"));
  const auto out = read_back(dir / "post.csv");
  check_input_kept(out, *in, summary_columns(false));

  // the reference: GridPosterior directly on the same stars
  const bayes::GridPosterior grid(bayes::LocusModel::builtin(), test::s82_priors(), bayes::Extinction{}, po.grid);
  const auto want = grid.fit_catalog(read_stars(*in), 1);
  const auto got = read_summaries(out);
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0, ok = 0, no_fit = 0, poor = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    bad += !same_summary(got[i], want[i]);
    ok += want[i].ok();
    no_fit += (want[i].status & io::status::no_fit) != 0;
    poor += (want[i].status & io::status::poor_fit) != 0;
  }
  CHECK(bad == 0);
  // the bad rows kept their place, with NaN summaries and status bits
  for (std::size_t i : {3, 7, 11}) {
    INFO("row " << i);
    CHECK((out.status(i) & io::status::no_fit) != 0);
    CHECK(std::isnan(out.value("bayes_Mr_mean", i)));
    CHECK(std::isnan(out.value("bayes_FeH_q50", i)));
  }
  CHECK((out.status(3) & io::status::missing_value) != 0);
  CHECK((out.status(7) & io::status::missing_value) != 0);
  CHECK((out.status(11) & io::status::bad_error) != 0);
  // what the run reports
  CHECK(res.rows == n_rows);
  CHECK(res.fitted == ok);
  CHECK(res.flags.at("no_fit") == no_fit);
  CHECK(no_fit == 3);
  CHECK(res.flags.at("missing_value") == 2);
  CHECK(res.flags.at("bad_error") == 1);
  CHECK(res.flags.count("poor_fit") == (poor > 0 ? 1u : 0u));
  CHECK(res.to_json().at("rows") == n_rows);

  // the same file, byte for byte, with other blocks and threads, and from a file input
  const std::string bytes = test::slurp(dir / "post.csv");
  io::write_catalog(*in, dir / "in.csv");
  for (const auto& [rows, threads] : std::vector<std::pair<std::size_t, std::size_t>>{{7, 2}, {64, 1}, {1000, 2}}) {
    INFO("block_rows " << rows << ", threads " << threads);
    StreamOptions o2;
    o2.block_rows = rows;
    o2.threads = threads;
    posterior_catalog(src, engine, dir / "again.csv", o2);
    CHECK(test::slurp(dir / "again.csv") == bytes);
    posterior_catalog(CatalogSource::file(dir / "in.csv"), engine, dir / "from_file.csv", o2);
    CHECK(test::slurp(dir / "from_file.csv") == bytes);
  }
  if (io::fits_available) {
    posterior_catalog(src, engine, dir / "post.fits", so);
    test::check_same_catalog(read_back(dir / "post.fits"), out, false);
  }
  CHECK(test::temp_files_in(dir.path).empty());
}

TEST_CASE("streaming: posterior_catalog (MCMC) equals mcmc_posterior on all rows at once, whatever blocks and threads") {
  TempDir dir("streaming");
  const auto in = s82_rows(n_mcmc);
  const auto src = CatalogSource::memory(in, "S82 rows");
  PosteriorOptions po;
  po.engine = Engine::mcmc;
  po.mcmc.walkers = 4;
  po.mcmc.steps = 120;
  po.mcmc.burn_in = 40;
  po.seed = 5;
  const auto priors = test::s82_priors();
  const PosteriorEngine engine(bayes::LocusModel::builtin(), priors, po);
  StreamOptions so;
  so.block_rows = 9;
  so.threads = 2;
  const auto res = posterior_catalog(src, engine, dir / "mcmc.csv", so);
  const auto out = read_back(dir / "mcmc.csv");
  check_input_kept(out, *in, summary_columns(true));
  CHECK(res.rows == n_mcmc);

  const auto model = bayes::LocusModel::builtin();
  const bayes::PhotodModel pm(model, priors, bayes::Extinction{});
  const auto want = bayes::mcmc_posterior(pm, read_stars(*in), engine.options().mcmc, Rng(po.seed), 1, 0);
  const auto got = read_summaries(out);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    bad += !same_summary(got[i], want[i].summary);
    bad += !same_value(out.value("bayes_acceptance", i), want[i].diagnostics.acceptance);
    for (const auto p : bayes::all_params)
      bad += !same_value(out.value("bayes_tau_" + std::string(bayes::name(p)), i), want[i].diagnostics.tau[bayes::index(p)]);
  }
  CHECK(bad == 0);
  CHECK((out.status(3) & io::status::no_fit) != 0);

  StreamOptions whole;
  whole.threads = 1;
  posterior_catalog(src, engine, dir / "whole.csv", whole);
  CHECK(test::slurp(dir / "whole.csv") == test::slurp(dir / "mcmc.csv"));
}

TEST_CASE("streaming: predict_catalog equals the model on every ready row; other rows get NaN and no_fit") {
  TempDir dir("streaming");
  const auto& model = s82_model();
  const auto in = s82_rows(n_rows);
  in->flag(20, io::status::cut);  // an input flag is kept
  const auto src = CatalogSource::memory(in, "S82 rows");
  StreamOptions so;
  so.block_rows = 50;
  so.threads = 1;
  const auto res = predict_catalog(src, model, dir / "pred.csv", so);
  const auto out = read_back(dir / "pred.csv");
  const std::vector<std::string> nn_cols{"nn_Mr", "nn_Mr_sigma", "nn_Mr_sigma_nn", "nn_Mr_sigma_b",
                                         "nn_Ar", "nn_Ar_sigma", "nn_Ar_sigma_nn", "nn_Ar_sigma_b",
                                         "nn_FeH", "nn_FeH_sigma", "nn_FeH_sigma_nn", "nn_FeH_sigma_b"};
  check_input_kept(out, *in, nn_cols);
  for (const auto& c : nn_cols) CHECK(out.type(c) == io::ColumnType::f32);

  // the reference: the model on the ready rows at once
  const auto stars = read_stars(*in);
  std::vector<bayes::Star> ready;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < stars.size(); ++i)
    if (network_ready(stars[i])) ready.push_back(stars[i]), rows.push_back(i);
  CHECK(ready.size() == n_rows - 2);  // rows 3 and 7 lack an input; row 11's negative error is a number
  const auto want = model.predict(network_inputs(ready), 1);
  std::size_t bad = 0;
  for (std::size_t k = 0; k < rows.size(); ++k)
    for (const auto p : bayes::all_params) {
      const std::size_t j = bayes::index(p);
      const std::string P(bayes::name(p));
      bad += !same_value(out.column<float>("nn_" + P)[rows[k]], want.mu(k, j));
      bad += !same_value(out.column<float>("nn_" + P + "_sigma")[rows[k]], want.sigma_total(k, j));
      bad += !same_value(out.column<float>("nn_" + P + "_sigma_nn")[rows[k]], want.sigma_nn(k, j));
      bad += !same_value(out.column<float>("nn_" + P + "_sigma_b")[rows[k]], want.sigma_b(k, j));
    }
  CHECK(bad == 0);
  for (std::size_t i : {3, 7}) {
    CHECK(out.status(i) == io::status::no_fit);
    for (const auto& c : nn_cols) CHECK(std::isnan(out.value(c, i)));
  }
  CHECK(out.status(20) == io::status::cut);
  CHECK(out.status(11) == io::status::ok);
  CHECK(res.rows == n_rows);
  CHECK(res.fitted == n_rows - 2);
  CHECK(res.flags.at("no_fit") == 2);
  CHECK(res.flags.at("cut") == 1);

  // byte-identical with other blocks and threads
  const std::string bytes = test::slurp(dir / "pred.csv");
  for (const auto& [rows_, threads] : std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}, {333, 2}, {1 << 16, 0}}) {
    if (rows_ == 1 && n_rows > 200) continue;  // one-row blocks only on the small (sanitizer) size
    StreamOptions o2;
    o2.block_rows = rows_;
    o2.threads = threads;
    predict_catalog(src, model, dir / "again.csv", o2);
    CHECK(test::slurp(dir / "again.csv") == bytes);
  }
  // a model that does not predict Mr, Ar, [Fe/H]
  nn::MomentsModel two;
  Matrix<float> x({8, 10}, 1.0f), y({8, 2}, 0.5f), s({8, 0});
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 10; ++j) x(i, j) = 0.1f * static_cast<float>(i * (j + 1)) + static_cast<float>(j);
  auto opt = test::quick_training(1);
  opt.target_sigmas = {0.1, 0.1};
  two.fit(x, y, s, x, y, s, opt);
  CHECK(mentions(message_of<InputError>([&] { predict_catalog(src, two, dir / "two.csv"); }), "2 parameters"));
  CHECK_FALSE(fs::exists(dir / "two.csv"));
}

TEST_CASE("streaming: outputs are atomic: a bad directory or an interruption leaves no file") {
  test::InterruptGuard guard;
  TempDir dir("streaming");
  const auto in = s82_rows(40);
  const auto src = CatalogSource::memory(in, "S82 rows");
  const PosteriorEngine engine(bayes::LocusModel::builtin(), test::s82_priors(), PosteriorOptions{});
  CHECK_THROWS_AS(posterior_catalog(src, engine, dir / "no" / "out.csv"), OutputError);
  CHECK_THROWS_AS(predict_catalog(src, s82_model(), dir / "no" / "out.csv"), OutputError);
  CHECK(dir.entries().empty());
  interrupt::request();
  CHECK_THROWS_AS(posterior_catalog(src, engine, dir / "out.csv"), Interrupted);
  CHECK_THROWS_AS(predict_catalog(src, s82_model(), dir / "out2.csv"), Interrupted);
  CHECK(dir.entries().empty());
  interrupt::clear();
  StreamOptions o;
  o.block_rows = 16;
  CHECK(posterior_catalog(src, engine, dir / "out.csv", o).rows == 40);
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
}
