#include <doctest/doctest.h>
#include <cmath>
#include <string>
#include <vector>
#include <locus/core/rng.hpp>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/trainer.hpp>

using namespace locus::nn;
using locus::Matrix;
using locus::Rng;

namespace {
// y = x·A + c + noise, with A [3 × 2]
void linear_problem(std::size_t n, Rng& rng, Matrix<double>& x, Matrix<double>& y, double noise = 0.01) {
  const double A[3][2] = {{1.5, -0.5}, {0.25, 2.0}, {-1.0, 0.75}}, c[2] = {0.3, -0.2};
  x = Matrix<double>({n, 3});
  y = Matrix<double>({n, 2});
  for (std::size_t r = 0; r < n; ++r) {
    for (int i = 0; i < 3; ++i) x(r, i) = rng.normal();
    for (int j = 0; j < 2; ++j) {
      y(r, j) = c[j] + noise * rng.normal();
      for (int i = 0; i < 3; ++i) y(r, j) += x(r, i) * A[i][j];
    }
  }
}

template <class T>
auto paper_network(Rng& rng, std::size_t outputs = 6) {
  return Stack(Dense<Gelu, T>(10, 45, rng), Dense<Softsign, T>(45, 45, rng), Dense<Softsign, T>(45, 42, rng),
               Dense<Sigmoid, T>(42, 33, rng), Dense<Gelu, T>(33, 36, rng), Dense<Linear, T>(36, outputs, rng));
}

// a smooth 10 → 3 problem with heteroscedastic noise, for moments-loss training
void moments_problem(std::size_t n, Rng& rng, Matrix<float>& x, Matrix<float>& y) {
  x = Matrix<float>({n, 10});
  y = Matrix<float>({n, 3});
  for (std::size_t r = 0; r < n; ++r) {
    double c[5];
    for (int i = 0; i < 5; ++i) {
      c[i] = rng.normal();
      const double s = 0.05 + 0.1 * rng.uniform();
      x(r, i) = float(c[i] + s * rng.normal());
      x(r, 5 + i) = float(s);
    }
    y(r, 0) = float(std::sin(c[0]) + 0.5 * c[1] + 0.1 * rng.normal());
    y(r, 1) = float(c[2] * c[3] + 0.05 * (1 + std::abs(c[4])) * rng.normal());
    y(r, 2) = float(std::tanh(c[4]) + 0.2 * rng.normal());
  }
}

template <class Net>
std::vector<std::vector<typename Net::value_type>> snapshot(const Net& net) {
  std::vector<std::vector<typename Net::value_type>> s;
  for (auto p : net.parameters()) s.emplace_back(p.begin(), p.end());
  return s;
}
}  // namespace

TEST_CASE("fit: a linear network recovers the least-squares solution") {
  Rng rng(1);
  Matrix<double> x, y, xv, yv;
  linear_problem(2000, rng, x, y);
  linear_problem(500, rng, xv, yv);
  Stack net(Dense<Linear, double>(3, 2, rng));
  Adam adam{.learning_rate = 0.02};
  ReduceOnPlateau plateau{.factor = 0.5, .patience = 5};
  const auto h = fit(net, Mse{}, adam, plateau, {x, y}, {xv, yv}, FitOptions{.epochs = 300, .batch_size = 128, .patience = 30});
  const auto& W = net.layer<0>().weights();
  const auto& b = net.layer<0>().bias();
  CHECK(W(0, 0) == doctest::Approx(1.5).epsilon(0.005));
  CHECK(W(1, 1) == doctest::Approx(2.0).epsilon(0.005));
  CHECK(W(2, 0) == doctest::Approx(-1.0).epsilon(0.005));
  CHECK(b(0) == doctest::Approx(0.3).epsilon(0.01));
  CHECK(b(1) == doctest::Approx(-0.2).epsilon(0.01));
  // noise variance 1e-4 is the floor of the validation loss (mean over 2 targets)
  CHECK(h.best_loss < 1.3e-4);
  CHECK(h.best_loss == doctest::Approx(evaluate(net, Mse{}, {xv, yv})).epsilon(1e-12));
  CHECK(h.epochs() == h.val_loss.size());
  CHECK(h.learning_rate.back() < 0.02);  // the plateau schedule reduced it
}

TEST_CASE("fit: chunked gradients equal the whole-batch gradient (one step of plain SGD)") {
  Rng rng(2);
  Matrix<float> x, y;
  moments_problem(1000, rng, x, y);
  auto a = paper_network<float>(rng);
  auto b = a;
  Sgd sgd{.learning_rate = 0.01};
  Constant k;
  const FitOptions base{.epochs = 1, .batch_size = 1000, .shuffle = false};
  FitOptions o1 = base, o2 = base;
  o1.chunk_rows = 1000;
  o2.chunk_rows = 48;
  const auto init = snapshot(a);
  fit(a, paper_moments_loss(), sgd, k, {x, y}, {}, o1);
  fit(b, paper_moments_loss(), sgd, k, {x, y}, {}, o2);
  const auto pa = a.parameters(), pb = b.parameters();
  double worst = 0, largest = 0;  // compare the updates, relative to the largest update
  for (std::size_t i = 0; i < pa.size(); ++i)
    for (std::size_t j = 0; j < pa[i].size(); ++j) {
      worst = std::max(worst, std::abs(double(pa[i][j]) - double(pb[i][j])));
      largest = std::max(largest, std::abs(double(pa[i][j]) - double(init[i][j])));
    }
  CHECK(largest > 1e-3);
  CHECK(worst < 1e-4 * largest);
  CHECK(worst > 0);  // a different summation order, not the same code path
}

TEST_CASE("fit: bit-identical weights and History with 1 and 2 threads (determinism)") {
  Rng rng(3);
  Matrix<float> x, y, xv, yv;
  moments_problem(1500, rng, x, y);
  moments_problem(300, rng, xv, yv);
  const auto init = paper_network<float>(rng);
  auto run = [&](std::size_t threads) {
    auto net = init;
    Adam adam;
    ReduceOnPlateau plateau{.patience = 1};
    FitOptions o{.epochs = 4, .batch_size = 512, .seed = 7, .threads = threads, .chunk_rows = 128,
                 .input_noise = {0.01}};
    auto h = fit(net, paper_moments_loss(), adam, plateau, {x, y}, {xv, yv}, o);
    return std::make_pair(snapshot(net), h);
  };
  const auto [w1, h1] = run(1);
  const auto [w2, h2] = run(2);
  CHECK(w1 == w2);
  CHECK(h1.train_loss == h2.train_loss);
  CHECK(h1.val_loss == h2.val_loss);
  CHECK(h1.learning_rate == h2.learning_rate);
  CHECK(h1.best_epoch == h2.best_epoch);
  // and a different seed gives a different run
  auto net = init;
  Adam adam;
  Constant k;
  fit(net, paper_moments_loss(), adam, k, {x, y}, {xv, yv}, FitOptions{.epochs = 4, .batch_size = 512, .seed = 8, .chunk_rows = 128});
  CHECK(snapshot(net) != w1);
}

TEST_CASE("fit: reset_optimizer = false continues Adam's state (3 + 2 epochs = 5 epochs)") {
  Rng rng(11);
  Matrix<double> x, y;
  linear_problem(400, rng, x, y);
  const auto init = Stack(Dense<Linear, double>(3, 2, rng));
  FitOptions o{.epochs = 5, .batch_size = 100, .patience = 0, .seed = 1, .shuffle = false};
  auto once = init;
  Adam a1{.learning_rate = 0.01};
  Constant k1;
  const auto h = fit(once, Mse{}, a1, k1, {x, y}, {}, o);
  REQUIRE(h.best_epoch == 4);  // the loss falls every epoch, so no earlier weights are restored
  auto twice = init;
  Adam a2{.learning_rate = 0.01};
  Constant k2;
  o.epochs = 3;
  fit(twice, Mse{}, a2, k2, {x, y}, {}, o);
  o.epochs = 2;
  o.reset_optimizer = false;
  fit(twice, Mse{}, a2, k2, {x, y}, {}, o);
  CHECK(a2.steps == 20);
  CHECK(snapshot(twice) == snapshot(once));
  // with the default reset, Adam's bias correction restarts and the weights differ
  auto reset = init;
  Adam a3{.learning_rate = 0.01};
  o.epochs = 3;
  o.reset_optimizer = true;
  fit(reset, Mse{}, a3, k2, {x, y}, {}, o);
  o.epochs = 2;
  fit(reset, Mse{}, a3, k2, {x, y}, {}, o);
  CHECK(snapshot(reset) != snapshot(once));
}

TEST_CASE("fit: the best epoch's weights are restored, whatever ends training") {
  Rng rng(4);
  Matrix<float> x, y, xv, yv;
  moments_problem(600, rng, x, y);
  moments_problem(200, rng, xv, yv);
  const auto init = paper_network<float>(rng);
  for (std::size_t patience : {0u, 2u}) {  // epoch limit, early stopping
    auto net = init;
    std::vector<std::vector<std::vector<float>>> seen;
    auto record = [&](const EpochEnd&) { seen.push_back(snapshot(net)); };
    Adam adam{.learning_rate = 0.01};  // aggressive: the validation loss goes up and down
    Constant k;
    const auto h = fit(net, paper_moments_loss(), adam, k, {x, y}, {xv, yv},
                       FitOptions{.epochs = 12, .batch_size = 64, .patience = patience}, record);
    REQUIRE(seen.size() == h.epochs());
    CHECK(snapshot(net) == seen[h.best_epoch]);
    double best = 1e300;
    for (double v : h.val_loss) best = std::min(best, v);
    CHECK(h.best_loss == best);
    CHECK(std::isfinite(best));
    CHECK(h.val_loss[h.best_epoch] == best);
    if (patience == 0) CHECK(h.stop_reason == "epoch limit");
    if (h.stop_reason == "early stopping") CHECK(h.epochs() == h.best_epoch + 1 + patience);
    // the restored network really has the best validation loss
    CHECK(evaluate(net, paper_moments_loss(), {xv, yv}) == doctest::Approx(best).epsilon(1e-6));
  }
}

TEST_CASE("fit: a callback can stop training, by epoch or by batch") {
  Rng rng(5);
  Matrix<double> x, y;
  linear_problem(300, rng, x, y);
  Stack net(Dense<Linear, double>(3, 2, rng));
  Adam adam;
  Constant k;
  int begins = 0, ends = 0;
  struct Counter {
    int* b;
    int* e;
    void on_train_begin(const TrainBegin&) { ++*b; }
    void on_train_end(const TrainEnd&) { ++*e; }
  } counter{&begins, &ends};
  auto h = fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 50, .batch_size = 32}, counter,
               [](const EpochEnd& e) { return e.epoch == 2 ? Action::stop : Action::proceed; });
  CHECK(h.epochs() == 3);
  CHECK(h.stop_reason == "stopped by callback");
  CHECK(begins == 1);
  CHECK(ends == 1);
  CHECK(std::isnan(h.val_loss[0]));  // no validation data: the training loss is monitored
  std::size_t batches = 0;
  h = fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 50, .batch_size = 32},
          [&](const BatchEnd& b) { return ++batches == 4 ? Action::stop : Action::proceed; });
  CHECK(h.epochs() == 1);
  CHECK(h.steps == 4);
}

TEST_CASE("fit: NaN inputs are rejected by default with the row and column") {
  Rng rng(6);
  Matrix<double> x, y;
  linear_problem(50, rng, x, y);
  x(17, 2) = std::nan("");
  Stack net(Dense<Linear, double>(3, 2, rng));
  Adam adam;
  Constant k;
  try {
    fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 1});
    FAIL("no exception");
  } catch (const locus::InputError& e) {
    const std::string m = e.what();
    CHECK(m.find("training input row 17, column 2 is NaN") != std::string::npos);
  }
  x(17, 2) = 0;
  y(3, 1) = INFINITY;
  CHECK_THROWS_WITH_AS(fit(net, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 1}),
                       doctest::Contains("training target row 3, column 1 is infinite"), locus::InputError);
}

TEST_CASE("fit: impute_and_mask fills column means and appends indicators") {
  Rng rng(7);
  Matrix<double> x, y;
  linear_problem(400, rng, x, y);
  double sum = 0;
  std::size_t m = 0;
  for (std::size_t r = 0; r < 400; ++r) {
    if (r % 5 == 0) x(r, 1) = std::nan("");
    else {
      sum += x(r, 1);
      ++m;
    }
  }
  Stack small(Dense<Linear, double>(3, 2, rng));
  Adam adam;
  Constant k;
  CHECK_THROWS_AS(fit(small, Mse{}, adam, k, {x, y}, {}, FitOptions{.epochs = 1, .missing = MissingPolicy::impute_and_mask}),
                  locus::ConfigError);  // needs 6 inputs
  Stack net(Dense<Linear, double>(6, 2, rng));
  MissingValues mv;
  const auto h = fit(net, Mse{}, adam, k, {x, y}, {},
                     FitOptions{.epochs = 3, .batch_size = 64, .missing = MissingPolicy::impute_and_mask, .imputer_out = &mv});
  CHECK(std::isfinite(h.train_loss.back()));
  REQUIRE(mv.columns() == 3);
  CHECK(mv.fill_values()[1] == doctest::Approx(sum / double(m)).epsilon(1e-12));
  const auto t = mv.transform(x);
  CHECK(t(5, 1) == mv.fill_values()[1]);
  CHECK(t(5, 4) == 1.0);
  CHECK(t(6, 4) == 0.0);
  CHECK(t(6, 1) == x(6, 1));
}

TEST_CASE("fit: input noise augmentation gives the regression-dilution slope") {
  // y = 2x with x ~ N(0,1); training on x + N(0, 1) noise makes the least-squares slope
  // 2·var(x)/(var(x) + σ²) = 1 (attenuation bias): a closed form the noise must reproduce.
  Rng rng(8);
  const std::size_t n = 4000;
  Matrix<double> x({n, 1}), y({n, 1});
  for (std::size_t r = 0; r < n; ++r) {
    x(r, 0) = rng.normal();
    y(r, 0) = 2 * x(r, 0);
  }
  Stack net(Dense<Linear, double>(1, 1, rng));
  Sgd sgd{.learning_rate = 0.01};
  WarmupCosine cos{.warmup_fraction = 0.0, .floor = 0.0};
  fit(net, Mse{}, sgd, cos, {x, y}, {}, FitOptions{.epochs = 30, .batch_size = 32, .patience = 0, .input_noise = {1.0}});
  CHECK(net.layer<0>().weights()(0, 0) == doctest::Approx(1.0).epsilon(0.05));
  Stack clean(Dense<Linear, double>(1, 1, rng));
  Sgd sgd2{.learning_rate = 0.01};
  fit(clean, Mse{}, sgd2, cos, {x, y}, {}, FitOptions{.epochs = 30, .batch_size = 32, .patience = 0});
  CHECK(clean.layer<0>().weights()(0, 0) == doctest::Approx(2.0).epsilon(1e-3));
}

TEST_CASE("fit: configuration errors are reported clearly") {
  Rng rng(9);
  Matrix<float> x, y;
  moments_problem(100, rng, x, y);
  auto net = paper_network<float>(rng, 3);
  Adam adam;
  Constant k;
  CHECK_THROWS_WITH_AS(fit(net, paper_moments_loss(), adam, k, {x, y}, {}, FitOptions{}),
                       doctest::Contains("the network has 3 outputs but moments needs 6"), locus::ConfigError);
  auto net6 = paper_network<float>(rng, 6);
  CHECK_THROWS_AS(fit(net6, paper_moments_loss(), adam, k, {x, y}, {}, FitOptions{.input_noise = {0.1, 0.2}}),
                  locus::ConfigError);
  CHECK_THROWS_AS(fit(net6, paper_moments_loss(), adam, k, {x, y}, {}, FitOptions{.batch_size = 0}), locus::ConfigError);
}

TEST_CASE("fit: a diverging run stops on the non-finite loss and keeps the last good weights") {
  Rng rng(10);
  Matrix<float> x, y;
  moments_problem(300, rng, x, y);
  auto net = paper_network<float>(rng);
  const auto init = snapshot(net);
  Sgd sgd{.learning_rate = 50.0, .momentum = 0.9};
  Constant k;
  const auto h = fit(net, paper_moments_loss(), sgd, k, {x, y}, {}, FitOptions{.epochs = 50, .batch_size = 32});
  CHECK(h.stop_reason == "non-finite loss");
  CHECK(h.epochs() < 50);
  if (!std::isfinite(h.train_loss[0])) CHECK(snapshot(net) == init);
  else CHECK(std::isfinite(h.best_loss));
}
