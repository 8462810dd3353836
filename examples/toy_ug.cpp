// The toy u−g metallicity-bias model of paper 000 (Appendix, Figs. 28–30).
//
// Writes CSV tables into --out (default toy_ug_out/):
//   toy_ug_<prior>_sample.csv   the Monte Carlo stars (true and noisy [Fe/H], u−g)   Figs. 28/29
//   toy_ug_<prior>_bins.csv     median noisy [Fe/H] per u−g bin, Monte Carlo and exact
//   toy_ug_fig30.csv            median [Fe/H] vs assumed u−g error at u−g = 0.89, 0.99, 1.09
// and, with --plot, runs scripts/plot_toy_ug.py (Debian's python3-matplotlib) to make the PNGs.
//
//   toy_ug [--n 40000] [--n30 2000000] [--seed 2025] [--out DIR] [--plot [--figures DIR]]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/sim/toy_ug.hpp>

using namespace locus;
using namespace locus::sim;

namespace {
const char* prior_name(ToyFehPrior p) { return p == ToyFehPrior::uniform ? "uniform" : "binormal"; }

FILE* open_or_throw(const std::filesystem::path& p) {
  FILE* f = std::fopen(p.c_str(), "w");
  if (!f) throw Error("toy_ug: cannot write " + p.string());
  return f;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    std::size_t n = 40000, n30 = 2000000;
    std::uint64_t seed = 2025;
    std::filesystem::path out = "toy_ug_out";
    std::filesystem::path figures = std::filesystem::path(LOCUS_SOURCE_DIR) / "docs" / "figures";
    bool plot = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw ConfigError("toy_ug: " + a + " needs a value");
        return argv[++i];
      };
      if (a == "--n") n = std::stoull(next());
      else if (a == "--n30") n30 = std::stoull(next());
      else if (a == "--seed") seed = std::stoull(next());
      else if (a == "--out") out = next();
      else if (a == "--figures") figures = next();
      else if (a == "--plot") plot = true;
      else throw ConfigError("toy_ug: unknown option " + a);
    }
    std::filesystem::create_directories(out);
    Rng rng(seed);

    std::vector<double> edges;
    for (int k = 0; k <= 30; ++k) edges.push_back(0.60 + 0.03 * k);  // u−g 0.60 … 1.50

    for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
      ToyUgModel m;
      m.prior = prior;
      Rng r = rng.split(static_cast<std::uint64_t>(prior));
      const auto s = toy_ug_sample(m, n, r);
      FILE* f = open_or_throw(out / (std::string("toy_ug_") + prior_name(prior) + "_sample.csv"));
      std::fprintf(f, "feh_true,ug_true,feh,ug\n");
      for (std::size_t i = 0; i < s.size(); ++i)
        std::fprintf(f, "%.5f,%.5f,%.5f,%.5f\n", s.feh_true[i], s.ug_true[i], s.feh[i], s.ug[i]);
      std::fclose(f);

      const auto bins = toy_ug_binned_medians(m, s, edges);
      f = open_or_throw(out / (std::string("toy_ug_") + prior_name(prior) + "_bins.csv"));
      std::fprintf(f, "ug_lo,ug_hi,count,median_mc,median_error,median_exact\n");
      std::printf("%s prior, %zu stars: median [Fe/H] per u-g bin (MC +- error | exact)\n", prior_name(prior), n);
      for (const auto& b : bins) {
        std::fprintf(f, "%.3f,%.3f,%zu,%.5f,%.5f,%.5f\n", b.ug_lo, b.ug_hi, b.count, b.median_mc, b.median_error,
                     b.median_exact);
        if (b.count >= 100)
          std::printf("  u-g %.2f-%.2f  n=%6zu  %+.3f +- %.3f | %+.3f\n", b.ug_lo, b.ug_hi, b.count, b.median_mc,
                      b.median_error, b.median_exact);
      }
      std::fclose(f);
    }

    std::vector<double> sigmas;
    for (int k = 0; k <= 15; ++k) sigmas.push_back(0.02 * k);  // 0 … 0.30 mag
    FILE* f = open_or_throw(out / "toy_ug_fig30.csv");
    std::fprintf(f, "prior,ug_true,feh_true,sigma_ug,count,median_mc,median_error,median_exact\n");
    for (auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
      ToyUgModel m;
      m.prior = prior;
      Rng r = rng.split(10 + static_cast<std::uint64_t>(prior));
      const auto pts = toy_ug_median_vs_error(m, {0.89, 0.99, 1.09}, sigmas, n30, 0.01, r);
      for (const auto& p : pts)
        std::fprintf(f, "%s,%.2f,%.5f,%.3f,%zu,%.5f,%.5f,%.5f\n", prior_name(prior), p.ug_true, p.feh_true,
                     p.sigma_ug, p.count, p.median_mc, p.median_error, p.median_exact);
    }
    std::fclose(f);
    std::printf("tables written to %s\n", out.c_str());

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
