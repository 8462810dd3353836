#pragma once
// gaussian_kde_grid: a 2-D Gaussian kernel density estimate with scipy's bandwidth, evaluated
// on a regular grid, exactly or by binning. PriorMaps::from_catalog builds its maps with it.
//
// The estimate is scipy.stats.gaussian_kde's: f(p) = (1/n) Σ_i N(p; p_i, H) with Scott's rule,
// H = cov(points, ddof = 1) · n^(−1/3) (the factor n^(−1/(d+4)) squared, d = 2), full
// covariance (the kernel is correlated like the points).
//
// The exact method sums all n kernels at every grid node: O(n · nodes) exponentials.
//
// The binned method (Wand 1994, "Fast computation of multivariate kernel estimators"):
//  1. A fine grid refines the output grid m_x, m_y times per axis (every output node is a fine
//     node), with m chosen so that the fine step is at most 1/nodes_per_sd of the kernel's
//     conditional standard deviation along that axis (sqrt(1/(H⁻¹)_xx): the width that sets
//     the kernel's curvature along x, smaller than sqrt(H_xx) when the axes are correlated).
//     It reaches `cutoff` kernel widths beyond the output range, so points just outside it
//     still count, and is clipped to the points' bounding box.
//  2. Linear binning: a point spreads its unit mass over the 4 surrounding fine nodes with
//     bilinear weights. That keeps each point's mean, and adds variance u(1−u)δ² along an
//     axis (u its fractional position, δ the fine step): δ²/6 on average. The kernel is
//     narrowed by the same amount (H' = H − diag(δ_x², δ_y²)/6, still positive definite), which
//     removes the second-order binning error on average; what is left is the spread of
//     u(1−u) around 1/6, which averages out over many points.
//  3. Each output node is the sum of the binned masses times the kernel H' at the offsets,
//     truncated where the Mahalanobis distance exceeds `cutoff` (a kernel there is below
//     exp(−cutoff²/2) = 3.7e-6 of its peak; farther points are dropped for the same reason).
//     Only the output nodes are evaluated, by direct summation: at photo-D's 36 × 96 grid,
//     where an output cell holds ~50-200 fine nodes, this is ~50 times faster than an FFT
//     convolution of the whole fine grid (bench/bench_kde.cpp, docs/performance.md "KDE
//     priors"), and its cost does not grow with n.
// Cost: O(n) for the binning plus nodes × π cutoff² nodes_per_sd² / sqrt(1 − ρ²) multiply-adds,
// independent of the number of points. Accuracy, with the default KdeBinning: max |binned −
// exact| ≤ 3e-4 of the map's maximum (worst seen 2.0e-4, for 50 points, where the binning
// errors of single points do not average out), ≤ 1e-4 for bins of thousands of stars (2e-5 to
// 6e-5 on the default mock patch's bins; 1.7e-4 on its 465-star bin). Tested in
// tests/bayes/test_kde.cpp, against scipy in tests/python/check_bayes_kde.py.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <locus/bayes/axis.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/linalg.hpp>
#include <locus/core/parallel_for.hpp>

namespace locus::bayes {

enum class KdeMethod { exact, binned };

// KdeBandwidth: the covariance H of the Gaussian kernel, H = [[xx, xy], [xy, yy]].
struct KdeBandwidth {
  double xx = 0, xy = 0, yy = 0;
  double det() const { return xx * yy - xy * xy; }
};

// Scott's rule as in scipy.stats.gaussian_kde: the sample covariance (ddof = 1) times n^(−1/3).
// std::nullopt for fewer than 3 points or a covariance that is not finite and positive
// definite (points on a line): there is no density then.
inline std::optional<KdeBandwidth> scott_bandwidth(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 3) return std::nullopt;
  double sx = 0, sy = 0;
  for (std::size_t i = 0; i < n; ++i) sx += x[i], sy += y[i];
  const double mx = sx / static_cast<double>(n), my = sy / static_cast<double>(n);
  double cxx = 0, cyy = 0, cxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    cxx += dx * dx, cyy += dy * dy, cxy += dx * dy;
  }
  const double dn = static_cast<double>(n - 1);
  const double f2 = std::pow(static_cast<double>(n), -2.0 / 6.0);
  const KdeBandwidth h{cxx / dn * f2, cxy / dn * f2, cyy / dn * f2};
  const double det = h.det();
  if (!(det > 0) || !std::isfinite(det)) return std::nullopt;
  return h;
}

/* KdeBinning: the binned method's settings.
   nodes_per_sd: fine-grid nodes per conditional kernel standard deviation, per axis. The
                 error falls about as its inverse square; 8 gives the tolerance above.
   cutoff:       kernel truncation, in Mahalanobis distance.
   max_nodes:    a fine grid or kernel table larger than this (a kernel far narrower than the
                 output grid along some direction, e.g. nearly collinear points) is not built:
                 the exact method is used instead. */
struct KdeBinning {
  double nodes_per_sd = 8.0;
  double cutoff = 5.0;
  std::size_t max_nodes = std::size_t(1) << 22;
};

// gaussian_kde_grid: the KDE of the points (x[i], y[i]) on the grid gx × gy.
//
// Specification: returns gx.n · gy.n values, y-major: out[j · gx.n + i] is the density at
// (gx.value(i), gy.value(j)). All zero when scott_bandwidth has no kernel. The binned method
// approximates the exact one (see the header comment). Deterministic: the same inputs give
// bit-identical values whatever `threads` (0 = locus::num_threads()). Throws InputError for
// x, y of different lengths or a non-finite point, ConfigError for a bad axis.
std::vector<double> gaussian_kde_grid(std::span<const double> x, std::span<const double> y, const Axis& gx,
                                      const Axis& gy, KdeMethod method = KdeMethod::binned,
                                      const KdeBinning& binning = {}, std::size_t threads = 0);

namespace detail {

inline std::vector<double> kde_exact(std::span<const double> x, std::span<const double> y, const Axis& gx,
                                     const Axis& gy, const KdeBandwidth& h, std::size_t threads) {
  const std::size_t n = x.size();
  const double det = h.det();
  const double ixx = h.yy / det, iyy = h.xx / det, ixy = -h.xy / det;
  const double norm = 1.0 / (2.0 * std::numbers::pi * std::sqrt(det) * static_cast<double>(n));
  std::vector<double> out(gx.n * gy.n);
  parallel_for(
      out.size(), 16,
      [&](std::size_t c) {
        const double px = gx.value(c % gx.n), py = gy.value(c / gx.n);
        double s = 0;
        for (std::size_t a = 0; a < n; ++a) {
          const double dx = px - x[a], dy = py - y[a];
          s += std::exp(-0.5 * (ixx * dx * dx + 2 * ixy * dx * dy + iyy * dy * dy));
        }
        out[c] = s * norm;
      },
      threads);
  return out;
}

// One axis of the binned method's fine grid: fine node k sits at lo + k·step (k may be
// negative); output node i is fine node i·m. `reach` is the kernel's half-width in nodes.
struct FineAxis {
  double lo = 0, step = 1;
  std::int64_t m = 1, reach = 0;
  std::int64_t first = 0, last = -1;  // the stored nodes (clipped to the points' bounds)
  std::size_t size() const { return last >= first ? static_cast<std::size_t>(last - first + 1) : 0; }
};

// The binned method's fine grid with the points' masses, and the truncated kernel table.
struct BinnedKde {
  FineAxis ax, ay;
  std::vector<double> grid;  // ay.size() rows of ax.size() masses; empty: no point within reach
  // Kernel table: row r (offset r − ay.reach along y) of width wx = 2·ax.reach + 1 holds the
  // kernel at x offsets lo[r]..hi[r], those inside the cutoff ellipse (an interval: the ellipse
  // is convex), at w[r·wx + a + ax.reach]; zero elsewhere.
  std::vector<double> w;
  std::vector<std::int64_t> lo, hi;
  std::size_t wx = 0, wy = 0;
  double norm = 0;  // 1 / (n · 2π sqrt(det H')): the kernel's normalisation over n points
};

// Steps 1 and 2 of the binned method: std::nullopt when the fine grid or the kernel table would
// exceed b.max_nodes.
inline std::optional<BinnedKde> bin_points(std::span<const double> x, std::span<const double> y, const Axis& gx,
                                           const Axis& gy, const KdeBandwidth& h, const KdeBinning& b) {
  const double det = h.det(), limit = static_cast<double>(b.max_nodes);
  // Refinements from the conditional standard deviations sqrt(det/H_yy) (x) and sqrt(det/H_xx) (y).
  const double rx = gx.step * b.nodes_per_sd / std::sqrt(det / h.yy), ry = gy.step * b.nodes_per_sd / std::sqrt(det / h.xx);
  if (!(rx * ry <= limit)) return std::nullopt;
  BinnedKde k;
  FineAxis &ax = k.ax, &ay = k.ay;
  ax.lo = gx.lo, ay.lo = gy.lo;
  ax.m = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(rx)));
  ay.m = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(ry)));
  ax.step = gx.step / static_cast<double>(ax.m), ay.step = gy.step / static_cast<double>(ay.m);
  const KdeBandwidth hb{h.xx - ax.step * ax.step / 6, h.xy, h.yy - ay.step * ay.step / 6};
  const double bdet = hb.det(), ixx = hb.yy / bdet, iyy = hb.xx / bdet, ixy = -hb.xy / bdet;
  const double c2 = b.cutoff * b.cutoff;
  ax.reach = static_cast<std::int64_t>(b.cutoff * std::sqrt(hb.xx) / ax.step);
  ay.reach = static_cast<std::int64_t>(b.cutoff * std::sqrt(hb.yy) / ay.step);
  k.wx = static_cast<std::size_t>(2 * ax.reach + 1), k.wy = static_cast<std::size_t>(2 * ay.reach + 1);
  if (static_cast<double>(k.wx) * static_cast<double>(k.wy) > limit) return std::nullopt;
  k.norm = 1.0 / (2.0 * std::numbers::pi * std::sqrt(bdet) * static_cast<double>(x.size()));

  k.w.assign(k.wx * k.wy, 0.0);
  k.lo.assign(k.wy, ax.reach + 1), k.hi.assign(k.wy, -ax.reach - 1);
  for (std::int64_t r = -ay.reach; r <= ay.reach; ++r) {
    const auto row = static_cast<std::size_t>(r + ay.reach);
    const double dy = static_cast<double>(r) * ay.step;
    for (std::int64_t a = -ax.reach; a <= ax.reach; ++a) {
      const double dx = static_cast<double>(a) * ax.step;
      const double q = ixx * dx * dx + 2 * ixy * dx * dy + iyy * dy * dy;
      if (q > c2) continue;
      k.w[row * k.wx + static_cast<std::size_t>(a + ax.reach)] = std::exp(-0.5 * q);
      k.lo[row] = std::min(k.lo[row], a), k.hi[row] = std::max(k.hi[row], a);
    }
  }

  // Fine coordinates of a point; it is binned when both its neighbours along each axis lie
  // within one node of the kernel's reach from the output range.
  const std::int64_t x_top = static_cast<std::int64_t>(gx.n - 1) * ax.m, y_top = static_cast<std::int64_t>(gy.n - 1) * ay.m;
  const auto fine = [&](std::size_t i, double& u, double& v) {
    u = (x[i] - ax.lo) / ax.step, v = (y[i] - ay.lo) / ay.step;
    return u >= static_cast<double>(-ax.reach - 1) && u < static_cast<double>(x_top + ax.reach + 1) &&
           v >= static_cast<double>(-ay.reach - 1) && v < static_cast<double>(y_top + ay.reach + 1);
  };
  ax.first = ay.first = std::numeric_limits<std::int64_t>::max();
  ax.last = ay.last = std::numeric_limits<std::int64_t>::min();
  for (std::size_t i = 0; i < x.size(); ++i) {
    double u, v;
    if (!fine(i, u, v)) continue;
    const auto iu = static_cast<std::int64_t>(std::floor(u)), iv = static_cast<std::int64_t>(std::floor(v));
    ax.first = std::min(ax.first, iu), ax.last = std::max(ax.last, iu + 1);
    ay.first = std::min(ay.first, iv), ay.last = std::max(ay.last, iv + 1);
  }
  if (ax.last < ax.first) {  // every point is beyond the kernel's reach
    ax.first = ay.first = 0, ax.last = ay.last = -1;
    return k;
  }
  if (static_cast<double>(ax.size()) * static_cast<double>(ay.size()) > limit) return std::nullopt;
  const std::size_t nx = ax.size();
  k.grid.assign(nx * ay.size(), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    double u, v;
    if (!fine(i, u, v)) continue;
    const double fu = std::floor(u), fv = std::floor(v), tu = u - fu, tv = v - fv;
    double* g = k.grid.data() + static_cast<std::size_t>(static_cast<std::int64_t>(fv) - ay.first) * nx +
                static_cast<std::size_t>(static_cast<std::int64_t>(fu) - ax.first);
    g[0] += (1 - tu) * (1 - tv), g[1] += tu * (1 - tv);
    g[nx] += (1 - tu) * tv, g[nx + 1] += tu * tv;
  }
  return k;
}

// Step 3: the kernel sum at every output node, directly (a dot product per kernel row).
inline std::vector<double> sum_at_nodes(const BinnedKde& k, const Axis& gx, const Axis& gy, std::size_t threads) {
  std::vector<double> out(gx.n * gy.n, 0.0);
  const FineAxis &ax = k.ax, &ay = k.ay;
  const std::size_t nx = ax.size();
  parallel_for(
      gy.n, 1,
      [&](std::size_t j) {
        const std::int64_t cy = static_cast<std::int64_t>(j) * ay.m;
        const std::int64_t r0 = std::max(-ay.reach, ay.first - cy), r1 = std::min(ay.reach, ay.last - cy);
        for (std::size_t i = 0; i < gx.n; ++i) {
          const std::int64_t cx = static_cast<std::int64_t>(i) * ax.m;
          double s = 0;
          for (std::int64_t r = r0; r <= r1; ++r) {
            const auto row = static_cast<std::size_t>(r + ay.reach);
            const std::int64_t a0 = std::max(k.lo[row], ax.first - cx), a1 = std::min(k.hi[row], ax.last - cx);
            if (a1 < a0) continue;
            s += linalg::dot(k.grid.data() + static_cast<std::size_t>(cy + r - ay.first) * nx +
                                 static_cast<std::size_t>(cx + a0 - ax.first),
                             k.w.data() + row * k.wx + static_cast<std::size_t>(a0 + ax.reach),
                             static_cast<std::size_t>(a1 - a0 + 1));
          }
          out[j * gx.n + i] = s * k.norm;
        }
      },
      threads);
  return out;
}

}  // namespace detail

inline std::vector<double> gaussian_kde_grid(std::span<const double> x, std::span<const double> y, const Axis& gx,
                                             const Axis& gy, KdeMethod method, const KdeBinning& binning,
                                             std::size_t threads) {
  if (x.size() != y.size())
    throw InputError("gaussian_kde_grid: x has " + std::to_string(x.size()) + " values, y " + std::to_string(y.size()));
  for (const Axis* a : {&gx, &gy})
    if (a->n < 1 || !(a->step > 0) || !std::isfinite(a->step) || !std::isfinite(a->lo))
      throw ConfigError("gaussian_kde_grid: an axis needs n >= 1 and a finite step > 0");
  if (!(binning.nodes_per_sd > 0) || !(binning.cutoff > 0))
    throw ConfigError("gaussian_kde_grid: KdeBinning needs nodes_per_sd > 0 and cutoff > 0");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      throw InputError("gaussian_kde_grid: point " + std::to_string(i) + " is not finite");
  const auto h = scott_bandwidth(x, y);
  if (!h) return std::vector<double>(gx.n * gy.n, 0.0);
  if (method == KdeMethod::binned)
    if (const auto k = detail::bin_points(x, y, gx, gy, *h, binning)) return detail::sum_at_nodes(*k, gx, gy, threads);
  return detail::kde_exact(x, y, gx, gy, *h, threads);
}

}  // namespace locus::bayes
