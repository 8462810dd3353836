#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/pipeline/adapters.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"
#include "../support/s82.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::same_summary;
using locus::test::same_value;
using bayes::Param;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The S82 file parsed by hand (split on commas, strtod): an independent reading of the data.
struct RawCsv {
  std::map<std::string, std::size_t> column;
  std::vector<std::vector<std::string>> rows;
  double value(std::size_t row, const std::string& name) const { return std::strtod(rows[row][column.at(name)].c_str(), nullptr); }
};
RawCsv raw_csv(const std::string& path) {
  RawCsv r;
  std::ifstream in(path);
  std::string line;
  auto split = [](const std::string& s) {
    std::vector<std::string> f;
    std::stringstream ss(s);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    return f;
  };
  std::getline(in, line);
  const auto h = split(line);
  for (std::size_t k = 0; k < h.size(); ++k) r.column[h[k]] = k;
  while (std::getline(in, line))
    if (!line.empty()) r.rows.push_back(split(line));
  return r;
}

bool same_star(const bayes::Star& a, const bayes::Star& b) {
  bool ok = same_value(a.r, b.r) && same_value(a.r_err, b.r_err) && same_value(a.ar_sfd, b.ar_sfd);
  for (std::size_t c = 0; c < bayes::n_colours; ++c) ok = ok && same_value(a.colour[c], b.colour[c]) && same_value(a.error[c], b.error[c]);
  return ok;
}

std::vector<bayes::Summary> random_summaries(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<bayes::Summary> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& x = s[i];
    if (i % 5 == 4) {  // a failed fit: NaN summaries, status bits
      x.status = io::status::no_fit | io::status::missing_value;
      x.prior_bin = -1;
      continue;
    }
    for (std::size_t p = 0; p < bayes::n_params; ++p) {
      x.mean[p] = rng.normal(0, 3);
      x.sigma[p] = rng.uniform(0.01, 1);
      x.q14[p] = x.mean[p] - rng.uniform();
      x.q50[p] = x.mean[p] + rng.normal(0, 0.1);
      x.q86[p] = x.mean[p] + rng.uniform();
    }
    x.chi2_min = rng.uniform(0, 200);
    x.status = x.chi2_min > 100 ? io::status::poor_fit : io::status::ok;
    x.prior_bin = static_cast<int>(rng.uniform_index(27));
    x.nodes_used = static_cast<std::uint32_t>(rng.uniform_index(5000));
  }
  return s;
}

io::Catalog star_catalog(std::size_t n) {
  io::Catalog c(n);
  for (const auto& name : ColumnMap{}.star_columns()) {
    auto col = c.add_column<double>(name);
    for (std::size_t i = 0; i < n; ++i) col[i] = 0.5 + static_cast<double>(i) + 0.01 * static_cast<double>(name.size());
  }
  return c;
}

}  // namespace

TEST_CASE("adapters: read_stars of the S82 file equals a hand-parsed reading of it") {
  const auto cat = test::s82_catalog();
  const auto raw = raw_csv(test::data_path("photod/s82/s82_calibstars.csv"));
  const auto stars = read_stars(cat);
  REQUIRE(stars.size() == 3981);
  REQUIRE(raw.rows.size() == 3981);
  const ColumnMap m;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < stars.size(); ++i) {
    bayes::Star ref;
    ref.r = raw.value(i, m.r);
    ref.r_err = raw.value(i, m.r_err);
    ref.ar_sfd = raw.value(i, m.ar_sfd);
    for (std::size_t c = 0; c < bayes::n_colours; ++c) ref.colour[c] = raw.value(i, m.colour[c]), ref.error[c] = raw.value(i, m.error[c]);
    bad += !same_star(stars[i], ref);
  }
  CHECK(bad == 0);

  // rows: those rows, in that order
  const std::vector<std::size_t> rows{5, 2, 3980, 2};
  const auto some = read_stars(cat, m, rows);
  REQUIRE(some.size() == 4);
  for (std::size_t k = 0; k < rows.size(); ++k) CHECK(same_star(some[k], stars[rows[k]]));
  const std::vector<std::size_t> past{1, 3981};
  CHECK(mentions(message_of<InputError>([&] { read_stars(cat, m, past); }), "3981"));
}

TEST_CASE("adapters: read_stars maps the sentinel to NaN, leaves empty names NaN, and names a missing column") {
  io::Catalog c = star_catalog(4);
  c.column<double>("ug")[1] = -99.0;
  c.column<double>("Ar")[2] = -99.0;
  c.column<double>("gr")[3] = -98.99;  // not the sentinel
  c.column<double>("rmag")[0] = kNaN;
  ColumnMap m;
  auto s = read_stars(c, m);
  CHECK(std::isnan(s[1].colour[0]));
  CHECK(std::isnan(s[2].ar_sfd));
  CHECK(s[3].colour[1] == -98.99);
  CHECK(std::isnan(s[0].r));
  CHECK(s[1].colour[1] == c.value("gr", 1));  // the rest of the row is untouched
  CHECK(s[2].r == c.value("rmag", 2));

  m.missing_sentinel = -98.99;  // another sentinel: −99 is now a value
  s = read_stars(c, m);
  CHECK(s[1].colour[0] == -99.0);
  CHECK(std::isnan(s[3].colour[1]));

  m = ColumnMap{};
  m.r = "";
  m.ar_sfd = "";
  s = read_stars(c, m);
  for (const auto& x : s) CHECK((std::isnan(x.r) && std::isnan(x.ar_sfd)));
  CHECK(s[3].colour[0] == c.value("ug", 3));

  // float columns are read too
  io::Catalog f(2);
  for (const auto& name : ColumnMap{}.star_columns()) f.add_column<float>(name, 0.25f);
  f.column<float>("riErr")[1] = -99.0f;
  s = read_stars(f);
  CHECK(s[0].error[2] == 0.25);
  CHECK(std::isnan(s[1].error[2]));

  // a mapped column the catalogue lacks: InputError naming the column and the field
  m = ColumnMap{};
  m.colour[1] = "g_r";
  std::string msg = message_of<InputError>([&] { read_stars(c, m); });
  CHECK(mentions(msg, "'g_r'"));
  CHECK(mentions(msg, "colour gr"));
  CHECK(mentions(msg, "rmag"));  // lists the catalogue's columns
  m = ColumnMap{};
  m.error[3] = "iz_err";
  msg = message_of<InputError>([&] { read_stars(c, m); });
  CHECK(mentions(msg, "'iz_err'"));
  CHECK(mentions(msg, "colour iz's error"));
  m = ColumnMap{};
  m.ar_sfd = "A_SFD";
  CHECK(mentions(message_of<InputError>([&] { read_stars(c, m); }), "SFD extinction"));
  m = ColumnMap{};
  m.r_err = "sigma_r";
  CHECK(mentions(message_of<InputError>([&] { read_stars(c, m); }), "the r error"));
}

TEST_CASE("adapters: read_truth gives the true parameters in Param order, NaN where there are none") {
  // S82 has photo-D's estimates Mr and FeH with −99 for missing; map them as "truth"
  const auto cat = test::s82_catalog();
  const auto raw = raw_csv(test::data_path("photod/s82/s82_calibstars.csv"));
  ColumnMap m;
  m.truth = {"Mr", "", "FeH"};
  const auto t = read_truth(cat, m);
  REQUIRE(t.shape(0) == cat.rows());
  REQUIRE(t.shape(1) == 3);
  std::size_t bad = 0, missing = 0;
  for (std::size_t i = 0; i < cat.rows(); ++i) {
    const double mr = raw.value(i, "Mr"), feh = raw.value(i, "FeH");
    bad += !same_value(t(i, 0), mr == -99 ? kNaN : mr);
    bad += !same_value(t(i, 2), feh == -99 ? kNaN : feh);
    bad += !std::isnan(t(i, 1));  // no A_r truth column
    missing += mr == -99;
  }
  CHECK(bad == 0);
  CHECK(missing > 0);  // the sentinel case was exercised
  // the default names: the S82 file has no truth at all
  const auto none = read_truth(cat);
  std::size_t finite = 0;
  for (double v : none) finite += std::isfinite(v);
  CHECK(finite == 0);
  // rows
  const std::vector<std::size_t> rows{7, 0};
  const auto t2 = read_truth(cat, m, rows);
  REQUIRE(t2.shape(0) == 2);
  CHECK(same_value(t2(0, 0), t(7, 0)));
  CHECK(same_value(t2(1, 2), t(0, 2)));
}

TEST_CASE("adapters: network_inputs columns follow network_input_names") {
  CHECK(network_input_names.size() == n_network_inputs);
  bayes::Star s;
  s.r = 18.5, s.r_err = 0.011;
  s.colour = {1.25, 0.5, 0.125, 0.0625};
  s.error = {0.021, 0.012, 0.013, 0.014};
  s.ar_sfd = 0.3;  // not a network input
  std::map<std::string, double> by_name{{"r", s.r}, {"rErr", s.r_err}};
  const ColumnMap m;
  for (std::size_t c = 0; c < bayes::n_colours; ++c) by_name[m.colour[c]] = s.colour[c], by_name[m.error[c]] = s.error[c];
  const std::vector<bayes::Star> stars{s, bayes::Star{}};
  const auto x = network_inputs(stars);
  REQUIRE(x.shape(0) == 2);
  REQUIRE(x.shape(1) == n_network_inputs);
  for (std::size_t j = 0; j < n_network_inputs; ++j) {
    INFO(network_input_names[j]);
    REQUIRE(by_name.count(std::string(network_input_names[j])) == 1);
    CHECK(x(0, j) == static_cast<float>(by_name[std::string(network_input_names[j])]));
    CHECK(std::isnan(x(1, j)));
  }
  // network_ready needs all ten, but not A_SFD
  CHECK(network_ready(s));
  CHECK_FALSE(network_ready(bayes::Star{}));
  bayes::Star t = s;
  t.ar_sfd = kNaN;
  CHECK(network_ready(t));
  for (std::size_t j = 0; j < n_network_inputs; ++j) {
    bayes::Star u = s;
    double* field[] = {&u.r, &u.colour[0], &u.colour[1], &u.colour[2], &u.colour[3],
                       &u.r_err, &u.error[0], &u.error[1], &u.error[2], &u.error[3]};
    *field[j] = std::numeric_limits<double>::infinity();
    CHECK_FALSE(network_ready(u));
  }
}

TEST_CASE("adapters: summary means and sigmas are [n × 3] in Param order") {
  const auto s = random_summaries(6, 1);
  const auto m = summary_means(s), sg = summary_sigmas(s);
  REQUIRE(m.shape(0) == 6);
  REQUIRE(m.shape(1) == 3);
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t p = 0; p < 3; ++p) {
      CHECK(same_value(m(i, p), static_cast<float>(s[i].mean[p])));
      CHECK(same_value(sg(i, p), static_cast<float>(s[i].sigma[p])));
    }
}

TEST_CASE("adapters: append_summaries then read_summaries gives the summaries back") {
  CHECK(column_name("bayes_", Param::mr, "mean") == "bayes_Mr_mean");
  CHECK(column_name("x_", Param::feh, "q86") == "x_FeH_q86");
  const auto s = random_summaries(25, 2);
  SUBCASE("one summary per row") {
    io::Catalog c = star_catalog(25);
    append_summaries(c, s);
    CHECK(c.has_column("bayes_Ar_q14"));
    CHECK(c.type("bayes_Mr_mean") == io::ColumnType::f64);
    CHECK(c.has_column("bayes_chi2_min"));
    CHECK(c.has_column("bayes_prior_bin"));
    CHECK(c.has_column("bayes_nodes"));
    const auto back = read_summaries(c);
    REQUIRE(back.size() == s.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size(); ++i) bad += !same_summary(back[i], s[i]);
    CHECK(bad == 0);
    // and through a CSV file (shortest exact text)
    test::TempDir dir("adapters");
    io::write_csv(c, dir / "s.csv");
    const auto file = read_summaries(io::read_csv(dir / "s.csv"));
    bad = 0;
    for (std::size_t i = 0; i < s.size(); ++i) bad += !same_summary(file[i], s[i]);
    CHECK(bad == 0);
  }
  SUBCASE("summaries for some rows: NaN elsewhere, status ORed into the row's") {
    io::Catalog c = star_catalog(10);
    c.flag(7, io::status::cut);
    const std::vector<bayes::Summary> two{s[0], s[4]};  // s[4] failed
    const std::vector<std::size_t> rows{7, 2};
    append_summaries(c, two, "b_", rows);
    CHECK(c.status(7) == (io::status::cut | s[0].status));
    CHECK(c.status(2) == s[4].status);
    for (std::size_t i : {0, 1, 3, 4, 5, 6, 8, 9}) {
      CHECK(c.status(i) == io::status::ok);
      CHECK(std::isnan(c.value("b_Mr_mean", i)));
      CHECK(std::isnan(c.value("b_chi2_min", i)));
    }
    const auto back = read_summaries(c, "b_", rows);
    REQUIRE(back.size() == 2);
    bayes::Summary expect7 = s[0];
    expect7.status |= io::status::cut;  // status is the row's
    CHECK(same_summary(back[0], expect7));
    CHECK(same_summary(back[1], s[4]));
    CHECK(c.value("b_FeH_q50", 7) == s[0].q50[2]);
  }
  SUBCASE("mismatched sizes and missing columns are InputErrors") {
    io::Catalog c = star_catalog(10);
    CHECK(mentions(message_of<InputError>([&] { append_summaries(c, s); }), "25 results for a catalogue of 10 rows"));
    io::Catalog c2 = star_catalog(10);
    const std::vector<std::size_t> one{3};
    CHECK_THROWS_AS(append_summaries(c2, std::span(s).first(2), "bayes_", one), InputError);
    io::Catalog c3 = star_catalog(10);
    const std::vector<std::size_t> past{10};
    CHECK(mentions(message_of<InputError>([&] { append_summaries(c3, std::span(s).first(1), "bayes_", past); }), "row 10"));
    const std::string msg = message_of<InputError>([&] { read_summaries(star_catalog(3)); });
    CHECK(mentions(msg, "'bayes_Mr_mean'"));
    CHECK(mentions(msg, "locus posterior"));
    // chi2_min is optional when reading
    io::Catalog c4 = star_catalog(25);
    append_summaries(c4, s);
    c4.remove_column("bayes_chi2_min");
    const auto back = read_summaries(c4);
    CHECK(std::isnan(back[0].chi2_min));
    CHECK(back[0].mean[1] == s[0].mean[1]);
  }
}

TEST_CASE("adapters: append_diagnostics writes acceptance and tau per parameter") {
  std::vector<bayes::McmcDiagnostics> d(3);
  d[0].acceptance = 0.4, d[0].tau = {12.5, 30.0, 7.25};
  d[2].acceptance = 0.1;  // tau NaN (not computed)
  io::Catalog c = star_catalog(5);
  const std::vector<std::size_t> rows{4, 0, 2};
  append_diagnostics(c, d, "bayes_", rows);
  CHECK(c.value("bayes_acceptance", 4) == 0.4);
  CHECK(c.value("bayes_tau_Mr", 4) == 12.5);
  CHECK(c.value("bayes_tau_Ar", 4) == 30.0);
  CHECK(c.value("bayes_tau_FeH", 4) == 7.25);
  CHECK(std::isnan(c.value("bayes_acceptance", 0)));
  CHECK(c.value("bayes_acceptance", 2) == 0.1);
  CHECK(std::isnan(c.value("bayes_tau_Mr", 2)));
  CHECK(std::isnan(c.value("bayes_acceptance", 1)));
  CHECK(std::isnan(c.value("bayes_acceptance", 3)));
  io::Catalog all = star_catalog(3);
  append_diagnostics(all, d);
  CHECK(all.value("bayes_tau_FeH", 0) == 7.25);
  io::Catalog wrong = star_catalog(4);
  CHECK_THROWS_AS(append_diagnostics(wrong, d), InputError);
}

TEST_CASE("adapters: append_predictions writes float columns for the given rows, NaN elsewhere") {
  const std::size_t n = 3;
  nn::MomentsPrediction<float> pred{Matrix<float>({n, 3}), Matrix<float>({n, 3}), Matrix<float>({n, 3}), Matrix<float>({n, 3})};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < 3; ++p) {
      pred.mu(i, p) = static_cast<float>(10 * i + p);
      pred.sigma_nn(i, p) = 0.3f + static_cast<float>(p);
      pred.sigma_b(i, p) = 0.4f;
      pred.sigma_total(i, p) = std::sqrt(pred.sigma_nn(i, p) * pred.sigma_nn(i, p) + 0.16f);
    }
  io::Catalog c = star_catalog(6);
  const std::vector<std::size_t> rows{5, 1, 3};
  append_predictions(c, pred, "nn_", rows);
  const std::vector<std::string> names{"nn_Mr", "nn_Mr_sigma", "nn_Mr_sigma_nn", "nn_Mr_sigma_b", "nn_Ar", "nn_Ar_sigma",
                                       "nn_Ar_sigma_nn", "nn_Ar_sigma_b", "nn_FeH", "nn_FeH_sigma", "nn_FeH_sigma_nn", "nn_FeH_sigma_b"};
  auto all = c.names();
  const std::vector<std::string> tail(all.end() - 12, all.end());
  CHECK(tail == names);
  for (const auto& name : names) CHECK(c.type(name) == io::ColumnType::f32);
  for (std::size_t k = 0; k < rows.size(); ++k)
    for (const auto p : bayes::all_params) {
      const std::size_t j = bayes::index(p);
      const std::string P(bayes::name(p));
      CHECK(c.column<float>("nn_" + P)[rows[k]] == pred.mu(k, j));
      CHECK(c.column<float>("nn_" + P + "_sigma")[rows[k]] == pred.sigma_total(k, j));
      CHECK(c.column<float>("nn_" + P + "_sigma_nn")[rows[k]] == pred.sigma_nn(k, j));
      CHECK(c.column<float>("nn_" + P + "_sigma_b")[rows[k]] == pred.sigma_b(k, j));
    }
  for (std::size_t i : {0, 2, 4})
    for (const auto& name : names) CHECK(std::isnan(c.value(name, i)));
  // a model with other targets
  nn::MomentsPrediction<float> two{Matrix<float>({1, 2}), Matrix<float>({1, 2}), Matrix<float>({1, 2}), Matrix<float>({1, 2})};
  io::Catalog c2 = star_catalog(1);
  CHECK(mentions(message_of<InputError>([&] { append_predictions(c2, two); }), "2 parameters"));
}
