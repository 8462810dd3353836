// GP suggest step: fit a GaussianProcess (hyperparameters by maximum likelihood) on 100
// observations in a 21-dimensional unit cube, then score 5,000 candidates by expected
// improvement. This is the work of one Bayesian-optimisation suggestion in paper 000's
// architecture space (21 parameters). bench/gp_vs_sklearn.py runs it next to scikit-learn.
//
// usage: bench_gp [--n 100] [--d 21] [--candidates 5000] [--repeats 15] [--restarts 3]
//                 [--threads 1] [--data file.json]
// Prints one JSON line: median and best seconds of fit, acquisition and total.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>
#include <locus/tune/bayes_opt.hpp>
#include <nlohmann/json.hpp>

using namespace locus;
using namespace locus::tune;

int main(int argc, char** argv) {
  std::size_t n = 100, d = 21, m = 5000, repeats = 15, restarts = 3, threads = 1;
  std::string data;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--n") n = v;
    else if (a == "--d") d = v;
    else if (a == "--candidates") m = v;
    else if (a == "--repeats") repeats = v;
    else if (a == "--restarts") restarts = v;
    else if (a == "--threads") threads = v;
    else if (a == "--data") data = argv[i + 1];
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  std::vector<double> x, y, xs;
  if (!data.empty()) {  // the same data as the Python peer
    std::ifstream in(data);
    const auto j = nlohmann::json::parse(in);
    for (const auto& row : j.at("X")) for (double v : row) x.push_back(v);
    for (const auto& row : j.at("Xs")) for (double v : row) xs.push_back(v);
    y = j.at("y").get<std::vector<double>>();
    n = y.size();
    d = j.at("X").at(0).size();
    m = xs.size() / d;
  } else {
    Rng rng(1);
    x.resize(n * d);
    xs.resize(m * d);
    y.resize(n);
    for (auto& v : x) v = rng.uniform();
    for (auto& v : xs) v = rng.uniform();
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::size_t k = 0; k < d; ++k) s += std::sin(3 * x[i * d + k] + static_cast<double>(k)) / static_cast<double>(k + 1);
      y[i] = s + 0.01 * rng.normal();
    }
  }
  // standardise as BayesianOptimizer does
  double mu = 0, sd = 0;
  for (double v : y) mu += v;
  mu /= static_cast<double>(n);
  for (double v : y) sd += (v - mu) * (v - mu);
  sd = std::sqrt(sd / static_cast<double>(n));
  for (double& v : y) v = (v - mu) / sd;
  const double best = *std::min_element(y.begin(), y.end());

  GpFitOptions opt;
  opt.restarts = restarts;
  opt.threads = threads;
  std::vector<double> fit_t, acq_t, tot_t;
  double lml = 0, checksum = 0;
  std::vector<double> mean(m), sigma(m), score(m);
  for (std::size_t r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    GaussianProcess gp;
    Rng rng(100 + r);
    lml = gp.optimize(x.data(), n, d, y.data(), rng, opt);
    const auto t1 = std::chrono::steady_clock::now();
    gp.predict(xs.data(), m, mean.data(), sigma.data(), threads);
    const ExpectedImprovement ei;
    for (std::size_t i = 0; i < m; ++i) score[i] = ei(mean[i], sigma[i], best);
    const auto arg = std::max_element(score.begin(), score.end()) - score.begin();
    const auto t2 = std::chrono::steady_clock::now();
    checksum += static_cast<double>(arg);
    fit_t.push_back(std::chrono::duration<double>(t1 - t0).count());
    acq_t.push_back(std::chrono::duration<double>(t2 - t1).count());
    tot_t.push_back(std::chrono::duration<double>(t2 - t0).count());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  nlohmann::json out = {{"n", n}, {"d", d}, {"candidates", m}, {"restarts", restarts}, {"threads", threads},
                        {"fit_s", median(fit_t)}, {"acquisition_s", median(acq_t)}, {"total_s", median(tot_t)},
                        {"total_best_s", *std::min_element(tot_t.begin(), tot_t.end())}, {"lml", lml},
                        {"checksum", checksum}};
  std::cout << out.dump() << std::endl;
  return 0;
}
