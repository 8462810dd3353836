#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "locus/io/csv.hpp"
#include "locus/pipeline/column_map.hpp"
#include "locus/sim/mock_patch.hpp"
#include "../support/files.hpp"
#include "../support/s82.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;

namespace {
std::vector<std::string> csv_header(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  return out;
}
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
}  // namespace

TEST_CASE("column_map: the defaults name the columns of the S82 file and of mock patches") {
  const ColumnMap m;
  const auto s82 = csv_header(test::data_path("photod/s82/s82_calibstars.csv"));
  const auto& mock = sim::patch_columns();
  REQUIRE(m.star_columns().size() == 11);
  for (const auto& c : m.star_columns()) {
    INFO(c);
    CHECK(has(s82, c));
    CHECK(has(mock, c));
  }
  for (const auto& t : m.truth) {
    INFO(t);
    CHECK(has(mock, t));
    CHECK_FALSE(has(s82, t));  // the S82 file has no truth
  }
  CHECK(m.missing_sentinel == -99.0);
}

TEST_CASE("column_map: star_columns lists the mapped columns in Star field order") {
  ColumnMap m;
  CHECK(m.star_columns() == std::vector<std::string>{"rmag", "rErr", "ug", "gr", "ri", "iz", "ugErr", "grErr", "riErr",
                                                     "izErr", "Ar"});
  m.r = "";
  m.ar_sfd = "";
  m.colour[2] = "r_i";
  CHECK(m.star_columns() ==
        std::vector<std::string>{"rErr", "ug", "gr", "r_i", "iz", "ugErr", "grErr", "riErr", "izErr"});
}

TEST_CASE("column_map: read_specs reads star columns as required doubles with the sentinel, truth as optional") {
  ColumnMap m;
  m.truth[1] = "";  // no true A_r
  const auto specs = m.read_specs(io::Missing::error);
  REQUIRE(specs.size() == 11 + 2);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    const auto& s = specs[k];
    INFO(s.name);
    CHECK(s.type == io::ColumnType::f64);
    REQUIRE(s.sentinel.has_value());
    CHECK(*s.sentinel == -99.0);
    if (k < 11) {
      CHECK(s.name == m.star_columns()[k]);
      CHECK(s.required);
      CHECK(s.missing == io::Missing::error);
    } else {
      CHECK_FALSE(s.required);
      CHECK(s.missing == io::Missing::ignore);
    }
  }
  CHECK(specs[11].name == "Mr_true");
  CHECK(specs[12].name == "FeH_true");
  CHECK(m.read_specs().front().missing == io::Missing::flag);  // the default policy flags
}

TEST_CASE("column_map: reading a file with the specs: sentinel and NaN flagged or an error; truth never an error") {
  test::TempDir dir("column_map");
  const std::string header = "rmag,rErr,ug,gr,ri,iz,ugErr,grErr,riErr,izErr,Ar,Mr_true\n";
  const auto path = dir.file("stars.csv", header +
                                              "18,0.01,1.2,0.5,0.2,0.1,0.02,0.01,0.01,0.01,0.1,5.0\n"
                                              "19,0.01,-99,0.5,0.2,0.1,0.02,0.01,0.01,0.01,0.1,-99\n"
                                              "20,0.02,1.0,0.4,0.2,0.1,0.03,0.01,0.01,0.01,0.1,nan\n");
  const ColumnMap m;
  io::CsvReadOptions o;
  o.columns = m.read_specs(io::Missing::flag);
  const auto c = io::read_csv(path, o);
  REQUIRE(c.rows() == 3);
  CHECK(c.status(0) == io::status::ok);
  CHECK(c.status(1) == io::status::missing_value);  // the −99 colour (the truth's −99 is ignored)
  CHECK(c.status(2) == io::status::ok);             // a NaN truth is not a problem
  CHECK(std::isnan(c.value("ug", 1)));
  CHECK(std::isnan(c.value("Mr_true", 1)));
  CHECK(c.value("Mr_true", 0) == 5.0);
  CHECK(m.has_truth(c, bayes::Param::mr));
  CHECK_FALSE(m.has_truth(c, bayes::Param::feh));  // no such column

  o.columns = m.read_specs(io::Missing::error);
  const std::string msg = message_of<InputError>([&] { io::read_csv(path, o); });
  CHECK(mentions(msg, "ug"));
  CHECK(mentions(msg, "stars.csv"));

  // a missing star column is an error, a missing truth column is not
  const auto no_ar = dir.file("no_ar.csv", "rmag,rErr,ug,gr,ri,iz,ugErr,grErr,riErr,izErr\n18,0.01,1.2,0.5,0.2,0.1,0.02,0.01,0.01,0.01\n");
  o.columns = m.read_specs();
  CHECK(mentions(message_of<InputError>([&] { io::read_csv(no_ar, o); }), "Ar"));
  ColumnMap without_ar = m;
  without_ar.ar_sfd = "";
  o.columns = without_ar.read_specs();
  const auto c2 = io::read_csv(no_ar, o);
  CHECK(c2.rows() == 1);
  CHECK_FALSE(without_ar.has_truth(c2, bayes::Param::mr));
  ColumnMap no_truth = m;
  no_truth.truth[0] = "";
  CHECK_FALSE(no_truth.has_truth(c, bayes::Param::mr));  // an empty name is never there
}

TEST_CASE("column_map: set maps every key to its field, and an unknown key is a ConfigError listing the keys") {
  locus::pipeline::ColumnMap m;
  m.set("r", "r_psf");
  m.set("r_err", "r_psf_err");
  m.set("ar_sfd", "A_r");
  m.set("gr", "g_r");
  m.set("iz_err", "i_z_err");
  m.set("FeH_true", "feh");
  CHECK(m.r == "r_psf");
  CHECK(m.r_err == "r_psf_err");
  CHECK(m.ar_sfd == "A_r");
  CHECK(m.colour[1] == "g_r");
  CHECK(m.colour[0] == "ug");  // untouched
  CHECK(m.error[3] == "i_z_err");
  CHECK(m.truth[2] == "feh");
  m.set("Mr_true", "");  // an empty name: no truth column
  CHECK(m.truth[0].empty());
  try {
    m.set("grr", "x");
    FAIL("no error for an unknown key");
  } catch (const locus::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("'grr'") != std::string::npos);
    CHECK(what.find("ug_err") != std::string::npos);
    CHECK(what.find("Mr_true") != std::string::npos);
  }
}
