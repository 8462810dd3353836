#pragma once
// The toy u−g metallicity-bias model of paper 000 (Mrakovčić, Ivezić & Palaversa 2025, Appendix).
//
// [Fe/H] x is drawn from a prior (uniform on [−3, 0], or "binormal": two equal halves from
// N(−1.5, 0.3) and N(−0.5, 0.2)); the colour is u−g = 0.84 + 0.34·10^(0.45·x) (Eq. A1);
// Gaussian noise is added to both: σ_FeH (the "spectroscopic" error, 0.1) and σ_ug (the u−g
// error, 0.1 in Figs. 28–29, varied in Fig. 30). The median noisy [Fe/H] in bins of noisy u−g
// is biased towards the prior's bulk when σ_ug is comparable to the colour's dynamic range.
//
// Besides the Monte Carlo, the expected median is computed exactly: for a u−g window [a, b]
// the observed [Fe/H] has the CDF
//   F(t) = ∫ p(x) P(a < y_obs < b | x) Φ((t − x)/σ_FeH) dx / ∫ p(x) P(a < y_obs < b | x) dx,
// with P(a < y_obs < b | x) = Φ((b − y(x))/σ_ug) − Φ((a − y(x))/σ_ug). The integrals are done
// with composite Gauss–Legendre quadrature, and F(t) = 1/2 is solved by bisection.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/normal.hpp>
#include <locus/core/rng.hpp>

namespace locus::sim {

// The two [Fe/H] distributions of the Appendix.
enum class ToyFehPrior { uniform, binormal };

// ToyUgModel: parameters of the toy model. color() is Eq. A1; feh_of_color() its inverse
// (defined for u−g > 0.84 only, NaN otherwise). prior_pdf() is the normalised prior density.
struct ToyUgModel {
  ToyFehPrior prior = ToyFehPrior::uniform;
  double sigma_feh = 0.1;  // Gaussian scatter added to [Fe/H]
  double sigma_ug = 0.1;   // Gaussian scatter added to u−g (the u−g error)

  static constexpr double a0 = 0.84, a1 = 0.34, a2 = 0.45;  // Eq. A1 coefficients

  static double color(double feh) { return a0 + a1 * std::pow(10.0, a2 * feh); }
  static double feh_of_color(double ug) {
    if (!(ug > a0)) return std::numeric_limits<double>::quiet_NaN();
    return std::log10((ug - a0) / a1) / a2;
  }

  double prior_pdf(double x) const {
    if (prior == ToyFehPrior::uniform) return (x >= -3.0 && x <= 0.0) ? 1.0 / 3.0 : 0.0;
    return 0.5 * normal::pdf(x, -1.5, 0.3) + 0.5 * normal::pdf(x, -0.5, 0.2);
  }
  // Range outside which the prior density is negligible (< 1e-14 relative).
  std::array<double, 2> prior_support() const {
    if (prior == ToyFehPrior::uniform) return {-3.0, 0.0};
    return {-1.5 - 8.0 * 0.3, -0.5 + 8.0 * 0.2};
  }
};

// A Monte Carlo sample: true and noisy [Fe/H] and u−g per star.
struct ToyUgSample {
  std::vector<double> feh_true, ug_true, feh, ug;
  std::size_t size() const { return feh.size(); }
};

// Draws n stars. For the binormal prior the first n/2 come from N(−1.5, 0.3) and the rest from
// N(−0.5, 0.2), as the paper's two concatenated equal-size samples.
inline ToyUgSample toy_ug_sample(const ToyUgModel& m, std::size_t n, Rng& rng) {
  if (m.sigma_feh < 0 || m.sigma_ug < 0) throw ConfigError("toy_ug_sample: negative sigma");
  ToyUgSample s;
  s.feh_true.resize(n);
  s.ug_true.resize(n);
  s.feh.resize(n);
  s.ug.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x;
    if (m.prior == ToyFehPrior::uniform) x = rng.uniform(-3.0, 0.0);
    else x = (i < n / 2) ? rng.normal(-1.5, 0.3) : rng.normal(-0.5, 0.2);
    const double y = ToyUgModel::color(x);
    s.feh_true[i] = x;
    s.ug_true[i] = y;
    s.feh[i] = x + m.sigma_feh * rng.normal();
    s.ug[i] = y + m.sigma_ug * rng.normal();
  }
  return s;
}

// Median of `values` with a one-sigma Monte Carlo error from order statistics: half the
// distance between the order statistics at n/2 ± √n/2 (the binomial 68 % interval of the
// median's rank). Empty input gives NaN.
struct MedianEstimate {
  double median = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::quiet_NaN();
  std::size_t count = 0;
};

inline MedianEstimate median_with_error(std::vector<double> v) {
  MedianEstimate r;
  r.count = v.size();
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  r.median = (n % 2) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  const double half = 0.5 * std::sqrt(static_cast<double>(n));
  const double lo_rank = std::max(0.0, std::floor(0.5 * static_cast<double>(n) - half));
  const double hi_rank = std::min(static_cast<double>(n - 1), std::ceil(0.5 * static_cast<double>(n) + half));
  r.error = 0.5 * (v[static_cast<std::size_t>(hi_rank)] - v[static_cast<std::size_t>(lo_rank)]);
  return r;
}

namespace detail {
// Nodes and weights of composite 8-point Gauss–Legendre quadrature on [lo, hi] with `panels`
// panels.
inline void gauss_legendre_grid(double lo, double hi, std::size_t panels, std::vector<double>& x,
                                std::vector<double>& w) {
  static constexpr double nodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                      0.9602898564975363};
  static constexpr double weights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                        0.1012285362903763};
  x.clear();
  w.clear();
  const double h = (hi - lo) / static_cast<double>(panels);
  for (std::size_t p = 0; p < panels; ++p) {
    const double c = lo + (static_cast<double>(p) + 0.5) * h, half = 0.5 * h;
    for (int k = 0; k < 4; ++k) {
      x.push_back(c - half * nodes[k]);
      w.push_back(half * weights[k]);
      x.push_back(c + half * nodes[k]);
      w.push_back(half * weights[k]);
    }
  }
}

// Median of the mixture  Σ_i w_i · N(x_i, σ)  (σ = 0: the weighted median of the points x_i).
inline double weighted_smoothed_median(const std::vector<double>& x, const std::vector<double>& w, double sigma) {
  double total = 0;
  for (double v : w) total += v;
  if (!(total > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (sigma == 0) {  // x is sorted ascending by construction
    double acc = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      acc += w[i];
      if (acc >= 0.5 * total) return x[i];
    }
    return x.back();
  }
  // Only points carrying weight matter; drop the negligible ones to speed up bisection.
  std::vector<double> xs, ws;
  const double cut = total * 1e-16;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (w[i] > cut) {
      xs.push_back(x[i]);
      ws.push_back(w[i]);
    }
  auto cdf = [&](double t) {
    double acc = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) acc += ws[i] * normal::cdf((t - xs[i]) / sigma);
    return acc / total;
  };
  double lo = xs.front() - 10 * sigma, hi = xs.back() + 10 * sigma;
  for (int it = 0; it < 80 && hi - lo > 1e-8; ++it) {
    const double mid = 0.5 * (lo + hi);
    (cdf(mid) < 0.5 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Weights p(x)·selection(x) on a fine quadrature grid over the prior's support.
template <class Selection>
double toy_median_exact(const ToyUgModel& m, Selection&& selection) {
  const auto [lo, hi] = m.prior_support();
  std::vector<double> x, w;
  // 1500 panels × 8 nodes: node spacing ≤ 4e-4 dex, so even a u−g window of σ_ug = 0.001 at
  // the steepest part of Eq. A1 (dy/dx ≤ 0.35) spans ≥ 7 nodes per σ in [Fe/H].
  gauss_legendre_grid(lo, hi, 1500, x, w);
  std::vector<double> xs(x.size()), ws(x.size());
  // Sort nodes (the grid is emitted in pairs around each panel centre).
  std::vector<std::size_t> order(x.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const double xi = x[order[i]];
    xs[i] = xi;
    ws[i] = w[order[i]] * m.prior_pdf(xi) * selection(xi);
  }
  return weighted_smoothed_median(xs, ws, m.sigma_feh);
}
}  // namespace detail

// Exact expected median of the noisy [Fe/H] of stars whose noisy u−g lies in [ug_lo, ug_hi].
inline double toy_ug_expected_median(const ToyUgModel& m, double ug_lo, double ug_hi) {
  if (!(ug_hi > ug_lo)) throw ConfigError("toy_ug_expected_median: need ug_hi > ug_lo");
  if (m.sigma_ug == 0) {
    return detail::toy_median_exact(m, [&](double x) {
      const double y = ToyUgModel::color(x);
      return (y > ug_lo && y < ug_hi) ? 1.0 : 0.0;
    });
  }
  return detail::toy_median_exact(m, [&](double x) {
    const double y = ToyUgModel::color(x);
    return normal::cdf((ug_hi - y) / m.sigma_ug) - normal::cdf((ug_lo - y) / m.sigma_ug);
  });
}

// Exact expected median of the noisy [Fe/H] at noisy u−g exactly equal to `ug` (the limit of
// a vanishing bin). With σ_ug = 0 this is the inverse of Eq. A1 when that lies in the prior.
inline double toy_ug_expected_median_at(const ToyUgModel& m, double ug) {
  if (m.sigma_ug == 0) {
    const double x = ToyUgModel::feh_of_color(ug);
    return (std::isfinite(x) && m.prior_pdf(x) > 0) ? x : std::numeric_limits<double>::quiet_NaN();
  }
  return detail::toy_median_exact(m, [&](double x) {
    const double z = (ug - ToyUgModel::color(x)) / m.sigma_ug;
    return std::exp(-0.5 * z * z);
  });
}

// One u−g bin of Figs. 28–29: Monte Carlo median (with its error) and the exact expectation.
struct ToyUgBin {
  double ug_lo = 0, ug_hi = 0;
  std::size_t count = 0;
  double median_mc = 0, median_error = 0, median_exact = 0;
};

// Median noisy [Fe/H] in the u−g bins given by `edges` (ascending, at least two).
inline std::vector<ToyUgBin> toy_ug_binned_medians(const ToyUgModel& m, const ToyUgSample& s,
                                                   const std::vector<double>& edges) {
  if (edges.size() < 2) throw ConfigError("toy_ug_binned_medians: need at least two bin edges");
  for (std::size_t k = 1; k < edges.size(); ++k)
    if (!(edges[k] > edges[k - 1])) throw ConfigError("toy_ug_binned_medians: bin edges must increase");
  const std::size_t nb = edges.size() - 1;
  std::vector<std::vector<double>> members(nb);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double y = s.ug[i];
    if (!(y >= edges.front() && y < edges.back())) continue;
    const auto k = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), y) - edges.begin()) - 1;
    members[k].push_back(s.feh[i]);
  }
  std::vector<ToyUgBin> out(nb);
  for (std::size_t k = 0; k < nb; ++k) {
    const auto est = median_with_error(std::move(members[k]));
    out[k] = {edges[k], edges[k + 1], est.count, est.median, est.error,
              toy_ug_expected_median(m, edges[k], edges[k + 1])};
  }
  return out;
}

// One point of Fig. 30: at true u−g `ug_true` (feh_true = Eq. A1 inverted, the paper's line),
// the median noisy [Fe/H] of stars whose noisy u−g is within ±half_width of ug_true, for an
// assumed u−g error sigma_ug.
struct ToyUgErrorPoint {
  double ug_true = 0, feh_true = 0, sigma_ug = 0;
  std::size_t count = 0;
  double median_mc = 0, median_error = 0, median_exact = 0;
};

// Fig. 30 for one prior: for every σ_ug in `sigmas` and every u−g in `ug_values`. All σ_ug
// share one set of n draws (common random numbers), so the curves are smooth in σ_ug.
inline std::vector<ToyUgErrorPoint> toy_ug_median_vs_error(ToyUgModel m, const std::vector<double>& ug_values,
                                                           const std::vector<double>& sigmas, std::size_t n,
                                                           double half_width, Rng& rng) {
  if (!(half_width > 0)) throw ConfigError("toy_ug_median_vs_error: half_width must be positive");
  m.sigma_ug = 1.0;  // unit noise; scaled per σ below
  const ToyUgSample unit = toy_ug_sample(m, n, rng);
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = unit.ug[i] - unit.ug_true[i];
  std::vector<ToyUgErrorPoint> out;
  for (double sigma : sigmas) {
    if (sigma < 0) throw ConfigError("toy_ug_median_vs_error: negative sigma");
    ToyUgModel ms = m;
    ms.sigma_ug = sigma;
    for (double ug0 : ug_values) {
      std::vector<double> sel;
      for (std::size_t i = 0; i < n; ++i)
        if (std::abs(unit.ug_true[i] + sigma * z[i] - ug0) < half_width) sel.push_back(unit.feh[i]);
      const auto est = median_with_error(std::move(sel));
      out.push_back({ug0, ToyUgModel::feh_of_color(ug0), sigma, est.count, est.median, est.error,
                     toy_ug_expected_median(ms, ug0 - half_width, ug0 + half_width)});
    }
  }
  return out;
}

}  // namespace locus::sim
