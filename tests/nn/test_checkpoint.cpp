#include <doctest/doctest.h>
#include <cstdio>
#include <string>
#include <vector>
#include <locus/core/rng.hpp>
#include <locus/nn/checkpoint.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;
using locus::Rng;

TEST_CASE("Checkpoint: the file always holds the best epoch's network, which fit() restores") {
  Rng rng(1);
  Matrix<float> x({300, 4}), y({300, 2}), xv({100, 4}), yv({100, 2});
  for (auto* m : {&x, &xv})
    for (auto& v : *m) v = float(rng.normal());
  for (std::size_t r = 0; r < 300; ++r) {
    y(r, 0) = std::sin(x(r, 0)) + 0.1f * float(rng.normal());
    y(r, 1) = x(r, 1) * x(r, 2);
  }
  for (std::size_t r = 0; r < 100; ++r) {
    yv(r, 0) = std::sin(xv(r, 0));
    yv(r, 1) = xv(r, 1) * xv(r, 2);
  }
  using Net = Stack<Dense<Tanh>, Dense<Linear>>;
  Net net(Dense<Tanh>(4, 16, rng), Dense<Linear>(16, 2, rng));
  Adam adam{.learning_rate = 0.05};  // large: the validation loss does not improve every epoch
  Constant k;
  const std::string path = "locus_test_checkpoint.model";
  ModelInfo info;
  info.training = {{"note", "checkpoint test"}};
  Checkpoint<Net> ckpt(net, path, info);
  std::size_t improved = 0;
  const auto h = fit(net, Mse{}, adam, k, {x, y}, {xv, yv}, FitOptions{.epochs = 25, .batch_size = 32}, ckpt,
                     [&](const EpochEnd& e) { improved += e.improved; });
  CHECK(ckpt.saves() == improved);
  CHECK(improved < h.epochs());  // some epochs did not improve and were not saved
  ModelInfo got;
  const auto back = load<Net>(path, &got);
  const auto a = net.parameters();
  const auto b = back.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(std::equal(a[i].begin(), a[i].end(), b[i].begin(), b[i].end()));
  CHECK(got.training["note"] == "checkpoint test");
  CHECK(got.training["checkpoint"]["epoch"] == h.best_epoch);
  CHECK(got.training["checkpoint"]["val_loss"].get<double>() == h.best_loss);
  std::remove(path.c_str());
}
