#pragma once
// Posterior summaries of one star, status flags, and photo-D's quantile convention.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace locus::bayes {

// Status bits of a fitted star. The shared bits (0..15) have the same values as
// locus::io::status; bits 16..19 are the bayes module's own (see docs/io.md).
namespace status {
inline constexpr std::uint32_t ok = 0;
inline constexpr std::uint32_t missing_value = 1u << 0;  // NaN colour, r or A_r(SFD)
inline constexpr std::uint32_t bad_error = 1u << 2;      // a colour error is NaN, zero or negative
inline constexpr std::uint32_t no_fit = 1u << 3;         // no posterior (bad input or zero prior)
inline constexpr std::uint32_t out_of_range = 1u << 4;   // A_r prior range empty (1.3 A_SFD + 0.1 <= 0)
inline constexpr std::uint32_t poor_fit = 1u << 16;      // chi2_min above GridOptions::chi2_max
inline constexpr std::uint32_t prior_zero = 1u << 17;    // the prior is 0 on every model node
}  // namespace status

// The three fitted parameters, in this order in every Summary array.
enum class Param : std::size_t { mr = 0, feh = 1, ar = 2 };
inline constexpr std::array<std::string_view, 3> param_names{"Mr", "FeH", "Ar"};

// Summary: posterior mean, standard deviation and 14/50/86 % quantiles of Mr, [Fe/H], A_r.
//
// Specification: arrays are indexed by Param (Mr, FeH, Ar). chi2_min is the smallest chi^2
// over the model (nodes x A_r range, prior not applied). status is a combination of the
// status:: bits; when no_fit is set every summary is NaN (chi2_min too when the input was bad).
// prior_bin is the r bin used (-1 if r is NaN); nodes_used counts the nodes that entered the sums.
struct Summary {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::array<double, 3> mean{nan, nan, nan};
  std::array<double, 3> sigma{nan, nan, nan};
  std::array<double, 3> q14{nan, nan, nan};
  std::array<double, 3> q50{nan, nan, nan};
  std::array<double, 3> q86{nan, nan, nan};
  double chi2_min = nan;
  std::uint32_t status = status::ok;
  int prior_bin = -1;
  std::uint32_t nodes_used = 0;

  bool ok() const { return (status & status::no_fit) == 0; }
  double get_mean(Param p) const { return mean[static_cast<std::size_t>(p)]; }
  double get_sigma(Param p) const { return sigma[static_cast<std::size_t>(p)]; }
};

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

}  // namespace locus::bayes
