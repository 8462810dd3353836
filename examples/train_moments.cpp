// Does a moments network learn both the mean and the noise level? A synthetic but honest test.
//
//   train_moments [--train N] [--val N] [--test N] [--epochs E] [--patience P] [--runs R]
//                 [--threads T] [--seed S] [--save PREFIX]
//
// Five true "colours" c ~ U(-1, 1) determine three targets through known nonlinear functions,
// each with known heteroscedastic scatter (its σ depends on the colours):
//   t0 = 4 + 3 sin(1.5 c0) + c1 c2          σ0 = 0.2 + 0.3 |c3|
//   t1 = 0.5 + 0.8 c1² + 0.5 c4             σ1 = 0.15 + 0.15 (1 + c0)
//   t2 = -1 + tanh(2 c2) + 0.3 c3 c4         σ2 = 0.1 + 0.15 (1 + c4)
// The network sees 10 inputs: the 5 colours observed with per-star Gaussian errors and those
// 5 errors. It is paper 000's network and recipe (nn::MomentsModel: moments loss with Eq. 2
// weights, Adam 1e-3, batch 1024, ReduceOnPlateau 0.9, early stopping), and the secondary
// network is taught the known intrinsic σ (standing in for the Bayesian σ_B).
// On held-out data, if the network has learnt the mean μ and the full scatter σ_NN, then
// z = (t − μ)/σ_NN is N(0, 1): the robust σ of z (1.4826 × MAD) must lie in [0.9, 1.1] for
// every target. The program prints a report and exits with status 1 if a bound fails.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <locus/core/rng.hpp>
#include <locus/nn/moments_model.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
struct Problem {
  Matrix<float> x, theta, sigma;
};
Problem make(std::size_t n, Rng& rng) {
  Problem p{Matrix<float>({n, 10}), Matrix<float>({n, 3}), Matrix<float>({n, 3})};
  for (std::size_t r = 0; r < n; ++r) {
    double c[5];
    for (int i = 0; i < 5; ++i) {
      c[i] = rng.uniform(-1, 1);
      const double e = 0.02 + 0.1 * rng.uniform() * rng.uniform();  // per-star error, 0.02-0.12
      p.x(r, i) = float(c[i] + e * rng.normal());
      p.x(r, 5 + i) = float(e);
    }
    const double s[3] = {0.2 + 0.3 * std::abs(c[3]), 0.15 + 0.15 * (1 + c[0]), 0.1 + 0.15 * (1 + c[4])};
    const double m[3] = {4 + 3 * std::sin(1.5 * c[0]) + c[1] * c[2], 0.5 + 0.8 * c[1] * c[1] + 0.5 * c[4],
                         -1 + std::tanh(2 * c[2]) + 0.3 * c[3] * c[4]};
    for (int k = 0; k < 3; ++k) {
      p.theta(r, k) = float(m[k] + s[k] * rng.normal());
      p.sigma(r, k) = float(s[k]);
    }
  }
  return p;
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
double robust_sigma(const std::vector<double>& v) {
  const double m = median(v);
  std::vector<double> d;
  for (double a : v) d.push_back(std::abs(a - m));
  return 1.4826 * median(d);
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t n_train = 7500, n_val = 2500, n_test = 20000, epochs = 1024, patience = 100, runs = 2, threads = 1;
  std::uint64_t seed = 2025;
  std::string save_prefix;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--train") n_train = std::strtoull(next(), nullptr, 10);
    else if (a == "--val") n_val = std::strtoull(next(), nullptr, 10);
    else if (a == "--test") n_test = std::strtoull(next(), nullptr, 10);
    else if (a == "--epochs") epochs = std::strtoull(next(), nullptr, 10);
    else if (a == "--patience") patience = std::strtoull(next(), nullptr, 10);
    else if (a == "--runs") runs = std::strtoull(next(), nullptr, 10);
    else if (a == "--threads") threads = std::strtoull(next(), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--save") save_prefix = next();
    else {
      std::fprintf(stderr,
                   "usage: %s [--train N] [--val N] [--test N] [--epochs E] [--patience P] [--runs R] "
                   "[--threads T] [--seed S] [--save PREFIX]\n", argv[0]);
      return 2;
    }
  }
  Rng rng(seed);
  Rng r1 = rng.split(1), r2 = rng.split(2), r3 = rng.split(3);
  const auto train = make(n_train, r1), val = make(n_val, r2), test = make(n_test, r3);

  MomentsModelOptions o;
  o.seed = seed;
  o.primary.epochs = epochs;
  o.primary.patience = patience;
  o.primary.threads = threads;
  o.primary_runs = runs;
  o.secondary.epochs = std::min<std::size_t>(256, epochs);
  o.secondary.patience = patience;
  o.secondary.threads = threads;
  MomentsModel model;
  const auto t0 = std::chrono::steady_clock::now();
  model.fit(train.x, train.theta, train.sigma, val.x, val.theta, val.sigma, o, ProgressBar{});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& hp = model.primary_history();
  const auto& hs = model.secondary_history();
  std::printf("train_moments: %zu training, %zu validation, %zu held-out rows; seed %llu\n", n_train, n_val, n_test,
              static_cast<unsigned long long>(seed));
  std::printf("primary   (moments, best of %zu): %zu epochs, best at %zu, validation loss %.4g (%s)\n", runs,
              hp.epochs(), hp.best_epoch, hp.best_loss, hp.stop_reason.c_str());
  std::printf("secondary (MSE on sigma):         %zu epochs, best at %zu, validation loss %.4g (%s)\n", hs.epochs(),
              hs.best_epoch, hs.best_loss, hs.stop_reason.c_str());
  std::printf("training wall time %.1f s\n\n", secs);

  const auto p = model.predict(test.x, threads);
  const char* names[3] = {"t0", "t1", "t2"};
  bool ok = true;
  std::printf("held-out data        rms(t-mu)  median sigma_NN  robust sigma of (t-mu)/sigma_NN  median sigma_B/true\n");
  for (int k = 0; k < 3; ++k) {
    std::vector<double> z, ratio;
    double ss = 0;
    std::vector<double> snn;
    for (std::size_t r = 0; r < n_test; ++r) {
      const double e = double(test.theta(r, k)) - double(p.mu(r, k));
      ss += e * e;
      z.push_back(e / double(p.sigma_nn(r, k)));
      snn.push_back(p.sigma_nn(r, k));
      ratio.push_back(double(p.sigma_b(r, k)) / double(test.sigma(r, k)));
    }
    const double rs = robust_sigma(z);
    const bool pass = rs >= 0.9 && rs <= 1.1;
    ok = ok && pass;
    std::printf("%-18s  %9.4f  %15.4f  %31.3f %s  %19.3f\n", names[k], std::sqrt(ss / double(n_test)), median(snn), rs,
                pass ? "ok  " : "FAIL", median(ratio));
  }
  std::printf("\ncalibration bound 0.9 <= robust sigma <= 1.1 for every target: %s\n", ok ? "met" : "NOT met");
  if (!save_prefix.empty()) {
    model.save(save_prefix + "_primary.model", save_prefix + "_secondary.model");
    const auto back = MomentsModel::load(save_prefix + "_primary.model", save_prefix + "_secondary.model");
    const auto q = back.predict(test.x, threads);
    const bool same = std::equal(q.mu.begin(), q.mu.end(), p.mu.begin()) &&
                      std::equal(q.sigma_total.begin(), q.sigma_total.end(), p.sigma_total.begin());
    std::printf("saved to %s_{primary,secondary}.model; reloaded predictions identical: %s\n", save_prefix.c_str(),
                same ? "yes" : "NO");
    ok = ok && same;
  }
  return ok ? 0 : 1;
}
