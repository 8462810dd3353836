#pragma once
// lbfgs_minimize: unconstrained minimisation by L-BFGS (Nocedal & Wright 2006, Algorithm 7.4
// and 7.5) with Armijo backtracking, namespace locus. The Gaussian process maximises its log
// marginal likelihood with it. Why our own: the problems are small (d + 2 parameters) and
// the objective costly, so the iteration's own work is negligible; a library would only add
// a dependency.
//
// Specification of lbfgs_minimize(f, x, max_iterations, tolerance):
// - f(x, g) returns f at x (dim = x.size() values) and writes the gradient to g. It may
//   return +inf or NaN where it is undefined (the line search then backs off).
// - x is the start and, on return, the best point accepted; the return value is f there.
//   If f is not finite at the start, that value is returned and x is unchanged.
// - Direction: the two-loop recursion over the last 7 pairs (s, y) with sᵀy > 1e-12 (other
//   pairs are skipped), the initial Hessian scaled by sᵀy / yᵀy of the newest pair. If that
//   is not a descent direction the history is dropped and steepest descent is used.
// - Step: min(1, 1/|g|) when an iteration starts with no history, else 1; halved up to 30
//   times until f(x + step·d) ≤ f(x) + 1e-4·step·gᵀd (Armijo).
// - Stops after max_iterations iterations, when no step is accepted, when the gradient is
//   exactly 0, or when an iteration lowers f by less than tolerance·(1 + |f|).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <type_traits>
#include <vector>

namespace locus {

// An objective for lbfgs_minimize: double f(const double* x, double* gradient).
template <class F>
concept DifferentiableObjective = std::is_invocable_r_v<double, F&, const double*, double*>;

template <DifferentiableObjective F>
double lbfgs_minimize(F&& f, std::vector<double>& x, std::size_t max_iterations, double tolerance) {
  const std::size_t m = 7, dim = x.size();
  std::vector<double> g(dim), xn(dim), gn(dim), dir(dim), alpha_hist(m);
  std::vector<std::vector<double>> s_hist, y_hist;
  std::vector<double> rho_hist;
  double fx = f(x.data(), g.data());
  if (!std::isfinite(fx)) return fx;
  for (std::size_t it = 0; it < max_iterations; ++it) {
    // two-loop recursion
    dir = g;
    const std::size_t h = s_hist.size();
    for (std::size_t k = h; k-- > 0;) {
      alpha_hist[k] = rho_hist[k] * std::inner_product(s_hist[k].begin(), s_hist[k].end(), dir.begin(), 0.0);
      for (std::size_t i = 0; i < dim; ++i) dir[i] -= alpha_hist[k] * y_hist[k][i];
    }
    if (h > 0) {
      const double yy = std::inner_product(y_hist[h - 1].begin(), y_hist[h - 1].end(), y_hist[h - 1].begin(), 0.0);
      const double scale = 1.0 / (rho_hist[h - 1] * yy);
      for (auto& v : dir) v *= scale;
    }
    for (std::size_t k = 0; k < h; ++k) {
      const double beta = rho_hist[k] * std::inner_product(y_hist[k].begin(), y_hist[k].end(), dir.begin(), 0.0);
      for (std::size_t i = 0; i < dim; ++i) dir[i] += (alpha_hist[k] - beta) * s_hist[k][i];
    }
    for (auto& v : dir) v = -v;
    double slope = std::inner_product(g.begin(), g.end(), dir.begin(), 0.0);
    if (!(slope < 0)) {  // not a descent direction: restart from steepest descent
      s_hist.clear(), y_hist.clear(), rho_hist.clear();
      for (std::size_t i = 0; i < dim; ++i) dir[i] = -g[i];
      slope = -std::inner_product(g.begin(), g.end(), g.begin(), 0.0);
      if (slope == 0) break;
    }
    double step = 1.0;
    if (h == 0) step = std::min(1.0, 1.0 / std::sqrt(-slope));
    double fn = 0;
    bool accepted = false;
    for (int ls = 0; ls < 30; ++ls) {
      for (std::size_t i = 0; i < dim; ++i) xn[i] = x[i] + step * dir[i];
      fn = f(xn.data(), gn.data());
      if (std::isfinite(fn) && fn <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    std::vector<double> s(dim), yv(dim);
    for (std::size_t i = 0; i < dim; ++i) s[i] = xn[i] - x[i], yv[i] = gn[i] - g[i];
    const double sy = std::inner_product(s.begin(), s.end(), yv.begin(), 0.0);
    if (sy > 1e-12) {
      if (s_hist.size() == m) s_hist.erase(s_hist.begin()), y_hist.erase(y_hist.begin()), rho_hist.erase(rho_hist.begin());
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(yv));
      rho_hist.push_back(1.0 / sy);
    }
    const double change = fx - fn;
    x = xn;
    g = gn;
    fx = fn;
    if (change < tolerance * (1 + std::abs(fx))) break;
  }
  return fx;
}

}  // namespace locus
