#pragma once
// The quantile conventions of locus's posterior summaries: photo-D's discrete-marginal rule
// (grid posterior) and numpy's linear rule for samples (MCMC). The levels are 14/50/86 %.
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace locus::bayes {

inline constexpr std::array<double, 3> quantile_levels{0.14, 0.50, 0.86};

// photo-D's quantiles of a discrete marginal: values x (increasing) with weights w >= 0;
// cdf_k = (sum_{i<=k} w_i - w_k / 2) / sum(w), and the quantile of level q is
// numpy.interp(q, cdf, x) (clamped to x.front()/x.back() outside). Zero-weight values take
// part in the interpolation, exactly as in photo-D where the grid axis keeps them.
inline double photod_quantile(std::span<const double> x, std::span<const double> w, double total, double q,
                              std::span<double> cdf_scratch) {
  const std::size_t n = x.size();
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += w[i];
    cdf_scratch[i] = (s - 0.5 * w[i]) / total;
  }
  if (q < cdf_scratch[0]) return x[0];
  if (q >= cdf_scratch[n - 1]) return x[n - 1];
  const std::size_t j =
      static_cast<std::size_t>(std::upper_bound(cdf_scratch.begin(), cdf_scratch.begin() + static_cast<std::ptrdiff_t>(n), q) -
                               cdf_scratch.begin()) -
      1;
  if (cdf_scratch[j] == q) return x[j];
  return x[j] + (q - cdf_scratch[j]) * (x[j + 1] - x[j]) / (cdf_scratch[j + 1] - cdf_scratch[j]);
}

// The three levels 0.14, 0.5, 0.86 in one pass over the axis (same rule as photod_quantile).
inline std::array<double, 3> photod_quantiles(std::span<const double> x, std::span<const double> w, double total) {
  std::array<double, 3> out{};
  const std::size_t n = x.size();
  std::size_t q = 0;
  double s = 0, prev = 0;  // running sum; previous (sum - w/2), i.e. total * cdf
  double target = quantile_levels[0] * total;
  for (std::size_t i = 0; i < n && q < 3; ++i) {
    s += w[i];
    const double c = s - 0.5 * w[i];
    // quantile_levels[q] lies below cdf_i: the last index with cdf <= q is i - 1
    // (compared on the total * cdf scale; the division happens only at a crossing)
    while (q < 3 && target < c) {
      const double lv = quantile_levels[q], cdf = c / total, pc = prev / total;
      out[q] = (i == 0) ? x[0] : (pc == lv ? x[i - 1] : x[i - 1] + (lv - pc) * (x[i] - x[i - 1]) / (cdf - pc));
      if (++q < 3) target = quantile_levels[q] * total;
    }
    prev = c;
  }
  for (; q < 3; ++q) out[q] = x[n - 1];
  return out;
}

namespace detail {
// numpy's linear interpolation at level p once x[lo] holds rank lo and x(lo, next_end)
// holds rank lo + 1 (its minimum).
inline double interpolate_rank(std::span<const double> x, double p, std::size_t lo, std::size_t next_end) {
  const std::size_t n = x.size();
  const double pos = p * static_cast<double>(n - 1), a = x[lo];
  if (lo + 1 >= n) return a;
  const double b = *std::min_element(x.begin() + static_cast<std::ptrdiff_t>(lo) + 1,
                                     x.begin() + static_cast<std::ptrdiff_t>(next_end));
  return a + (pos - static_cast<double>(lo)) * (b - a);
}
inline std::size_t quantile_rank(std::size_t n, double p) { return static_cast<std::size_t>(p * static_cast<double>(n - 1)); }
// Puts rank k of x at x[k], given that x[from, to) holds it.
inline void select_rank(std::span<double> x, std::size_t k, std::size_t from, std::size_t to) {
  std::nth_element(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(k),
                   x.begin() + static_cast<std::ptrdiff_t>(to));
}
}  // namespace detail

// numpy.quantile's default (linear) rule on samples: the order statistic at floor(p (n − 1))
// and the next one, interpolated. Partially reorders x (selection, O(n), no full sort).
inline double sample_quantile(std::span<double> x, double p) {
  const std::size_t lo = detail::quantile_rank(x.size(), p);
  detail::select_rank(x, lo, 0, x.size());
  return detail::interpolate_rank(x, p, lo, x.size());
}

// The three levels 0.14, 0.5, 0.86 by sample_quantile's rule, the same values: one selection
// for the median, then the lower and the upper level each within its own side of it.
inline std::array<double, 3> sample_quantiles(std::span<double> x) {
  const std::size_t n = x.size();
  const std::size_t l = detail::quantile_rank(n, quantile_levels[0]), m = detail::quantile_rank(n, quantile_levels[1]),
                    h = detail::quantile_rank(n, quantile_levels[2]);
  std::array<double, 3> out{};
  detail::select_rank(x, m, 0, n);
  out[1] = detail::interpolate_rank(x, quantile_levels[1], m, n);
  // ranks below m are in x[0, m), so rank l + 1 <= m is in x(l, m]; ranks above m in x(m, n)
  if (l < m) detail::select_rank(x, l, 0, m);
  out[0] = detail::interpolate_rank(x, quantile_levels[0], l, l < m ? m + 1 : n);
  if (h > m) detail::select_rank(x, h, m + 1, n);
  out[2] = detail::interpolate_rank(x, quantile_levels[2], h, n);
  return out;
}

}  // namespace locus::bayes
