// Bayesian (Mr, [Fe/H], A_r) estimates for the 3,981 Stripe 82 standard stars with the photo-D
// grid posterior, written as a CSV: every input column, then the posterior summaries and the
// status bits of each star.
//
//   grid_posterior_s82 [--data DIR] [--out FILE] [--mode exact|grid] [--threads N]
//                      [--locus FILE] [--t-step K] [--priors FILE]
//
// Defaults: the repository's data/ directory, grid_posterior_s82.csv, the exact mode, all cores,
// SDSSDSEDlocus_10Gyr.txt thinned every 10th tLoc (photo-D's choice) and the S82 priors of
// HEALPix pixel 0. Output columns per parameter P in {Mr, Ar, FeH}: bayes_P_mean, bayes_P_sigma,
// bayes_P_q14, bayes_P_q50, bayes_P_q86; then bayes_chi2_min, bayes_prior_bin, bayes_nodes,
// and the status column (0 = ok; the bits are listed in locus/io/status.hpp and docs/io.md).
// The `locus posterior` command does the same for any catalogue, without writing C++.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/io/csv.hpp"
#include "locus/pipeline/adapters.hpp"

using namespace locus;
using namespace locus::bayes;

int main(int argc, char** argv) {
  std::string data = LOCUS_DATA_DIR, out = "grid_posterior_s82.csv", mode = "exact", locus_file, prior_file;
  std::size_t threads = 0, t_step = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", a.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--data") data = v;
    else if (a == "--out") out = v;
    else if (a == "--mode") mode = v;
    else if (a == "--threads") threads = std::stoul(v);
    else if (a == "--locus") locus_file = v;
    else if (a == "--t-step") t_step = std::stoul(v);
    else if (a == "--priors") prior_file = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const std::string cat_file = data + "/photod/s82/s82_calibstars.csv";
  if (locus_file.empty()) locus_file = data + "/photod/locus/SDSSDSEDlocus_10Gyr.txt";
  if (prior_file.empty()) prior_file = data + "/photod/s82/priors_s82_pix0.csv";
  try {
    io::CsvReadOptions ro;
    ro.id_column = "CALIBSTARS";
    ro.columns = pipeline::ColumnMap{}.read_specs(io::Missing::flag);  // -99 placeholders read as missing
    io::Catalog cat = io::read_csv(cat_file, ro);
    const auto model = LocusModel::load(locus_file, {.t_step = t_step});
    const auto priors = PriorMaps::load_csv(prior_file);
    GridOptions opt;
    if (mode == "grid") opt.mode = GridMode::brute_force;
    else if (mode != "exact") throw ConfigError("--mode must be exact or grid");
    const GridPosterior posterior(model, priors, Extinction::berry2012(), opt);

    // The default column map is the S82 file's; a missing column would throw naming it, a NaN
    // value is flagged per star.
    const auto stars = pipeline::read_stars(cat);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = posterior.fit_catalog(stars, threads);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    pipeline::append_summaries(cat, res);  // bayes_Mr_mean ... bayes_nodes; status ORed in
    std::size_t n_ok = 0, n_poor = 0;
    for (const auto& r : res) n_ok += r.ok(), n_poor += (r.status & status::poor_fit) != 0;
    io::write_csv(cat, out);
    std::printf("%zu stars (%s mode, %zu nodes) in %.3f s: %zu fitted, %zu flagged poor_fit (chi2_min > %g), %zu "
                "without a fit\nwrote %s\n",
                res.size(), mode.c_str(), model.size(), sec, n_ok, n_poor, opt.chi2_max, res.size() - n_ok,
                out.c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
