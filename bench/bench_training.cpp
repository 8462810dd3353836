// Training speed of the paper 000 network (10 → 45 GELU → 45 Softsign → 42 Softsign →
// 33 Sigmoid → 36 GELU → 6 Linear) with the weighted moments loss (Eq. 1-2) and Adam.
//
//   bench_training [--rows 7500] [--val 2500] [--epochs 30] [--batch 1024] [--threads 1]
//                  [--recipe] [--seed S]
//
// Prints "key value" lines (read by bench/training_vs_torch.py):
//  - ms/epoch over --epochs epochs of --rows training rows (no validation pass), and the
//    split between forward, loss, backward, gradient reduction and optimizer;
//  - with --recipe, the wall time of paper 000's full recipe on rows + val rows: at most
//    1024 epochs, early stopping with patience 100, ReduceOnPlateau(0.9), best of 2 runs.
// The data is the synthetic heteroscedastic problem of examples/train_moments.cpp.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <locus/nn/dense.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/scalers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/core/rng.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
// 5 true colours → 3 targets with heteroscedastic intrinsic scatter; inputs are the noisy
// colours and their per-star errors.
void synthetic(std::size_t n, Rng& rng, Matrix<float>& x, Matrix<float>& y) {
  x = Matrix<float>({n, 10});
  y = Matrix<float>({n, 3});
  for (std::size_t r = 0; r < n; ++r) {
    double c[5];
    for (int i = 0; i < 5; ++i) {
      c[i] = rng.uniform(-1, 1);
      const double s = 0.02 + 0.1 * rng.uniform() * rng.uniform();
      x(r, i) = float(c[i] + s * rng.normal());
      x(r, 5 + i) = float(s);
    }
    y(r, 0) = float(4 + 3 * std::sin(1.5 * c[0]) + c[1] * c[2] + (0.2 + 0.3 * std::abs(c[3])) * rng.normal());
    y(r, 1) = float(0.5 + 0.8 * c[1] * c[1] + 0.5 * c[4] + (0.15 + 0.15 * (1 + c[0])) * rng.normal());
    y(r, 2) = float(-1 + std::tanh(2 * c[2]) + 0.3 * c[3] * c[4] + (0.1 + 0.15 * (1 + c[4])) * rng.normal());
  }
}
using PaperNet = Stack<Dense<Gelu>, Dense<Softsign>, Dense<Softsign>, Dense<Sigmoid>, Dense<Gelu>, Dense<Linear>>;
PaperNet paper_network(Rng& rng) {
  return PaperNet(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Softsign>(45, 42, rng),
                  Dense<Sigmoid>(42, 33, rng), Dense<Gelu>(33, 36, rng), Dense<Linear>(36, 6, rng));
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 7500, val = 2500, epochs = 30, batch = 1024, threads = 1, chunk = 512;
  std::uint64_t seed = 2025;
  bool recipe = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::size_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", a.c_str());
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--rows") rows = next();
    else if (a == "--val") val = next();
    else if (a == "--epochs") epochs = next();
    else if (a == "--batch") batch = next();
    else if (a == "--threads") threads = next();
    else if (a == "--seed") seed = next();
    else if (a == "--chunk") chunk = next();
    else if (a == "--recipe") recipe = true;
    else {
      std::fprintf(stderr, "usage: %s [--rows N] [--val N] [--epochs E] [--batch B] [--threads T] [--recipe] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  Rng rng(seed);
  Matrix<float> x, y, xv, yv;
  synthetic(rows, rng, x, y);
  synthetic(val, rng, xv, yv);
  StandardScaler sx;
  sx.fit(x);
  x = sx.transform(x);
  xv = sx.transform(xv);
  const auto loss = paper_moments_loss();

  {  // ms/epoch, training passes only
    auto net = paper_network(rng);
    Adam adam;
    Constant constant;
    fit(net, loss, adam, constant, {x, y}, {}, FitOptions{.epochs = 2, .batch_size = batch, .patience = 0, .threads = threads, .chunk_rows = chunk});
    const auto t0 = std::chrono::steady_clock::now();
    const auto h = fit(net, loss, adam, constant, {x, y}, {},
                       FitOptions{.epochs = epochs, .batch_size = batch, .patience = 0, .threads = threads, .chunk_rows = chunk});
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double e = double(h.epochs());
    std::printf("rows %zu\nbatch %zu\nthreads %zu\nepochs %zu\n", rows, batch, threads, h.epochs());
    std::printf("ms_per_epoch %.4f\n", 1e3 * s / e);
    std::printf("forward_ms %.4f\nloss_ms %.4f\nbackward_ms %.4f\nreduce_ms %.4f\noptimizer_ms %.4f\n",
                1e3 * h.timing.forward / e, 1e3 * h.timing.loss / e, 1e3 * h.timing.backward / e,
                1e3 * h.timing.reduce / e, 1e3 * h.timing.optimizer / e);
    std::printf("final_train_loss %.6g\n", h.train_loss.back());
  }
  if (recipe) {  // paper 000, section 3.2: best of 2 runs, ≤ 1024 epochs, patience 100
    const auto t0 = std::chrono::steady_clock::now();
    double best = INFINITY;
    std::size_t total_epochs = 0;
    for (int run = 0; run < 2; ++run) {
      Rng r = rng.split(100 + run);
      auto net = paper_network(r);
      Adam adam{.learning_rate = 1e-3};
      ReduceOnPlateau plateau{.factor = 0.9};
      const auto h = fit(net, loss, adam, plateau, {x, y}, {xv, yv},
                         FitOptions{.epochs = 1024, .batch_size = batch, .patience = 100, .seed = seed + run, .threads = threads});
      total_epochs += h.epochs();
      best = std::min(best, h.best_loss);
      std::printf("recipe_run%d_epochs %zu\nrecipe_run%d_best_val_loss %.6g\n", run, h.epochs(), run, h.best_loss);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("recipe_seconds %.3f\nrecipe_epochs %zu\nrecipe_best_val_loss %.6g\n", s, total_epochs, best);
  }
}
