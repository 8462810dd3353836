// Bayesian (Mr, [Fe/H], A_r) estimates for the 3,981 Stripe 82 standard stars with the photo-D
// grid posterior, written as a CSV: every input column, then the posterior summaries and the
// status bits of each star.
//
//   grid_posterior_s82 [--data DIR] [--out FILE] [--mode exact|grid] [--threads N]
//                      [--locus FILE] [--t-step K] [--priors FILE]
//
// Defaults: the repository's data/ directory, grid_posterior_s82.csv, the exact mode, all cores,
// SDSSDSEDlocus_10Gyr.txt thinned every 10th tLoc (photo-D's choice) and the S82 priors of
// HEALPix pixel 0. Output columns per parameter P in {Mr, FeH, Ar}: P_mean, P_sigma, P_q14,
// P_q50, P_q86; then chi2_min, prior_bin, nodes_used, and the status column (0 = ok; see
// locus/bayes/summary.hpp for the bits).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/io/csv.hpp"

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
  if (!std::filesystem::exists(cat_file)) {
    std::printf("the Stripe 82 catalogue is not at %s; nothing to do\n", cat_file.c_str());
    return 0;
  }
  try {
    io::CsvReadOptions ro;
    ro.id_column = "CALIBSTARS";
    io::Catalog cat = io::read_csv(cat_file, ro);
    const auto model = LocusModel::load(locus_file, {.t_step = t_step});
    const auto priors = PriorMaps::load_csv(prior_file);
    GridOptions opt;
    if (mode == "grid") opt.mode = GridMode::brute_force;
    else if (mode != "exact") throw ConfigError("--mode must be exact or grid");
    const GridPosterior posterior(model, priors, Extinction::berry2012(), opt);

    // One Observation per row; a missing column would throw, a NaN value is flagged per star.
    std::vector<Observation> stars(cat.rows());
    const auto r = cat.column<double>("rmag"), ar = cat.column<double>("Ar");
    for (std::size_t c = 0; c < n_colours; ++c) {
      const auto col = cat.column<double>(std::string(colour_names[c]));
      const auto err = cat.column<double>(std::string(colour_names[c]) + "Err");
      for (std::size_t i = 0; i < stars.size(); ++i) stars[i].colour[c] = col[i], stars[i].error[c] = err[i];
    }
    for (std::size_t i = 0; i < stars.size(); ++i) stars[i].r = r[i], stars[i].ar_sfd = ar[i];

    const auto t0 = std::chrono::steady_clock::now();
    const auto res = posterior.fit_catalog(stars, threads);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    for (std::size_t p = 0; p < 3; ++p) {
      const std::string n(param_names[p]);
      auto mean = cat.add_column<double>(n + "_mean"), sigma = cat.add_column<double>(n + "_sigma");
      auto q14 = cat.add_column<double>(n + "_q14"), q50 = cat.add_column<double>(n + "_q50"),
           q86 = cat.add_column<double>(n + "_q86");
      for (std::size_t i = 0; i < res.size(); ++i)
        mean[i] = res[i].mean[p], sigma[i] = res[i].sigma[p], q14[i] = res[i].q14[p], q50[i] = res[i].q50[p],
        q86[i] = res[i].q86[p];
    }
    auto chi2 = cat.add_column<double>("chi2_min"), bin = cat.add_column<double>("prior_bin"),
         used = cat.add_column<double>("nodes_used");
    std::size_t n_ok = 0, n_poor = 0;
    for (std::size_t i = 0; i < res.size(); ++i) {
      chi2[i] = res[i].chi2_min, bin[i] = res[i].prior_bin, used[i] = res[i].nodes_used;
      cat.flag(i, res[i].status);
      n_ok += res[i].ok();
      n_poor += (res[i].status & status::poor_fit) != 0;
    }
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
