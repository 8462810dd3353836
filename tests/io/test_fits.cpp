#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/io/csv.hpp"
#include "locus/io/fits.hpp"
#include "../support/files.hpp"

using namespace locus;
using namespace locus::io;
namespace fs = std::filesystem;
using locus::test::message_of;
using locus::test::TempDir;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

#ifndef LOCUS_HAVE_CFITSIO

TEST_CASE("fits: without cfitsio every entry point explains how to enable FITS") {
  CHECK_FALSE(fits_available);
  const std::string msg = message_of<ConfigError>([] { read_fits("x.fits"); });
  CHECK(has(msg, "x.fits"));
  CHECK(has(msg, "cfitsio"));
  CHECK_THROWS_AS(write_fits(Catalog(1), "y.fits"), ConfigError);
  CHECK_FALSE(fs::exists("y.fits"));
}

#else

namespace {

Catalog sample_catalog(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Catalog c(n);
  auto r = c.add_column<double>("rmag");
  auto ug = c.add_column<float>("ug");
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = 14.0 + 13.0 * rng.uniform();
    ug[i] = static_cast<float>(rng.normal());
    ids[i] = std::string("S").append(std::to_string(i * 37));
    if (i % 5 == 2) c.flag(i, status::out_of_range | (status::first_module_bit << 15));
  }
  r[3] = std::numeric_limits<double>::max();
  r[4] = std::numeric_limits<double>::denorm_min();
  r[5] = -0.0;
  ids[6] = "";
  c.set_ids(std::move(ids), "objid");
  return c;
}

}  // namespace

TEST_CASE("fits: round trip keeps values bit-exact, types, ids and status") {
  CHECK(fits_available);
  TempDir dir;
  const Catalog c = sample_catalog(1500, 3);
  const fs::path p = dir.path / "cat.fits";
  FitsWriteOptions wo;
  wo.comments = {"locus test table"};
  write_fits(c, p, wo);
  CHECK(dir.entries().size() == 1);
  CHECK(fs::file_size(p) % 2880 == 0);  // FITS files are whole 2880-byte blocks

  FitsReadOptions ro;
  ro.id_column = "objid";
  const Catalog r = read_fits(p, ro);
  REQUIRE(r.rows() == c.rows());
  CHECK(r.names() == c.names());
  CHECK(r.type("ug") == ColumnType::f32);  // 'E' stays float
  CHECK(r.type("rmag") == ColumnType::f64);
  for (std::size_t i = 0; i < c.rows(); ++i) {
    const double a = r.column<double>("rmag")[i], b = c.column<double>("rmag")[i];
    CHECK(std::memcmp(&a, &b, sizeof a) == 0);
    CHECK(r.column<float>("ug")[i] == c.column<float>("ug")[i]);
    CHECK(r.id(i) == c.id(i));
    CHECK(r.status(i) == c.status(i));  // includes bit 31: the unsigned 32-bit column
  }
}

TEST_CASE("fits: NaN is undefined and follows the missing policy; sentinels too") {
  TempDir dir;
  Catalog c(4);
  c.add_column<double>("a", std::vector<double>{1.0, std::nan(""), 3.0, -99.0});
  c.add_column<float>("b", std::vector<float>{std::nanf(""), 2.0f, 3.0f, 4.0f});
  write_fits(c, dir.path / "n.fits");
  const Catalog r = read_fits(dir.path / "n.fits");
  CHECK(r.status(0) == status::missing_value);
  CHECK(r.status(1) == status::missing_value);
  CHECK(r.status(2) == status::ok);
  CHECK(std::isnan(r.value("a", 1)));

  FitsReadOptions o;
  o.columns = {ColumnSpec("a").missing_sentinel(-99).fill_with(0.0), ColumnSpec("b").on_missing(Missing::ignore)};
  const Catalog s = read_fits(dir.path / "n.fits", o);
  CHECK(s.status(0) == status::ok);  // b's NaN ignored
  CHECK(s.status(3) == status::missing_value);
  CHECK(s.value("a", 3) == 0.0);  // fill value
  CHECK(s.type("b") == ColumnType::f64);  // the spec's type wins over the file's

  o.columns = {ColumnSpec("a").on_missing(Missing::error)};
  const std::string msg = message_of<InputError>([&] { read_fits(dir.path / "n.fits", o); });
  CHECK(has(msg, "n.fits"));
  CHECK(has(msg, "row 2"));
  CHECK(has(msg, "column 'a'"));
}

TEST_CASE("fits: tables written by plain cfitsio: integer nulls, vectors, strings, logicals") {
  TempDir dir;
  const fs::path p = dir.path / "ext.fits";
  {
    fitsfile* f = nullptr;
    int st = 0;
    fits_create_diskfile(&f, p.c_str(), &st);
    char n1[] = "ID", n2[] = "NOBS", n3[] = "PSFMAG", n4[] = "FLAG", n5[] = "CLASS";
    char f1[] = "8A", f2[] = "1J", f3[] = "3E", f4[] = "1L", f5[] = "6A";
    char* tt[] = {n1, n2, n3, n4, n5};
    char* tf[] = {f1, f2, f3, f4, f5};
    char ext[] = "STARS";
    fits_create_tbl(f, BINARY_TBL, 3, 5, tt, tf, nullptr, ext, &st);
    int tnull = -1;
    fits_write_key(f, TINT, "TNULL2", &tnull, nullptr, &st);
    fits_set_btblnull(f, 2, tnull, &st);
    char s1[] = "a1", s2[] = "b22", s3[] = "c333";
    char* ids[] = {s1, s2, s3};
    fits_write_col(f, TSTRING, 1, 1, 1, 3, ids, &st);
    int nobs[] = {5, -1, 7};
    fits_write_col(f, TINT, 2, 1, 1, 3, nobs, &st);
    float mags[] = {20.f, 19.f, 18.f, 21.f, 20.5f, 20.25f, 22.f, 21.f, 20.f};
    fits_write_col(f, TFLOAT, 3, 1, 1, 9, mags, &st);
    char flags[] = {1, 0, 1};
    fits_write_col(f, TLOGICAL, 4, 1, 1, 3, flags, &st);
    char k1[] = "STAR", k2[] = "QSO", k3[] = "STAR";
    char* cls[] = {k1, k2, k3};
    fits_write_col(f, TSTRING, 5, 1, 1, 3, cls, &st);
    fits_close_file(f, &st);
    REQUIRE(st == 0);
  }
  FitsReadOptions o;
  o.id_column = "ID";
  o.extension = "STARS";
  const Catalog c = read_fits(p, o);
  REQUIRE(c.rows() == 3);
  CHECK(c.names() == std::vector<std::string>{"NOBS", "PSFMAG_0", "PSFMAG_1", "PSFMAG_2"});
  CHECK(c.id(2) == "c333");
  CHECK(c.value("NOBS", 0) == 5.0);
  CHECK(std::isnan(c.value("NOBS", 1)));  // TNULL
  CHECK(c.status(1) == status::missing_value);
  CHECK(c.value("PSFMAG_1", 1) == 20.5);
  CHECK(c.value("PSFMAG_2", 2) == 20.0);
  CHECK(c.type("PSFMAG_0") == ColumnType::f32);

  o.columns = {ColumnSpec("CLASS")};
  CHECK(has(message_of<InputError>([&] { read_fits(p, o); }), "'CLASS' is not a numeric"));
  o.columns = {ColumnSpec("GMAG")};
  const std::string msg = message_of<InputError>([&] { read_fits(p, o); });
  CHECK(has(msg, "required column 'GMAG' is missing"));
  CHECK(has(msg, "NOBS"));
  o.columns.clear();
  o.extension = "GALAXIES";
  CHECK(has(message_of<FormatError>([&] { read_fits(p, o); }), "no binary table named 'GALAXIES'"));
}

TEST_CASE("fits: chunked reading and streaming writing agree with the whole table") {
  TempDir dir;
  const Catalog c = sample_catalog(5000, 9);
  const fs::path p = dir.path / "s.fits";
  {
    FitsWriter w(p, FitsWriteOptions{.comments = {}, .write_ids = true, .write_status = true,
                                     .status_column = "status", .extname = "CATALOG", .id_width = 12});
    for (std::size_t start = 0; start < c.rows(); start += 1234) {
      const std::size_t n = std::min<std::size_t>(1234, c.rows() - start);
      Catalog part(n);
      auto r = c.column<double>("rmag");
      auto u = c.column<float>("ug");
      part.add_column<double>("rmag", std::vector<double>(r.begin() + start, r.begin() + start + n));
      part.add_column<float>("ug", std::vector<float>(u.begin() + start, u.begin() + start + n));
      part.set_ids(std::vector<std::string>(c.ids().begin() + start, c.ids().begin() + start + n), "objid");
      for (std::size_t i = 0; i < n; ++i) part.status(i) = c.status(start + i);
      w.write(part);
    }
    CHECK_FALSE(fs::exists(p));
    w.commit();
  }
  FitsReadOptions o;
  o.id_column = "objid";
  FitsReader reader(p, o);
  CHECK(reader.total_rows() == 5000);
  Catalog chunk;
  std::size_t first = 0;
  while (reader.next(chunk, 999)) {
    CHECK(chunk.names() == c.names());
    for (std::size_t i = 0; i < chunk.rows(); ++i) {
      CHECK(chunk.value("rmag", i) == c.value("rmag", first + i));
      CHECK(chunk.id(i) == c.id(first + i));
      CHECK(chunk.status(i) == c.status(first + i));
    }
    first += chunk.rows();
  }
  CHECK(first == 5000);
  CHECK(reader.done());
}

TEST_CASE("fits: a header keyword the standard does not allow is a FormatError, before cfitsio reads it") {
  // Found by fuzz_fits: cfitsio 4.2 overflows a buffer (glibc aborts) on "TTYPE2)".
  TempDir dir;
  const fs::path good = dir.path / "good.fits", bad = dir.path / "bad.fits";
  write_fits(sample_catalog(20, 1), good);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK(read_fits(good).rows() == 20);
  const std::size_t at = bytes.find("TTYPE2  ");
  REQUIRE(at != std::string::npos);
  REQUIRE(at % 80 == 0);
  bytes[at + 6] = ')';
  std::ofstream(bad, std::ios::binary) << bytes;
  CHECK_THROWS_WITH_AS(read_fits(bad), doctest::Contains("illegal keyword 'TTYPE2) '"), FormatError);
}

TEST_CASE("fits: malformed inputs give clear errors and leave no output file") {
  TempDir dir;
  const fs::path good = dir.path / "good.fits";
  write_fits(sample_catalog(3000, 1), good);
  const auto size = fs::file_size(good);
  auto truncated = [&](const std::string& name, std::uintmax_t bytes) {
    const fs::path p = dir.path / name;
    fs::copy_file(good, p);
    fs::resize_file(p, bytes);
    return p;
  };
  struct Case {
    fs::path path;
    std::string expected;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {truncated("cut_header.fits", 1000), "cut_header.fits", "truncated"},
      {truncated("cut_data.fits", size - 2 * 2880), "cut_data.fits", "truncated"},
      {truncated("cut_odd.fits", size - 100), "cut_odd.fits", "truncated"},
      {truncated("empty.fits", 0), "empty.fits", "is empty"},
  };
  {
    std::ofstream(dir.path / "text.fits") << "a,b\n1,2\n";
  }
  std::vector<Case> all = cases;
  all.push_back({dir.path / "text.fits", "text.fits", "not a FITS file"});
  for (const auto& k : all) {
    CAPTURE(k.path);
    const fs::path out = dir.path / ("out_" + k.path.filename().string());
    const std::string msg = message_of<FormatError>([&] { write_fits(read_fits(k.path), out); });
    CHECK(has(msg, k.expected));
    CHECK_MESSAGE(has(msg, k.reason), msg);
    CHECK_FALSE(fs::exists(out));
    // Converting to CSV through the chunked reader fails the same way, without output.
    const std::string msg2 = message_of<FormatError>([&] {
      FitsReader r(k.path);
      CsvWriter w(dir.path / "out.csv");
      Catalog chunk;
      while (r.next(chunk, 500)) w.write(chunk);
      w.commit();
    });
    CHECK(has(msg2, k.expected));
    CHECK_FALSE(fs::exists(dir.path / "out.csv"));
  }
  CHECK(has(message_of<InputError>([&] { read_fits(dir.path / "absent.fits"); }), "absent.fits"));
  CHECK(dir.entries().size() == all.size() + 1);  // inputs and good.fits only

  // An existing output is left untouched when the write fails.
  {
    std::ofstream(dir.path / "keep.fits") << "old";
  }
  Catalog bad(1);
  bad.add_column<double>("status");  // clashes with the status column
  CHECK_THROWS_AS(write_fits(bad, dir.path / "keep.fits"), ConfigError);
  CHECK(fs::file_size(dir.path / "keep.fits") == 3);
}

TEST_CASE("fits: the S82 catalogue survives CSV -> FITS -> CSV unchanged") {
  const fs::path src = fs::path(LOCUS_DATA_DIR) / "photod/s82/s82_calibstars.csv";
  REQUIRE_MESSAGE(fs::exists(src), src << " is missing from the repository");
  TempDir dir;
  CsvReadOptions o;
  o.id_column = "CALIBSTARS";
  const Catalog c = read_csv(src, o);
  write_fits(c, dir.path / "s82.fits");
  FitsReadOptions fo;
  fo.id_column = "CALIBSTARS";
  const Catalog f = read_fits(dir.path / "s82.fits", fo);
  REQUIRE(f.rows() == 3981);
  CHECK(f.names() == c.names());
  CHECK(f.id(3980) == "CALIBSTARS_0911799");
  write_csv(c, dir.path / "a.csv");
  write_csv(f, dir.path / "b.csv");
  std::ifstream a(dir.path / "a.csv"), b(dir.path / "b.csv");
  const std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  CHECK(sa.size() > 1000000);
  CHECK(sa == sb);
}

#endif

#ifdef LOCUS_HAVE_CFITSIO
TEST_CASE("fits: truncation at any point never crashes: the file reads or throws locus::Error") {
  TempDir dir;
  const fs::path good = dir.path / "good.fits";
  write_fits(sample_catalog(400, 2), good);
  const auto size = fs::file_size(good);
  const Catalog original = sample_catalog(400, 2);
  Rng rng(5);
  std::size_t errors = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const std::uintmax_t cut = trial < 8 ? static_cast<std::uintmax_t>(trial) * 2880 : rng.uniform_index(size);
    const fs::path p = dir.path / ("cut" + std::to_string(trial) + ".fits");
    fs::copy_file(good, p);
    fs::resize_file(p, cut);
    try {
      // Possible only when the cut falls in the padding of the last 2880-byte record.
      const Catalog c = read_fits(p);
      CHECK(cut > size - 2880);
      REQUIRE(c.rows() == 400);
      CHECK(c.value("rmag", 399) == original.value("rmag", 399));
    } catch (const Error& e) {
      ++errors;
      CHECK(std::string(e.what()).find(p.filename().string()) != std::string::npos);
    }
  }
  CHECK(errors >= 30);
}
#endif

#ifdef LOCUS_HAVE_CFITSIO
TEST_CASE("fits: zero rows round trip; a catalogue with nothing to write is a ConfigError, not a crash") {
  TempDir dir;
  Catalog c(0);
  c.add_column<double>("a");
  c.add_column<float>("b");
  c.set_ids({}, "name");
  write_fits(c, dir.path / "empty_table.fits");
  FitsReadOptions o;
  o.id_column = "name";
  const Catalog r = read_fits(dir.path / "empty_table.fits", o);
  CHECK(r.rows() == 0);
  CHECK(r.names() == std::vector<std::string>{"a", "b"});
  CHECK(r.has_ids());
  FitsWriteOptions w;
  w.write_status = false;
  CHECK_THROWS_AS(write_fits(Catalog(3), dir.path / "nothing.fits", w), ConfigError);
  CHECK_FALSE(fs::exists(dir.path / "nothing.fits"));
  CHECK(dir.entries().size() == 1);
}
#endif
