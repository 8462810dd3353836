// Ensemble MCMC on the photo-D posterior, per star: the 3,981 S82 stars, the 10 Gyr locus
// thinned ×10 (LocusModel::builtin(), 4,557 nodes), the S82 priors (pixel 0), photo-D's
// setting of 4 walkers × 500 steps (stretch move a = 2), single thread; then the whole
// catalogue on 1 and 2 threads through the deterministic catalogue runner.
//
//   bench_mcmc [--stars N] [--repeats R] [--dump FILE --dump-stars M]
//
// Prints "key value" lines. With --dump it also writes FILE (JSON): the model grid, the prior
// maps, the first M stars with the exact starting walkers locus used, and log π at test
// points, so bench/mcmc_vs_emcee.py can run emcee on the identical target and settings.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <time.h>

#include <nlohmann/json.hpp>

#include <locus/bayes/mcmc_posterior.hpp>

#include "../tests/support/s82.hpp"

using namespace locus;
using namespace locus::bayes;
using clk = std::chrono::steady_clock;

namespace {
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }
// CPU time of the calling thread: on this shared machine wall time includes waiting for a
// core, CPU time does not. Both are reported.
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t nstars = 0, dump_stars = 100;
  int repeats = 3;
  std::string dump;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--stars") nstars = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--repeats") repeats = std::atoi(argv[i + 1]);
    else if (a == "--dump") dump = argv[i + 1];
    else if (a == "--dump-stars") dump_stars = std::strtoul(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench_mcmc [--stars N] [--repeats R] [--dump FILE --dump-stars M]\n");
      return 2;
    }
  }
  const std::string dir = std::string(LOCUS_DATA_DIR) + "/photod/s82/";
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  auto stars = locus::test::s82_stars();
  if (nstars > 0 && nstars < stars.size()) stars.resize(nstars);
  const McmcSettings set;  // 4 walkers × 500 steps, 100 burn-in
  const Rng master(20251124);

  // Per star, single thread: start (grid-posterior draw) + 4 × 500 ensemble steps + summary,
  // and the sampler alone. Best of `repeats` passes over the catalogue.
  double best_total = 1e300, best_run = 1e300, best_cpu = 1e300, best_run_cpu = 1e300, acc = 0, sink = 0;
  EnsembleSampler<StretchMove> sampler(set.walkers, PhotodTarget::dim, set.move);
  for (int rep = 0; rep < repeats; ++rep) {
    double run_time = 0, run_cpu = 0;
    acc = 0;
    const auto t0 = clk::now();
    const double c0 = thread_cpu();
    for (std::size_t i = 0; i < stars.size(); ++i) {
      Rng rng = master.split(i);
      const PhotodTarget target(pm, stars[i], set.ar_prior);
      const auto start = target.start(set.walkers, rng);
      const auto t1 = clk::now();
      const double c1 = thread_cpu();
      sampler.run(target, start, set.steps, rng);
      run_cpu += thread_cpu() - c1;
      run_time += seconds_since(t1);
      std::array<double, n_params> tau{};
      const auto s = summarize(target, sampler.chain(), set.burn_in, set.autocorr ? &tau : nullptr);
      sink += s.mean[0];
      acc += sampler.mean_acceptance_fraction();
    }
    best_cpu = std::min(best_cpu, thread_cpu() - c0);
    best_total = std::min(best_total, seconds_since(t0));
    best_run = std::min(best_run, run_time);
    best_run_cpu = std::min(best_run_cpu, run_cpu);
  }
  const double n = static_cast<double>(stars.size());
  std::printf("stars %zu\n", stars.size());
  std::printf("walkers %zu\n", set.walkers);
  std::printf("steps %zu\n", set.steps);
  std::printf("per_star_total_s %.9g\n", best_total / n);
  std::printf("per_star_sampler_s %.9g\n", best_run / n);
  std::printf("per_star_total_cpu_s %.9g\n", best_cpu / n);
  std::printf("per_star_sampler_cpu_s %.9g\n", best_run_cpu / n);
  std::printf("log_prob_calls_per_star %zu\n", set.walkers * (set.steps + 1));
  std::printf("acceptance %.4f\n", acc / n);

  // The catalogue runner on 1 and 2 threads (results identical by construction).
  double t_threads[3] = {0, 0, 0};
  std::vector<McmcResult> r1, r2;
  for (std::size_t th : {1u, 2u}) {
    double best = 1e300;
    for (int rep = 0; rep < repeats; ++rep) {
      const auto t0 = clk::now();
      auto r = mcmc_posterior(pm, std::span<const Star>(stars), set, master, th);
      best = std::min(best, seconds_since(t0));
      (th == 1 ? r1 : r2) = std::move(r);
    }
    t_threads[th] = best;
  }
  bool same = r1.size() == r2.size();
  for (std::size_t i = 0; same && i < r1.size(); ++i) same = r1[i].summary.mean == r2[i].summary.mean;
  std::printf("catalog_1thread_s %.6g\n", t_threads[1]);
  std::printf("catalog_2threads_s %.6g\n", t_threads[2]);
  std::printf("threads_identical %d\n", same ? 1 : 0);
  if (sink == 1.2345) std::puts("");

  if (!dump.empty()) {
    nlohmann::json j;
    j["t"] = model.t_values();
    j["feh"] = model.feh_values();
    j["mr"] = std::vector<double>(model.mr_data(), model.mr_data() + model.size());
    for (std::size_t c = 0; c < n_colours; ++c)
      j["colour"].push_back(std::vector<double>(model.colour_data(c), model.colour_data(c) + model.size()));
    j["k"] = ext.colour_coefficients();
    for (std::size_t b = 0; b < PriorMaps::n_bins; ++b) {
      const auto& m = priors.map(b);
      j["priors"].push_back({{"feh_lo", m.feh.lo}, {"feh_step", m.feh.step}, {"feh_n", m.feh.n},
                             {"mr_lo", m.mr.lo},   {"mr_step", m.mr.step},   {"mr_n", m.mr.n},
                             {"values", m.values}});
    }
    const std::size_t ns = std::min(dump_stars, stars.size());
    for (std::size_t i = 0; i < ns; ++i) {
      const auto& s = stars[i];
      const PhotodTarget target(pm, s, set.ar_prior);
      Rng rng = master.split(i);
      const auto start = target.start(set.walkers, rng);
      // Test points: the starts and random points around them, with locus's log π.
      std::vector<std::vector<double>> pts;
      std::vector<double> lp;
      Rng probe(1000 + i);
      for (std::size_t w = 0; w < set.walkers; ++w) {
        for (int q = 0; q < 5; ++q) {
          std::vector<double> x(start.begin() + 3 * w, start.begin() + 3 * w + 3);
          if (q > 0) x = {x[0] + 0.2 * probe.normal(), x[1] + 0.1 * probe.normal(), x[2] + 0.05 * probe.normal()};
          lp.push_back(target(x));
          pts.push_back(x);
        }
      }
      nlohmann::json js{{"colour", s.colour},
                        {"error", s.error},
                        {"ar_max", target.ar_max()},
                        {"bin", PriorMaps::bin_index(s.r)},
                        {"start", start},
                        {"points", pts}};
      // JSON has no infinities: −∞ is written as null.
      for (double v : lp) js["log_prob"].push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
      // locus's summary for this star with the bench's stream, for the side-by-side table.
      const auto& r = r1[i];
      js["locus_mean"] = r.summary.mean;
      js["locus_sigma"] = r.summary.sigma;
      j["stars"].push_back(js);
    }
    std::ofstream(dump) << j.dump();
    std::printf("dumped %zu\n", ns);
  }
  return 0;
}
