#pragma once
// The networks' training data from a catalogue labelled by the posterior (`locus posterior`
// writes it): the usable rows, split into training and validation, as matrices. `locus train`
// and `locus tune` read their catalogue through it, so both train on the same stars.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <locus/bayes/parameters.hpp>
#include <locus/bayes/star.hpp>
#include <locus/bayes/summary.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/core/progress.hpp>
#include <locus/core/tensor.hpp>
#include <locus/io/catalog.hpp>
#include <locus/io/status.hpp>
#include <locus/nn/callbacks.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/column_map.hpp>
#include <locus/pipeline/sample_selection.hpp>

namespace locus::pipeline {

// True when a summary can be a network target: fitted, with finite means and sigmas, and not
// a poor fit (χ²_min above the posterior's chi2_max: no model colour matches the star, so its
// posterior is not a label worth learning).
inline bool labelled(const bayes::Summary& s) {
  bool ok = s.ok() && !(s.status & io::status::poor_fit);
  for (std::size_t p = 0; p < bayes::n_params; ++p) ok = ok && std::isfinite(s.mean[p]) && std::isfinite(s.sigma[p]);
  return ok;
}

// Network inputs x [n × 10], the posterior means (moments network targets) and sigmas (σ_B
// network targets) [n × 3] of the stars `idx` (indices into stars and summaries).
struct TrainingMatrices {
  Matrix<float> x, mean, sigma;
  std::size_t rows() const { return x.shape(0); }
};

inline TrainingMatrices training_matrices(std::span<const bayes::Star> stars, std::span<const bayes::Summary> summaries,
                                          std::span<const std::size_t> idx) {
  std::vector<bayes::Star> st;
  std::vector<bayes::Summary> su;
  st.reserve(idx.size());
  su.reserve(idx.size());
  for (auto k : idx) st.push_back(stars[k]), su.push_back(summaries[k]);
  return {network_inputs(st), summary_means(su), summary_sigmas(su)};
}

/* Trains paper 000's moments and σ_B networks (nn::MomentsModel) on training and validation
   matrices, with `threads` (results do not depend on them), a progress bar when `show` allows
   one, and Ctrl-C answered after the batch in progress (locus::Interrupted). */
inline nn::MomentsModel fit_moments(const TrainingMatrices& train, const TrainingMatrices& validation,
                                    nn::MomentsModelOptions options, std::size_t threads,
                                    Progress::Show show = Progress::Show::never) {
  options.primary.threads = options.secondary.threads = threads;
  nn::MomentsModel model;
  auto stop = [](const nn::BatchEnd&) { interrupt::check("training"); };
  if (show != Progress::Show::never && Progress(1, "", show).enabled())
    model.fit(train.x, train.mean, train.sigma, validation.x, validation.mean, validation.sigma, options, stop,
              nn::ProgressBar());
  else
    model.fit(train.x, train.mean, train.sigma, validation.x, validation.mean, validation.sigma, options, stop);
  return model;
}

/* TrainingSet
   Specification (make_training_set):
   - Reads the stars (columns of `map`) and the posterior summaries (columns prefix + Mr_mean
     ..., see read_summaries: a missing column is an InputError naming it).
   - A row is usable when labelled(summary) and network_ready(star) hold (poor fits are not).
   - Usable row i goes to validation when its random key u(seed, i) ∈ [0, 1) is below
     validation_fraction, else to training; the key depends only on (seed, i), so the split
     does not depend on the catalogue's other rows or their order.
   - Fewer than 2 training or no validation rows is an InputError that names `name` (the
     file); a validation_fraction outside (0, 1) is a ConfigError. */
struct TrainingSet {
  std::vector<std::size_t> train_rows, validation_rows;  // catalogue rows, increasing
  TrainingMatrices train, validation;
  std::size_t rows = 0;  // rows of the catalogue
};

inline TrainingSet make_training_set(const io::Catalog& cat, const ColumnMap& map, std::string_view prefix,
                                     double validation_fraction, std::uint64_t seed,
                                     std::string_view name = "the catalogue") {
  if (!(validation_fraction > 0 && validation_fraction < 1))
    throw ConfigError("the validation fraction must be in (0, 1), got " + std::to_string(validation_fraction));
  std::vector<bayes::Star> stars;
  std::vector<bayes::Summary> sums;
  try {
    stars = read_stars(cat, map);
    sums = read_summaries(cat, prefix);
  } catch (const InputError& e) {  // a missing column: say which file lacks it
    if (name == "the catalogue") throw;
    throw InputError(std::string(name) + ": " + e.what());
  }
  TrainingSet ts;
  ts.rows = cat.rows();
  for (std::size_t i = 0; i < cat.rows(); ++i) {
    if (!labelled(sums[i]) || !network_ready(stars[i])) continue;
    const double u = static_cast<double>(detail::row_key(seed, i) >> 11) * 0x1.0p-53;
    (u < validation_fraction ? ts.validation_rows : ts.train_rows).push_back(i);
  }
  if (ts.train_rows.size() < 2 || ts.validation_rows.empty())
    throw InputError(std::string(name) + " has " + std::to_string(ts.train_rows.size() + ts.validation_rows.size()) +
                     " rows with a posterior and complete photometry (" + std::to_string(ts.train_rows.size()) +
                     " training, " + std::to_string(ts.validation_rows.size()) +
                     " validation); training needs at least 2 and 1");
  ts.train = training_matrices(stars, sums, ts.train_rows);
  ts.validation = training_matrices(stars, sums, ts.validation_rows);
  return ts;
}

}  // namespace locus::pipeline
