#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/core/rng.hpp"
#include "locus/io/catalog_file.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"

using namespace locus;
using namespace locus::io;
using locus::test::check_same_catalog;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::TempDir;
namespace fs = std::filesystem;

namespace {

// n rows: a double and a float column with NaNs, string ids, a few status bits.
Catalog sample_catalog(std::size_t n, std::uint64_t seed = 3) {
  Rng rng(seed);
  Catalog c(n);
  auto a = c.add_column<double>("rmag");
  auto b = c.add_column<float>("ug");
  auto d = c.add_column<double>("tiny");
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = 14 + 10 * rng.uniform();
    b[i] = static_cast<float>(rng.normal(1.0, 0.5));
    d[i] = rng.normal(0.0, 1e-30);
    ids[i] = "star_" + std::to_string(1000 + i);
    if (i % 17 == 3) a[i] = std::numeric_limits<double>::quiet_NaN();
    if (i % 23 == 5) b[i] = std::numeric_limits<float>::quiet_NaN();
    if (i % 11 == 0) c.flag(i, status::cut);
    if (i % 29 == 1) c.flag(i, status::poor_fit | status::no_fit);
  }
  c.set_ids(std::move(ids));
  return c;
}

// Read options under which CSV keeps the float column float (FITS stores its type).
CatalogReadOptions typed_read() {
  CatalogReadOptions o;
  o.columns = {ColumnSpec("ug", ColumnType::f32).on_missing(Missing::ignore),
               ColumnSpec("rmag").on_missing(Missing::ignore), ColumnSpec("tiny").on_missing(Missing::ignore)};
  return o;
}

}  // namespace

TEST_CASE("catalog_file: format_of picks the format from the extension, any case") {
  CHECK(format_of("a.csv") == CatalogFormat::csv);
  CHECK(format_of("dir/a.CSV") == CatalogFormat::csv);
  CHECK(format_of("a.txt") == CatalogFormat::csv);
  CHECK(format_of("a.dat") == CatalogFormat::csv);
  CHECK(format_of("a.fits") == CatalogFormat::fits);
  CHECK(format_of("a.FIT") == CatalogFormat::fits);
  CHECK(format_of("a.fts") == CatalogFormat::fits);
  CHECK(format_of("x.tar.fits") == CatalogFormat::fits);

  const std::string msg = message_of<ConfigError>([] { format_of("stars.parquet"); });
  CHECK(mentions(msg, "stars.parquet"));
  CHECK(mentions(msg, "'.parquet'"));
  CHECK(mentions(msg, ".csv"));
  CHECK_THROWS_AS(format_of("stars"), ConfigError);
  CHECK_THROWS_AS(format_of("stars.csv.gz"), ConfigError);
  // the reader and writer check the name first (no file is touched)
  TempDir dir("catalog_file");
  CHECK_THROWS_AS(CatalogReader(dir / "x.parquet"), ConfigError);
  CHECK_THROWS_AS(CatalogWriter(dir / "x.parquet"), ConfigError);
  CHECK(dir.entries().empty());
}

TEST_CASE("catalog_file: CSV and FITS write and read back the same catalogue through one interface") {
  TempDir dir("catalog_file");
  const Catalog c = sample_catalog(257);
  std::vector<std::string> formats{"out.csv"};
  if (fits_available) formats.push_back("out.fits");
  for (const auto& name : formats) {
    INFO(name);
    const fs::path path = dir / name;
    {
      CatalogWriter w(path);
      CHECK(w.path() == path);
      w.write(slice(c, 0, 100));
      w.write(slice(c, 100, 101));
      w.write(slice(c, 101, c.rows()));
      CHECK(w.rows_written() == c.rows());
      CHECK_FALSE(fs::exists(path));  // nothing before commit
      w.commit();
    }
    CHECK(fs::exists(path));
    CHECK(test::temp_files_in(dir.path).empty());
    CatalogReader r(path, typed_read());
    CHECK(r.format() == format_of(path));
    const Catalog back = r.read_all();
    check_same_catalog(back, c);  // ids (auto-detected "id"), status, float stays float
    CHECK(r.rows_read() == c.rows());
    CHECK(r.fraction_done() == doctest::Approx(1.0));
    // the helpers do the same
    check_same_catalog(read_catalog(path, typed_read()), c);
  }
}

TEST_CASE("catalog_file: reading in chunks gives the rows in order, and fraction_done grows to 1") {
  TempDir dir("catalog_file");
  const Catalog c = sample_catalog(1000, 9);
  std::vector<std::string> formats{"chunks.csv"};
  if (fits_available) formats.push_back("chunks.fits");
  for (const auto& name : formats) {
    INFO(name);
    write_catalog(c, dir / name);
    CatalogReader r(dir / name, typed_read());
    CHECK(r.fraction_done() >= 0.0);
    CHECK(r.fraction_done() < 0.05);
    Catalog chunk;
    std::size_t total = 0, chunks = 0;
    double last = r.fraction_done();
    bool in_order = true, monotone = true;
    while (r.next(chunk, 128)) {
      ++chunks;
      CHECK(chunk.rows() <= 128);
      check_same_catalog(chunk, slice(c, total, total + chunk.rows()));
      total += chunk.rows();
      in_order = in_order && r.rows_read() == total;
      monotone = monotone && r.fraction_done() >= last;
      last = r.fraction_done();
      if (format_of(name) == CatalogFormat::fits)
        CHECK(r.fraction_done() == doctest::Approx(static_cast<double>(total) / 1000.0));
    }
    CHECK(in_order);
    CHECK(monotone);
    CHECK(total == c.rows());
    CHECK(chunks == 8);  // 7 × 128 + 104
    CHECK(r.fraction_done() == 1.0);
    CHECK_FALSE(r.next(chunk, 128));
    CHECK_THROWS_AS(r.next(chunk, 0), ConfigError);

    // read_all after a partial read returns the rest
    CatalogReader r2(dir / name, typed_read());
    REQUIRE(r2.next(chunk, 300));
    check_same_catalog(r2.read_all(), slice(c, 300, c.rows()));
  }
}

TEST_CASE("catalog_file: auto id column (CSV: named id or a non-numeric first field; FITS: id)") {
  TempDir dir("catalog_file");
  SUBCASE("the S82 file's first column CALIBSTARS holds the ids") {
    CatalogReader r(std::string(LOCUS_DATA_DIR) + "/photod/s82/s82_calibstars.csv");
    const Catalog c = r.read_all();
    CHECK(c.rows() == 3981);
    REQUIRE(c.has_ids());
    CHECK(c.id_name() == "CALIBSTARS");
    CHECK(c.id(0) == "CALIBSTARS_0891163");
    CHECK(c.id(1) == "CALIBSTARS_0891187");
    CHECK_FALSE(c.has_column("CALIBSTARS"));
    CHECK(c.names().front() == "ra");
    CHECK(c.value("ra", 0) == 43.787097);
    CHECK(c.value("rmag", 1) == 16.973);
  }
  SUBCASE("a numeric first column is data, not ids") {
    const auto p = dir.file("num.csv", "# a comment\nx,y\n1.5,2\n2.5,3\n");
    const Catalog c = read_catalog(p);
    CHECK_FALSE(c.has_ids());
    CHECK(c.names() == std::vector<std::string>{"x", "y"});
    CHECK(c.value("x", 1) == 2.5);
  }
  SUBCASE("a first column named id is the ids even when its values are numbers") {
    const auto p = dir.file("id.csv", "id,y\n17,2\n18,3\n");
    const Catalog c = read_catalog(p);
    REQUIRE(c.has_ids());
    CHECK(c.id(0) == "17");
    CHECK(c.names() == std::vector<std::string>{"y"});
    const auto q = dir.file("quoted.csv", "\xEF\xBB\xBF\"id\",y\n17,2\n");
    const Catalog cq = read_catalog(q);
    REQUIRE(cq.has_ids());
    CHECK(cq.id(0) == "17");
  }
  SUBCASE("a missing first value does not make the column ids") {
    const auto p = dir.file("nan.csv", "x,y\nnan,2\n3,4\n");
    const Catalog c = read_catalog(p);
    CHECK_FALSE(c.has_ids());
    CHECK(c.names() == std::vector<std::string>{"x", "y"});
  }
  SUBCASE("a non-numeric first value under another name") {
    const auto p = dir.file("name.csv", "# ids first\nobj,y\nA-1,2\nB-2,3\n");
    const Catalog c = read_catalog(p);
    REQUIRE(c.has_ids());
    CHECK(c.id_name() == "obj");
    CHECK(c.id(1) == "B-2");
  }
  SUBCASE("an explicit id_column overrides the guess") {
    const auto p = dir.file("explicit.csv", "x,name,y\n1,a,2\n3,b,4\n");
    CatalogReadOptions o;
    o.id_column = "name";
    const Catalog c = read_catalog(p, o);
    REQUIRE(c.has_ids());
    CHECK(c.id(1) == "b");
    CHECK(c.names() == std::vector<std::string>{"x", "y"});
    o.id_column = "";
    const auto q = dir.file("noids.csv", "id,y\n1,2\n");
    const Catalog cq = read_catalog(q, o);
    CHECK_FALSE(cq.has_ids());
    CHECK(cq.names() == std::vector<std::string>{"id", "y"});
  }
  if (fits_available) {
    SUBCASE("FITS: the id column when there is one, no ids (and no error) otherwise") {
      Catalog c = sample_catalog(10);
      write_catalog(c, dir / "ids.fits");
      const Catalog a = read_catalog(dir / "ids.fits");
      REQUIRE(a.has_ids());
      CHECK(a.id(3) == "star_1003");
      c.remove_ids();
      write_catalog(c, dir / "noids.fits");
      const Catalog b = read_catalog(dir / "noids.fits");
      CHECK_FALSE(b.has_ids());
      CHECK(b.rows() == 10);
    }
  }
}

TEST_CASE("catalog_file: a missing input or a directory is an InputError naming it") {
  TempDir dir("catalog_file");
  const std::string msg = message_of<InputError>([&] { CatalogReader(dir / "absent.csv"); });
  CHECK(mentions(msg, "absent.csv"));
  CHECK(mentions(msg, "no such file"));
  fs::create_directory(dir / "folder.csv");
  CHECK(mentions(message_of<InputError>([&] { CatalogReader(dir / "folder.csv"); }), "directory"));
  if (fits_available) CHECK_THROWS_AS(CatalogReader(dir / "absent.fits"), InputError);
}

TEST_CASE("catalog_file: CatalogWriter is atomic and checks its directory first") {
  const Catalog c = sample_catalog(50);
  std::vector<std::string> exts{".csv"};
  if (fits_available) exts.push_back(".fits");
  for (const auto& ext : exts) {
    INFO(ext);
    {  // a missing directory is an OutputError at construction and nothing is created
      TempDir dir("catalog_file");
      const fs::path target = dir / "missing" / ("out" + ext);
      const std::string msg = message_of<OutputError>([&] { CatalogWriter w(target); });
      CHECK(mentions(msg, target.string()));
      CHECK(mentions(msg, "does not exist"));
      CHECK_FALSE(fs::exists(dir / "missing"));
      CHECK(dir.entries().empty());
      CHECK_THROWS_AS(write_catalog(c, target), OutputError);
      CHECK(dir.entries().empty());
    }
    {  // a directory as the target is an OutputError
      TempDir dir("catalog_file");
      fs::create_directory(dir / ("taken" + ext));
      CHECK(mentions(message_of<OutputError>([&] { CatalogWriter w(dir / ("taken" + ext)); }), "is a directory"));
    }
    {  // a writer destroyed without commit leaves no file
      TempDir dir("catalog_file");
      {
        CatalogWriter w(dir / ("never" + ext));
        w.write(c);
        w.write(c);
        CHECK(w.rows_written() == 100);
      }
      CHECK(dir.entries().empty());
    }
    {  // an existing file survives an abandoned rewrite, and is replaced by a committed one
      TempDir dir("catalog_file");
      const fs::path target = dir / ("kept" + ext);
      write_catalog(slice(c, 0, 10), target);
      const std::string before = test::slurp(target);
      {
        CatalogWriter w(target);
        w.write(c);
      }
      CHECK(test::slurp(target) == before);
      CHECK(dir.entries() == std::vector<std::string>{"kept" + ext});
      write_catalog(c, target);
      CHECK(read_catalog(target).rows() == c.rows());
      CHECK(dir.entries() == std::vector<std::string>{"kept" + ext});
    }
  }
}

TEST_CASE("catalog_file: slice copies rows [begin, end) with every column, the ids and the status") {
  const Catalog c = sample_catalog(40);
  const Catalog s = slice(c, 5, 12);
  REQUIRE(s.rows() == 7);
  CHECK(s.names() == c.names());
  CHECK(s.type("ug") == ColumnType::f32);
  CHECK(s.id_name() == c.id_name());
  for (std::size_t i = 0; i < 7; ++i) {
    CHECK(s.id(i) == c.id(5 + i));
    CHECK(s.status(i) == c.status(5 + i));
    for (std::size_t j = 0; j < c.columns(); ++j) CHECK(test::same_value(s.value(j, i), c.value(j, 5 + i)));
  }
  check_same_catalog(slice(c, 0, c.rows()), c);
  const Catalog empty = slice(c, 40, 40);
  CHECK(empty.rows() == 0);
  CHECK(empty.names() == c.names());

  Catalog plain(3);
  plain.add_column<double>("x", 1.0);
  CHECK_FALSE(slice(plain, 1, 3).has_ids());

  const std::string msg = message_of<InputError>([&] { slice(c, 10, 41); });
  CHECK(mentions(msg, "[10, 41)"));
  CHECK(mentions(msg, "40"));
  CHECK_THROWS_AS(slice(c, 6, 5), InputError);
}
