#include <doctest/doctest.h>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <locus/core/rng.hpp>
#include <locus/nn/callbacks.hpp>
#include <locus/nn/dense.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;
using locus::Rng;

namespace {
void data(std::size_t n, Rng& rng, Matrix<double>& x, Matrix<double>& y) {
  x = Matrix<double>({n, 2});
  y = Matrix<double>({n, 1});
  for (std::size_t r = 0; r < n; ++r) {
    x(r, 0) = rng.normal();
    x(r, 1) = rng.normal();
    y(r, 0) = 0.5 * x(r, 0) - x(r, 1) + 0.1 * rng.normal();
  }
}
// Records which hooks were called, in order; handles all five by member function.
struct Recorder {
  std::vector<std::string> log;
  void on_train_begin(const TrainBegin& e) { log.push_back("begin " + std::to_string(e.batches_per_epoch)); }
  void on_epoch_begin(const EpochBegin& e) { log.push_back("epoch " + std::to_string(e.epoch)); }
  void on_batch_end(const BatchEnd& e) { log.push_back("batch " + std::to_string(e.batch) + " " + std::to_string(e.rows)); }
  Action on_epoch_end(const EpochEnd& e) {
    log.push_back("end " + std::to_string(e.epoch));
    return Action::proceed;
  }
  void on_train_end(const TrainEnd& e) { log.push_back("done " + std::to_string(e.history.epochs())); }
};
}  // namespace

TEST_CASE("callbacks: hooks are found by signature and called in order") {
  Rng rng(1);
  Matrix<double> x, y;
  data(100, rng, x, y);
  Stack net(Dense<Linear, double>(2, 1, rng));
  Adam adam;
  Constant k;
  Recorder rec;
  int lambda_epochs = 0;
  struct Nothing {};  // handles no event: ignored
  fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 2, .batch_size = 40}, rec, Nothing{},
      [&](const EpochEnd&) { ++lambda_epochs; });
  const std::vector<std::string> expect{"begin 3",   "epoch 0",   "batch 0 40", "batch 1 40", "batch 2 20", "end 0",
                                        "epoch 1",   "batch 0 40", "batch 1 40", "batch 2 20", "end 1",      "done 2"};
  CHECK(rec.log == expect);
  CHECK(lambda_epochs == 2);
}

TEST_CASE("CsvHistory: one line per epoch with the History's exact values") {
  Rng rng(2);
  Matrix<double> x, y, xv, yv;
  data(200, rng, x, y);
  data(50, rng, xv, yv);
  Stack net(Dense<Linear, double>(2, 1, rng));
  Adam adam{.learning_rate = 0.01};
  Constant k;
  const std::string path = "locus_test_callbacks_history.csv";
  CsvHistory csv(path);
  const auto h = fit(net, Mse{}, adam, k, {x, y}, {xv, yv}, FitOptions{.epochs = 5, .batch_size = 32}, csv);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "epoch,train_loss,val_loss,learning_rate,seconds");
  std::size_t e = 0;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string f[5];
    for (auto& v : f) std::getline(s, v, ',');
    CHECK(std::stoul(f[0]) == e);
    CHECK(std::stod(f[1]) == h.train_loss[e]);  // 17 significant digits round-trip
    CHECK(std::stod(f[2]) == h.val_loss[e]);
    CHECK(std::stod(f[3]) == h.learning_rate[e]);
    ++e;
  }
  CHECK(e == h.epochs());
  std::remove(path.c_str());
  CsvHistory bad("/nonexistent/dir/h.csv");
  CHECK_THROWS_AS(fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 1}, bad), locus::Error);
}

TEST_CASE("ProgressBar: silent when not asked and stderr is not a terminal; shown when forced") {
  Rng rng(3);
  Matrix<double> x, y;
  data(64, rng, x, y);
  Stack net(Dense<Linear, double>(2, 1, rng));
  Adam adam;
  Constant k;
  ProgressBar never(locus::Progress::Show::never), always(locus::Progress::Show::always, "test bar");
  bool seen_never = true, seen_always = false;
  fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 2}, never, always, [&](const EpochEnd&) {
    seen_never = never.enabled();
    seen_always = always.enabled();
  });
  CHECK_FALSE(seen_never);
  CHECK(seen_always);
}
