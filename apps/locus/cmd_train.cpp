// locus train: the moments and sigma_B networks on a catalogue with Bayes labels.
#include <chrono>
#include <filesystem>
#include <memory>

#include <locus/io/catalog_file.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/hybrid_pipeline.hpp>
#include <locus/pipeline/training_set.hpp>

#include "common.hpp"
#include "fit_options.hpp"

namespace locus_cli {

void add_train(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    TrainingFlags training;
    std::string in, model, prefix = "bayes_";
    double validation = 0.25;
    std::uint64_t split_seed = 1;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("train", "Train the moments and sigma_B networks on a catalogue labelled by `locus posterior`");
  sub->add_option("input", o->in, "Catalogue with the star columns and the posterior's bayes_* columns")->required();
  sub->add_option("-m,--model", o->model, "Model prefix: writes PREFIX.moments.model and PREFIX.sigma_b.model")->required();
  sub->add_option("--validation", o->validation, "Share of the labelled stars kept for validation (early stopping)")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  sub->add_option("--split-seed", o->split_seed, "Seed of the training/validation split")->capture_default_str();
  sub->add_option("--labels", o->prefix, "Prefix of the posterior columns")->capture_default_str();
  o->training.add_to(*sub);
  add_common(*sub, o->common, true);
  sub->callback([o, &selected] {
    selected.common = &o->common;
    selected.run = [o] {
      const auto t0 = std::chrono::steady_clock::now();
      const auto map = column_map(o->common);
      // the model files are written at the end; check their directory first
      const auto [pm, sm] = locus::pipeline::model_files(o->model);
      const std::filesystem::path pm_path(pm);
      if (!std::filesystem::is_directory(pm_path.has_parent_path() ? pm_path.parent_path() : std::filesystem::path(".")))
        throw locus::OutputError("cannot write the model '" + pm + "': its directory does not exist");
      const auto cat = locus::io::read_catalog(o->in, read_options(o->common, map));
      const auto ts = locus::pipeline::make_training_set(cat, map, o->prefix, o->validation, o->split_seed, "'" + o->in + "'");
      const auto& tr = ts.train_rows;
      const auto& va = ts.validation_rows;
      const auto model = locus::pipeline::fit_moments(ts.train, ts.validation, o->training.options(), o->common.threads,
                                                      progress(o->common));
      model.save(pm, sm);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto& h = model.primary_history();
      Outcome out;
      out.summary = {{"command", "train"}, {"input", o->in}, {"model", {pm, sm}}, {"train_rows", tr.size()},
                     {"validation_rows", va.size()}, {"best_validation_loss", h.best_loss}, {"epochs", h.epochs()},
                     {"stop_reason", h.stop_reason}, {"seconds", secs}};
      out.text = format("locus train: %zu training + %zu validation stars of %zu rows; moments network best validation "
                        "loss %.4g after %zu epochs (%s); sigma_B network %zu epochs\n  wrote %s and %s in %.1f s\n",
                        tr.size(), va.size(), cat.rows(), h.best_loss, h.epochs(), h.stop_reason.c_str(),
                        model.secondary_history().epochs(), pm.c_str(), sm.c_str(), secs);
      return out;
    };
  });
}

}  // namespace locus_cli
