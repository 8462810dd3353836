// MCMC in locus: the generic samplers on your own log-probability, then the photo-D
// posterior of a few stars with the ensemble sampler.
//
//   mcmc_posterior [--stars N] [--walkers K] [--steps S] [--seed X]
//
// Uses the S82 priors and stars shipped in data/ when present; otherwise a flat prior and
// synthetic stars made from model nodes, so it runs anywhere.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <locus/bayes/ensemble_sampler.hpp>
#include <locus/bayes/metropolis_hastings.hpp>
#include <locus/bayes/photod_target.hpp>

using namespace locus;
using namespace locus::bayes;

int main(int argc, char** argv) {
  std::size_t nstars = 5, walkers = 4, steps = 500;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--stars") nstars = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--walkers") walkers = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--steps") steps = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  Rng rng(seed);

  // 1. Any callable taking std::span<const double> is a target: here Rosenbrock's banana.
  auto banana = [](std::span<const double> x) {
    const double a = x[0], b = x[1] - x[0] * x[0];
    return -0.5 * (a * a + 10 * b * b);
  };
  std::vector<double> start(32 * 2);
  for (auto& v : start) v = 0.1 * rng.normal();
  EnsembleSampler<> ens(32, 2);  // StretchMove, a = 2
  ens.run(banana, start, 6000, rng);
  const auto m = ens.chain().mean(1000);
  const auto tau = ens.autocorr_time(1000);
  std::printf("ensemble: mean (%.3f, %.3f) [exact (0, 1)], acceptance %.2f, tau %.1f %.1f\n", m[0], m[1],
              ens.mean_acceptance_fraction(), tau[0].tau, tau[1].tau);

  MetropolisHastings<> mh({0.5, 0.5}, MetropolisOptions{.burn_in = 2000, .adapt = true});
  mh.run(banana, std::vector<double>{0.0, 0.0}, 200000, rng);
  const auto mm = mh.chain().mean();
  std::printf("metropolis: mean (%.3f, %.3f) [exact (0, 1)], acceptance %.2f, adapted scale %.2f, tau %.1f\n", mm[0], mm[1],
              mh.acceptance_fraction(), mh.scale(), mh.autocorr_time()[0].tau);

  // 2. The photo-D posterior of real (or synthetic) stars.
  const LocusModel model = LocusModel::builtin();
  const std::string dir = std::string(LOCUS_DATA_DIR) + "/photod/s82/";
  const bool have_data = std::filesystem::exists(dir + "s82_calibstars.csv");
  const PriorMaps priors = have_data ? PriorMaps::load_csv(dir + "priors_s82_pix0.csv") : PriorMaps::flat();
  const PhotodModel pm(model, priors, Extinction::berry2012());
  std::vector<PhotodStar> stars;
  if (have_data) {
    std::ifstream in(dir + "s82_calibstars.csv");
    std::string line;
    std::getline(in, line);
    std::map<std::string, std::size_t> col;
    std::stringstream hs(line);
    std::string name;
    for (std::size_t k = 0; std::getline(hs, name, ','); ++k) col[name] = k;
    while (stars.size() < nstars && std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string t; std::getline(ss, t, ',');) f.push_back(t);
      PhotodStar s;
      for (std::size_t c = 0; c < n_colours; ++c) {
        s.colour[c] = std::stod(f[col.at(std::string(colour_names[c]))]);
        s.error[c] = std::stod(f[col.at(std::string(colour_names[c]) + "Err")]);
      }
      s.r = std::stod(f[col.at("rmag")]);
      s.ar_sfd = std::stod(f[col.at("Ar")]);
      stars.push_back(s);
    }
  } else {
    for (std::size_t i = 0; i < nstars; ++i) {
      const std::size_t n = (i * 7919) % model.size();
      PhotodStar s;
      for (std::size_t c = 0; c < n_colours; ++c) {
        s.colour[c] = model.colour(c, n) + Extinction::berry2012().colour_coefficient(c) * 0.1;
        s.error[c] = 0.02;
      }
      s.r = 19;
      s.ar_sfd = 0.1;
      stars.push_back(s);
    }
  }
  McmcSettings set;
  set.walkers = walkers;
  set.steps = steps;
  set.burn_in = steps / 5;
  const auto res = mcmc_posterior(pm, stars, set, rng);
  std::printf("%s stars, %zu walkers x %zu steps:\n", have_data ? "S82" : "synthetic", walkers, steps);
  std::printf("  star    Mr (mean +- sd)     [Fe/H]            Ar             acceptance status\n");
  for (std::size_t i = 0; i < res.size(); ++i) {
    const auto& s = res[i].summary;
    std::printf("  %4zu  %6.2f +- %4.2f   %6.2f +- %4.2f   %5.3f +- %5.3f   %.2f  %d\n", i, s.mean[0], s.sigma[0],
                s.mean[1], s.sigma[1], s.mean[2], s.sigma[2], s.acceptance, res[i].status);
  }
  return 0;
}
