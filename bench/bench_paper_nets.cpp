// Training and inference speed of two non-Dense networks on the photometric task of
// examples/photometric_task.hpp (paper 000's 10 inputs of a mock LSST patch; true Mr, A_r,
// [Fe/H]), one thread. bench/paper_nets_vs_torch.py runs this next to PyTorch.
//
//   bench_paper_nets [--train 40000] [--rows 200000] [--epochs 5] [--repeats 3] [--dump DIR]
//                    [--net p004|p000bn|both]
//
// Networks:
//  p004    paper 004's proposed residual multitask network, as examples/ablation_paper004.cpp
//          builds it (27,635 parameters), Huber loss on standardised targets, AdamW (lr 1e-3,
//          weight decay 0.01) with WarmupCosine, batch 256.
//  p000bn  paper 000's network 10 → 45 → 45 → 42 → 33 → 36 → 6 (GELU, Softsign, Softsign,
//          Sigmoid, GELU, linear) with BatchNorm(momentum 0.1, eps 1e-5) and then Dropout(0.1)
//          after each of the five hidden Dense layers (i.e. Dense → activation → BatchNorm →
//          Dropout, paper 002's order), moments loss of Eq. 2 on targets in their own units,
//          Adam (lr 1e-3), batch 256.
// Timed: fit() of --epochs epochs on --train rows (training passes only, no validation
// data), after a one-epoch warm-up fit, reported as ms per epoch (the median of --repeats
// fits); predict() of --rows rows (the test rows of the task), median of --repeats.
// With --dump DIR it writes the data as raw float32 (x_train, y_train_std, y_train,
// x_test) for the PyTorch side, so both sides train and predict on the same rows.
// Prints "key value" lines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>
#include <locus/nn/activate.hpp>
#include <locus/nn/batch_norm.hpp>
#include <locus/nn/chain.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/residual.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>
#include "../examples/photometric_task.hpp"

using namespace locus;
using namespace locus::nn;
using clk = std::chrono::steady_clock;

namespace {
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using LN = LayerNorm<float>;
// examples/ablation_paper004.cpp, "proposed"
auto paper004(Rng& rng) {
  return Stack(Dense<Linear>(10, 128, rng), LN(128), Activate<Gelu>(128),
               Residual(Dense<Linear>(128, 64, rng), LN(64), Activate<Gelu>(64), Dropout<float>(64, 0.4)), LN(64),
               Heads(Chain(Dense<Gelu>(64, 48, rng), Dense<Gelu>(48, 32, rng), Dense<Linear>(32, 1, rng)),
                     Chain(Dense<Gelu>(64, 48, rng), Dense<Linear>(48, 1, rng)),
                     Chain(Dense<Gelu>(64, 16, rng), Dense<Linear>(16, 1, rng))));
}
// Paper 000's network with BatchNorm and Dropout(0.1) after each hidden Dense.
using BN = BatchNorm<float>;
using DO = Dropout<float>;
auto paper000_bn(Rng& rng) {
  return Stack(Dense<Gelu>(10, 45, rng), BN(45), DO(45, 0.1), Dense<Softsign>(45, 45, rng), BN(45), DO(45, 0.1),
               Dense<Softsign>(45, 42, rng), BN(42), DO(42, 0.1), Dense<Sigmoid>(42, 33, rng), BN(33), DO(33, 0.1),
               Dense<Gelu>(33, 36, rng), BN(36), DO(36, 0.1), Dense<Linear>(36, 6, rng));
}

void dump(const std::string& path, const Matrix<float>& m) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(m.data()), std::streamsize(m.size() * sizeof(float)));
}

template <class Make, class Loss, class Opt, class Sched>
void run(const char* name, Make make, const Loss& loss, Opt opt, Sched sched, const Matrix<float>& x,
         const Matrix<float>& y, const Matrix<float>& xt, std::size_t epochs, std::size_t repeats) {
  Rng rng(7);
  auto net = make(rng);
  const FitOptions warm{.epochs = 1, .batch_size = 256, .patience = 0, .threads = 1};
  fit(net, loss, opt, sched, {x, y}, {}, warm);
  std::vector<double> per_epoch, pred;
  double final_loss = 0;
  for (std::size_t r = 0; r < repeats; ++r) {
    const auto t0 = clk::now();
    const auto h = fit(net, loss, opt, sched, {x, y}, {},
                       FitOptions{.epochs = epochs, .batch_size = 256, .patience = 0, .seed = 42 + r, .threads = 1});
    per_epoch.push_back(seconds_since(t0) / double(h.epochs()));
    final_loss = h.train_loss.back();
  }
  (void)net.predict(xt, 1);
  for (std::size_t r = 0; r < repeats; ++r) {
    const auto t0 = clk::now();
    const auto p = net.predict(xt, 1);
    pred.push_back(seconds_since(t0));
    if (p(0, 0) == 12345.f) std::puts("");
  }
  std::printf("%s_parameters %zu\n", name, net.parameter_count());
  std::printf("%s_ms_per_epoch %.4f\n", name, 1e3 * median(per_epoch));
  std::printf("%s_ms_per_epoch_min %.4f\n", name, 1e3 * *std::min_element(per_epoch.begin(), per_epoch.end()));
  std::printf("%s_final_train_loss %.6g\n", name, final_loss);
  std::printf("%s_predict_seconds %.5f\n", name, median(pred));
  std::printf("%s_predict_seconds_min %.5f\n", name, *std::min_element(pred.begin(), pred.end()));
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t n_train = 40000, n_rows = 200000, epochs = 5, repeats = 3;
  std::string dir, which = "both";
  if (!example::parse_options(argc, argv, {{"--train", &n_train}, {"--rows", &n_rows}, {"--epochs", &epochs},
                                           {"--repeats", &repeats}, {"--dump", &dir}, {"--net", &which}}))
    return 2;
  // targets in their own units (the moments loss wants them so); standardised copies for Huber
  const auto task = example::photometric_task(n_train, 0, n_rows, 2026, 23.0, false);
  const Matrix<float> y_std = task.targets.transform(task.y_train);
  if (!dir.empty()) {
    dump(dir + "/x_train.f32", task.x_train);
    dump(dir + "/y_train_std.f32", y_std);
    dump(dir + "/y_train.f32", task.y_train);
    dump(dir + "/x_test.f32", task.x_test);
  }
  std::printf("train_rows %zu\npredict_rows %zu\nepochs %zu\nrepeats %zu\n", n_train, n_rows, epochs, repeats);
  if (which == "both" || which == "p004")
    run("p004", paper004, Huber{}, AdamW{.weight_decay = 0.01}, WarmupCosine{}, task.x_train, y_std, task.x_test,
        epochs, repeats);
  if (which == "both" || which == "p000bn")
    run("p000bn", paper000_bn, paper_moments_loss(), Adam{}, Constant{}, task.x_train, task.y_train, task.x_test,
        epochs, repeats);
  return 0;
}
