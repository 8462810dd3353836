#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include <locus/nn/two_stage.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("TwoStage: a classifier routes rows to per-class regressors that a single one cannot replace") {
  // class 1 when x0 > 0; the target is 2 x1 in class 0 and 1 − 3 x1 in class 1
  locus::Rng rng(81);
  const std::size_t n = 3000;
  Matrix<float> x({n, 2}), y({n, 1});
  std::vector<int> labels(n);
  for (std::size_t r = 0; r < n; ++r) {
    x(r, 0) = float(rng.uniform(-1, 1));
    x(r, 1) = float(rng.uniform(-1, 1));
    labels[r] = x(r, 0) > 0;
    y(r, 0) = labels[r] ? 1 - 3 * x(r, 1) : 2 * x(r, 1);
  }
  using Reg = Stack<Dense<Linear>>;
  TwoStage route(Stack(Dense<Softmax>(2, 2, rng)), std::vector<Reg>{Reg(Dense<Linear>(2, 1, rng)), Reg(Dense<Linear>(2, 1, rng))});
  const FitOptions opt{.epochs = 60, .batch_size = 64, .patience = 0};
  route.fit_classifier(x, labels, Adam{.learning_rate = 0.05}, Constant{}, opt);
  route.fit_regressors(x, labels, y, Mse{}, Adam{.learning_rate = 0.05}, Constant{}, opt);
  const auto p = route.predict(x);
  std::size_t right = 0;
  double mae = 0;
  for (std::size_t r = 0; r < n; ++r) {
    right += p.label[r] == std::size_t(labels[r]);
    mae += std::abs(p.values(r, 0) - y(r, 0));
    CHECK(p.probability(r, p.label[r]) >= p.probability(r, 1 - p.label[r]));
  }
  CHECK(double(right) / n > 0.98);
  CHECK(mae / n < 0.05);
  // each row's value is its class regressor's, bit for bit
  const auto v0 = route.regressor(0).predict(x), v1 = route.regressor(1).predict(x);
  for (std::size_t r = 0; r < n; ++r) CHECK(p.values(r, 0) == (p.label[r] ? v1(r, 0) : v0(r, 0)));
  // one linear regressor for all rows is far worse
  Reg single(Dense<Linear>(2, 1, rng));
  Adam a{.learning_rate = 0.05};
  Constant c;
  fit(single, Mse{}, a, c, {x, y}, {}, opt);
  const auto s = single.predict(x);
  double mae1 = 0;
  for (std::size_t r = 0; r < n; ++r) mae1 += std::abs(s(r, 0) - y(r, 0));
  CHECK(mae1 / n > 10 * mae / n);
}

TEST_CASE("TwoStage: a regressor per class, and labels per row, or an error") {
  using Reg = Stack<Dense<Linear>>;
  CHECK_THROWS_AS(TwoStage(Stack(Dense<Softmax>(2, 3)), std::vector<Reg>{Reg(Dense<Linear>(2, 1))}), locus::ConfigError);
  TwoStage route(Stack(Dense<Softmax>(2, 2)), std::vector<Reg>{Reg(Dense<Linear>(2, 1)), Reg(Dense<Linear>(2, 1))});
  Matrix<float> x({4, 2}, 0.f);
  CHECK_THROWS_AS(route.fit_classifier(x, std::vector<int>{0, 1}, Adam{}, Constant{}, FitOptions{}), locus::InputError);
  CHECK_THROWS_WITH_AS(route.fit_regressors(x, std::vector<int>{0, 0, 0, 0}, Matrix<float>({4, 1}, 0.f), Mse{}, Adam{},
                                            Constant{}, FitOptions{.epochs = 1}),
                       doctest::Contains("class 1 has no training rows"), locus::InputError);
}
