#include <doctest/doctest.h>
#include <locus/core/lbfgs.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace {
// Rosenbrock f(x, y) = (1 - x)² + 100 (y - x²)², minimum 0 at (1, 1).
double rosenbrock(const double* x, double* g) {
  const double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
}
}  // namespace

TEST_CASE("lbfgs: Rosenbrock from (-1.2, 1) reaches the minimum at (1, 1)") {
  std::vector<double> x = {-1.2, 1.0};
  std::size_t calls = 0;
  auto f = [&](const double* v, double* g) {
    ++calls;
    return rosenbrock(v, g);
  };
  const double fx = locus::lbfgs_minimize(f, x, 200, 1e-15);
  MESSAGE("f = " << fx << " at (" << x[0] << ", " << x[1] << ") after " << calls << " evaluations");
  CHECK(fx < 1e-12);
  CHECK(x[0] == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(x[1] == doctest::Approx(1.0).epsilon(1e-6));
  std::vector<double> g(2);
  CHECK(rosenbrock(x.data(), g.data()) == fx);  // the returned value is f at the returned x
}

TEST_CASE("lbfgs: an ill-conditioned quadratic reaches its known minimiser") {
  // f(x) = ½ Σ_k c_k (x_k - m_k)², curvatures 1 .. 1e3 (5 of them, fewer than the 7 pairs
  // of history): minimum 0 at m.
  const std::size_t dim = 5;
  std::vector<double> c(dim), m(dim);
  for (std::size_t k = 0; k < dim; ++k) {
    c[k] = std::pow(10.0, 3.0 * static_cast<double>(k) / static_cast<double>(dim - 1));
    m[k] = std::sin(static_cast<double>(k) + 1.0);
  }
  std::size_t calls = 0;
  auto f = [&](const double* x, double* g) {
    ++calls;
    double s = 0;
    for (std::size_t k = 0; k < dim; ++k) {
      const double d = x[k] - m[k];
      g[k] = c[k] * d;
      s += 0.5 * c[k] * d * d;
    }
    return s;
  };
  std::vector<double> x(dim, 0.0);
  const double fx = locus::lbfgs_minimize(f, x, 200, 1e-15);
  MESSAGE("f = " << fx << " after " << calls << " evaluations");
  CHECK(fx < 1e-14);
  CHECK(calls < 100);
  for (std::size_t k = 0; k < dim; ++k) CHECK(x[k] == doctest::Approx(m[k]).epsilon(1e-7));
}

TEST_CASE("lbfgs: the line search backs off where the objective is undefined") {
  // f(x) = x² on x > -0.1, +inf elsewhere. From x = 0.4 the first step (length 1 along
  // -f' = -0.8) lands at -0.4 and is rejected; the halved step lands on the minimum 0.
  std::size_t calls = 0;
  auto f = [&](const double* x, double* g) {
    ++calls;
    if (!(x[0] > -0.1)) return std::numeric_limits<double>::infinity();
    g[0] = 2 * x[0];
    return x[0] * x[0];
  };
  std::vector<double> x = {0.4};
  CHECK(locus::lbfgs_minimize(f, x, 100, 0.0) == 0.0);
  CHECK(x[0] == 0.0);
  CHECK(calls == 3);  // the start, the rejected step, the accepted one
}

TEST_CASE("lbfgs: iteration limit, zero iterations and a non-finite start") {
  std::vector<double> x = {-1.2, 1.0};
  std::vector<double> g(2);
  const double f0 = rosenbrock(x.data(), g.data());
  CHECK(locus::lbfgs_minimize(rosenbrock, x, 0, 1e-12) == f0);  // evaluates the start only
  CHECK(x == std::vector<double>{-1.2, 1.0});
  const double f3 = locus::lbfgs_minimize(rosenbrock, x, 3, 0.0);
  CHECK(f3 < f0);  // every accepted step decreases f (Armijo)
  std::vector<double> y = {1.0};
  const double nan = locus::lbfgs_minimize([](const double*, double*) { return std::nan(""); }, y, 10, 1e-6);
  CHECK(std::isnan(nan));
  CHECK(y[0] == 1.0);
}

TEST_CASE("lbfgs: a start at the minimum stops with a zero gradient") {
  std::vector<double> x = {1.0, 1.0};
  CHECK(locus::lbfgs_minimize(rosenbrock, x, 50, 0.0) == 0.0);
  CHECK(x == std::vector<double>{1.0, 1.0});
}
