#pragma once
// The reproduction of paper 000's results section (Mrakovčić, Ivezić & Palaversa 2025) with the
// library's pipeline: `locus reproduce paper000`. docs/reproduction.md describes what each part
// computes; the report it writes says where the numbers come from.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <locus/core/progress.hpp>

namespace locus_cli {

struct Paper000Options {
  std::filesystem::path out;      // report directory
  std::filesystem::path data;     // the shipped data directory (photod/s82/…)
  bool small = false;             // the ctest-sized run
  std::size_t seeds = 3;          // Table 1 and the training-size curve: seeds 1..seeds
  double area = 10;               // mock patch (deg²)
  std::size_t bayes_stars = 10000;  // labelled stars the networks train on (validation included)
  std::vector<std::size_t> sizes{1000, 2000, 5000, 10000, 20000, 50000, 100000};
  std::size_t curve_test = 20000;   // fixed test set of the training-size curve
  std::size_t figure_stars = 20000;  // at most this many test stars in mock_test_stars.csv (the committed report stays small)
  std::size_t toy_n = 40000, toy_n30 = 2000000;
  std::size_t epochs = 1024, patience = 100, batch = 1024;
  std::size_t recipe_batch = 256;  // the section-3 comparison (0: none)
  bool plot = true;
  bool search = true;       // section 5: the Hyperband architecture search
  double search_r = 81;     // its maximum budget (epochs)
  std::size_t threads = 0;
  std::function<void(const std::string&)> log;
  locus::Progress::Show progress = locus::Progress::Show::never;
  std::string command_line;  // recorded in the report
};

struct Paper000Result {
  std::filesystem::path report;
  std::vector<std::filesystem::path> tables, figures;
  std::string plot_skipped;  // why no figures were drawn ("" when they were)
  std::string summary;       // the one-screen text
  double seconds = 0;
};

// Runs every part, writes DIR/report.md and the CSV tables, and draws the figures.
Paper000Result reproduce_paper000(const Paper000Options& o);

}  // namespace locus_cli
