// Helper for tests/python/check_bayes_kde.py: a fixed random catalogue (r, Mr, [Fe/H]), then the
// maps PriorMaps::from_catalog builds from it for r bins 2 (r = 15) and 6 (r = 17), on photo-D's
// grid, with the exact and the binned KDE. Output: "n" then n lines "r Mr FeH"; then per method
// and bin "bin k count c method m" (m: exact or binned) and the 36 x 96 map values, Mr-major,
// one per line.
#include <cstdio>
#include <utility>
#include <vector>

#include "locus/bayes/prior.hpp"
#include "locus/core/rng.hpp"

int main() {
  locus::Rng rng(2024);
  std::vector<double> r, mr, feh;
  for (int i = 0; i < 3000; ++i) {
    r.push_back(rng.uniform(14.0, 18.0));
    const double thick = rng.uniform() < 0.3 ? 1.0 : 0.0;
    const double f = rng.normal(-0.6 - 0.8 * thick, 0.3);
    feh.push_back(f);
    mr.push_back(4.5 + 1.8 * rng.normal() - 0.8 * f + 2.0 * thick);
  }
  std::printf("%zu\n", r.size());
  for (std::size_t i = 0; i < r.size(); ++i) std::printf("%.17g %.17g %.17g\n", r[i], mr[i], feh[i]);
  using locus::bayes::KdeMethod;
  for (auto [method, name] : {std::pair{KdeMethod::exact, "exact"}, std::pair{KdeMethod::binned, "binned"}}) {
    locus::bayes::KdeOptions opt;
    opt.method = method;
    const auto p = locus::bayes::PriorMaps::from_catalog(r, mr, feh, opt);
    for (std::size_t k : {2u, 6u}) {
      std::printf("bin %zu count %zu method %s\n", k, p.count(k), name);
      for (double v : p.map(k).values) std::printf("%.17g\n", v);
    }
  }
  return 0;
}
