#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/io/csv.hpp"
#include "locus/pipeline/evaluation.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::same_value;
using locus::test::same_vector;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Residuals with known distributions, per parameter p: NN − truth ~ N(nn_off, nn_sig) on every
// row with σ_total = nn_sig (calibrated), σ_NN = 2 σ_B; Bayes − truth ~ N(b_off, b_sig) on the
// check rows (every 10th) with σ_B = b_sig. Every 20th row (a check row) is not in the
// all-rows subsample.
constexpr std::array<double, 3> nn_off{0.05, -0.01, 0.1}, nn_sig{0.3, 0.05, 0.2}, b_off{-0.02, 0.01, 0.0},
    b_sig{0.2, 0.04, 0.15};
ResidualSample synthetic(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  ResidualSample s;
  for (std::size_t i = 0; i < n; ++i) {
    s.row.push_back(3 * i + 1);
    s.role.push_back(i % 10 == 0 ? Role::check : i % 10 == 1 ? Role::train : i % 10 == 2 ? Role::validation : Role::none);
    s.in_all.push_back(static_cast<char>(i % 20 != 0));
    s.r.push_back(rng.uniform(14, 28));
    for (std::size_t p = 0; p < 3; ++p) {
      const double t = rng.normal(p == 0 ? 6 : p == 1 ? 0.2 : -0.8, 1);
      s.truth[p].push_back(t);
      s.nn[p].push_back(t + rng.normal(nn_off[p], nn_sig[p]));
      s.sigma_total[p].push_back(nn_sig[p]);
      s.sigma_b[p].push_back(0.5 * nn_sig[p] * (1 + 0.1 * rng.uniform()));
      s.sigma_nn[p].push_back(2 * s.sigma_b[p].back());
      const bool labelled = s.role.back() != Role::none;
      s.bayes_mean[p].push_back(labelled ? t + rng.normal(b_off[p], b_sig[p]) : kNaN);
      s.bayes_sigma[p].push_back(labelled ? b_sig[p] : kNaN);
    }
  }
  return s;
}

bool same_stats(const RobustStats& a, const RobustStats& b) {
  return a.n == b.n && same_value(a.median, b.median) && same_value(a.sigma_g, b.sigma_g) && same_value(a.mean, b.mean) &&
         same_value(a.stddev, b.stddev);
}
}  // namespace

TEST_CASE("evaluation: evaluate() on residuals with known medians and sigmas") {
  const auto s = synthetic(20000, 8);
  const auto e = evaluate(s);
  CHECK(e.has_truth);
  CHECK(e.rows == 19000);
  CHECK(e.check_rows == 2000);
  CHECK(e.r_edges == even_edges(14, 28, 14));
  for (std::size_t p = 0; p < 3; ++p) {
    INFO("parameter " << p);
    // exactly the statistics of the right rows
    std::array<std::vector<double>, 4> d;
    std::vector<double> pull, pull_b, r_all, r_check, dnb;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.role[i] == Role::check) {
        d[0].push_back(s.bayes_mean[p][i] - s.truth[p][i]);
        d[1].push_back(s.nn[p][i] - s.bayes_mean[p][i]);
        d[2].push_back(s.nn[p][i] - s.truth[p][i]);
        pull_b.push_back((s.bayes_mean[p][i] - s.truth[p][i]) / s.bayes_sigma[p][i]);
        r_check.push_back(s.r[i]);
        dnb.push_back(d[1].back());
      }
      if (s.in_all[i]) {
        d[3].push_back(s.nn[p][i] - s.truth[p][i]);
        pull.push_back(d[3].back() / s.sigma_total[p][i]);
        r_all.push_back(s.r[i]);
      }
    }
    for (std::size_t c = 0; c < 4; ++c) CHECK(same_stats(e.table[c][p], robust_stats(d[c])));
    CHECK(same_stats(e.pull_nn[p], robust_stats(pull)));
    CHECK(same_stats(e.pull_bayes[p], robust_stats(pull_b)));
    // and they estimate the known distributions: medians within 4 standard errors
    // (1.2533 σ/√n), σ_G within 10 % (check stars, n = 2000: about 4 standard errors of
    // 1.17/√n) or 3 % (all rows, n = 19,000)
    auto med_ok = [](const RobustStats& st, double mu, double sigma) {
      return std::abs(st.median - mu) < 4 * 1.2533 * sigma / std::sqrt(static_cast<double>(st.n));
    };
    const double nb_sig = std::hypot(nn_sig[p], b_sig[p]);
    CHECK(e.table[0][p].n == 2000);
    CHECK(med_ok(e.table[0][p], b_off[p], b_sig[p]));
    CHECK(e.table[0][p].sigma_g == doctest::Approx(b_sig[p]).epsilon(0.10));
    CHECK(med_ok(e.table[1][p], nn_off[p] - b_off[p], nb_sig));
    CHECK(e.table[1][p].sigma_g == doctest::Approx(nb_sig).epsilon(0.10));
    CHECK(med_ok(e.table[2][p], nn_off[p], nn_sig[p]));
    CHECK(e.table[2][p].sigma_g == doctest::Approx(nn_sig[p]).epsilon(0.10));
    CHECK(e.table[3][p].n == 19000);
    CHECK(med_ok(e.table[3][p], nn_off[p], nn_sig[p]));
    CHECK(e.table[3][p].sigma_g == doctest::Approx(nn_sig[p]).epsilon(0.03));
    // calibrated σ_total: pulls have σ_G ≈ 1 and median nn_off / nn_sig
    CHECK(e.pull_nn[p].sigma_g == doctest::Approx(1.0).epsilon(0.03));
    CHECK(med_ok(e.pull_nn[p], nn_off[p] / nn_sig[p], 1.0));
    CHECK(e.pull_bayes[p].sigma_g == doctest::Approx(1.0).epsilon(0.10));
    // σ_NN = 2 σ_B on every row
    CHECK(e.sigma_ratio[p] == doctest::Approx(2.0).epsilon(1e-12));
    // binned: NN − truth of all rows and NN − Bayes of check rows in r bins
    REQUIRE(e.by_r[p].size() == 14);
    REQUIRE(e.nn_bayes_by_r[p].size() == 14);
    std::size_t n_all = 0, n_check = 0;
    for (std::size_t k = 0; k < 14; ++k) {
      const auto want = binned_stats(r_all, d[3], e.r_edges)[k];
      CHECK(same_stats(e.by_r[p][k].stats, want.stats));
      CHECK(same_stats(e.nn_bayes_by_r[p][k].stats, binned_stats(r_check, dnb, e.r_edges)[k].stats));
      n_all += e.by_r[p][k].stats.n;
      n_check += e.nn_bayes_by_r[p][k].stats.n;
      CHECK(med_ok(e.by_r[p][k].stats, nn_off[p], nn_sig[p]));
    }
    CHECK(n_all == 19000);
    CHECK(n_check == 2000);
  }
  // other bins
  const auto e2 = evaluate(s, {14, 21, 28});
  CHECK(e2.by_r[0].size() == 2);
  CHECK(e2.by_r[0][0].stats.n + e2.by_r[0][1].stats.n == 19000);
}

TEST_CASE("evaluation: a closed-form case, the Markdown table and the JSON") {
  // five check stars with Bayes − truth = {−1.5, −0.5, 0.5, 1.5, 2.5}: median 0.5, quartiles
  // −0.5 and 1.5, σ_G = 0.7413 · 2; NN − Bayes = 0.25 for all
  ResidualSample s;
  const std::array<double, 5> dev{1.5, -1.5, 0.5, 2.5, -0.5};
  for (std::size_t i = 0; i < 5; ++i) {
    s.row.push_back(i);
    s.role.push_back(Role::check);
    s.in_all.push_back(1);
    s.r.push_back(20.5);
    for (std::size_t p = 0; p < 3; ++p) {
      s.truth[p].push_back(1.0);
      s.bayes_mean[p].push_back(1.0 + dev[i]);
      s.nn[p].push_back(1.25 + dev[i]);
      s.bayes_sigma[p].push_back(0.5);
      s.sigma_total[p].push_back(kNaN);  // no σ: pulls are NaN and left out
      s.sigma_nn[p].push_back(0.1);
      s.sigma_b[p].push_back(kNaN);
    }
  }
  const auto e = evaluate(s);
  for (std::size_t p = 0; p < 3; ++p) {
    CHECK(e.table[0][p].median == 0.5);
    CHECK(e.table[0][p].sigma_g == doctest::Approx(0.7413 * 2).epsilon(1e-12));
    CHECK(e.table[1][p].median == 0.25);
    CHECK(e.table[1][p].sigma_g == 0.0);
    CHECK(e.table[2][p].median == 0.75);
    CHECK(e.pull_bayes[p].median == 1.0);
    CHECK(e.pull_nn[p].n == 0);
    CHECK(std::isnan(e.sigma_ratio[p]));
  }
  const std::string table = format_table(e);
  CHECK(mentions(table, "| comparison | Mr | A_r | [Fe/H] |"));
  CHECK(mentions(table, "| Bayes − truth (check stars) | +0.500 / 1.483 | +0.500 / 1.483 | +0.500 / 1.483 |"));
  CHECK(mentions(table, "| NN − Bayes (check stars) | +0.250 / 0.000 |"));
  const auto j = to_json(e);
  CHECK(j.at("has_truth") == true);
  CHECK(j.at("check_rows") == 5);
  CHECK(j.at("table").at("bayes_truth").at("Mr").at("median") == 0.5);
  CHECK(j.at("table").at("nn_truth_all").at("FeH").at("n") == 5);
  CHECK(j.at("pull_nn").at("Ar").at("median").is_null());  // NaN is written as null
  CHECK(j.at("sigma_ratio").at("Mr").is_null());
  CHECK(j.at("nn_truth_by_r").at("Mr").size() == 14);
  CHECK(j.at("nn_truth_by_r").at("Mr")[6].at("n") == 5);  // r = 20.5 is in [20, 21)

  // without truth only NN − Bayes remains
  for (std::size_t p = 0; p < 3; ++p)
    for (auto& t : s.truth[p]) t = kNaN;
  const auto nt = evaluate(s);
  CHECK_FALSE(nt.has_truth);
  CHECK(nt.table[0][0].n == 0);
  CHECK(nt.table[3][0].n == 0);
  CHECK(nt.table[1][0].n == 5);
  const std::string t2 = format_table(nt);
  CHECK_FALSE(mentions(t2, "Bayes − truth"));
  CHECK_FALSE(mentions(t2, "NN − truth"));
  CHECK(mentions(t2, "NN − Bayes"));
}

TEST_CASE("evaluation: to_catalog and residual_sample_from round trip, also through a CSV file") {
  const auto s = synthetic(300, 2);
  const auto c = to_catalog(s);
  CHECK(c.rows() == 300);
  const std::vector<std::string> head{"row", "role", "in_all", "r", "Mr_true", "nn_Mr", "nn_Mr_sigma", "nn_Mr_sigma_nn",
                                      "nn_Mr_sigma_b", "bayes_Mr_mean", "bayes_Mr_sigma"};
  const auto names = c.names();
  REQUIRE(names.size() == 4 + 3 * 7);
  CHECK(std::vector<std::string>(names.begin(), names.begin() + 11) == head);
  test::TempDir dir("evaluation");
  io::write_csv(c, dir / "residuals.csv");
  for (const auto& back : {residual_sample_from(c), residual_sample_from(io::read_csv(dir / "residuals.csv"))}) {
    CHECK(back.row == s.row);
    CHECK(back.role == s.role);
    CHECK(back.in_all == s.in_all);
    CHECK(same_vector(back.r, s.r));
    for (std::size_t p = 0; p < 3; ++p) {
      CHECK(same_vector(back.truth[p], s.truth[p]));
      CHECK(same_vector(back.nn[p], s.nn[p]));
      CHECK(same_vector(back.sigma_total[p], s.sigma_total[p]));
      CHECK(same_vector(back.sigma_nn[p], s.sigma_nn[p]));
      CHECK(same_vector(back.sigma_b[p], s.sigma_b[p]));
      CHECK(same_vector(back.bayes_mean[p], s.bayes_mean[p]));
      CHECK(same_vector(back.bayes_sigma[p], s.bayes_sigma[p]));
    }
    CHECK(to_json(evaluate(back)) == to_json(evaluate(s)));
  }
}
