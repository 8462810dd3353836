#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/io/csv.hpp"
#include "../support/files.hpp"

using namespace locus;
using namespace locus::io;
namespace fs = std::filesystem;
using locus::test::message_of;
using locus::test::slurp;
using locus::test::TempDir;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

Catalog random_catalog(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Catalog c(n);
  auto a = c.add_column<double>("mag_r");
  auto b = c.add_column<float>("ug");
  auto d = c.add_column<double>("tiny");
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = 14.0 + 13.0 * rng.uniform();
    b[i] = static_cast<float>(rng.normal());
    d[i] = rng.normal() * 1e-300;  // subnormal-range and extreme exponents
    ids[i] = "star_" + std::to_string(i);
    if (i % 7 == 3) c.flag(i, status::no_fit | (status::first_module_bit << 2));
  }
  a[1] = std::numeric_limits<double>::quiet_NaN();
  a[2] = std::numeric_limits<double>::infinity();
  d[3] = -0.0;
  d[4] = std::numeric_limits<double>::max();
  d[5] = std::numeric_limits<double>::denorm_min();
  ids[0] = "has,comma";
  ids[1] = "has \"quotes\"";
  ids[2] = "two\nlines";
  ids[3] = "#hash";
  ids[4] = "";
  c.set_ids(std::move(ids), "name");
  return c;
}

}  // namespace

TEST_CASE("csv: round trip is bit-exact for doubles, floats, ids and status") {
  TempDir dir;
  const Catalog c = random_catalog(1000, 7);
  const fs::path p = dir.path / "cat.csv";
  CsvWriteOptions wo;
  wo.comments = {"made by locus tests", "second line\nthird line"};
  write_csv(c, p, wo);
  CHECK(dir.entries().size() == 1);  // no temporary file left

  CsvReadOptions ro;
  ro.id_column = "name";
  ro.columns = {ColumnSpec("ug", ColumnType::f32).on_missing(Missing::ignore)};
  ro.defaults.missing = Missing::ignore;  // NaN written on purpose: not a missing-value flag
  const Catalog r = read_csv(p, ro);
  REQUIRE(r.rows() == c.rows());
  CHECK(r.names() == c.names());
  CHECK(r.type("ug") == ColumnType::f32);
  for (std::size_t i = 0; i < c.rows(); ++i) {
    CHECK(same_bits(r.column<double>("mag_r")[i], c.column<double>("mag_r")[i]));
    CHECK(r.column<float>("ug")[i] == c.column<float>("ug")[i]);
    CHECK(same_bits(r.column<double>("tiny")[i], c.column<double>("tiny")[i]));
    CHECK(r.id(i) == c.id(i));
    CHECK(r.status(i) == c.status(i));
  }
  // Writing what was read gives the same bytes.
  write_csv(r, dir.path / "again.csv", wo);
  CHECK(slurp(p) == slurp(dir.path / "again.csv"));
  CHECK(slurp(p).rfind("# made by locus tests\n# second line\n# third line\nname,mag_r,ug,tiny,status\n", 0) == 0);
}

TEST_CASE("csv: header-only file gives zero rows with the columns") {
  TempDir dir;
  const auto p = dir.file("h.csv", "# comment\n\na,b\n");
  const Catalog c = read_csv(p);
  CHECK(c.rows() == 0);
  CHECK(c.names() == std::vector<std::string>{"a", "b"});
  Catalog empty(0);
  empty.add_column<double>("x");
  write_csv(empty, dir.path / "e.csv");
  CHECK(slurp(dir.path / "e.csv") == "x,status\n");
}

TEST_CASE("csv: comments, blank lines, quotes, CRLF, BOM, spaces and signs") {
  TempDir dir;
  const auto p = dir.file("q.csv",
                          "\xEF\xBB\xBF# leading comment\r\n"
                          "# a comment with \"quotes\", commas and an odd one: 5\" wide\r\n"
                          "id,\"x\",y\r\n"
                          "a, 1.5 ,+2\r\n"
                          "# comment between rows, it's 5\" wide\r\n"
                          "\r\n"
                          "\"b,\"\"c\"\"\",\"3e2\",-4\r\n"
                          "\"multi\nline\",5,6");  // no final newline
  const Catalog c = read_csv(p);
  REQUIRE(c.rows() == 3);
  CHECK(c.ids()[0] == "a");
  CHECK(c.ids()[1] == "b,\"c\"");
  CHECK(c.ids()[2] == "multi\nline");
  CHECK(c.column<double>("x")[0] == 1.5);
  CHECK(c.column<double>("y")[0] == 2.0);
  CHECK(c.column<double>("x")[1] == 300.0);
  CHECK(c.column<double>("y")[1] == -4.0);
  CHECK(c.column<double>("y")[2] == 6.0);
  CHECK(c.count(status::ok) == 3);
}

TEST_CASE("csv: missing values follow the per-column policy and rows are flagged, not dropped") {
  TempDir dir;
  const auto p = dir.file("m.csv",
                          "a,b,c,d\n"
                          "1,2,3,4\n"
                          ",nan,NA,-99\n"
                          "5,NaN,null,7\n"
                          "8,9,10,x\n");
  CsvReadOptions o;
  o.columns = {ColumnSpec("a").on_missing(Missing::flag), ColumnSpec("b").on_missing(Missing::ignore),
               ColumnSpec("c").fill_with(-1.0),
               ColumnSpec("d").on_bad(BadField::flag).missing_sentinel(-99.0)};
  const Catalog c = read_csv(p, o);
  REQUIRE(c.rows() == 4);
  CHECK(c.status(0) == status::ok);
  CHECK(c.status(1) == status::missing_value);  // a empty, c NA, d sentinel
  CHECK(std::isnan(c.column<double>("a")[1]));
  CHECK(c.column<double>("c")[1] == -1.0);  // fill value
  CHECK(std::isnan(c.column<double>("d")[1]));
  CHECK(c.status(2) == status::missing_value);  // only c (b is ignore)
  CHECK(std::isnan(c.column<double>("b")[2]));
  CHECK(c.status(3) == status::bad_value);  // d = "x" under BadField::flag
  CHECK(std::isnan(c.column<double>("d")[3]));

  // Missing::error names file, line, row and column.
  CsvReadOptions strict;
  strict.defaults.missing = Missing::error;
  const std::string msg = message_of<InputError>([&] { read_csv(p, strict); });
  CHECK(msg.find("m.csv") != std::string::npos);
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("data row 2") != std::string::npos);
  CHECK(msg.find("column 'a'") != std::string::npos);
}

TEST_CASE("csv: only_listed selects columns and sets their types") {
  TempDir dir;
  const auto p = dir.file("s.csv", "u,g,junk\n1,2,abc\n3,4,def\n");
  CsvReadOptions o;
  o.only_listed = true;
  o.columns = {ColumnSpec("g", ColumnType::f32), ColumnSpec("u")};
  const Catalog c = read_csv(p, o);
  CHECK(c.names() == std::vector<std::string>{"u", "g"});  // file order
  CHECK(c.type("g") == ColumnType::f32);
  CHECK(c.column<float>("g")[1] == 4.0f);
  o.columns.push_back(ColumnSpec("r").optional());
  CHECK(read_csv(p, o).names() == std::vector<std::string>{"u", "g"});
}

TEST_CASE("csv: malformed inputs give clear errors and leave no output file") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string content;
    std::vector<std::string> expected;  // fragments of the message
  };
  std::string many = "a,b\n";
  for (int i = 0; i < 500; ++i) many += std::to_string(i) + "," + std::to_string(2 * i) + "\n";
  const std::vector<Case> cases = {
      {"truncated.csv", many + "500,1000\n501", {"truncated.csv", "line 503", "data row 502", "expected 2 fields, found 1", "truncated"}},
      {"truncated_quote.csv", "id,a\nx,1\n\"unfinished,2\n", {"truncated_quote.csv", "line 3", "not closed"}},
      {"wrong_count.csv", "a,b,c\n1,2,3\n4,5\n", {"wrong_count.csv", "line 3", "data row 2", "expected 3 fields, found 2"}},
      {"too_many.csv", "a,b\n1,2\n3,4,5\n", {"too_many.csv", "line 3", "found 3"}},
      {"non_numeric.csv", "a,b\n1,2\n3,4x\n", {"non_numeric.csv", "line 3", "data row 2", "column 'b'", "'4x'"}},
      {"empty.csv", "", {"empty.csv", "empty"}},
      {"only_comments.csv", "# nothing here\n\n", {"only_comments.csv", "empty"}},
      {"dup_header.csv", "a,b,a\n1,2,3\n", {"dup_header.csv", "'a' appears twice"}},
      {"late_error.csv", many + "1,oops\n", {"late_error.csv", "data row 501", "column 'b'", "'oops'"}},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    const auto in = dir.file(k.name, k.content);
    const fs::path out = dir.path / (std::string("out_") + k.name);
    // A whole-file conversion and a streaming one (chunks already written when the error hits).
    const std::string msg = message_of<Error>([&] { write_csv(read_csv(in), out); });
    REQUIRE_FALSE(msg.empty());
    for (const auto& f : k.expected) CHECK_MESSAGE(msg.find(f) != std::string::npos, msg);
    CHECK_FALSE(fs::exists(out));
    const std::string msg2 = message_of<Error>([&] {
      CsvWriter w(out);
      for_each_csv_chunk(in, 64, [&](const Catalog& chunk, std::size_t) { w.write(chunk); });
      w.commit();
    });
    CHECK(msg2 == msg);
    CHECK_FALSE(fs::exists(out));
  }
  CHECK(dir.entries().size() == cases.size());  // only the inputs: no temporaries, no outputs
}

TEST_CASE("csv: missing required column, missing file, and an existing output survives a failure") {
  TempDir dir;
  const auto p = dir.file("cols.csv", "ra,dec,rmag\n1,2,3\n");
  CsvReadOptions o;
  o.columns = {ColumnSpec("gmag")};
  const std::string msg = message_of<InputError>([&] { read_csv(p, o); });
  CHECK(msg.find("cols.csv") != std::string::npos);
  CHECK(msg.find("required column 'gmag' is missing") != std::string::npos);
  CHECK(msg.find("ra,dec,rmag") != std::string::npos);
  CHECK(message_of<InputError>([&] { read_csv(dir.path / "absent.csv"); }).find("absent.csv") != std::string::npos);

  const auto out = dir.file("keep.csv", "old contents\n");
  const auto bad = dir.file("bad.csv", "a\n1\nz\n");
  CHECK_THROWS_AS(write_csv(read_csv(bad), out), InputError);
  CHECK(slurp(out) == "old contents\n");
  CHECK_THROWS_AS(write_csv(Catalog(1), dir.path / "no_such_dir" / "x.csv"), Error);
}

TEST_CASE("csv: the streaming reader returns the same rows as the whole-file reader") {
  TempDir dir;
  const Catalog c = random_catalog(2345, 11);
  const fs::path p = dir.path / "big.csv";
  CsvWriter w(p);
  // Write in uneven chunks through the streaming writer.
  for (std::size_t start = 0; start < c.rows();) {
    const std::size_t n = std::min<std::size_t>(start % 2 ? 300 : 777, c.rows() - start);
    Catalog part(n);
    for (const auto& name : {"mag_r", "tiny"}) {
      auto s = c.column<double>(name);
      part.add_column<double>(name, std::vector<double>(s.begin() + start, s.begin() + start + n));
    }
    auto u = c.column<float>("ug");
    part.add_column<float>("ug", std::vector<float>(u.begin() + start, u.begin() + start + n));
    auto ids = c.ids();
    part.set_ids(std::vector<std::string>(ids.begin() + start, ids.begin() + start + n), "name");
    for (std::size_t i = 0; i < n; ++i) part.status(i) = c.status(start + i);
    w.write(part);
    start += n;
  }
  CHECK_FALSE(fs::exists(p));  // nothing visible before commit
  w.commit();
  CHECK(w.rows_written() == c.rows());

  CsvReadOptions o;
  o.id_column = "name";
  o.buffer_bytes = 4096;
  o.defaults.missing = Missing::ignore;  // the NaN written on purpose is not flagged  // force many refills, records straddling buffer ends
  const Catalog all = read_csv(p, o);
  REQUIRE(all.rows() == c.rows());
  CHECK(all.names() == std::vector<std::string>{"mag_r", "tiny", "ug"});
  std::size_t seen = 0;
  const std::size_t total = for_each_csv_chunk(
      p, 500,
      [&](const Catalog& chunk, std::size_t first) {
        CHECK(first == seen);
        CHECK(chunk.rows() <= 500);
        CHECK(chunk.names() == all.names());
        for (std::size_t i = 0; i < chunk.rows(); ++i) {
          CHECK(chunk.id(i) == c.id(first + i));
          CHECK(same_bits(chunk.value("mag_r", i), c.value("mag_r", first + i)));
          CHECK(chunk.status(i) == c.status(first + i));
        }
        seen += chunk.rows();
      },
      o);
  CHECK(total == c.rows());
  CHECK(seen == c.rows());
}

TEST_CASE("csv: significant_digits and nan_text") {
  TempDir dir;
  Catalog c(2);
  c.add_column<double>("x", std::vector<double>{1.0 / 3.0, std::nan("")});
  CsvWriteOptions o;
  o.significant_digits = 4;
  o.nan_text = "";
  o.write_status = false;
  write_csv(c, dir.path / "d.csv", o);
  CHECK(slurp(dir.path / "d.csv") == "x\n0.3333\n\n");  // one-column file: blank line = empty field
  const Catalog r = read_csv(dir.path / "d.csv");
  REQUIRE(r.rows() == 2);
  CHECK(r.value("x", 0) == 0.3333);
  CHECK(std::isnan(r.value("x", 1)));
  CHECK(r.status(1) == status::missing_value);
  o.significant_digits = 40;
  CHECK_THROWS_AS(CsvWriter(dir.path / "e.csv", o), ConfigError);
}

TEST_CASE("csv: the real Stripe 82 standard-star catalogue") {
  const fs::path p = fs::path(LOCUS_DATA_DIR) / "photod/s82/s82_calibstars.csv";
  REQUIRE_MESSAGE(fs::exists(p), p << " is missing from the repository");
  // Without naming the id column the first field cannot be a number, and the message says so.
  CHECK(message_of<InputError>([&] { read_csv(p); }).find("id_column = \"CALIBSTARS\"") != std::string::npos);

  CsvReadOptions o;
  o.id_column = "CALIBSTARS";
  for (const char* name : {"Mr", "FeH", "MrEst", "MrEstUnc", "FeHEst"})
    o.columns.push_back(ColumnSpec(name).on_missing(Missing::ignore).missing_sentinel(-99.0));
  const Catalog c = read_csv(p, o);
  REQUIRE(c.rows() == 3981);
  CHECK(c.columns() == 53);  // 54 header names minus the id column
  CHECK(c.count(status::ok) == 3981);
  CHECK(c.id(0) == "CALIBSTARS_0891163");
  CHECK(c.value("ra", 0) == 43.787097);
  CHECK(c.value("Ar", 0) == 0.256);
  CHECK(c.value("umag", 0) == 19.544);
  CHECK(c.value("ug", 0) == 1.586000000000002);
  CHECK(c.value("glat", 0) == -49.03089458163686);
  CHECK(c.id(1999) == "CALIBSTARS_0900649");
  CHECK(c.value("dec", 1999) == 1.113748);
  CHECK(c.id(3980) == "CALIBSTARS_0911799");
  CHECK(c.value("rmag", 3980) == 14.115);
  CHECK(c.value("izErr", 3980) == 0.0031622776601683794);
  CHECK(std::isnan(c.value("Mr", 17)));  // -99 placeholder read as missing
  // Column sums from numpy (math.fsum over np.genfromtxt): 76164.22 and 7205.777.
  long double rsum = 0, ugsum = 0, armax = 0;
  for (std::size_t i = 0; i < c.rows(); ++i) {
    rsum += c.value("rmag", i);
    ugsum += c.value("ug", i);
    armax = std::max<long double>(armax, c.value("Ar", i));
  }
  CHECK(static_cast<double>(rsum) == doctest::Approx(76164.22).epsilon(1e-13));
  CHECK(static_cast<double>(ugsum) == doctest::Approx(7205.777).epsilon(1e-13));
  CHECK(static_cast<double>(armax) == 0.326);

  // Strict policy on the placeholders: every row is flagged, none dropped.
  o.columns.clear();
  o.columns.push_back(ColumnSpec("Mr").missing_sentinel(-99.0));
  const Catalog f = read_csv(p, o);
  CHECK(f.rows() == 3981);
  CHECK(f.count(status::missing_value) == 3981);
}

TEST_CASE("csv: random truncations and byte corruptions never crash: they parse or throw locus::Error") {
  TempDir dir;
  const Catalog c = random_catalog(60, 5);
  const fs::path src = dir.path / "src.csv";
  write_csv(c, src);
  const std::string text = slurp(src);
  Rng rng(99);
  const char alphabet[] = {',', '"', '\n', '\r', '#', ' ', 'x', '1', '.', 'e', '-', '\0'};
  std::size_t parsed = 0, errors = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string t = text;
    if (trial % 2 == 0) {
      t.resize(rng.uniform_index(t.size() + 1));
    } else {
      const std::size_t flips = 1 + rng.uniform_index(4);
      for (std::size_t k = 0; k < flips; ++k) t[rng.uniform_index(t.size())] = alphabet[rng.uniform_index(sizeof alphabet)];
    }
    const auto p = dir.file("fuzz.csv", t);
    try {
      CsvReadOptions o;
      o.id_column = "name";
      o.buffer_bytes = 64;  // tiny buffer: records straddle refills everywhere
      const Catalog r = read_csv(p, o);
      ++parsed;
      CHECK(r.rows() <= c.rows() + 10);
    } catch (const Error& e) {
      ++errors;
      CHECK(std::string(e.what()).find("fuzz.csv") != std::string::npos);
    }
  }
  CHECK(parsed + errors == 200);
  CHECK(parsed > 0);
  CHECK(errors > 0);
}

TEST_CASE("csv: a status-only catalogue round trips; nothing to write is a ConfigError") {
  TempDir dir;
  Catalog c(3);
  c.flag(1, status::cut);
  write_csv(c, dir.path / "s.csv");
  const Catalog r = read_csv(dir.path / "s.csv");
  CHECK(r.rows() == 3);  // one column: every line is a row
  CHECK(r.status(1) == status::cut);
  CsvWriteOptions o;
  o.write_status = false;
  CHECK_THROWS_AS(write_csv(c, dir.path / "nothing.csv", o), ConfigError);
  CHECK_FALSE(fs::exists(dir.path / "nothing.csv"));
  CHECK(dir.entries().size() == 1);
}
