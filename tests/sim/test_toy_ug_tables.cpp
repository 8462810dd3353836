#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <locus/core/interrupt.hpp>
#include <locus/sim/toy_ug_tables.hpp>

using namespace locus;
using namespace locus::sim;

namespace {
std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}
std::string fmt5(double a, double b, double c, double d) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.5f,%.5f,%.5f,%.5f", a, b, c, d);
  return buf;
}
}  // namespace

TEST_CASE("toy u-g tables: five files from the documented streams, and the median table") {
  const auto dir = std::filesystem::temp_directory_path() / ("locus_toy_tables_" + std::to_string(::getpid())) / "new";
  std::filesystem::remove_all(dir.parent_path());
  const auto t = write_toy_ug_tables(dir, {.n = 3000, .n30 = 20000, .seed = 9});
  const std::vector<std::string> names{"toy_ug_uniform_sample.csv", "toy_ug_uniform_bins.csv", "toy_ug_binormal_sample.csv",
                                       "toy_ug_binormal_bins.csv", "toy_ug_fig30.csv"};
  REQUIRE(t.files.size() == names.size());
  for (std::size_t k = 0; k < names.size(); ++k) CHECK(t.files[k] == dir / names[k]);
  // no temporary file is left next to the tables
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 5);

  for (const auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    CAPTURE(to_string(prior));
    ToyUgModel m;
    m.prior = prior;
    Rng r = Rng(9).split(static_cast<std::uint64_t>(prior));
    const auto s = toy_ug_sample(m, 3000, r);
    const auto sample = lines_of(dir / (std::string("toy_ug_") + to_string(prior) + "_sample.csv"));
    REQUIRE(sample.size() == 3001);
    CHECK(sample[0] == "feh_true,ug_true,feh,ug");
    for (std::size_t i : {std::size_t{0}, std::size_t{1234}, std::size_t{2999}})
      CHECK(sample[i + 1] == fmt5(s.feh_true[i], s.ug_true[i], s.feh[i], s.ug[i]));
    const auto& bins = t.bins[static_cast<std::size_t>(prior)];
    REQUIRE(bins.size() == 30);
    CHECK(bins.front().ug_lo == doctest::Approx(0.60));
    CHECK(bins.back().ug_hi == doctest::Approx(1.50));
    std::size_t in_bins = 0;
    for (const auto& b : bins) in_bins += b.count;
    CHECK(in_bins > 2000);
    CHECK(lines_of(dir / (std::string("toy_ug_") + to_string(prior) + "_bins.csv")).size() == 31);
    CHECK(t.fig30[static_cast<std::size_t>(prior)].size() == 16 * 3);  // σ_ug 0 … 0.30 × three u−g
  }
  const auto fig30 = lines_of(dir / "toy_ug_fig30.csv");
  REQUIRE(fig30.size() == 1 + 2 * 48);
  CHECK(fig30[1].rfind("uniform,0.89,", 0) == 0);
  CHECK(fig30[49].rfind("binormal,0.89,", 0) == 0);

  // the summary lines examples/toy_ug prints
  const std::string table = t.median_table();
  CHECK(table.rfind("uniform prior, 3000 stars: median [Fe/H] per u-g bin (MC +- error | exact)\n", 0) == 0);
  CHECK(table.find("binormal prior, 3000 stars") != std::string::npos);
  std::size_t shown = 0;
  for (const auto& b : t.bins[0]) shown += b.count >= 100;
  for (const auto& b : t.bins[1]) shown += b.count >= 100;
  CHECK(static_cast<std::size_t>(std::count(table.begin(), table.end(), '\n')) == 2 + shown);

  // the same seed rewrites the same bytes
  const auto again = write_toy_ug_tables(dir.parent_path() / "again", {.n = 3000, .n30 = 20000, .seed = 9});
  for (std::size_t k = 0; k < names.size(); ++k) CHECK(lines_of(again.files[k]) == lines_of(t.files[k]));
  std::filesystem::remove_all(dir.parent_path());
}

TEST_CASE("toy u-g tables: an interrupt or an unwritable directory leaves no table") {
  const auto base = std::filesystem::temp_directory_path() / ("locus_toy_fail_" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  interrupt::request(2);
  CHECK_THROWS_AS(write_toy_ug_tables(base / "t", {.n = 100, .n30 = 100}), Interrupted);
  interrupt::clear();
  CHECK(!std::filesystem::exists(base / "t"));
  std::filesystem::create_directories(base);
  std::ofstream(base / "file") << "x";
  CHECK_THROWS_WITH_AS(write_toy_ug_tables(base / "file", {.n = 100, .n30 = 100}), doctest::Contains("file"), OutputError);
  std::filesystem::remove_all(base);
}
