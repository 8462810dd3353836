// The toy u−g metallicity-bias model of paper 000 (Appendix, Figs. 28–30).
//
// Writes CSV tables into --out (default toy_ug_out/) with sim::write_toy_ug_tables:
//   toy_ug_<prior>_sample.csv   the Monte Carlo stars (true and noisy [Fe/H], u−g)   Figs. 28/29
//   toy_ug_<prior>_bins.csv     median noisy [Fe/H] per u−g bin, Monte Carlo and exact
//   toy_ug_fig30.csv            median [Fe/H] vs assumed u−g error at u−g = 0.89, 0.99, 1.09
// and, with --plot, runs scripts/plot_toy_ug.py (Debian's python3-matplotlib) to make the PNGs.
// `locus toy` does the same from the command-line tool.
//
//   toy_ug [--n 40000] [--n30 2000000] [--seed 2025] [--out DIR] [--plot [--figures DIR]]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <locus/core/errors.hpp>
#include <locus/sim/toy_ug_tables.hpp>

using namespace locus;

int main(int argc, char** argv) {
  try {
    sim::ToyUgTablesOptions o;
    std::filesystem::path out = "toy_ug_out";
    std::filesystem::path figures = std::filesystem::path(LOCUS_SOURCE_DIR) / "docs" / "figures";
    bool plot = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw ConfigError("toy_ug: " + a + " needs a value");
        return argv[++i];
      };
      if (a == "--n") o.n = std::stoull(next());
      else if (a == "--n30") o.n30 = std::stoull(next());
      else if (a == "--seed") o.seed = std::stoull(next());
      else if (a == "--out") out = next();
      else if (a == "--figures") figures = next();
      else if (a == "--plot") plot = true;
      else throw ConfigError("toy_ug: unknown option " + a);
    }
    const auto tables = sim::write_toy_ug_tables(out, o);
    std::printf("%stables written to %s\n", tables.median_table().c_str(), out.c_str());

    if (plot) {
      const auto script = std::filesystem::path(LOCUS_SOURCE_DIR) / "scripts" / "plot_toy_ug.py";
      const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + out.string() + "' '" +
                              figures.string() + "'";
      std::printf("%s\n", cmd.c_str());
      if (std::system(cmd.c_str()) != 0) throw Error("toy_ug: plotting failed: " + cmd);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
