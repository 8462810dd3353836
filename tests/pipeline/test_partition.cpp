#include <doctest/doctest.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "locus/io/fits.hpp"
#include "locus/pipeline/partition.hpp"
#include "locus/pipeline/streaming.hpp"
#include "../support/files.hpp"
#include "../support/s82.hpp"
#include "../support/s82_model.hpp"

using namespace locus;
using namespace locus::pipeline;
using locus::test::mentions;
using locus::test::message_of;
using locus::test::slurp;
using locus::test::TempDir;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t n_rows = 130, n_mcmc = 20;
#else
constexpr std::size_t n_rows = 700, n_mcmc = 50;
#endif

// The first n S82 stars (string ids) with two rows the posterior cannot use (NaN, −99 input).
std::shared_ptr<io::Catalog> s82_rows(std::size_t n) {
  auto c = std::make_shared<io::Catalog>(io::slice(test::s82_catalog(), 0, n));
  c->column<double>("ug")[2] = std::numeric_limits<double>::quiet_NaN();
  c->column<double>("rmag")[n - 1] = -99;
  return c;
}

// Runs the `count` parts of a split run one after the other, as separate ranks would, then
// merges them into `out`; returns the rows merged and the flags counted by the merge.
template <class Run>
StreamResult split_run(const fs::path& out, std::size_t count, const StreamOptions& base, Run&& run) {
  std::string id_column;
  std::size_t total = 0;
  for (std::size_t k = 0; k < count; ++k) {
    StreamOptions o = base;
    o.partition = {k, count};
    const auto r = run(o);
    if (k == 0) id_column = r.id_column, total = r.input_rows;
    CHECK(r.input_rows == total);
  }
  StreamResult merged;
  merged.rows = merge_parts(out, count, base.block_rows, total, base.write, id_column,
                            [&](std::span<const std::uint32_t> status) { merged.count_flags(status); });
  return merged;
}

}  // namespace

TEST_CASE("partition: blocks are dealt round-robin and part files sit beside the output") {
  const Partition p{1, 3};
  CHECK(!p.owns(0));
  CHECK(p.owns(1));
  CHECK(p.owns(4));
  CHECK(!p.owns(5));
  CHECK(Partition{}.whole());
  CHECK(part_path("dir/out.fits", {2, 8}, 100) == fs::path("dir/out.part-2-of-8.block-100.fits"));
  CHECK(part_path("out.csv", {0, 2}, 7) == fs::path("out.part-0-of-2.block-7.csv"));
  CHECK_THROWS_AS(Partition({3, 3}).check(), ConfigError);
  CHECK_THROWS_AS(Partition({0, 0}).check(), ConfigError);
}

TEST_CASE("partition: a grid posterior split into parts and merged is the single run's file, byte for byte") {
  TempDir dir("partition");
  const auto in = s82_rows(n_rows);
  io::write_catalog(*in, dir / "in.csv");
  if (io::fits_available) io::write_catalog(*in, dir / "in.fits");
  const PosteriorEngine engine(bayes::LocusModel::builtin(), test::s82_priors(), PosteriorOptions{});
  std::vector<std::string> formats{".csv"};
  if (io::fits_available) formats.push_back(".fits");
  for (const auto& ext : formats) {
    // skipped blocks are passed over in the input: a CSV and a FITS input
    const auto src = CatalogSource::file(dir / ("in" + ext));
    StreamOptions so;
    so.block_rows = 64;
    so.threads = 2;
    const auto whole = posterior_catalog(src, engine, dir / ("whole" + ext), so);
    CHECK(whole.id_column == (ext == ".csv" ? "CALIBSTARS" : ""));  // a FITS input read by default takes its ids from "id"
    const std::string want = slurp(dir / ("whole" + ext));
    // 11 blocks: 2 and 3 parts, and more parts than blocks (parts 11-15 own nothing)
    for (const std::size_t count : {2u, 3u, 16u}) {
      INFO(ext << ", " << count << " parts");
      const fs::path out = dir / ("split" + ext);
      const auto merged =
          split_run(out, count, so, [&](const StreamOptions& o) { return posterior_catalog(src, engine, out, o); });
      CHECK(merged.rows == n_rows);
      CHECK(merged.flags == whole.flags);
      CHECK(merged.flags.at("no_fit") == 2);
      CHECK(slurp(out) == want);
      for (std::size_t k = 0; k < count; ++k) CHECK(!fs::exists(part_path(out, {k, count}, so.block_rows)));
    }
  }
  CHECK(test::temp_files_in(dir.path).empty());
}

TEST_CASE("partition: an MCMC posterior split into parts draws every star's chain by its global row") {
  TempDir dir("partition");
  const auto src = CatalogSource::memory(s82_rows(n_mcmc), "S82 rows");
  PosteriorOptions po;
  po.engine = Engine::mcmc;
  po.mcmc.walkers = 4;
  po.mcmc.steps = 100;
  po.mcmc.burn_in = 30;
  po.seed = 11;
  const PosteriorEngine engine(bayes::LocusModel::builtin(), test::s82_priors(), po);
  StreamOptions so;
  so.block_rows = 7;
  posterior_catalog(src, engine, dir / "whole.csv", so);
  const auto merged = split_run(dir / "split.csv", 3, so,
                                [&](const StreamOptions& o) { return posterior_catalog(src, engine, dir / "split.csv", o); });
  CHECK(merged.rows == n_mcmc);
  CHECK(slurp(dir / "split.csv") == slurp(dir / "whole.csv"));
}

TEST_CASE("partition: predictions split into parts and merged equal the single run's") {
  TempDir dir("partition");
  const auto src = CatalogSource::memory(s82_rows(n_rows), "S82 rows");
  StreamOptions so;
  so.block_rows = 100;
  predict_catalog(src, test::s82_model(), dir / "whole.csv", so);
  split_run(dir / "split.csv", 2, so, [&](const StreamOptions& o) { return predict_catalog(src, test::s82_model(), dir / "split.csv", o); });
  CHECK(slurp(dir / "split.csv") == slurp(dir / "whole.csv"));
}

TEST_CASE("partition: merging refuses parts that do not fit together, and writes nothing") {
  TempDir dir("partition");
  const auto src = CatalogSource::memory(s82_rows(n_rows), "S82 rows");
  const PosteriorEngine engine(bayes::LocusModel::builtin(), test::s82_priors(), PosteriorOptions{});
  const fs::path out = dir / "out.csv";
  auto run_part = [&](std::size_t k, std::size_t count, std::size_t block_rows) {
    StreamOptions o;
    o.block_rows = block_rows;
    o.partition = {k, count};
    return posterior_catalog(src, engine, out, o);
  };
  auto refusal = [&](std::size_t total_rows) {
    const auto m = message_of<FormatError>(
        [&] { merge_parts(out, 2, 100, total_rows, {}, "CALIBSTARS", [](std::span<const std::uint32_t>) {}); });
    CHECK(!fs::exists(out));
    return m;
  };
  static_assert(n_rows > 100);  // two blocks at least
  // part 1 missing, which may hold only the catalogue's last block
  CHECK(run_part(0, 2, 100).input_rows == n_rows);
  CHECK(mentions(refusal(n_rows), "block 1 of the catalogue, is missing"));
  // part 1 written with another block size is not part of this run
  run_part(1, 2, 50);
  CHECK(mentions(refusal(n_rows), "block 1 of the catalogue, is missing"));
  // with both parts: a catalogue said to be one row longer or shorter than the parts
  run_part(1, 2, 100);
  CHECK(mentions(refusal(n_rows + 1), "ends inside block " + std::to_string(n_rows / 100)));
  CHECK(mentions(refusal(n_rows - 1), "has rows past the catalogue's " + std::to_string(n_rows - 1)));
  CHECK(mentions(message_of<InputError>([&] { merge_parts(out, 2, 100, 0, {}, "", [](auto) {}); }), "no data rows"));
  // the parts are still there, and do merge
  CHECK(merge_parts(out, 2, 100, n_rows, {}, "CALIBSTARS", [](std::span<const std::uint32_t>) {}) == n_rows);
  CHECK(!fs::exists(part_path(out, {0, 2}, 100)));
  fs::remove(part_path(out, {1, 2}, 50));
  CHECK(test::temp_files_in(dir.path).empty());
}
