// The toy u−g model's numbers straight from the library's primitives, for tests/cli/test_toy.py:
//   toy_ug_reference N N30 SEED  ->  JSON on stdout
// {"uniform": {"sample": [[feh_true, ug_true, feh, ug], ...], "bins": [[lo, hi, count, mc, error, exact], ...]},
//  "binormal": {...}, "fig30": [[prior, ug_true, feh_true, sigma_ug, count, mc, error, exact], ...]}
// Doubles are written exactly (shortest round-trip form); NaN as null. The streams are the ones
// sim::write_toy_ug_tables documents: Rng(seed).split(prior) and split(10 + prior).
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <locus/core/rng.hpp>
#include <locus/sim/toy_ug.hpp>

using namespace locus;
using namespace locus::sim;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: toy_ug_reference N N30 SEED\n");
    return 2;
  }
  const std::size_t n = std::stoull(argv[1]), n30 = std::stoull(argv[2]);
  const Rng rng(std::stoull(argv[3]));
  std::vector<double> edges, sigmas;
  for (int k = 0; k <= 30; ++k) edges.push_back(0.60 + 0.03 * k);
  for (int k = 0; k <= 15; ++k) sigmas.push_back(0.02 * k);
  nlohmann::json out, fig30 = nlohmann::json::array();
  for (const auto prior : {ToyFehPrior::uniform, ToyFehPrior::binormal}) {
    const char* name = prior == ToyFehPrior::uniform ? "uniform" : "binormal";
    ToyUgModel m;
    m.prior = prior;
    Rng r = rng.split(static_cast<std::uint64_t>(prior));
    const auto s = toy_ug_sample(m, n, r);
    nlohmann::json sample = nlohmann::json::array(), bins = nlohmann::json::array();
    for (std::size_t i = 0; i < s.size(); ++i) sample.push_back({s.feh_true[i], s.ug_true[i], s.feh[i], s.ug[i]});
    for (const auto& b : toy_ug_binned_medians(m, s, edges))
      bins.push_back({b.ug_lo, b.ug_hi, b.count, b.median_mc, b.median_error, b.median_exact});
    out[name] = {{"sample", sample}, {"bins", bins}};
    Rng r30 = rng.split(10 + static_cast<std::uint64_t>(prior));
    for (const auto& p : toy_ug_median_vs_error(m, {0.89, 0.99, 1.09}, sigmas, n30, 0.01, r30))
      fig30.push_back({name, p.ug_true, p.feh_true, p.sigma_ug, p.count, p.median_mc, p.median_error, p.median_exact});
  }
  out["fig30"] = fig30;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
