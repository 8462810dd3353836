#pragma once
// Robust residual statistics as paper 000 reports them: the median and σ_G (0.7413 × the
// interquartile range), overall and in bins of another column.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "locus/core/errors.hpp"

namespace locus::pipeline {

// Quantile p of the finite values of x by numpy's linear rule (NaN when there are none).
// Takes a copy; see quantile_inplace to reuse storage.
inline double quantile_inplace(std::vector<double>& v, double p) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double pos = std::clamp(p, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  const double a = v[i];
  if (i + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(i) + 1, v.end());
  return a + (pos - static_cast<double>(i)) * (b - a);
}
inline double quantile(std::span<const double> x, double p) {
  std::vector<double> v(x.begin(), x.end());
  return quantile_inplace(v, p);
}

inline double median(std::span<const double> x) { return quantile(x, 0.5); }

// σ_G = 0.7413 (q75 − q25): the σ of a Gaussian with the same interquartile range, robust to
// outliers (Ivezić et al. 2014).
inline constexpr double sigma_g_factor = 0.7413;
inline double sigma_g(std::span<const double> x) {
  std::vector<double> v(x.begin(), x.end());
  const double q25 = quantile_inplace(v, 0.25);
  const double q75 = quantile_inplace(v, 0.75);
  return sigma_g_factor * (q75 - q25);
}

// The summary of one set of residuals: how many finite values, their median, σ_G, mean and
// standard deviation (the last two are not robust; reported for completeness).
struct RobustStats {
  std::size_t n = 0;
  double median = std::numeric_limits<double>::quiet_NaN();
  double sigma_g = std::numeric_limits<double>::quiet_NaN();
  double mean = std::numeric_limits<double>::quiet_NaN();
  double stddev = std::numeric_limits<double>::quiet_NaN();
};

inline RobustStats robust_stats(std::span<const double> x) {
  std::vector<double> v;
  v.reserve(x.size());
  for (double e : x)
    if (std::isfinite(e)) v.push_back(e);
  RobustStats s;
  s.n = v.size();
  if (v.empty()) return s;
  double sum = 0;
  for (double e : v) sum += e;
  s.mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double e : v) ss += (e - s.mean) * (e - s.mean);
  s.stddev = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  const double q25 = quantile_inplace(v, 0.25), q50 = quantile_inplace(v, 0.5), q75 = quantile_inplace(v, 0.75);
  s.median = q50;
  s.sigma_g = sigma_g_factor * (q75 - q25);
  return s;
}

// One bin of a binned table: [lo, hi) of the binning column and the statistics of the values
// whose binning value falls in it.
struct BinStats {
  double lo = 0, hi = 0;
  RobustStats stats;
};

// Statistics of `y` in bins of `x` given by increasing edges (edges.size() − 1 bins, each
// [edges[k], edges[k+1]), the last one closed). Pairs with a non-finite x or y are left out.
inline std::vector<BinStats> binned_stats(std::span<const double> x, std::span<const double> y,
                                          std::span<const double> edges) {
  if (x.size() != y.size()) throw InputError("binned_stats: x and y differ in length");
  if (edges.size() < 2) throw ConfigError("binned_stats: need at least two bin edges");
  for (std::size_t k = 1; k < edges.size(); ++k)
    if (!(edges[k] > edges[k - 1])) throw ConfigError("binned_stats: bin edges must increase");
  const std::size_t nb = edges.size() - 1;
  std::vector<std::vector<double>> in(nb);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || x[i] < edges.front() || x[i] > edges.back()) continue;
    auto k = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x[i]) - edges.begin());
    k = std::min(k == 0 ? 0 : k - 1, nb - 1);
    in[k].push_back(y[i]);
  }
  std::vector<BinStats> out(nb);
  for (std::size_t k = 0; k < nb; ++k) out[k] = {edges[k], edges[k + 1], robust_stats(in[k])};
  return out;
}

// n + 1 evenly spaced edges from lo to hi.
inline std::vector<double> even_edges(double lo, double hi, std::size_t n) {
  if (n == 0 || !(hi > lo)) throw ConfigError("even_edges: need n >= 1 and hi > lo");
  std::vector<double> e(n + 1);
  for (std::size_t k = 0; k <= n; ++k) e[k] = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(n);
  return e;
}

}  // namespace locus::pipeline
