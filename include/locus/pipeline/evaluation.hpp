#pragma once
// Evaluation of a hybrid run: paper 000's residual tables (median / σ_G of Bayes − truth,
// NN − Bayes, NN − truth), the calibration of the predicted σ, and residuals in r bins.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/bayes/parameters.hpp"
#include "locus/io/catalog.hpp"
#include "locus/pipeline/sample_selection.hpp"
#include "locus/pipeline/statistics.hpp"

namespace locus::pipeline {

// Per-row values the evaluation needs, gathered while predicting: every check row, plus a
// deterministic random subsample of all rows (at most PipelineOptions::eval_max_rows).
struct ResidualSample {
  std::vector<std::size_t> row;
  std::vector<Role> role;
  std::vector<double> r;
  std::array<std::vector<double>, bayes::n_params> truth, nn, sigma_total, sigma_nn, sigma_b, bayes_mean, bayes_sigma;
  std::vector<char> in_all;  // 1: the row belongs to the all-rows subsample (check rows may not)

  std::size_t size() const { return row.size(); }
};

// The residual sample as a catalogue (columns row, role, in_all, r, and per parameter P:
// P_true, nn_P, nn_P_sigma, nn_P_sigma_nn, nn_P_sigma_b, bayes_P_mean, bayes_P_sigma), for the
// run record and for figures.
inline io::Catalog to_catalog(const ResidualSample& s) {
  const std::size_t n = s.size();
  io::Catalog c(n);
  auto put = [&](const std::string& name, auto&& f) {
    auto col = c.add_column<double>(name);
    for (std::size_t i = 0; i < n; ++i) col[i] = f(i);
  };
  put("row", [&](std::size_t i) { return static_cast<double>(s.row[i]); });
  put("role", [&](std::size_t i) { return static_cast<double>(s.role[i]); });
  put("in_all", [&](std::size_t i) { return static_cast<double>(s.in_all[i]); });
  put("r", [&](std::size_t i) { return s.r[i]; });
  for (const auto p : bayes::all_params) {
    const std::size_t k = bayes::index(p);
    const std::string P(bayes::name(p));
    put(P + "_true", [&](std::size_t i) { return s.truth[k][i]; });
    put("nn_" + P, [&](std::size_t i) { return s.nn[k][i]; });
    put("nn_" + P + "_sigma", [&](std::size_t i) { return s.sigma_total[k][i]; });
    put("nn_" + P + "_sigma_nn", [&](std::size_t i) { return s.sigma_nn[k][i]; });
    put("nn_" + P + "_sigma_b", [&](std::size_t i) { return s.sigma_b[k][i]; });
    put("bayes_" + P + "_mean", [&](std::size_t i) { return s.bayes_mean[k][i]; });
    put("bayes_" + P + "_sigma", [&](std::size_t i) { return s.bayes_sigma[k][i]; });
  }
  return c;
}

inline ResidualSample residual_sample_from(const io::Catalog& c) {
  ResidualSample s;
  const auto row = c.to_double("row"), role = c.to_double("role"), in_all = c.to_double("in_all");
  s.r = c.to_double("r");
  for (std::size_t i = 0; i < c.rows(); ++i) {
    s.row.push_back(static_cast<std::size_t>(row[i]));
    s.role.push_back(static_cast<Role>(static_cast<int>(role[i])));
    s.in_all.push_back(static_cast<char>(in_all[i] != 0));
  }
  for (const auto p : bayes::all_params) {
    const std::size_t k = bayes::index(p);
    const std::string P(bayes::name(p));
    s.truth[k] = c.to_double(P + "_true");
    s.nn[k] = c.to_double("nn_" + P);
    s.sigma_total[k] = c.to_double("nn_" + P + "_sigma");
    s.sigma_nn[k] = c.to_double("nn_" + P + "_sigma_nn");
    s.sigma_b[k] = c.to_double("nn_" + P + "_sigma_b");
    s.bayes_mean[k] = c.to_double("bayes_" + P + "_mean");
    s.bayes_sigma[k] = c.to_double("bayes_" + P + "_sigma");
  }
  return s;
}

// The comparisons of the residual table, in order.
enum class Comparison { bayes_truth, nn_bayes, nn_truth_check, nn_truth_all };
inline constexpr std::array<const char*, 4> comparison_labels{"Bayes − truth (check stars)", "NN − Bayes (check stars)",
                                                              "NN − truth (check stars)", "NN − truth (all stars)"};
inline constexpr std::array<const char*, 4> comparison_keys{"bayes_truth", "nn_bayes", "nn_truth_check", "nn_truth_all"};

/* Evaluation
   table[c][p]: median / σ_G of the residuals of comparison c for parameter p (check stars are
   the labelled stars training never saw; "all" is every row or a random subsample of it).
   pull_nn[p]: (NN − truth) / σ_total over all rows — median ≈ 0 and σ_G ≈ 1 when σ_total is
   calibrated (paper 000, Fig. 26). pull_bayes[p]: (Bayes − truth) / σ_B on the check stars.
   sigma_ratio[p]: median σ_NN / σ_B over all rows. by_r[p]: NN − truth (all rows) in r bins;
   nn_bayes_by_r[p]: NN − Bayes (check stars) in the same bins. has_truth: the catalogue had
   the true parameters (mock catalogues); without it only NN − Bayes is filled. */
struct Evaluation {
  bool has_truth = false;
  std::size_t rows = 0, check_rows = 0;
  std::array<std::array<RobustStats, bayes::n_params>, 4> table{};
  std::array<RobustStats, bayes::n_params> pull_nn{}, pull_bayes{};
  std::array<double, bayes::n_params> sigma_ratio{};
  std::vector<double> r_edges;
  std::array<std::vector<BinStats>, bayes::n_params> by_r, nn_bayes_by_r;
};

inline Evaluation evaluate(const ResidualSample& s, std::vector<double> r_edges = even_edges(14, 28, 14)) {
  Evaluation e;
  e.r_edges = r_edges;
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) e.rows += s.in_all[i] != 0, e.check_rows += s.role[i] == Role::check;
  for (const auto p : bayes::all_params) {
    const std::size_t k = bayes::index(p);
    std::array<std::vector<double>, 4> d;
    std::vector<double> pull_nn, pull_b, ratio, r_all, r_check, dnb;
    for (std::size_t i = 0; i < n; ++i) {
      const double t = s.truth[k][i], nn = s.nn[k][i], b = s.bayes_mean[k][i];
      if (std::isfinite(t)) e.has_truth = true;
      if (s.role[i] == Role::check) {
        d[0].push_back(b - t);
        d[1].push_back(nn - b);
        d[2].push_back(nn - t);
        pull_b.push_back((b - t) / s.bayes_sigma[k][i]);
        r_check.push_back(s.r[i]);
        dnb.push_back(nn - b);
      }
      if (s.in_all[i]) {
        d[3].push_back(nn - t);
        pull_nn.push_back((nn - t) / s.sigma_total[k][i]);
        ratio.push_back(s.sigma_nn[k][i] / s.sigma_b[k][i]);
        r_all.push_back(s.r[i]);
      }
    }
    for (std::size_t c = 0; c < 4; ++c) e.table[c][k] = robust_stats(d[c]);
    e.pull_nn[k] = robust_stats(pull_nn);
    e.pull_bayes[k] = robust_stats(pull_b);
    e.sigma_ratio[k] = median(ratio);
    e.by_r[k] = binned_stats(r_all, d[3], r_edges);
    e.nn_bayes_by_r[k] = binned_stats(r_check, dnb, r_edges);
  }
  return e;
}

inline nlohmann::json to_json(const RobustStats& s) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"n", s.n}, {"median", num(s.median)}, {"sigma_g", num(s.sigma_g)}, {"mean", num(s.mean)}, {"stddev", num(s.stddev)}};
}

inline nlohmann::json to_json(const Evaluation& e) {
  nlohmann::json j{{"has_truth", e.has_truth}, {"rows", e.rows}, {"check_rows", e.check_rows}, {"r_edges", e.r_edges}};
  for (std::size_t c = 0; c < 4; ++c)
    for (const auto p : bayes::all_params) j["table"][comparison_keys[c]][std::string(bayes::name(p))] = to_json(e.table[c][bayes::index(p)]);
  for (const auto p : bayes::all_params) {
    const std::string P(bayes::name(p));
    const std::size_t k = bayes::index(p);
    j["pull_nn"][P] = to_json(e.pull_nn[k]);
    j["pull_bayes"][P] = to_json(e.pull_bayes[k]);
    j["sigma_ratio"][P] = std::isfinite(e.sigma_ratio[k]) ? nlohmann::json(e.sigma_ratio[k]) : nlohmann::json();
    for (const auto& b : e.by_r[k]) j["nn_truth_by_r"][P].push_back(to_json(b.stats));
    for (const auto& b : e.nn_bayes_by_r[k]) j["nn_bayes_by_r"][P].push_back(to_json(b.stats));
  }
  return j;
}

// The residual table as Markdown, "median / σ_G" per cell; comparisons without data are left out.
inline std::string format_table(const Evaluation& e) {
  std::string out = "| comparison | Mr | A_r | [Fe/H] |\n|---|---|---|---|\n";
  char buf[64];
  for (std::size_t c = 0; c < 4; ++c) {
    if (e.table[c][0].n == 0) continue;
    out += std::string("| ") + comparison_labels[c];
    for (std::size_t k = 0; k < bayes::n_params; ++k) {
      std::snprintf(buf, sizeof buf, " | %+.3f / %.3f", e.table[c][k].median, e.table[c][k].sigma_g);
      out += buf;
    }
    out += " |\n";
  }
  return out;
}

}  // namespace locus::pipeline
