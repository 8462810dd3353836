// MCMC in locus: the generic samplers on your own log-probability, then the photo-D
// posterior of a few stars with the ensemble sampler.
//
//   mcmc_posterior [--stars N] [--walkers K] [--steps S] [--seed X]
//
// Uses the S82 priors and stars shipped in data/. `locus posterior --engine mcmc` runs the
// same on any catalogue.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <locus/bayes/ensemble_sampler.hpp>
#include <locus/bayes/mcmc_posterior.hpp>
#include <locus/bayes/metropolis_hastings.hpp>
#include <locus/io/csv.hpp>
#include <locus/pipeline/adapters.hpp>

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
  const PriorMaps priors = PriorMaps::load_csv(dir + "priors_s82_pix0.csv");
  const PhotodModel pm(model, priors, Extinction::berry2012());
  io::CsvReadOptions ro;
  ro.id_column = "CALIBSTARS";
  auto stars = pipeline::read_stars(io::read_csv(dir + "s82_calibstars.csv", ro));
  stars.resize(std::min(stars.size(), nstars));
  McmcSettings set;
  set.walkers = walkers;
  set.steps = steps;
  set.burn_in = steps / 5;
  const auto res = mcmc_posterior(pm, stars, set, rng);
  std::printf("S82 stars, %zu walkers x %zu steps:\n", walkers, steps);
  std::printf("  star    Mr (mean +- sd)     Ar               [Fe/H]          acceptance  tau(Mr)  status\n");
  for (std::size_t i = 0; i < res.size(); ++i) {
    const auto& s = res[i].summary;
    const auto& d = res[i].diagnostics;
    std::printf("  %4zu  %6.2f +- %4.2f   %5.3f +- %5.3f   %6.2f +- %4.2f   %.2f        %5.1f    %s\n", i, s.mean[0],
                s.sigma[0], s.mean[1], s.sigma[1], s.mean[2], s.sigma[2], d.acceptance, d.tau[0],
                io::describe_status(s.status).c_str());
  }
  return 0;
}
