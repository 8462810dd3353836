#include <doctest/doctest.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "locus/core/interrupt.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/pipeline/catalog_source.hpp"
#include "../support/catalogs.hpp"
#include "../support/files.hpp"
#include "../support/pipeline.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::check_same_catalog;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::TempDir;
namespace fs = std::filesystem;

namespace {
// Every block of a source, and the first rows they were given with.
struct Blocks {
  std::vector<io::Catalog> parts;
  std::vector<std::size_t> first;
  std::size_t returned = 0;
};
Blocks blocks_of(const CatalogSource& s, std::size_t rows) {
  Blocks b;
  b.returned = s.for_each_block(rows, [&](const io::Catalog& block, std::size_t first) {
    b.parts.push_back(block);
    b.first.push_back(first);
  });
  return b;
}
// The blocks are consecutive row ranges of `whole`, each at most `rows` long.
void check_blocks(const Blocks& b, const io::Catalog& whole, std::size_t rows, bool types = true) {
  CHECK(b.returned == whole.rows());
  std::size_t next = 0;
  for (std::size_t k = 0; k < b.parts.size(); ++k) {
    CHECK(b.first[k] == next);
    CHECK(b.parts[k].rows() <= rows);
    CHECK(b.parts[k].rows() > 0);
    check_same_catalog(b.parts[k], io::slice(whole, next, next + b.parts[k].rows()), types);
    next += b.parts[k].rows();
  }
  CHECK(next == whole.rows());
  CHECK(b.parts.size() == (whole.rows() + rows - 1) / rows);
}
}  // namespace

TEST_CASE("catalog_source: a catalogue in memory, in blocks") {
  auto cat = test::small_patch(0.02);
  REQUIRE(cat->rows() > 300);
  const auto s = CatalogSource::memory(cat, "mock 0.02 deg², seed 7");
  CHECK(s.in_memory());
  CHECK(s.catalog() == cat.get());
  CHECK(s.rows() == cat->rows());
  CHECK(s.identity() == "mock 0.02 deg², seed 7");
  CHECK(mentions(s.describe(), "in memory"));
  for (std::size_t rows : {std::size_t{1000000}, std::size_t{100}, cat->rows(), cat->rows() - 1, std::size_t{1}}) {
    INFO("block rows " << rows);
    if (rows == 1) {  // a smaller catalogue for one-row blocks
      auto small = std::make_shared<io::Catalog>(io::slice(*cat, 0, 25));
      check_blocks(blocks_of(CatalogSource::memory(small, "25 rows"), 1), *small, 1);
      continue;
    }
    check_blocks(blocks_of(s, rows), *cat, rows);
  }
  CHECK_THROWS_AS(s.for_each_block(0, [](const io::Catalog&, std::size_t) {}), ConfigError);
  CHECK_THROWS_AS(CatalogSource::memory(nullptr, "x"), ConfigError);
  // an empty catalogue gives no blocks
  const auto empty = CatalogSource::memory(std::make_shared<io::Catalog>(0), "empty");
  CHECK(blocks_of(empty, 10).parts.empty());
}

TEST_CASE("catalog_source: a file is read in blocks, anew on every pass, CSV or FITS") {
  TempDir dir("catalog_source");
  auto cat = test::small_patch(0.02);
  std::vector<std::string> names{"mock.csv"};
  if (io::fits_available) names.push_back("mock.fits");
  for (const auto& name : names) {
    INFO(name);
    io::write_catalog(*cat, dir / name);
    const auto s = CatalogSource::file(dir / name);
    CHECK_FALSE(s.in_memory());
    CHECK(s.catalog() == nullptr);
    CHECK(s.rows() == 0);  // unknown without reading
    CHECK(s.path() == dir / name);
    CHECK(mentions(s.describe(), name));
    CHECK(s.identity() == "file:" + file_identity(dir / name));
    check_blocks(blocks_of(s, 128), *cat, 128);
    check_blocks(blocks_of(s, 128), *cat, 128);  // a second pass reads the file again
    check_blocks(blocks_of(s, 1 << 16), *cat, 1 << 16);
    // read options apply to every pass
    auto listed = s;
    io::CatalogReadOptions o;
    o.columns = {io::ColumnSpec("rmag"), io::ColumnSpec("ug")};
    o.only_listed = true;
    listed.set_read_options(o);
    CHECK(listed.read_options().only_listed);
    const auto b = blocks_of(listed, 1 << 16);
    REQUIRE(b.parts.size() == 1);
    CHECK(b.parts[0].names() == std::vector<std::string>{"rmag", "ug"});
  }
  // the identity changes when the file does
  const std::string before = CatalogSource::file(dir / "mock.csv").identity();
  io::write_catalog(io::slice(*cat, 0, 10), dir / "mock.csv");
  CHECK(CatalogSource::file(dir / "mock.csv").identity() != before);
  // a missing file is an InputError at once
  const std::string msg = message_of<InputError>([&] { CatalogSource::file(dir / "absent.csv"); });
  CHECK(mentions(msg, "absent.csv"));
}

TEST_CASE("catalog_source: a requested interruption stops between blocks") {
  test::InterruptGuard guard;
  TempDir dir("catalog_source");
  auto cat = test::small_patch(0.02);
  io::write_catalog(*cat, dir / "mock.csv");
  for (const auto& s : {CatalogSource::memory(cat, "mock"), CatalogSource::file(dir / "mock.csv")}) {
    INFO(s.describe());
    interrupt::clear();
    std::size_t calls = 0;
    // requested before the first block: f is never called
    interrupt::request();
    CHECK_THROWS_AS(s.for_each_block(50, [&](const io::Catalog&, std::size_t) { ++calls; }), Interrupted);
    CHECK(calls == 0);
    // requested inside the second block: no third block
    interrupt::clear();
    const std::string msg = message_of<Interrupted>([&] {
      s.for_each_block(50, [&](const io::Catalog&, std::size_t) {
        if (++calls == 2) interrupt::request();
      }, "test pass");
    });
    CHECK(calls == 2);
    CHECK(mentions(msg, "test pass"));
  }
}
