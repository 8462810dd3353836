#include <doctest/doctest.h>
#include <cmath>
#include <string>
#include <locus/nn/missing_values.hpp>

using namespace locus::nn;
using locus::Matrix;

TEST_CASE("MissingValues: column means of the present values, indicators for the missing ones") {
  Matrix<double> x({4, 2});
  const double a[4][2] = {{1, NAN}, {NAN, 2}, {3, 4}, {5, NAN}};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 2; ++c) x(r, c) = a[r][c];
  MissingValues mv;
  mv.fit(x);
  CHECK(mv.fill_values() == std::vector<double>{3.0, 3.0});
  const auto t = mv.transform(x);
  REQUIRE(t.shape(1) == 4);
  CHECK(t(0, 0) == 1);
  CHECK(t(0, 1) == 3);
  CHECK(t(0, 3) == 1);
  CHECK(t(1, 0) == 3);
  CHECK(t(1, 2) == 1);
  CHECK(t(2, 2) == 0);
  CHECK(t(2, 3) == 0);
  x(2, 1) = INFINITY;
  CHECK_THROWS_WITH_AS(mv.transform(x), doctest::Contains("row 2, column 1 is infinite"), locus::InputError);
  Matrix<double> empty({2, 1});
  empty.fill(NAN);
  CHECK_THROWS_AS(mv.fit(empty), locus::InputError);
  CHECK_THROWS_WITH_AS(check_finite_inputs(empty, "catalogue"), doctest::Contains("catalogue row 0, column 0 is NaN"),
                       locus::InputError);
}
