// The Bayesian-optimisation suggest step, as a user calls it: BayesianOptimizer::suggest()
// end to end (GP fit, candidate generation and encoding, acquisition, local search, decoding),
// after `--n` observations, on paper 000's architecture space (21 parameters, one-hot encoded
// in 131 dimensions) and on a plain space of 21 floats.
//
// Each timed step is suggest() followed by observe() of a synthetic loss, so the run is the
// loop a user writes; the observation count grows from n to n + repeats - 1. One step is run
// untimed first (it allocates the buffers that later steps reuse); its time and page faults
// are reported apart as "first_step". Page faults are getrusage(RUSAGE_SELF) minor faults.
// The process uses glibc's malloc with its default settings (no MALLOC_* / GLIBC_TUNABLES).
//
// usage: bench_gp [--space paper|float|both] [--n 100] [--repeats 15] [--threads 1] [--seed 7]
//                 [--batch 1] [--dump-data file.json]
//        bench_gp --data file.json [--repeats 15] [--threads 1] [--restarts 3]
// The first form prints one JSON line per space with the median and best suggest() times,
// the page faults per step and the hashes of the suggestions (the same for a given seed).
// --dump-data writes the last step's encoded observations, standardised losses and as many
// encoded candidates as suggest() scores (random points of the space) for bench/gp_vs_sklearn.py.
// The second form times the GP part alone on such data: GaussianProcess::optimize on (X, y)
// plus expected improvement over Xs, the work scikit-learn is timed on.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>
#include <sys/resource.h>
#include <locus/tune/bayes_opt.hpp>
#include <nlohmann/json.hpp>

using namespace locus;
using namespace locus::tune;

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

SearchSpace float_space(std::size_t d) {
  SearchSpace s;
  for (std::size_t k = 0; k < d; ++k) {
    std::string name = "x";
    name += std::to_string(k);
    s.add_float(name, 0.0, 1.0);
  }
  return s;
}

// A smooth synthetic loss with a unique minimum; no training, so the step is timed alone.
double synthetic_loss(const SearchSpace& space, const Configuration& c) {
  const auto u = space.to_unit(c);
  double s = 0;
  for (std::size_t k = 0; k < u.size(); ++k) s += std::sin(3 * u[k] + static_cast<double>(k)) / static_cast<double>(k + 1);
  return s;
}

struct Options {
  std::size_t n = 100, repeats = 15, threads = 1, batch = 1, restarts = 3;
  std::uint64_t seed = 7;
  std::string space = "both", data, dump;
};

nlohmann::json bench_suggest(const std::string& name, const SearchSpace& space, const Options& o) {
  BayesOptOptions bo;
  bo.seed = o.seed;
  bo.threads = o.threads;
  bo.gp.threads = o.threads;
  bo.gp.restarts = o.restarts;
  bo.progress = Progress::Show::never;
  BayesianOptimizer<> opt(space, bo);
  Rng rng(o.seed + 1);
  for (std::size_t i = 0; i < o.n; ++i) {  // the history: random configurations
    const Configuration c = space.sample(rng);
    opt.observe(c, synthetic_loss(space, c));
  }
  std::vector<double> times;
  std::vector<double> faults;
  nlohmann::json hashes = nlohmann::json::array();
  double first_s = 0;
  long first_faults = 0;
  for (std::size_t r = 0; r <= o.repeats; ++r) {
    const long f0 = minor_faults();
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Configuration> cs = opt.suggest(o.batch);
    const double t = seconds_since(t0);
    const long f = minor_faults() - f0;
    for (const auto& c : cs) {
      hashes.push_back(hash_hex(c.hash()));
      opt.observe(c, synthetic_loss(space, c));
    }
    if (r == 0) {
      first_s = t;
      first_faults = f;
    } else {
      times.push_back(t);
      faults.push_back(static_cast<double>(f));
    }
  }
  if (!o.dump.empty()) {
    // What the GP sees at the last step, and a candidate set of the size suggest() scores.
    const std::size_t D = space.encoded_dim(), n = opt.observations().size();
    nlohmann::json X = nlohmann::json::array(), y = nlohmann::json::array(), Xs = nlohmann::json::array();
    double mu = 0, sd = 0;
    for (const auto& t : opt.observations()) mu += t.loss;
    mu /= static_cast<double>(n);
    for (const auto& t : opt.observations()) sd += (t.loss - mu) * (t.loss - mu);
    sd = std::sqrt(sd / static_cast<double>(n));
    for (const auto& t : opt.observations()) {
      X.push_back(space.encode(t.config));
      y.push_back((t.loss - mu) / sd);
    }
    const std::size_t m = bo.candidates + bo.local_candidates + bo.local_starts * bo.local_rounds * bo.local_batch;
    std::vector<double> u(space.size()), row(D);
    Rng crng(o.seed + 2);
    for (std::size_t i = 0; i < m; ++i) {
      space.sample_unit(crng, u.data());
      space.encode_units(u.data(), 1, row.data());
      Xs.push_back(row);
    }
    std::ofstream(o.dump) << nlohmann::json{{"X", X}, {"y", y}, {"Xs", Xs}}.dump();
  }
  return {{"space", name}, {"parameters", space.size()}, {"encoded_dim", space.encoded_dim()},
          {"observations", o.n}, {"batch", o.batch}, {"threads", o.threads}, {"restarts", o.restarts},
          {"steps", o.repeats}, {"suggest_s", median(times)},
          {"suggest_best_s", times.empty() ? 0.0 : *std::min_element(times.begin(), times.end())},
          {"faults_per_step", median(faults)}, {"first_step_s", first_s}, {"first_step_faults", first_faults},
          {"scored_per_step", bo.candidates + bo.local_candidates + bo.local_starts * bo.local_rounds * bo.local_batch},
          {"suggestions", hashes}};
}

// GaussianProcess::optimize + expected improvement over Xs, on data from --dump-data.
nlohmann::json bench_gp_only(const Options& o) {
  std::ifstream in(o.data);
  if (!in) throw InputError("cannot read " + o.data);
  const auto j = nlohmann::json::parse(in);
  std::vector<double> x, y, xs;
  for (const auto& row : j.at("X"))
    for (double v : row) x.push_back(v);
  for (const auto& row : j.at("Xs"))
    for (double v : row) xs.push_back(v);
  y = j.at("y").get<std::vector<double>>();
  const std::size_t n = y.size(), d = j.at("X").at(0).size(), m = xs.size() / d;
  const double best = *std::min_element(y.begin(), y.end());
  GpFitOptions opt;
  opt.restarts = o.restarts;
  opt.threads = o.threads;
  std::vector<double> fit_t, acq_t, tot_t, mean(m), sigma(m), score(m);
  double lml = 0;
  for (std::size_t r = 0; r <= o.repeats; ++r) {  // r = 0 warms up
    const auto t0 = std::chrono::steady_clock::now();
    GaussianProcess gp;
    Rng rng(100 + r);
    lml = gp.optimize(x.data(), n, d, y.data(), rng, opt);
    const double tf = seconds_since(t0);
    gp.predict(xs.data(), m, mean.data(), sigma.data(), o.threads);
    const ExpectedImprovement ei;
    for (std::size_t i = 0; i < m; ++i) score[i] = ei(mean[i], sigma[i], best);
    volatile auto arg = std::max_element(score.begin(), score.end()) - score.begin();
    (void)arg;
    const double tt = seconds_since(t0);
    if (r == 0) continue;
    fit_t.push_back(tf);
    acq_t.push_back(tt - tf);
    tot_t.push_back(tt);
  }
  return {{"n", n}, {"d", d}, {"candidates", m}, {"restarts", o.restarts}, {"threads", o.threads},
          {"fit_s", median(fit_t)}, {"acquisition_s", median(acq_t)}, {"total_s", median(tot_t)},
          {"total_best_s", *std::min_element(tot_t.begin(), tot_t.end())}, {"lml", lml}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "bench_gp: " << a << " needs a value\n";
      return 2;
    }
    const std::string v = argv[i + 1];
    if (a == "--n") o.n = std::stoull(v);
    else if (a == "--repeats") o.repeats = std::stoull(v);
    else if (a == "--threads") o.threads = std::stoull(v);
    else if (a == "--batch") o.batch = std::stoull(v);
    else if (a == "--restarts") o.restarts = std::stoull(v);
    else if (a == "--seed") o.seed = std::stoull(v);
    else if (a == "--space") o.space = v;
    else if (a == "--data") o.data = v;
    else if (a == "--dump-data") o.dump = v;
    else {
      std::cerr << "bench_gp: unknown option " << a << "\n";
      return 2;
    }
  }
  if (o.repeats == 0) o.repeats = 1;
  if (!o.data.empty()) {
    std::cout << bench_gp_only(o).dump() << std::endl;
    return 0;
  }
  if (o.space != "paper" && o.space != "float" && o.space != "both") {
    std::cerr << "bench_gp: --space must be paper, float or both\n";
    return 2;
  }
  if (o.space != "float") std::cout << bench_suggest("paper000", architecture_space(), o).dump() << std::endl;
  if (o.space != "paper") std::cout << bench_suggest("float21", float_space(21), o).dump() << std::endl;
  return 0;
}
