#pragma once
// TabulatedDensity: a non-negative function given at ascending nodes and linear between them,
// with its exact running integral and exact inverse-CDF sampling.
//
// The mock-catalogue code tabulates every 1-D density it samples (the luminosity function in
// Mr, the star counts along a line of sight in distance modulus). Treating the table as
// piecewise linear makes integrals and sampling consistent with each other: a histogram of
// draws converges to exactly the function integrate() reports.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

namespace locus::sim {

// Specification:
// - Built from x (strictly increasing, at least 2 nodes) and f(x) >= 0, finite; otherwise
//   ConfigError naming the offending node.
// - operator()(x): linear interpolation, 0 outside [x_min, x_max].
// - cumulative(x): ∫_{x_min}^{x} f, exact for the piecewise-linear function.
// - integrate(a, b) = cumulative(b) − cumulative(a) for a ≤ b (clamped to the table).
// - sample(rng, a, b): a draw from f restricted to [a, b] (needs integrate(a, b) > 0, else
//   InputError); one uniform variate, inverse CDF solved exactly within a segment.
class TabulatedDensity {
 public:
  TabulatedDensity() = default;
  TabulatedDensity(std::vector<double> x, std::vector<double> f, std::string what = "TabulatedDensity")
      : x_(std::move(x)), f_(std::move(f)) {
    if (x_.size() < 2 || x_.size() != f_.size())
      throw ConfigError(what + ": need at least two nodes and as many values as nodes");
    for (std::size_t i = 0; i < x_.size(); ++i) {
      if (!std::isfinite(x_[i]) || !std::isfinite(f_[i]) || f_[i] < 0)
        throw ConfigError(what + ": node " + std::to_string(i) + " is not finite or has a negative value");
      if (i > 0 && !(x_[i] > x_[i - 1]))
        throw ConfigError(what + ": nodes must increase strictly (node " + std::to_string(i) + ")");
    }
    cum_.assign(x_.size(), 0.0);
    for (std::size_t i = 1; i < x_.size(); ++i) cum_[i] = cum_[i - 1] + 0.5 * (f_[i] + f_[i - 1]) * (x_[i] - x_[i - 1]);
  }

  double x_min() const { return x_.front(); }
  double x_max() const { return x_.back(); }
  double total() const { return cum_.back(); }
  const std::vector<double>& x() const { return x_; }
  const std::vector<double>& f() const { return f_; }

  double operator()(double x) const {
    if (!(x >= x_.front() && x <= x_.back())) return 0.0;
    const std::size_t i = segment(x);
    const double t = (x - x_[i]) / (x_[i + 1] - x_[i]);
    return f_[i] + t * (f_[i + 1] - f_[i]);
  }

  double cumulative(double x) const {
    if (!(x > x_.front())) return 0.0;
    if (x >= x_.back()) return cum_.back();
    const std::size_t i = segment(x);
    const double h = x - x_[i];
    const double fx = (*this)(x);
    return cum_[i] + 0.5 * (f_[i] + fx) * h;
  }

  double integrate(double a, double b) const { return b > a ? cumulative(b) - cumulative(a) : 0.0; }

  double sample(Rng& rng, double a, double b) const {
    a = std::max(a, x_.front());
    b = std::min(b, x_.back());
    const double ca = cumulative(a), cb = cumulative(b);
    if (!(cb > ca)) throw InputError("TabulatedDensity::sample: no probability in the requested range");
    return invert(ca + rng.uniform() * (cb - ca), a, b);
  }
  double sample(Rng& rng) const { return sample(rng, x_.front(), x_.back()); }

  // x with cumulative(x) = c, for c in [0, total()]; result clamped to [lo, hi].
  double invert(double c, double lo, double hi) const {
    std::size_t i = static_cast<std::size_t>(std::upper_bound(cum_.begin(), cum_.end(), c) - cum_.begin());
    i = std::min(i == 0 ? 0 : i - 1, x_.size() - 2);
    // Solve cum_[i] + f_i h + s h² / 2 = c for h in [0, dx], s the slope.
    const double dx = x_[i + 1] - x_[i], s = (f_[i + 1] - f_[i]) / dx, rem = c - cum_[i];
    double h;
    if (std::abs(s) * dx < 1e-12 * (f_[i] + f_[i + 1]) || s == 0) {
      h = f_[i] > 0 ? rem / f_[i] : 0.0;
    } else {
      const double disc = std::max(0.0, f_[i] * f_[i] + 2 * s * rem);
      h = 2 * rem / (f_[i] + std::sqrt(disc));  // stable root of s h²/2 + f h − rem = 0
    }
    return std::clamp(x_[i] + std::clamp(h, 0.0, dx), lo, hi);
  }

 private:
  std::size_t segment(double x) const {
    std::size_t i = static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin());
    return std::min(i == 0 ? 0 : i - 1, x_.size() - 2);
  }

  std::vector<double> x_, f_, cum_;
};

}  // namespace locus::sim
