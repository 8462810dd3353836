// The validation study of locus's tuners (issue: Tuners, section 4), with fixed seeds:
//   1. Branin: median over 20 seeds of the evaluations needed to reach f - 0.397887 < 1e-2
//      must be <= 40 (random search needs ~5,000).
//   2. Hartmann-6: f < -3.0 within 100 evaluations in >= 75 % of 20 seeds (f* = -3.32237).
//   3. Hyperband vs random search on synthetic learning curves with a known best arm, at
//      equal total budget: Hyperband finds the best arm at least as often.
// Exits with status 1 if a threshold is missed. ctest runs it with fewer seeds.
//
// usage: tuner_validation [--branin-seeds 20] [--hartmann-seeds 20] [--hb-seeds 200] [--threads 0]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>

using namespace locus;
using namespace locus::tune;

namespace {
double branin(const Configuration& c) {
  const double x1 = c.get_float("x1"), x2 = c.get_float("x2");
  const double pi = 3.14159265358979323846, b = 5.1 / (4 * pi * pi), cc = 5 / pi, t = 1 / (8 * pi);
  const double q = x2 - b * x1 * x1 + cc * x1 - 6;
  return q * q + 10 * (1 - t) * std::cos(x1) + 10;
}
double hartmann6(const Configuration& c) {
  static const double a[4] = {1.0, 1.2, 3.0, 3.2};
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
                                 {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}};
  static const char* names[6] = {"x1", "x2", "x3", "x4", "x5", "x6"};
  double f = 0;
  for (int i = 0; i < 4; ++i) {
    double s = 0;
    for (int j = 0; j < 6; ++j) {
      const double x = c.get_float(names[j]);
      s += A[i][j] * (x - 1e-4 * P[i][j]) * (x - 1e-4 * P[i][j]);
    }
    f -= a[i] * std::exp(-s);
  }
  return f;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t branin_seeds = 20, hartmann_seeds = 20, hb_seeds = 200, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const auto v = static_cast<std::size_t>(std::strtoul(argv[i + 1], nullptr, 10));
    if (a == "--branin-seeds") branin_seeds = v;
    else if (a == "--hartmann-seeds") hartmann_seeds = v;
    else if (a == "--hb-seeds") hb_seeds = v;
    else if (a == "--threads") threads = v;
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  bool ok = true;
  const auto t_all = std::chrono::steady_clock::now();

  // 1. Branin (EI, 10-point Latin hypercube, default options). Seeds run in parallel.
  if (branin_seeds > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    SearchSpace s;
    s.add_float("x1", -5, 10).add_float("x2", 0, 15);
    std::vector<std::size_t> evals(branin_seeds);
    parallel_for(branin_seeds, 1, [&](std::size_t seed) {
      BayesOptOptions o;
      o.seed = seed;
      o.threads = 1;
      BayesianOptimizer<> bo(s, o);
      evals[seed] = 101;
      for (std::size_t t = 1; t <= 100; ++t) {
        const auto c = bo.suggest();
        const double f = branin(c);
        bo.observe(c, f);
        if (f - 0.397887 < 1e-2) {
          evals[seed] = t;
          break;
        }
      }
    }, threads);
    std::vector<std::size_t> sorted = evals;
    std::sort(sorted.begin(), sorted.end());
    // median of an even count: the lower middle value and the mean of both are printed
    const double median = sorted.size() % 2 ? static_cast<double>(sorted[sorted.size() / 2])
                                            : 0.5 * static_cast<double>(sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
    std::cout << "Branin, " << branin_seeds << " seeds: evaluations to f - f* < 1e-2:";
    for (auto e : evals) std::cout << " " << e;
    std::cout << "\n  median " << median << " (threshold <= 40), min " << sorted.front() << ", max " << sorted.back()
              << "  [" << seconds_since(t0) << " s]\n";
    ok = ok && median <= 40;
  }

  // 2. Hartmann-6.
  if (hartmann_seeds > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    SearchSpace s;
    for (const char* name : {"x1", "x2", "x3", "x4", "x5", "x6"}) s.add_float(name, 0, 1);
    std::vector<double> best(hartmann_seeds);
    std::vector<std::size_t> first(hartmann_seeds);
    parallel_for(hartmann_seeds, 1, [&](std::size_t seed) {
      BayesOptOptions o;
      o.seed = seed;
      o.threads = 1;
      BayesianOptimizer<> bo(s, o);
      best[seed] = 1e300;
      first[seed] = 0;
      for (std::size_t t = 1; t <= 100; ++t) {
        const auto c = bo.suggest();
        const double f = hartmann6(c);
        bo.observe(c, f);
        best[seed] = std::min(best[seed], f);
        if (best[seed] < -3.0 && first[seed] == 0) first[seed] = t;
      }
    }, threads);
    std::size_t hits = 0;
    std::cout << "Hartmann-6, " << hartmann_seeds << " seeds, 100 evaluations: best f (evaluations to f < -3.0):";
    for (std::size_t k = 0; k < hartmann_seeds; ++k) {
      hits += best[k] < -3.0;
      std::cout << " " << best[k] << " (" << first[k] << ")";
    }
    const double rate = static_cast<double>(hits) / static_cast<double>(hartmann_seeds);
    std::cout << "\n  success " << hits << "/" << hartmann_seeds << " = " << 100 * rate << " % (threshold >= 75 %)  ["
              << seconds_since(t0) << " s]\n";
    ok = ok && rate >= 0.75;
  }

  // 3. Hyperband vs random search: 300 arms, curves f_a + c_a / sqrt(budget) + N(0, 0.01²),
  //    the best arm 137 (f = 0.05, c = 0.6; others f in [0.1, 1], c in [0.2, 1]).
  if (hb_seeds > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<double> fa, ca;
    Rng r(2024);
    for (int a = 0; a < 300; ++a) fa.push_back(0.1 + 0.9 * r.uniform()), ca.push_back(0.2 + 0.8 * r.uniform());
    fa[137] = 0.05;
    ca[137] = 0.6;
    auto curve = [&](std::int64_t arm, double budget, Rng& rng) {
      const auto a = static_cast<std::size_t>(arm);
      return fa[a] + ca[a] / std::sqrt(budget) + 0.01 * rng.normal();
    };
    SearchSpace s;
    s.add_int("arm", 0, 299);
    std::vector<int> hb_hit(hb_seeds), rs_hit(hb_seeds);
    double budget_used = 0;
    parallel_for(hb_seeds, 1, [&](std::size_t seed) {
      HyperbandOptions o;
      o.max_budget = 81;
      o.eta = 3;
      o.seed = seed;
      o.threads = 1;
      const auto res = Hyperband(s, o).run([&](const Configuration& c, double b, ResumeState& st) {
        return curve(c.get_int("arm"), b, st.rng);
      });
      hb_hit[seed] = res.best().config.get_int("arm") == 137;
      Rng rng(1000 + seed);
      const auto n = static_cast<std::size_t>(res.total_budget / o.max_budget);
      double best = 1e300;
      std::int64_t arm = -1;
      for (std::size_t k = 0; k < n; ++k) {
        const auto c = s.sample(rng);
        const double l = curve(c.get_int("arm"), o.max_budget, rng);
        if (l < best) best = l, arm = c.get_int("arm");
      }
      rs_hit[seed] = arm == 137;
      if (seed == 0) budget_used = res.total_budget;
    }, threads);
    int hb = 0, rs = 0;
    for (std::size_t k = 0; k < hb_seeds; ++k) hb += hb_hit[k], rs += rs_hit[k];
    std::cout << "Hyperband vs random search, " << hb_seeds << " seeds, total budget " << budget_used
              << " per run (random search: " << static_cast<int>(budget_used / 81) << " full evaluations):\n"
              << "  best arm found: Hyperband " << hb << "/" << hb_seeds << ", random search " << rs << "/" << hb_seeds
              << "  [" << seconds_since(t0) << " s]\n";
    ok = ok && hb >= rs;
  }
  std::cout << (ok ? "all thresholds met" : "THRESHOLD MISSED") << "  [total " << seconds_since(t_all) << " s]\n";
  return ok ? 0 : 1;
}
