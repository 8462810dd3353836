#pragma once
// Finite-difference gradient checks in double precision.
//
// gradcheck(f, x, analytic) compares an analytic gradient with the fourth-order central
// difference [8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))] / 12h, coordinate by coordinate
// (truncation error O(h⁴), so h can be large enough to keep round-off small). The error of
// a coordinate is |a − n| / max(|a|, |n|, floor), a relative error; the floor,
// floor_fraction × max_j |a_j|, stops components that are tiny compared with the rest of
// the gradient (where round-off dominates any finite difference) from counting as failures;
// abs_floor sets an absolute floor instead, for checks of a single coordinate.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>
#include "../core/kernels.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "network.hpp"

namespace locus::nn {

struct GradcheckResult {
  double max_error = 0;        // worst relative error
  std::size_t worst = 0;       // its coordinate
  std::size_t checked = 0;     // coordinates compared
  double analytic = 0, numeric = 0;  // the values at the worst coordinate
};

// Fourth-order central difference of d ↦ at(d) at 0.
template <class At>
double central_difference(At&& at, double h) {
  return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
}

// Accumulates one coordinate's comparison into res.
inline void gradcheck_compare(GradcheckResult& res, std::size_t i, double a, double num, double floor) {
  const double err = std::abs(a - num) / std::max({std::abs(a), std::abs(num), floor});
  if (res.checked == 0 || err > res.max_error) res = {err, i, res.checked, a, num};
  ++res.checked;
}

inline double gradcheck_floor(const std::vector<double>& analytic, double floor_fraction, double abs_floor) {
  double amax = 0;
  for (double a : analytic) amax = std::max(amax, std::abs(a));
  return std::max({floor_fraction * amax, abs_floor, 1e-300});
}

template <class F>
GradcheckResult gradcheck(F&& f, std::vector<double> x, const std::vector<double>& analytic, double h = 1e-4,
                          double floor_fraction = 1e-3, double abs_floor = 0) {
  GradcheckResult res;
  const double floor = gradcheck_floor(analytic, floor_fraction, abs_floor);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double x0 = x[i];
    const double num = central_difference(
        [&](double d) {
          x[i] = x0 + d;
          return f(static_cast<const std::vector<double>&>(x));
        },
        h);
    x[i] = x0;
    gradcheck_compare(res, i, analytic[i], num, floor);
  }
  return res;
}

// Checks every parameter and input of a double-precision network under the objective
// L = Σ R ⊙ net(x), with R a fixed random matrix, using the network's own backward pass.
// net(x) is the training-mode forward pass (batch statistics, and dropout masks from a seed
// drawn once from rng, so every evaluation drops the same units).
template <class Net>
GradcheckResult gradcheck_network(Net& net, const Matrix<double>& x, Rng& rng, double h = 1e-4) {
  static_assert(std::is_same_v<typename Net::value_type, double>, "gradcheck needs a double network");
  const std::size_t n = x.shape(0), in = net.inputs(), out = net.outputs();
  Matrix<double> R({n, out});
  for (auto& v : R) v = rng.normal();
  const TrainPass pass{n, rng.split(0x6C).seed()};
  const std::size_t np = simd::round_up<double>(n);
  auto scratch = net.workspace(n);
  Matrix<double> y({n, out});
  auto objective = [&](const Matrix<double>& xx) {
    kernels::to_feature_major(xx.data(), in, n, in, scratch.input(), scratch.capacity, np);
    net.forward_train(scratch, np, pass);
    kernels::to_batch_major(scratch.output(), scratch.capacity, n, out, y.data(), out);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += R.data()[i] * y.data()[i];
    return s;
  };
  // Analytic gradients.
  auto ws = net.workspace(n);
  kernels::to_feature_major(x.data(), in, n, in, ws.input(), ws.capacity, np);
  net.forward_train(ws, np, pass);
  kernels::to_feature_major(R.data(), out, n, out, ws.output_grad(), ws.capacity, np);
  auto g = net.make_gradients();
  std::vector<double> dxf(in * ws.capacity);
  net.backward(ws, np, g, false, dxf.data());

  // Numeric gradients, perturbing each parameter and input in place.
  std::vector<double> analytic;
  for (auto& gi : g) analytic.insert(analytic.end(), gi.begin(), gi.end());
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < in; ++c) analytic.push_back(dxf[c * ws.capacity + r]);
  const double floor = gradcheck_floor(analytic, 1e-3, 0.0);
  GradcheckResult res;
  auto check_value = [&](double& v, const Matrix<double>& xx) {
    const double v0 = v;
    const double num = central_difference(
        [&](double d) {
          v = v0 + d;
          return objective(xx);
        },
        h);
    v = v0;
    gradcheck_compare(res, res.checked, analytic[res.checked], num, floor);
  };
  for (auto p : net.parameters())
    for (auto& e : p) check_value(e, x);
  Matrix<double> xx = x;
  for (std::size_t i = 0; i < xx.size(); ++i) check_value(xx.data()[i], xx);
  return res;
}

}  // namespace locus::nn
