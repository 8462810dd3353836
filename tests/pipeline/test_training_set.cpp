#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <locus/io/catalog.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/training_set.hpp>

using namespace locus;
using namespace locus::pipeline;

namespace {
constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// n rows with the default star columns and bayes_* summaries; row i has r = 15 + i / 100
// and Mr mean i, so a matrix row tells which catalogue row it came from.
io::Catalog labelled_catalog(std::size_t n) {
  io::Catalog cat(n);
  std::vector<double> r(n), col(n, 0.5), err(n, 0.02);
  for (std::size_t i = 0; i < n; ++i) r[i] = 15 + 0.01 * double(i);
  const ColumnMap map;
  cat.add_column<double>(map.r, r);
  cat.add_column<double>(map.r_err, err);
  for (std::size_t c = 0; c < bayes::n_colours; ++c) {
    cat.add_column<double>(map.colour[c], col);
    cat.add_column<double>(map.error[c], err);
  }
  cat.add_column<double>(map.ar_sfd, 0.1);
  std::vector<bayes::Summary> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i].mean = {double(i), 0.1, -1.0};
    s[i].sigma = {0.3, 0.05, 0.2};
  }
  append_summaries(cat, s);
  return cat;
}
}  // namespace

TEST_CASE("training set: usable rows, a reproducible split and the matrices of those rows") {
  io::Catalog cat = labelled_catalog(400);
  cat.column<double>("ug")[3] = missing;                    // incomplete photometry
  cat.column<double>("bayes_FeH_sigma")[5] = missing;       // no sigma
  cat.flag(7, io::status::no_fit);                        // no posterior
  cat.flag(9, io::status::poor_fit);                      // a posterior no model colour fits
  const auto ts = make_training_set(cat, {}, "bayes_", 0.25, 11);
  CHECK(ts.rows == 400);
  CHECK(ts.train_rows.size() + ts.validation_rows.size() == 396);
  CHECK(ts.validation_rows.size() > 60);  // 99 ± 8.6 expected
  CHECK(ts.validation_rows.size() < 140);
  for (auto v : {ts.train_rows, ts.validation_rows})
    for (auto i : v) CHECK((i != 3 && i != 5 && i != 7 && i != 9));
  REQUIRE(ts.train.rows() == ts.train_rows.size());
  REQUIRE(ts.validation.rows() == ts.validation_rows.size());
  CHECK(ts.train.x.shape(1) == n_network_inputs);
  for (std::size_t k = 0; k < ts.train_rows.size(); ++k) {
    const auto i = ts.train_rows[k];
    CHECK(ts.train.x(k, 0) == float(15 + 0.01 * double(i)));
    CHECK(ts.train.mean(k, 0) == float(i));
    CHECK(ts.train.sigma(k, 2) == 0.2f);
  }
  CHECK(ts.validation.mean(0, 0) == float(ts.validation_rows[0]));

  // A row's side depends only on (seed, row): other rows becoming unusable changes nothing.
  io::Catalog cat2 = labelled_catalog(400);
  for (std::size_t i = 0; i < 400; i += 3) cat2.flag(i, io::status::no_fit);
  cat2.flag(5, io::status::no_fit);
  cat2.flag(7, io::status::no_fit);
  const auto ts2 = make_training_set(cat2, {}, "bayes_", 0.25, 11);
  for (auto i : ts2.validation_rows) CHECK(std::find(ts.validation_rows.begin(), ts.validation_rows.end(), i) != ts.validation_rows.end());
  for (auto i : ts2.train_rows) CHECK(std::find(ts.train_rows.begin(), ts.train_rows.end(), i) != ts.train_rows.end());
  // another seed, another split
  CHECK(make_training_set(cat, {}, "bayes_", 0.25, 12).validation_rows != ts.validation_rows);
}

TEST_CASE("training set: errors name the missing column, the catalogue and the bad fraction") {
  io::Catalog plain(10);
  const ColumnMap map;
  for (const auto& name : map.star_columns()) plain.add_column<double>(name, 1.0);
  CHECK_THROWS_WITH_AS(make_training_set(plain, map, "bayes_", 0.25, 1), doctest::Contains("bayes_Mr_mean"), InputError);
  const io::Catalog tiny = labelled_catalog(2);
  CHECK_THROWS_WITH_AS(make_training_set(tiny, map, "bayes_", 0.25, 1, "'tiny.csv'"),
                       doctest::Contains("'tiny.csv' has 2 rows with a posterior"), InputError);
  const io::Catalog cat = labelled_catalog(50);
  CHECK_THROWS_AS(make_training_set(cat, map, "bayes_", 0.0, 1), ConfigError);
  CHECK_THROWS_AS(make_training_set(cat, map, "bayes_", 1.0, 1), ConfigError);
  CHECK_THROWS_WITH_AS(make_training_set(cat, map, "nn_", 0.25, 1), doctest::Contains("nn_Mr_mean"), InputError);
}
