// Paper 001's two-stage route on the mock catalogue: a classifier sorts stars into giants
// (Mr < 3, here "bright": giants, subgiants and the turn-off) and dwarfs, then one regressor
// per class estimates Mr. Against a single regressor of the same total size.
//
//   two_stage_mr [--train N] [--test N] [--epochs E] [--seed S]
//
// Inputs: paper 000's 10 (r, colours, errors), standardised; Mr in magnitudes.
// Classifier: 10 → 32 GELU → 2 Softmax, CrossEntropy. Regressors: 10 → 32 → 32 → 1 (GELU).
// The single regressor: 10 → 45 → 45 → 1 (about twice one regressor's parameters).
// Prints the classification accuracy, the confusion counts and the Mr MAE of both routes,
// overall and per true class.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/two_stage.hpp>
#include "photometric_task.hpp"

using namespace locus;
using namespace locus::nn;

int main(int argc, char** argv) {
  std::size_t n_train = 30000, n_test = 30000, epochs = 40;
  std::uint64_t seed = 1;
  if (!example::parse_options(argc, argv,
                              {{"--train", &n_train}, {"--test", &n_test}, {"--epochs", &epochs}, {"--seed", &seed}}))
    return 2;

  // Mr only, in magnitudes; labels from the true Mr.
  const auto task = example::photometric_task(n_train, 1, n_test, 2026, 23.0, false);
  auto mr_of = [](const Matrix<float>& y) {
    Matrix<float> m({y.shape(0), 1});
    for (std::size_t r = 0; r < y.shape(0); ++r) m(r, 0) = y(r, 0);
    return m;
  };
  const auto y_train = mr_of(task.y_train), y_test = mr_of(task.y_test);
  auto labels_of = [](const Matrix<float>& y) {
    std::vector<int> l(y.shape(0));
    for (std::size_t r = 0; r < l.size(); ++r) l[r] = y(r, 0) < 3.0f;
    return l;
  };
  const auto l_train = labels_of(y_train), l_test = labels_of(y_test);

  Rng rng(seed);
  using Reg = Stack<Dense<Gelu>, Dense<Gelu>, Dense<Linear>>;
  auto regressor = [&] { return Reg(Dense<Gelu>(10, 32, rng), Dense<Gelu>(32, 32, rng), Dense<Linear>(32, 1, rng)); };
  TwoStage route(Stack(Dense<Gelu>(10, 32, rng), Dense<Softmax>(32, 2, rng)), std::vector<Reg>{regressor(), regressor()});
  const FitOptions options{.epochs = epochs, .batch_size = 256, .patience = 0, .seed = seed};
  route.fit_classifier(task.x_train, l_train, Adam{}, Constant{}, options);
  route.fit_regressors(task.x_train, l_train, y_train, Mse{}, Adam{}, Constant{}, options);
  const auto p = route.predict(task.x_test);

  Stack single(Dense<Gelu>(10, 45, rng), Dense<Gelu>(45, 45, rng), Dense<Linear>(45, 1, rng));
  Adam adam;
  Constant constant;
  fit(single, Mse{}, adam, constant, {task.x_train, y_train}, {}, options);
  const auto s = single.predict(task.x_test);

  std::size_t confusion[2][2] = {{0, 0}, {0, 0}}, count[2] = {0, 0};
  double mae2[2] = {0, 0}, mae1[2] = {0, 0};
  for (std::size_t r = 0; r < n_test; ++r) {
    const int t = l_test[r];
    ++confusion[t][p.label[r]];
    ++count[t];
    mae2[t] += std::abs(p.values(r, 0) - y_test(r, 0));
    mae1[t] += std::abs(s(r, 0) - y_test(r, 0));
  }
  const double acc = double(confusion[0][0] + confusion[1][1]) / double(n_test);
  std::printf("two-stage Mr on %zu test stars (train %zu, %zu epochs)\n", n_test, n_train, epochs);
  std::printf("classifier accuracy %.4f; confusion (true → predicted): dwarf→dwarf %zu, dwarf→giant %zu, "
              "giant→dwarf %zu, giant→giant %zu\n",
              acc, confusion[0][0], confusion[0][1], confusion[1][0], confusion[1][1]);
  std::printf("| route | parameters | MAE Mr (all) | MAE Mr (dwarfs, %zu) | MAE Mr (giants, %zu) |\n|---|---:|---:|---:|---:|\n",
              count[0], count[1]);
  const std::size_t p2 = route.classifier().parameter_count() + 2 * route.regressor(0).parameter_count();
  auto row = [&](const char* name, std::size_t params, const double* m) {
    std::printf("| %s | %zu | %.4f | %.4f | %.4f |\n", name, params, (m[0] + m[1]) / double(n_test),
                count[0] ? m[0] / double(count[0]) : 0.0, count[1] ? m[1] / double(count[1]) : 0.0);
  };
  row("two-stage", p2, mae2);
  row("single regressor", single.parameter_count(), mae1);
  if (!(acc > 0.5)) {
    std::fprintf(stderr, "two_stage_mr: the classifier is no better than chance\n");
    return 1;
  }
  return 0;
}
