// locus pipeline: paper 000's hybrid run (Bayes on a sample, networks on every star), with a
// run record that resumes after the last finished stage.
#include <chrono>
#include <filesystem>
#include <memory>

#include <locus/core/rng.hpp>
#include <locus/pipeline/hybrid_pipeline.hpp>
#include <locus/sim/mock_patch.hpp>

#include "common.hpp"
#include "fit_options.hpp"
#include "patch_options.hpp"

namespace locus_cli {

namespace {
std::string stats_cell(const locus::pipeline::RobustStats& s) {
  return s.n ? format("%+.3f / %.3f", s.median, s.sigma_g) : std::string("—");
}
}  // namespace

void add_pipeline(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    PatchOptions patch;
    PosteriorFlags post;
    TrainingFlags training;
    std::string in, out, run_dir = "locus-run", sampling = "random";
    bool no_record = false, restart = false;
    std::size_t train = 10000, check = 2000, block_rows = 1 << 16, eval_max_rows = 200000;
    double validation = 0.25, stratum_width = 1.0;
    std::uint64_t sample_seed = 1;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("pipeline",
                                 "Paper 000's hybrid run: the posterior on a sample, the networks trained on it and run on "
                                 "every star, and residual tables. Without an input catalogue it simulates a mock patch.");
  sub->add_option("input", o->in, "Input catalogue (.csv or .fits); none: simulate the patch given by the simulation options");
  sub->add_option("-o,--out", o->out, "Write the predictions catalogue here (.csv or .fits): every input column, nn_*, bayes_* of the labelled stars, sample_role");
  sub->add_option("--run-dir", o->run_dir, "Run record: each finished stage is kept here and a rerun resumes after it")->capture_default_str();
  sub->add_flag("--no-record", o->no_record, "Keep no run record (nothing to resume)");
  sub->add_flag("--restart", o->restart, "Forget the run record's stages and run everything again");
  auto* g = sub->add_option_group("sample", "The stars the posterior labels");
  g->add_option("--bayes-stars", o->train, "Labelled stars for training (validation included)")->check(CLI::Range(3, 1 << 30))->capture_default_str();
  g->add_option("--check-stars", o->check, "Further labelled stars training never sees (NN − Bayes)")->capture_default_str();
  g->add_option("--validation", o->validation, "Share of the training stars used for validation")->check(CLI::Range(0.01, 0.99))->capture_default_str();
  g->add_option("--sampling", o->sampling, "random, or stratified in r (equal numbers per r bin)")->check(CLI::IsMember({"random", "stratified"}))->capture_default_str();
  g->add_option("--stratum-width", o->stratum_width, "stratified: r bin width (mag)")->check(CLI::PositiveNumber)->capture_default_str();
  g->add_option("--sample-seed", o->sample_seed, "Seed of the sample")->capture_default_str();
  o->post.add_to(*sub, "kde");
  o->training.add_to(*sub);
  o->patch.add_to(*sub);
  sub->add_option("--block-rows", o->block_rows, "Rows read at a time (memory, not results)")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--eval-max-rows", o->eval_max_rows, "All-rows statistics use a random subsample of at most this many rows")->check(CLI::PositiveNumber)->capture_default_str();
  add_common(*sub, o->common, true);
  sub->callback([o, &selected] {
    selected.common = &o->common;
    selected.run = [o] {
      namespace lp = locus::pipeline;
      const auto map = column_map(o->common);
      lp::PipelineOptions po;
      po.columns = map;
      po.sample.train = o->train, po.sample.check = o->check, po.sample.validation_fraction = o->validation;
      po.sample.sampling = o->sampling == "stratified" ? lp::Sampling::stratified_r : lp::Sampling::random;
      po.sample.stratum_width = o->stratum_width, po.sample.seed = o->sample_seed;
      po.posterior = o->post.options();
      po.priors = o->post.prior_source();
      po.training = o->training.options();
      po.block_rows = o->block_rows, po.eval_max_rows = o->eval_max_rows;
      po.keep_predictions = false;
      po.write = write_options(o->common, {"locus pipeline: predictions of paper 000's networks"});
      po.threads = o->common.threads;
      po.log = logger(o->common);
      po.progress = progress(o->common);
      const lp::HybridPipeline pipeline(po);

      if (!o->no_record && o->restart)
        for (const char* s : lp::pipeline_stages) std::filesystem::remove(std::filesystem::path(o->run_dir) / (std::string(s) + ".json"));
      double sim_seconds = 0;
      auto source = [&] {
        if (!o->in.empty()) return lp::CatalogSource::file(o->in, read_options(o->common, map));
        const auto t0 = std::chrono::steady_clock::now();
        auto spec = o->patch.spec(o->common.threads);
        spec.progress = progress(o->common);
        locus::Rng rng(o->patch.seed);
        auto cat = std::make_shared<const locus::io::Catalog>(locus::sim::simulate_patch(spec, rng));
        sim_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (po.log) po.log(format("0. simulate: mock patch of %zu stars in %.3g deg² at (l, b) = (%.1f, %.1f), %.2f s", cat->rows(),
                                  o->patch.area, o->patch.l, o->patch.b, sim_seconds));
        return lp::CatalogSource::memory(cat, "simulate_patch:" + o->patch.to_json().dump());
      }();
      const auto res = pipeline.run(source, o->out, o->no_record ? std::filesystem::path() : std::filesystem::path(o->run_dir));

      // the summary
      Outcome out;
      auto& j = out.summary;
      j["command"] = "pipeline";
      j["input"] = o->in.empty() ? "simulated: " + o->patch.to_json().dump() : o->in;
      j["rows"] = res.rows;
      j["eligible"] = res.eligible;
      j["labelled"] = res.selection.rows.size();
      j["trained_on"] = res.trained_on;
      j["validated_on"] = res.validated_on;
      if (sim_seconds > 0) j["simulate_seconds"] = sim_seconds;
      for (const auto& s : res.stages) j["stages"][s.stage] = {{"seconds", s.seconds}, {"resumed", s.resumed}};
      j["evaluation"] = lp::to_json(res.evaluation);
      j["run_dir"] = o->no_record ? "" : o->run_dir;
      j["output"] = o->out;
      std::string& t = out.text;
      t = format("locus pipeline: %zu rows (%zu with complete photometry), %zu labelled by the %s posterior\n", res.rows,
                 res.eligible, res.selection.rows.size(), lp::to_string(po.posterior.engine));
      t += "\n| stage | seconds | |\n|---|---|---|\n";
      if (sim_seconds > 0) t += format("| 0-simulate | %.2f | |\n", sim_seconds);
      double fresh = 0;
      for (const auto& s : res.stages) {
        t += format("| %s | %.2f | %s |\n", s.stage.c_str(), s.seconds, s.resumed ? "resumed from the run record" : "");
        if (!s.resumed) fresh += s.seconds;
      }
      t += format("| total | %.2f | |\n", sim_seconds + res.total_seconds());
      t += "\nResiduals, median / σ_G:\n\n| comparison | Mr | A_r | [Fe/H] |\n|---|---|---|---|\n";
      const auto& e = res.evaluation;
      for (std::size_t c = 0; c < 4; ++c) {
        if (e.table[c][0].n == 0) continue;
        t += std::string("| ") + lp::comparison_labels[c];
        for (std::size_t k = 0; k < 3; ++k) t += " | " + stats_cell(e.table[c][k]);
        t += " |\n";
      }
      if (e.has_truth)
        t += format("\n(NN − truth) / σ_total, median / σ_G (calibrated: 0 / 1): Mr %s, A_r %s, [Fe/H] %s\n",
                    stats_cell(e.pull_nn[0]).c_str(), stats_cell(e.pull_nn[1]).c_str(), stats_cell(e.pull_nn[2]).c_str());
      t += format("median σ_NN / σ_B: Mr %.2f, A_r %.2f, [Fe/H] %.2f\n", e.sigma_ratio[0], e.sigma_ratio[1], e.sigma_ratio[2]);
      // which route is faster for this catalogue: the measured posterior cost per star × rows,
      // against the hybrid's posterior on the sample + training + prediction
      if (res.posterior_us_per_star > 0) {
        const double all_bayes = res.posterior_us_per_star * 1e-6 * double(res.rows);
        const double hybrid = res.seconds("2-posterior") + res.seconds("3-train") + res.seconds("4-predict");
        j["route"] = {{"bayes_all_seconds_estimate", all_bayes}, {"hybrid_seconds", hybrid},
                      {"faster", all_bayes < hybrid ? "posterior" : "pipeline"}};
        t += format("\nRoute: the posterior costs %.1f µs/star here, so Bayes on all %zu stars would take about %.2g s; "
                    "this hybrid run took %.2g s (posterior on the sample, training, prediction).\n",
                    res.posterior_us_per_star, res.rows, all_bayes, hybrid);
        t += all_bayes < hybrid
                 ? "For a catalogue of this size `locus posterior` on every star is faster, and exact.\n"
                 : format("For a catalogue of this size the hybrid route is %.1f× faster.\n", all_bayes / hybrid);
      }
      if (!o->no_record) t += "Run record: " + o->run_dir + " (evaluation.json, residuals.csv, model files)\n";
      if (!o->out.empty()) t += "Predictions: " + o->out + "\n";
      (void)fresh;
      return out;
    };
  });
}

}  // namespace locus_cli
