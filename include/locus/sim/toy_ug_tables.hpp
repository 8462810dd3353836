#pragma once
// The tables of paper 000's toy u−g model (Appendix, Figs. 28–30) as CSV files, the data
// behind scripts/plot_toy_ug.py. examples/toy_ug and `locus toy` both write them through
// write_toy_ug_tables, so the same seed gives the same files byte for byte.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/core/rng.hpp>
#include <locus/io/atomic_file.hpp>
#include <locus/sim/toy_ug.hpp>

namespace locus::sim {

inline const char* to_string(ToyFehPrior p) { return p == ToyFehPrior::uniform ? "uniform" : "binormal"; }

struct ToyUgTablesOptions {
  std::size_t n = 40000;      // Monte Carlo stars per prior (Figs. 28–29)
  std::size_t n30 = 2000000;  // stars per prior for Fig. 30
  std::uint64_t seed = 2025;
};

/* ToyUgTables: what write_toy_ug_tables computed and wrote.
   - bins[p], fig30[p]: p = 0 the uniform prior, 1 the binormal one;
   - files: the paths written, in this order: toy_ug_uniform_sample.csv, toy_ug_uniform_bins.csv,
     toy_ug_binormal_sample.csv, toy_ug_binormal_bins.csv, toy_ug_fig30.csv;
   - median_table(min_count): per prior a title line and one line per u−g bin with at least
     min_count stars, "  u-g 0.87-0.90  n=  1393  -1.866 +- 0.012 | -1.869" (Monte Carlo
     median ± its error | exact expectation). */
struct ToyUgTables {
  ToyUgTablesOptions options;
  std::array<std::vector<ToyUgBin>, 2> bins;
  std::array<std::vector<ToyUgErrorPoint>, 2> fig30;
  std::vector<std::filesystem::path> files;

  std::string median_table(std::size_t min_count = 100) const {
    std::string out;
    char line[160];
    for (const auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
      std::snprintf(line, sizeof line, "%s prior, %zu stars: median [Fe/H] per u-g bin (MC +- error | exact)\n",
                    to_string(prior), options.n);
      out += line;
      for (const auto& b : bins[static_cast<std::size_t>(prior)])
        if (b.count >= min_count) {
          std::snprintf(line, sizeof line, "  u-g %.2f-%.2f  n=%6zu  %+.3f +- %.3f | %+.3f\n", b.ug_lo, b.ug_hi, b.count,
                        b.median_mc, b.median_error, b.median_exact);
          out += line;
        }
    }
    return out;
  }
};

namespace detail {
template <class... Args>
void append_line(std::string& out, const char* fmt, Args... args) {
  char line[256];
  std::snprintf(line, sizeof line, fmt, args...);
  out += line;
}
}  // namespace detail

/* Computes the toy model's tables and writes them into `dir` (created if missing):
     toy_ug_<prior>_sample.csv  feh_true,ug_true,feh,ug — the n Monte Carlo stars   (Figs. 28/29)
     toy_ug_<prior>_bins.csv    ug_lo,ug_hi,count,median_mc,median_error,median_exact per
                                0.03 mag u−g bin on [0.60, 1.50)
     toy_ug_fig30.csv           prior,ug_true,feh_true,sigma_ug,count,median_mc,median_error,
                                median_exact at u−g = 0.89, 0.99, 1.09 (window ±0.01) for
                                σ_ug = 0, 0.02, …, 0.30, from n30 stars per prior
   Numbers have 5 decimals (bin edges and u−g 3 and 2). Streams: Rng(seed).split(prior) draws
   a prior's sample, split(10 + prior) its Fig. 30 stars (prior: uniform 0, binormal 1).
   Everything is computed before the first file is written, and every file is written
   atomically; interrupt::check runs between the stages, so Ctrl-C leaves no partial table.
   A directory or file that cannot be written is an OutputError naming it. */
inline ToyUgTables write_toy_ug_tables(const std::filesystem::path& dir, const ToyUgTablesOptions& options = {}) {
  // an --out that is a file fails at once, not after the computation
  if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir))
    throw OutputError("cannot write the tables into '" + dir.string() + "': it is not a directory");
  ToyUgTables t;
  t.options = options;
  const Rng rng(options.seed);
  std::vector<std::pair<std::filesystem::path, std::string>> files;

  std::vector<double> edges;
  for (int k = 0; k <= 30; ++k) edges.push_back(0.60 + 0.03 * k);  // u−g 0.60 … 1.50
  for (const auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    interrupt::check("toy u-g tables");
    ToyUgModel m;
    m.prior = prior;
    Rng r = rng.split(static_cast<std::uint64_t>(prior));
    const auto s = toy_ug_sample(m, options.n, r);
    std::string sample = "feh_true,ug_true,feh,ug\n";
    for (std::size_t i = 0; i < s.size(); ++i)
      detail::append_line(sample, "%.5f,%.5f,%.5f,%.5f\n", s.feh_true[i], s.ug_true[i], s.feh[i], s.ug[i]);
    files.emplace_back(dir / (std::string("toy_ug_") + to_string(prior) + "_sample.csv"), std::move(sample));

    auto& bins = t.bins[static_cast<std::size_t>(prior)];
    bins = toy_ug_binned_medians(m, s, edges);
    std::string table = "ug_lo,ug_hi,count,median_mc,median_error,median_exact\n";
    for (const auto& b : bins)
      detail::append_line(table, "%.3f,%.3f,%zu,%.5f,%.5f,%.5f\n", b.ug_lo, b.ug_hi, b.count, b.median_mc,
                          b.median_error, b.median_exact);
    files.emplace_back(dir / (std::string("toy_ug_") + to_string(prior) + "_bins.csv"), std::move(table));
  }

  std::vector<double> sigmas;
  for (int k = 0; k <= 15; ++k) sigmas.push_back(0.02 * k);  // 0 … 0.30 mag
  std::string fig30 = "prior,ug_true,feh_true,sigma_ug,count,median_mc,median_error,median_exact\n";
  for (const auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    interrupt::check("toy u-g tables");
    ToyUgModel m;
    m.prior = prior;
    Rng r = rng.split(10 + static_cast<std::uint64_t>(prior));
    auto& pts = t.fig30[static_cast<std::size_t>(prior)];
    pts = toy_ug_median_vs_error(m, {0.89, 0.99, 1.09}, sigmas, options.n30, 0.01, r);
    for (const auto& p : pts)
      detail::append_line(fig30, "%s,%.2f,%.5f,%.3f,%zu,%.5f,%.5f,%.5f\n", to_string(prior), p.ug_true, p.feh_true,
                          p.sigma_ug, p.count, p.median_mc, p.median_error, p.median_exact);
  }
  files.emplace_back(dir / "toy_ug_fig30.csv", std::move(fig30));
  interrupt::check("toy u-g tables");

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw OutputError("cannot create the directory '" + dir.string() + "'" + (ec ? ": " + ec.message() : ""));
  for (const auto& [path, text] : files) {
    io::write_file_atomically(path, text);
    t.files.push_back(path);
  }
  return t;
}

}  // namespace locus::sim
