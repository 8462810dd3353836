#pragma once
// Adapters between the catalogue (io::Catalog, named columns) and the photo-D data model:
// stars in; posterior summaries, MCMC diagnostics and network outputs out as named columns;
// network input and target matrices. Every program in locus goes through these, so the glue
// is written once.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "locus/bayes/mcmc_posterior.hpp"
#include "locus/bayes/parameters.hpp"
#include "locus/bayes/star.hpp"
#include "locus/bayes/summary.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/tensor.hpp"
#include "locus/io/catalog.hpp"
#include "locus/nn/moments_model.hpp"
#include "locus/pipeline/column_map.hpp"

namespace locus::pipeline {

// ---- stars ------------------------------------------------------------------------------

namespace detail {
// The catalogue column behind one Star field, as double, with the map's sentinel as NaN; an
// empty name gives an all-NaN field. A named column the catalogue lacks is an InputError that
// says which field wanted it.
inline std::vector<double> star_field(const io::Catalog& cat, const std::string& name, const char* role,
                                      double sentinel) {
  if (name.empty()) return std::vector<double>(cat.rows(), std::numeric_limits<double>::quiet_NaN());
  if (!cat.has_column(name)) {
    std::string cols;
    for (const auto& c : cat.names()) cols += (cols.empty() ? "" : ", ") + c;
    throw InputError("the catalogue has no column '" + name + "' for " + role + " (its columns: " + cols +
                     "); map another column or leave the field empty");
  }
  auto v = cat.to_double(name);
  for (double& x : v)
    if (x == sentinel) x = std::numeric_limits<double>::quiet_NaN();
  return v;
}
}  // namespace detail

// The stars of rows `rows` of a catalogue (all rows when `rows` is empty), in that order.
inline std::vector<bayes::Star> read_stars(const io::Catalog& cat, const ColumnMap& map = {},
                                           std::span<const std::size_t> rows = {}) {
  const double sv = map.missing_sentinel;
  const auto r = detail::star_field(cat, map.r, "the r magnitude", sv);
  const auto r_err = detail::star_field(cat, map.r_err, "the r error", sv);
  const auto ar = detail::star_field(cat, map.ar_sfd, "the SFD extinction A_r", sv);
  std::array<std::vector<double>, bayes::n_colours> col, err;
  for (std::size_t c = 0; c < bayes::n_colours; ++c) {
    const std::string what = "colour " + std::string(bayes::colour_names[c]);
    col[c] = detail::star_field(cat, map.colour[c], what.c_str(), sv);
    err[c] = detail::star_field(cat, map.error[c], (what + "'s error").c_str(), sv);
  }
  const std::size_t n = rows.empty() ? cat.rows() : rows.size();
  std::vector<bayes::Star> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = rows.empty() ? k : rows[k];
    if (i >= cat.rows()) throw InputError("read_stars: row " + std::to_string(i) + " is past the catalogue's end");
    bayes::Star& s = out[k];
    s.r = r[i], s.r_err = r_err[i], s.ar_sfd = ar[i];
    for (std::size_t c = 0; c < bayes::n_colours; ++c) s.colour[c] = col[c][i], s.error[c] = err[c][i];
  }
  return out;
}

// The true parameters of rows `rows` (all when empty), [n × 3] in Param order; NaN where the
// catalogue has no truth column or the value is missing.
inline Matrix<double> read_truth(const io::Catalog& cat, const ColumnMap& map = {}, std::span<const std::size_t> rows = {}) {
  const std::size_t n = rows.empty() ? cat.rows() : rows.size();
  Matrix<double> out({n, bayes::n_params}, std::numeric_limits<double>::quiet_NaN());
  for (const auto p : bayes::all_params) {
    if (!map.has_truth(cat, p)) continue;
    const auto v = detail::star_field(cat, map.truth[bayes::index(p)], "truth", map.missing_sentinel);
    for (std::size_t k = 0; k < n; ++k) out(k, bayes::index(p)) = v[rows.empty() ? k : rows[k]];
  }
  return out;
}

// ---- network inputs and targets --------------------------------------------------------

// Paper 000's network inputs: r, the four colours, the r error and the four colour errors.
inline constexpr std::size_t n_network_inputs = 10;
inline constexpr std::array<std::string_view, n_network_inputs> network_input_names{
    "r", "ug", "gr", "ri", "iz", "rErr", "ugErr", "grErr", "riErr", "izErr"};

inline void network_input_row(const bayes::Star& s, float* row) {
  row[0] = static_cast<float>(s.r);
  row[5] = static_cast<float>(s.r_err);
  for (std::size_t c = 0; c < bayes::n_colours; ++c) {
    row[1 + c] = static_cast<float>(s.colour[c]);
    row[6 + c] = static_cast<float>(s.error[c]);
  }
}

inline Matrix<float> network_inputs(std::span<const bayes::Star> stars) {
  Matrix<float> x({stars.size(), n_network_inputs});
  for (std::size_t i = 0; i < stars.size(); ++i) network_input_row(stars[i], &x(i, 0));
  return x;
}

// True when every network input of the star is finite (the networks need all ten).
inline bool network_ready(const bayes::Star& s) {
  bool ok = std::isfinite(s.r) && std::isfinite(s.r_err);
  for (std::size_t c = 0; c < bayes::n_colours; ++c) ok = ok && std::isfinite(s.colour[c]) && std::isfinite(s.error[c]);
  return ok;
}

// Posterior means (the moments network's targets) and sigmas (the σ_B network's), [n × 3] in
// Param order.
inline Matrix<float> summary_means(std::span<const bayes::Summary> s) {
  Matrix<float> m({s.size(), bayes::n_params});
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t p = 0; p < bayes::n_params; ++p) m(i, p) = static_cast<float>(s[i].mean[p]);
  return m;
}
inline Matrix<float> summary_sigmas(std::span<const bayes::Summary> s) {
  Matrix<float> m({s.size(), bayes::n_params});
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t p = 0; p < bayes::n_params; ++p) m(i, p) = static_cast<float>(s[i].sigma[p]);
  return m;
}

// ---- output columns ---------------------------------------------------------------------

// Posterior summary columns are prefix + parameter + "_" + statistic, e.g. "bayes_Mr_mean".
inline constexpr std::array<std::string_view, 5> summary_stats{"mean", "sigma", "q14", "q50", "q86"};
inline std::string column_name(std::string_view prefix, bayes::Param p, std::string_view stat) {
  return std::string(prefix) + std::string(bayes::name(p)) + "_" + std::string(stat);
}

namespace detail {
// The catalogue row of result k: rows[k], or k when rows is empty (then n == cat.rows()).
inline std::size_t target_row(const io::Catalog& cat, std::span<const std::size_t> rows, std::size_t n, std::size_t k) {
  if (rows.empty()) {
    if (n != cat.rows())
      throw InputError("append: " + std::to_string(n) + " results for a catalogue of " + std::to_string(cat.rows()) +
                       " rows");
    return k;
  }
  if (rows.size() != n) throw InputError("append: as many rows as results are needed");
  if (rows[k] >= cat.rows()) throw InputError("append: row " + std::to_string(rows[k]) + " is past the catalogue's end");
  return rows[k];
}
}  // namespace detail

/* Appends posterior summaries as columns (double): prefix + {Mr, Ar, FeH} + _{mean, sigma,
   q14, q50, q86}, prefix + chi2_min, prefix + prior_bin, prefix + nodes. s[k] goes to row
   rows[k] (to row k when rows is empty, which needs one summary per row); other rows are NaN.
   Each summary's status bits are ORed into its row's status. */
inline void append_summaries(io::Catalog& cat, std::span<const bayes::Summary> s, std::string_view prefix = "bayes_",
                             std::span<const std::size_t> rows = {}) {
  const std::string pre(prefix);
  std::array<std::array<std::span<double>, 5>, bayes::n_params> cols;
  for (const auto p : bayes::all_params)
    for (std::size_t j = 0; j < summary_stats.size(); ++j)
      cols[bayes::index(p)][j] = cat.add_column<double>(column_name(prefix, p, summary_stats[j]));
  auto chi2 = cat.add_column<double>(pre + "chi2_min");
  auto bin = cat.add_column<double>(pre + "prior_bin");
  auto nodes = cat.add_column<double>(pre + "nodes");
  for (std::size_t k = 0; k < s.size(); ++k) {
    const std::size_t i = detail::target_row(cat, rows, s.size(), k);
    const bayes::Summary& x = s[k];
    for (std::size_t p = 0; p < bayes::n_params; ++p) {
      cols[p][0][i] = x.mean[p], cols[p][1][i] = x.sigma[p], cols[p][2][i] = x.q14[p];
      cols[p][3][i] = x.q50[p], cols[p][4][i] = x.q86[p];
    }
    chi2[i] = x.chi2_min;
    bin[i] = x.prior_bin;
    nodes[i] = x.nodes_used;
    cat.flag(i, x.status);
  }
}

// Reads summaries back from the columns append_summaries wrote (for rows `rows`, or all);
// status is the row's status. A missing column is an InputError naming it (chi2_min,
// prior_bin and nodes are optional: NaN, -1 and 0 when absent or NaN).
inline std::vector<bayes::Summary> read_summaries(const io::Catalog& cat, std::string_view prefix = "bayes_",
                                                  std::span<const std::size_t> rows = {}) {
  auto need = [&](const std::string& name) {
    if (!cat.has_column(name))
      throw InputError("the catalogue has no column '" + name + "': it needs the posterior summaries that `locus posterior` writes");
    return cat.to_double(name);
  };
  std::array<std::array<std::vector<double>, 5>, bayes::n_params> cols;
  for (const auto p : bayes::all_params)
    for (std::size_t j = 0; j < summary_stats.size(); ++j) cols[bayes::index(p)][j] = need(column_name(prefix, p, summary_stats[j]));
  const std::string pre(prefix);
  auto optional = [&](const std::string& name) {
    return cat.has_column(name) ? cat.to_double(name) : std::vector<double>(cat.rows(), std::numeric_limits<double>::quiet_NaN());
  };
  const auto chi2 = optional(pre + "chi2_min"), bin = optional(pre + "prior_bin"), nodes = optional(pre + "nodes");
  const std::size_t n = rows.empty() ? cat.rows() : rows.size();
  std::vector<bayes::Summary> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = rows.empty() ? k : rows[k];
    auto& x = out[k];
    for (std::size_t p = 0; p < bayes::n_params; ++p) {
      x.mean[p] = cols[p][0][i], x.sigma[p] = cols[p][1][i], x.q14[p] = cols[p][2][i];
      x.q50[p] = cols[p][3][i], x.q86[p] = cols[p][4][i];
    }
    x.chi2_min = chi2[i];
    x.prior_bin = std::isfinite(bin[i]) ? static_cast<int>(bin[i]) : -1;
    x.nodes_used = std::isfinite(nodes[i]) ? static_cast<std::uint32_t>(nodes[i]) : 0;
    x.status = cat.status(i);
  }
  return out;
}

// Appends MCMC diagnostics: prefix + acceptance and prefix + tau_{Mr, Ar, FeH} (double).
inline void append_diagnostics(io::Catalog& cat, std::span<const bayes::McmcDiagnostics> d,
                               std::string_view prefix = "bayes_", std::span<const std::size_t> rows = {}) {
  const std::string pre(prefix);
  auto acc = cat.add_column<double>(pre + "acceptance");
  std::array<std::span<double>, bayes::n_params> tau;
  for (const auto p : bayes::all_params) tau[bayes::index(p)] = cat.add_column<double>(pre + "tau_" + std::string(bayes::name(p)));
  for (std::size_t k = 0; k < d.size(); ++k) {
    const std::size_t i = detail::target_row(cat, rows, d.size(), k);
    acc[i] = d[k].acceptance;
    for (std::size_t p = 0; p < bayes::n_params; ++p) tau[p][i] = d[k].tau[p];
  }
}

/* Appends network outputs (float): prefix + {Mr, Ar, FeH} (μ), prefix + X + _sigma (σ_total,
   Eq. 3), _sigma_nn and _sigma_b. pred row k goes to row rows[k] (row k when rows is empty). */
inline void append_predictions(io::Catalog& cat, const nn::MomentsPrediction<float>& pred,
                               std::string_view prefix = "nn_", std::span<const std::size_t> rows = {}) {
  const std::size_t n = pred.mu.shape(0);
  if (pred.mu.shape(1) != bayes::n_params)
    throw InputError("append_predictions: the model predicts " + std::to_string(pred.mu.shape(1)) +
                     " parameters, not Mr, Ar and [Fe/H]");
  const std::string pre(prefix);
  std::array<std::array<std::span<float>, 4>, bayes::n_params> cols;
  for (const auto p : bayes::all_params) {
    const std::string stem = pre + std::string(bayes::name(p));
    auto& c = cols[bayes::index(p)];
    c[0] = cat.add_column<float>(stem);
    c[1] = cat.add_column<float>(stem + "_sigma");
    c[2] = cat.add_column<float>(stem + "_sigma_nn");
    c[3] = cat.add_column<float>(stem + "_sigma_b");
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = detail::target_row(cat, rows, n, k);
    for (std::size_t p = 0; p < bayes::n_params; ++p) {
      cols[p][0][i] = pred.mu(k, p), cols[p][1][i] = pred.sigma_total(k, p);
      cols[p][2][i] = pred.sigma_nn(k, p), cols[p][3][i] = pred.sigma_b(k, p);
    }
  }
}

}  // namespace locus::pipeline
