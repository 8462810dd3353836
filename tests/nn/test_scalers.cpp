#include <doctest/doctest.h>
#include <cmath>
#include <locus/core/rng.hpp>
#include <locus/nn/scalers.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("StandardScaler: mean and population standard deviation, NaNs ignored") {
  Matrix<double> x({5, 2});
  const double a[5] = {1, 2, 3, 4, 10}, b[5] = {7, 7, 7, 7, NAN};
  for (int r = 0; r < 5; ++r) {
    x(r, 0) = a[r];
    x(r, 1) = b[r];
  }
  StandardScaler s;
  s.fit(x);
  CHECK(s.center[0] == doctest::Approx(4.0));
  CHECK(s.scale[0] == doctest::Approx(std::sqrt((9 + 4 + 1 + 0 + 36) / 5.0)));
  CHECK(s.center[1] == 7.0);
  CHECK(s.scale[1] == 1.0);  // constant column
  const auto t = s.transform(x);
  CHECK(t(4, 0) == doctest::Approx(6.0 / s.scale[0]));
  CHECK(std::isnan(t(4, 1)));
  const auto back = s.inverse_transform(t);
  for (int r = 0; r < 4; ++r) CHECK(back(r, 0) == doctest::Approx(x(r, 0)).epsilon(1e-15));
}

TEST_CASE("RobustScaler: median and interquartile range with numpy's linear quantiles") {
  // 1..9: median 5, q25 = 3, q75 = 7 -> IQR 4.  1..10: q25 = 3.25, q75 = 7.75, median 5.5.
  Matrix<float> x({10, 2});
  for (int r = 0; r < 10; ++r) {
    x(r, 0) = r < 9 ? float(9 - r) : NAN;
    x(r, 1) = float(r + 1);
  }
  RobustScaler s;
  s.fit(x);
  CHECK(s.center[0] == 5.0);
  CHECK(s.scale[0] == 4.0);
  CHECK(s.center[1] == 5.5);
  CHECK(s.scale[1] == doctest::Approx(4.5));
  // an outlier moves neither statistic much
  x(0, 1) = 1e6f;
  RobustScaler s2;
  s2.fit(x);
  CHECK(s2.scale[1] == doctest::Approx(4.5));
}

TEST_CASE("Scaler: sigma and moments outputs map back to physical units") {
  StandardScaler s;
  s.center = {10.0, -1.0};
  s.scale = {2.0, 0.5};
  Matrix<double> pred({1, 4});
  pred(0, 0) = 0.5;
  pred(0, 1) = -2.0;
  pred(0, 2) = -0.1;  // a negative σ output: only its square enters the moments loss
  pred(0, 3) = 0.4;
  const auto m = s.inverse_transform_moments(pred);
  CHECK(m(0, 0) == 11.0);
  CHECK(m(0, 1) == -2.0);
  CHECK(m(0, 2) == doctest::Approx(0.2));
  CHECK(m(0, 3) == doctest::Approx(0.2));
  CHECK_THROWS_AS(s.inverse_transform_moments(Matrix<double>({1, 3})), locus::InputError);
  CHECK_THROWS_AS(s.transform(Matrix<double>({2, 3})), locus::InputError);
  CHECK_THROWS_AS(StandardScaler{}.transform(Matrix<double>({2, 3})), locus::ConfigError);
  const auto j = s.to_json();
  CHECK(Scaler::from_json(j) == static_cast<const Scaler&>(s));
}
