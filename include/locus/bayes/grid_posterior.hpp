#pragma once
// The photo-D grid posterior (Palaversa et al. 2025) over model nodes x A_r.
//
// For one star with colours c_obs and errors sigma, and a model node n (Mr, [Fe/H], colours c_n),
//   p(n, A | data) ∝ prior_bin(r)(Mr_n, [Fe/H]_n) * exp(-chi2_n(A) / 2),  A in [0, A_max],
//   chi2_n(A) = sum_c ((c_obs,c - c_n,c - k_c A) / sigma_c)^2,   A_max = 1.3 A_SFD + 0.1.
// Two evaluations of the A_r integral:
//   GridMode::brute_force - photo-D's: A on the grid 0, dA, 2 dA, ... <= A_max (dA = 0.01),
//     summed cell by cell;
//   GridMode::exact (default) - chi2_n(A) is quadratic in A, so the integral over the flat prior
//     is a Gaussian times a difference of error functions, and the A moments of node n are the
//     moments of a normal truncated to [0, A_max]. Nodes that provably cannot change the result
//     by more than skip_tolerance (relative posterior mass) are skipped; see docs/bayes.md.
// GridOptions::refine (exact mode, off by default) integrates between the nodes, over the model
// interpolated bilinearly, for stars whose posterior the node spacing does not resolve.
// GCC 12 reports -Wmaybe-uninitialized / -Wuninitialized inside its own AVX-512 intrinsics
// (_mm512_undefined_pd, used by xsimd's min/max/exp); the warning is a false positive. The
// pragma comes before the includes so that it also covers xsimd's out-of-line instantiations,
// whose locations are in those headers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <vector>

#include "locus/bayes/ar_prior.hpp"
#include "locus/bayes/extinction.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/bayes/quantiles.hpp"
#include "locus/bayes/star.hpp"
#include "locus/bayes/summary.hpp"
#include "locus/core/erfcx.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/parallel_for.hpp"
#include "locus/core/simd.hpp"


namespace locus::bayes {

enum class GridMode { brute_force, exact };

struct GridOptions {
  GridMode mode = GridMode::exact;
  double ar_step = 0.01;  // brute_force: A_r grid step (also the grid of the A_r marginal)
  ArPrior ar_prior{};
  // exact: skipped nodes carry at most this fraction of the posterior mass (see docs/bayes.md).
  double skip_tolerance = 1e-12;
  // Stars with chi2_min above this get status::poor_fit (their summaries are still computed).
  double chi2_max = 100.0;
  // Give no weight to plateau nodes (copies padding a track to the full t range).
  bool exclude_plateau = false;
  // exact: skip blocks of 8 nodes by a colour-box bound before computing their chi2. The
  // kept nodes and all summaries are identical either way (docs/bayes.md); false is for checks.
  bool skip_blocks = true;
  // exact: refinement between the nodes (docs/bayes.md, "Refinement"). A posterior narrower
  // than the node spacing depends on where the nodes fall; with refine, such stars are
  // integrated over the model refined between the nodes by bilinear interpolation (colours,
  // Mr, and the prior map at the interpolated Mr), i.e. the continuous model PhotodTarget
  // samples. Each cell that can matter is split R_t x R_f times, R per axis the smallest that
  // gives the posterior's local conditional width at least refine_steps_per_sigma sub-steps,
  // in [min_refine, max_refine]; a star that needs more than max_refine gets
  // status::unresolved. Off by default for now: it costs ~35x the node grid per star.
  bool refine = false;
  double refine_steps_per_sigma = 1.5;
  std::size_t min_refine = 1, max_refine = 32;
};

// Marginal posteriors of one star (photo-D's normalisation: sum(p) * step = 1 on a regular axis).
//   feh/p_feh:  per [Fe/H] track;   mr/p_mr: per distinct node Mr value (weights, sum 1);
//   (a star integrated between the nodes by GridOptions::refine: both on 1,024 regular bins
//   over the kept range, p_feh a density, p_mr the mass per bin);
//   ar/p_ar:    density on the A_r grid 0, ar_step, ... <= A_max.
struct Marginals {
  std::vector<double> feh, p_feh, mr, p_mr, ar, p_ar;
};

namespace detail {

// erfcx(x) = exp(x^2) erfc(x) for x >= 0 (scalar and batch; core/erfcx.hpp).
using special::erfcx;

// Moments of a standard normal truncated to [al, be], al < be, scaled so that nothing
// underflows: z = int_al^be exp(-(t^2 - tc^2)/2) dt with tc = the point of [al, be] nearest 0,
// mean = E[t], m2 = E[t^2].
struct TruncatedStd {
  double z, mean, m2;
};
inline TruncatedStd truncated_std_lower_tail(double al, double be) {  // 0 <= al < be
  constexpr double s2 = std::numbers::sqrt2;
  const double d = -0.5 * (be - al) * (be + al);  // (al^2 - be^2)/2 <= 0
  const double r = std::exp(d);
  const double z = std::sqrt(std::numbers::pi / 2) * (erfcx(al / s2) - r * erfcx(be / s2));
  const double mean = -std::expm1(d) / z;
  return {z, mean, 1.0 + (al - be * r) / z};
}
inline TruncatedStd truncated_std(double al, double be) {
  if (al >= 0) return truncated_std_lower_tail(al, be);
  if (be <= 0) {
    auto t = truncated_std_lower_tail(-be, -al);
    t.mean = -t.mean;
    return t;
  }
  constexpr double s2 = std::numbers::sqrt2;
  const double z = std::sqrt(std::numbers::pi / 2) * (std::erf(be / s2) - std::erf(al / s2));
  const double pa = std::exp(-0.5 * al * al), pb = std::exp(-0.5 * be * be);
  return {z, (pa - pb) / z, 1.0 + (al * pa - be * pb) / z};
}
// P(t <= x) for the truncated standard normal on [al, be], al <= x <= be.
inline double truncated_std_cdf(double al, double be, double x) {
  constexpr double s2 = std::numbers::sqrt2;
  if (al >= 0) {
    const double ea = erfcx(al / s2);
    const double num = ea - std::exp(-0.5 * (x - al) * (x + al)) * erfcx(x / s2);
    const double den = ea - std::exp(-0.5 * (be - al) * (be + al)) * erfcx(be / s2);
    return num / den;
  }
  if (be <= 0) {
    // multiply through by exp(be^2/2): Phi(y) exp(be^2/2) = exp((be^2 - y^2)/2) erfcx(-y/sqrt2) / 2
    const double ra = std::exp(-0.5 * (al - be) * (al + be)) * erfcx(-al / s2);
    const double num = std::exp(-0.5 * (x - be) * (x + be)) * erfcx(-x / s2) - ra;
    const double den = erfcx(-be / s2) - ra;
    return num / den;
  }
  const double ea = std::erf(al / s2);
  return (std::erf(x / s2) - ea) / (std::erf(be / s2) - ea);
}

using batch_d = simd::batch<double>;

// c0, c1 give the CDF: interior lanes F = (erf(x/sqrt2) - c0) c1; tail lanes (in the
// mirrored variable y >= lo >= 0) G = (c0 - exp(-(y^2 - lo^2)/2) erfcx(y/sqrt2)) c1.
struct TruncatedStdBatch {
  batch_d z, mean, m2, m3, tc, c0, c1;  // m3 = E[t^3]
};
inline TruncatedStdBatch truncated_std_batch(batch_d al, batch_d be) {
  const batch_d zero(0.0), one(1.0), is2(1.0 / std::numbers::sqrt2), c(std::sqrt(std::numbers::pi / 2));
  const auto mir = be <= zero;
  const batch_d lo = xsimd::select(mir, -be, al), hi = xsimd::select(mir, -al, be);
  const auto tail = lo >= zero;
  TruncatedStdBatch r;
  batch_d z_i(1.0), mean_i(0.0), m2_i(1.0), m3_i(0.0), z_t(1.0), mean_t(0.0), m2_t(1.0), m3_t(0.0);
  batch_d c0_i(0.0), c1_i(1.0), c0_t(1.0), c1_t(1.0);
  if (xsimd::any(!tail)) {
    const batch_d l = xsimd::min(lo, zero), h = xsimd::max(hi, zero);
    const batch_d pa = xsimd::exp(batch_d(-0.5) * (l * l)), pb = xsimd::exp(batch_d(-0.5) * (h * h));
    // erf(|v|/√2) = 1 - exp(-v²/2) erfcx(|v|/√2), or Cody's small-argument form (as mixture_cdf)
    auto erf_abs = [&](batch_d v, batch_d ev) {
      const batch_d t = xsimd::abs(v) * is2, r = special::erf_or_erfcx(t);
      return xsimd::select(t <= batch_d(special::erf_split), r, one - ev * r);
    };
    const batch_d el = -erf_abs(l, pa), eh = erf_abs(h, pb);
    z_i = c * (eh - el);
    c1_i = one / (eh - el);
    const batch_d iz = c1_i * batch_d(1.0 / std::sqrt(std::numbers::pi / 2));
    mean_i = (pa - pb) * iz;
    m2_i = one + (l * pa - h * pb) * iz;
    m3_i = batch_d(2.0) * mean_i + (l * l * pa - h * h * pb) * iz;  // E[t^3] = 2 E[t] + [t^2 phi] / Z
    c0_i = el;
  }
  if (xsimd::any(tail)) {
    const batch_d l = xsimd::max(lo, zero), h = xsimd::max(hi, l);
    const batch_d d = batch_d(-0.5) * (h - l) * (h + l);
    const batch_d rr = xsimd::exp(d);
    // erfcx(h/sqrt2) <= erfcx(l/sqrt2), so where rr < 1e-17 the h term is below rounding
    const auto need_h = rr > batch_d(1e-17);
    const batch_d xl = special::erfcx(l * is2);
    const batch_d xh = xsimd::any(need_h) ? xsimd::select(need_h, rr * special::erfcx(h * is2), zero) : zero;
    z_t = c * (xl - xh);
    c1_t = one / (xl - xh);
    const batch_d iz = c1_t * batch_d(1.0 / std::sqrt(std::numbers::pi / 2));
    mean_t = -xsimd::expm1(d) * iz;
    m2_t = one + (l - h * rr) * iz;
    m3_t = batch_d(2.0) * mean_t + (l * l - h * h * rr) * iz;
    c0_t = xl;
  }
  r.c0 = xsimd::select(tail, c0_t, c0_i);
  r.c1 = xsimd::select(tail, c1_t, c1_i);
  r.z = xsimd::select(tail, z_t, z_i);
  const batch_d mean = xsimd::select(tail, mean_t, mean_i);
  r.mean = xsimd::select(mir, -mean, mean);
  r.m2 = xsimd::select(tail, m2_t, m2_i);
  const batch_d m3 = xsimd::select(tail, m3_t, m3_i);
  r.m3 = xsimd::select(mir, -m3, m3);
  r.tc = xsimd::select(tail, xsimd::select(mir, be, al), zero);
  return r;
}

}  // namespace detail

// GridPosterior: photo-D's Bayesian estimates of (Mr, A_r, [Fe/H]) for single stars and whole
// catalogues.
//
// Specification:
//  - Built from a LocusModel, PriorMaps (tabulated onto the nodes once, bilinearly, 0 outside
//    the maps), an Extinction (colour-excess coefficients k_c) and GridOptions.
//  - fit(star) returns a Summary: means and sigmas are posterior moments; Mr and [Fe/H]
//    quantiles use photo-D's discrete CDF convention (photod_quantile) over the distinct node
//    values; A_r quantiles use it over the A_r grid (brute_force) or invert the exact mixture
//    CDF (exact). chi2_min: minimum over nodes and the A_r grid (brute_force) or the continuous
//    range [0, A_max] (exact). With refine, a star integrated between the nodes has Mr and
//    [Fe/H] quantiles of the continuous CDF (points spread over their sub-cell steps) and
//    nodes_used counts the points kept; chi2_min is still the nodes'.
//  - Bad input (NaN colour; NaN r when the prior depends on r; NaN A_SFD when the A_r prior
//    uses it; NaN/zero/negative error; empty A_r range) gives status bits + no_fit and NaN
//    summaries, never an exception. Without r (and an r-independent prior) prior_bin is -1. A prior that is zero on every
//    node gives prior_zero + no_fit. chi2_min > chi2_max sets poor_fit.
//  - fit_catalog(stars) runs fit over all stars with threads; every star is independent and
//    processed identically, so the output does not depend on the thread count.
//  - const member functions are thread-safe; fit(obs, ws) reuses a Workspace (no allocation
//    after the first star).
class GridPosterior {
 public:
  using batch = simd::batch<double>;
  static constexpr std::size_t lanes = simd::lanes<double>;

  // Per-thread scratch memory.
  struct Workspace {
    std::vector<double> astar, chi2, bound;   // per node
    std::vector<double> blk_ub, blk_lb;       // exact: per block of nodes, bounds (see fit_exact)
    std::vector<char> blk_done;
    std::vector<std::size_t> blk_list;       // exact: evaluated blocks, ascending
    std::vector<std::size_t> kept;            // exact: nodes that enter the sums
    std::vector<double> w, ea, ea2;           // per kept node: weight, E[A], E[A^2]
    std::vector<double> feh_w, mr_w, ar_w;    // weight per track / distinct Mr / A_r grid value
    std::vector<double> cell_ub;              // refinement: per cell, upper bound of log density
    std::vector<double> node_share;           // refinement: per node, its summed corner weight (kept 0)
    std::vector<std::size_t> touched;         // refinement: nodes with a share
    struct Points {  // refinement: the sub-grid points evaluated (SoA, padded to whole batches)
      std::array<std::vector<double>, n_colours> col;
      std::vector<double> mr, feh, hmr, hfe;  // hmr, hfe: the widths the point stands for
      std::vector<double> lp, lna;            // the cell's largest log prior + log area; log area
      std::vector<double> scratch, cdf_mr, cdf_feh;  // spread_quantiles
    } pt;
    struct Kept {  // exact: per kept node A*, bound, standardised range, tc, CDF constants, weights
      std::vector<double> astar, bound, al, be, tc, c0, c1, wz, ec;  // wz = w / z, ec: see mixture_cdf
      std::vector<double> m1, m2, m3;  // E[t^k] of the standardised A_r, t = (A - A*) sqrt(a)
    } kx;
  };

  GridPosterior(LocusModel model, const PriorMaps& priors, Extinction ext = {}, GridOptions opt = {})
      : model_(std::move(model)), ext_(std::move(ext)), opt_(opt), r_needed_(priors.depends_on_r()) {
    if (!(opt_.ar_step > 0)) throw ConfigError("GridPosterior: ar_step must be > 0");
    if (!(opt_.skip_tolerance > 0 && opt_.skip_tolerance < 1)) throw ConfigError("GridPosterior: skip_tolerance must be in (0, 1)");
    if (!(opt_.refine_steps_per_sigma > 0)) throw ConfigError("GridPosterior: refine_steps_per_sigma must be > 0");
    if (opt_.min_refine < 1 || opt_.max_refine < opt_.min_refine || opt_.max_refine > 1024)
      throw ConfigError("GridPosterior: need 1 <= min_refine <= max_refine <= 1024");
    N_ = model_.size();
    Npad_ = simd::round_up<double>(N_);
    for (std::size_t c = 0; c < n_colours; ++c) {
      col_[c].assign(Npad_, 1e100);  // padding nodes: chi^2 ~ 1e200, never the minimum
      std::copy(model_.colour_data(c), model_.colour_data(c) + N_, col_[c].begin());
    }
    const auto on = priors.on_nodes(model_);
    prior_.assign(PriorMaps::n_bins * Npad_, 0.0);
    logprior_.assign(PriorMaps::n_bins * Npad_, -std::numeric_limits<double>::infinity());
    nonzero_.assign(PriorMaps::n_bins, 0);
    for (std::size_t k = 0; k < PriorMaps::n_bins; ++k)
      for (std::size_t n = 0; n < N_; ++n) {
        double p = on[k * N_ + n];
        if (opt_.exclude_plateau && model_.plateau(n)) p = 0;
        prior_[k * Npad_ + n] = p;
        if (p > 0) logprior_[k * Npad_ + n] = std::log(p), ++nonzero_[k];
      }
    // per block of block_nodes nodes: colour box (centre, half-width) and largest log prior per r bin
    const std::size_t nb = (Npad_ + block_nodes - 1) / block_nodes;
    nbpad_ = simd::round_up<double>(nb);
    for (std::size_t c = 0; c < n_colours; ++c) {
      blk_centre_[c].assign(nbpad_, 1e100);  // padding blocks: never evaluated
      blk_half_[c].assign(nbpad_, 0.0);
    }
    blk_lpmax_.assign(PriorMaps::n_bins * nbpad_, -std::numeric_limits<double>::infinity());
    for (std::size_t b = 0; b < nb; ++b) {
      const std::size_t n0 = b * block_nodes, n1 = std::min(N_, n0 + block_nodes);
      for (std::size_t c = 0; c < n_colours; ++c) {
        const auto [lo, hi] = std::minmax_element(col_[c].begin() + n0, col_[c].begin() + n1);
        blk_centre_[c][b] = 0.5 * (*lo + *hi);
        blk_half_[c][b] = 0.5 * (*hi - *lo) * (1 + 1e-12);
      }
      for (std::size_t k = 0; k < PriorMaps::n_bins; ++k)
        blk_lpmax_[k * nbpad_ + b] = *std::max_element(logprior_.begin() + k * Npad_ + n0, logprior_.begin() + k * Npad_ + n1);
    }
    // distinct Mr values and each node's index among them (for the Mr quantiles)
    mr_values_.assign(model_.mr_data(), model_.mr_data() + N_);
    std::sort(mr_values_.begin(), mr_values_.end());
    mr_values_.erase(std::unique(mr_values_.begin(), mr_values_.end()), mr_values_.end());
    mr_range_ = mr_values_.back() - mr_values_.front();
    feh_range_ = model_.feh_values().back() - model_.feh_values().front();
    mr_index_.resize(N_);
    for (std::size_t n = 0; n < N_; ++n)
      mr_index_[n] = static_cast<std::size_t>(std::lower_bound(mr_values_.begin(), mr_values_.end(), model_.mr(n)) - mr_values_.begin());
    // refinement is over the node grid's cells; exclude_plateau has no meaning between nodes
    refining_ = opt_.refine && opt_.mode == GridMode::exact && !opt_.exclude_plateau;
    if (refining_) build_cells(priors);
  }

  const LocusModel& model() const { return model_; }
  const Extinction& extinction() const { return ext_; }
  const GridOptions& options() const { return opt_; }
  // The prior of r bin k tabulated on node n (after exclude_plateau).
  double node_prior(std::size_t k, std::size_t n) const { return prior_[k * Npad_ + n]; }

  Summary fit(const Star& obs) const {
    Workspace ws;
    return fit(obs, ws);
  }
  Summary fit(const Star& obs, Workspace& ws, Marginals* marginals = nullptr) const {
    Summary s;
    Prepared st;
    if (!prepare(obs, s, st)) return s;
    return opt_.mode == GridMode::exact ? fit_exact(st, s, ws, marginals) : fit_grid(st, s, ws, marginals);
  }
  Summary fit(const Star& obs, Marginals& marginals) const {
    Workspace ws;
    return fit(obs, ws, &marginals);
  }

  std::vector<Summary> fit_catalog(std::span<const Star> stars, std::size_t threads = 0) const {
    std::vector<Summary> out(stars.size());
    constexpr std::size_t grain = 64;
    const std::size_t chunks = (stars.size() + grain - 1) / grain;
    std::vector<Workspace> ws(threads_for(chunks, threads));
    parallel_for_static(chunks, threads, [&](std::size_t t, std::size_t c) {
      const std::size_t e = std::min(stars.size(), (c + 1) * grain);
      for (std::size_t i = c * grain; i < e; ++i) out[i] = fit(stars[i], ws[t]);
    });
    return out;
  }

 private:
  struct Prepared {
    std::array<double, n_colours> obs{}, w{}, kw{};  // colours, 1/sigma^2, k_c/sigma^2
    double a = 0, amax = 0;                           // sum k^2/sigma^2, A_max
    std::size_t bin = 0;
  };

  bool prepare(const Star& o, Summary& s, Prepared& st) const {
    const io::status_t bad = fit_blockers(o, opt_.ar_prior, r_needed_);
    const double amax = opt_.ar_prior.upper(o.ar_sfd);
    // r only picks the prior's bin; a prior that does not depend on r needs none
    s.prior_bin = std::isfinite(o.r) ? PriorMaps::bin_index(o.r) : -1;
    if (bad) {
      s.status = bad | status::no_fit;
      return false;
    }
    st.bin = s.prior_bin >= 0 ? static_cast<std::size_t>(s.prior_bin) : 0;
    st.amax = amax;
    const auto& k = ext_.colour_coefficients();
    for (std::size_t c = 0; c < n_colours; ++c) {
      st.obs[c] = o.colour[c];
      st.w[c] = 1.0 / (o.error[c] * o.error[c]);
      st.kw[c] = k[c] * st.w[c];
      st.a += k[c] * st.kw[c];
    }
    return true;
  }

  // Shared tail: Mr/[Fe/H] moments and quantiles from node weights of the kept nodes.
  void node_summaries(Workspace& ws, double total, Summary& s, Marginals* mg) const {
    const std::size_t K = ws.kept.size();
    double mmr = 0, mfe = 0;
    for (std::size_t i = 0; i < K; ++i) {
      mmr += ws.w[i] * model_.mr(ws.kept[i]);
      mfe += ws.w[i] * model_.feh(ws.kept[i]);
    }
    mmr /= total, mfe /= total;
    double vmr = 0, vfe = 0;
    ws.feh_w.assign(model_.n_feh(), 0.0);
    for (std::size_t i = 0; i < K; ++i) {
      const std::size_t n = ws.kept[i];
      const double dm = model_.mr(n) - mmr, df = model_.feh(n) - mfe;
      vmr += ws.w[i] * dm * dm, vfe += ws.w[i] * df * df;
      ws.feh_w[model_.feh_index(n)] += ws.w[i];
    }
    constexpr std::size_t im = index(Param::mr), jf = index(Param::feh);
    s.mean[im] = mmr, s.mean[jf] = mfe;
    s.sigma[im] = std::sqrt(vmr / total), s.sigma[jf] = std::sqrt(vfe / total);
    // [Fe/H] over the tracks, Mr over the distinct node Mr values (zero weights included)
    const auto& fv = model_.feh_values();
    const auto qf = photod_quantiles(fv, ws.feh_w, total);
    // The distinct Mr values can be thousands; the scan only needs the kept nodes' index range
    // [lo, hi] plus one value on each side (below it the CDF is 0; at hi + 1 it is 1), and mr_w
    // is kept all zero between stars. Same sums in the same order as the full scan.
    const std::size_t nm = mr_values_.size();
    if (ws.mr_w.size() != nm) ws.mr_w.assign(nm, 0.0);
    std::size_t lo = nm, hi = 0;
    for (std::size_t i = 0; i < K; ++i) {
      const std::size_t j = mr_index_[ws.kept[i]];
      ws.mr_w[j] += ws.w[i];
      lo = std::min(lo, j), hi = std::max(hi, j);
    }
    if (K == 0) lo = hi = 0;
    lo = lo > 0 ? lo - 1 : 0;
    hi = std::min(hi + 1, nm - 1);
    const auto qm = photod_quantiles(std::span(mr_values_).subspan(lo, hi - lo + 1), std::span(ws.mr_w).subspan(lo, hi - lo + 1), total);
    s.q14[im] = qm[0], s.q50[im] = qm[1], s.q86[im] = qm[2];
    s.q14[jf] = qf[0], s.q50[jf] = qf[1], s.q86[jf] = qf[2];
    if (mg) {
      mg->feh = fv;
      mg->p_feh.resize(fv.size());
      const double df = fv.size() > 1 ? fv[1] - fv[0] : 1.0;
      for (std::size_t j = 0; j < fv.size(); ++j) mg->p_feh[j] = ws.feh_w[j] / total / df;
      mg->mr = mr_values_;
      mg->p_mr.resize(mr_values_.size());
      for (std::size_t j = 0; j < mr_values_.size(); ++j) mg->p_mr[j] = ws.mr_w[j] / total;
    }
    std::fill(ws.mr_w.begin() + static_cast<std::ptrdiff_t>(lo), ws.mr_w.begin() + static_cast<std::ptrdiff_t>(hi) + 1, 0.0);
  }

  // ---------------------------------------------------------------- brute force (photo-D)
  Summary fit_grid(const Prepared& st, Summary& s, Workspace& ws, Marginals* mg) const {
    const double dA = opt_.ar_step;
    const std::size_t nA = static_cast<std::size_t>(std::floor(st.amax / dA * (1 + 1e-12))) + 1;
    const std::size_t nApad = simd::round_up<double>(nA);
    const double* lp = prior_.data() + st.bin * Npad_;
    ws.chi2.resize(Npad_);
    ws.astar.resize(Npad_);
    // pass 1: each node's chi^2 minimum over the A grid (at a grid point next to the
    // continuous minimum), the global minimum, and the shift over nodes with prior > 0
    auto chi2_at = [&](std::size_t n, double A) {
      double x = 0;
      for (std::size_t c = 0; c < n_colours; ++c) {
        const double r = st.obs[c] - col_[c][n] - ext_.colour_coefficient(c) * A;
        x += st.w[c] * r * r;
      }
      return x;
    };
    double cmin = std::numeric_limits<double>::infinity(), shift = cmin;
    for (std::size_t n = 0; n < N_; ++n) {
      double b = 0;
      for (std::size_t c = 0; c < n_colours; ++c) b += st.kw[c] * (st.obs[c] - col_[c][n]);
      const double u = std::clamp(b / st.a / dA, 0.0, static_cast<double>(nA - 1));
      const auto j0 = static_cast<std::size_t>(std::floor(u));
      double m = chi2_at(n, static_cast<double>(j0) * dA);
      if (j0 + 1 < nA) m = std::min(m, chi2_at(n, static_cast<double>(j0 + 1) * dA));
      ws.chi2[n] = m;
      cmin = std::min(cmin, m);
      if (lp[n] > 0) shift = std::min(shift, m);
    }
    s.chi2_min = cmin;
    if (!(shift < std::numeric_limits<double>::infinity())) {
      s.status |= status::prior_zero | status::no_fit;
      return s;
    }
    // pass 2: every cell of nodes whose exp(-(chi2 - shift)/2) is not exactly 0 in double
    ws.ar_w.assign(nApad, 0.0);
    ws.kept.clear(), ws.w.clear(), ws.ea.clear(), ws.ea2.clear();
    alignas(64) double iota_buf[lanes];
    for (std::size_t l = 0; l < lanes; ++l) iota_buf[l] = static_cast<double>(l);
    const batch iota = batch::load_aligned(iota_buf);
    const batch vnA(static_cast<double>(nA));
    for (std::size_t n = 0; n < N_; ++n) {
      const double p = lp[n];
      if (!(p > 0) || 0.5 * (ws.chi2[n] - shift) > 746.0) continue;
      std::array<batch, n_colours> d;
      for (std::size_t c = 0; c < n_colours; ++c) d[c] = batch(st.obs[c] - col_[c][n]);
      batch sw(0.0), swa(0.0), swa2(0.0);
      for (std::size_t j = 0; j < nApad; j += lanes) {
        const batch idx = batch(static_cast<double>(j)) + iota;
        const batch A = idx * batch(dA);
        batch x(0.0);
        for (std::size_t c = 0; c < n_colours; ++c) {
          const batch r = xsimd::fnma(batch(ext_.colour_coefficient(c)), A, d[c]);
          x = xsimd::fma(batch(st.w[c]) * r, r, x);
        }
        // cells beyond the grid end (padding lanes) contribute exactly 0
        const batch e = xsimd::select(idx < vnA, xsimd::exp(batch(-0.5) * (x - batch(shift))), batch(0.0));
        sw += e, swa = xsimd::fma(e, A, swa), swa2 = xsimd::fma(e * A, A, swa2);
        (batch::load_unaligned(ws.ar_w.data() + j) + batch(p) * e).store_unaligned(ws.ar_w.data() + j);
      }
      const double W = xsimd::hadd(sw);
      if (!(W > 0)) continue;
      ws.kept.push_back(n);
      ws.w.push_back(p * W);
      ws.ea.push_back(xsimd::hadd(swa) / W);
      ws.ea2.push_back(xsimd::hadd(swa2) / W);
    }
    const double total = std::accumulate(ws.w.begin(), ws.w.end(), 0.0);
    s.nodes_used = static_cast<std::uint32_t>(ws.kept.size());
    if (!(total > 0)) {
      s.status |= status::prior_zero | status::no_fit;
      return s;
    }
    node_summaries(ws, total, s, mg);
    ar_moments(ws, total, s);
    std::vector<double>& axis = ws.astar;  // reuse as the A grid values
    axis.resize(std::max(axis.size(), nA));
    for (std::size_t j = 0; j < nA; ++j) axis[j] = static_cast<double>(j) * dA;
    const std::span<const double> ax(axis.data(), nA), aw(ws.ar_w.data(), nA);
    const auto qa = photod_quantiles(ax, aw, total);
    constexpr std::size_t ia = index(Param::ar);
    s.q14[ia] = qa[0], s.q50[ia] = qa[1], s.q86[ia] = qa[2];
    if (mg) {
      mg->ar.assign(ax.begin(), ax.end());
      mg->p_ar.resize(nA);
      for (std::size_t j = 0; j < nA; ++j) mg->p_ar[j] = aw[j] / total / dA;
    }
    finish(s);
    return s;
  }

  // ---------------------------------------------------------------- exact A_r integral
  // Kept nodes in SIMD-friendly arrays (Workspace::kx, padded to the lane count).
  void kept_moments(const Prepared& st, Workspace& ws, double tmax, double zref) const {
    const std::size_t K = ws.kept.size(), Kp = simd::round_up<double>(K);
    auto& a = ws.kx;
    for (auto* v : {&a.astar, &a.bound, &a.al, &a.be, &a.tc, &a.c0, &a.c1, &a.wz, &a.ec, &a.m1, &a.m2, &a.m3})
      v->resize(Kp);
    for (std::size_t i = 0; i < Kp; ++i) {
      const std::size_t n = ws.kept[std::min(i, K - 1)];  // padding repeats the last node
      a.astar[i] = ws.astar[n];
      a.bound[i] = i < K ? ws.bound[n] : -std::numeric_limits<double>::infinity();
    }
    ws.w.resize(Kp), ws.ea.resize(Kp), ws.ea2.resize(Kp);
    const double sqa = std::sqrt(st.a), sig = 1.0 / sqa;
    for (std::size_t i = 0; i < Kp; i += lanes) {
      const batch as = batch::load_unaligned(a.astar.data() + i);
      const batch al = -as * batch(sqa), be = (batch(st.amax) - as) * batch(sqa);
      const auto t = detail::truncated_std_batch(al, be);
      const batch wz = xsimd::exp(batch::load_unaligned(a.bound.data() + i) - batch(tmax)) * batch(1.0 / zref);
      const batch w = wz * t.z;
      wz.store_unaligned(a.wz.data() + i);
      t.mean.store_unaligned(a.m1.data() + i);
      t.m2.store_unaligned(a.m2.data() + i);
      t.m3.store_unaligned(a.m3.data() + i);
      // exp(tc²/2) where mixture_cdf may use it (tail nodes with tc² < 1), else 1
      const batch tc2 = t.tc * t.tc;
      const auto near = tc2 < batch(1.0) && tc2 > batch(0.0);
      (xsimd::any(near) ? xsimd::select(near, xsimd::exp(batch(0.5) * xsimd::min(tc2, batch(1.0))), batch(1.0)) : batch(1.0))
          .store_unaligned(a.ec.data() + i);
      const batch ea = xsimd::fma(batch(sig), t.mean, as);
      const batch ea2 = xsimd::fma(as, as, batch(2.0 * sig) * as * t.mean) + batch(sig * sig) * t.m2;
      w.store_unaligned(ws.w.data() + i);
      ea.store_unaligned(ws.ea.data() + i);
      ea2.store_unaligned(ws.ea2.data() + i);
      al.store_unaligned(a.al.data() + i);
      be.store_unaligned(a.be.data() + i);
      t.tc.store_unaligned(a.tc.data() + i);
      t.c0.store_unaligned(a.c0.data() + i);
      t.c1.store_unaligned(a.c1.data() + i);
    }
    ws.ea.resize(K), ws.ea2.resize(K);  // w stays padded (zero weights) for mixture_cdf
  }

  // For the colour points cols[c][n .. n+lanes-1] (SIMD): A* = b/a (stored in *astar) and chi2
  // at A* clamped to [0, A_max], the exact minimum over the prior range by convexity.
  batch min_chi2(const Prepared& st, const std::array<std::vector<double>, n_colours>& cols, std::size_t n,
                 batch* astar) const {
    const auto& kc = ext_.colour_coefficients();
    std::array<batch, n_colours> d;
    batch b(0.0);
    for (std::size_t c = 0; c < n_colours; ++c) {
      d[c] = batch(st.obs[c]) - batch::load_unaligned(cols[c].data() + n);
      b = xsimd::fma(batch(st.kw[c]), d[c], b);
    }
    *astar = b * batch(1.0 / st.a);
    const batch ac = xsimd::min(xsimd::max(*astar, batch(0.0)), batch(st.amax));
    batch m(0.0);
    for (std::size_t c = 0; c < n_colours; ++c) {
      const batch r = xsimd::fnma(batch(kc[c]), ac, d[c]);
      m = xsimd::fma(batch(st.w[c]) * r, r, m);
    }
    return m;
  }

  // A lower bound of chi2 over colour boxes i .. i+lanes-1 (centres, half-widths): every
  // point's chi2 >= (max(0, m - rho))^2, m = the centre's minimum of sqrt(chi2) over
  // [0, A_max], rho = sqrt(sum_c w_c h_c^2) (triangle inequality in the error-weighted
  // colour space), times (1 - 1e-9) against rounding.
  batch box_chi2_bound(const Prepared& st, const std::array<std::vector<double>, n_colours>& centre,
                       const std::array<std::vector<double>, n_colours>& half, std::size_t i) const {
    batch as, rho2(0.0);
    const batch m = min_chi2(st, centre, i, &as);
    for (std::size_t c = 0; c < n_colours; ++c) {
      const batch h = batch::load_unaligned(half[c].data() + i);
      rho2 = xsimd::fma(batch(st.w[c]) * h, h, rho2);
    }
    const batch gap = xsimd::max(xsimd::sqrt(m) - xsimd::sqrt(rho2), batch(0.0));
    return gap * gap * batch(1 - 1e-9);
  }

  // Pass 1 on the nodes n .. n+lanes-1: stores A* and bound = log(prior) - chi2_min/2;
  // returns the batch's chi2 minima.
  batch exact_pass1(const Prepared& st, const double* lp, Workspace& ws, std::size_t n) const {
    batch as;
    const batch m = min_chi2(st, col_, n, &as);
    as.store_unaligned(ws.astar.data() + n);
    (batch::load_unaligned(lp + n) - batch(0.5) * m).store_unaligned(ws.bound.data() + n);
    return m;
  }

  Summary fit_exact(const Prepared& st, Summary& s, Workspace& ws, Marginals* mg) const {
    const double sqa = std::sqrt(st.a);
    const double* lp = logprior_.data() + st.bin * Npad_;
    ws.astar.resize(Npad_), ws.bound.resize(Npad_);
    // Blocks of block_nodes nodes are evaluated only if they can matter. For a block with colour box
    // centre c and half-widths h, every node's chi2 >= (max(0, m - rho))^2 with m = the centre's
    // minimum of sqrt(chi2) over [0, A_max] and rho = sqrt(sum_c w_c h_c^2) (triangle inequality
    // in the error-weighted colour space), so its bound <= ub = max log prior - that / 2. A block
    // is skipped if ub < T (the node threshold below, so all its nodes would be skipped anyway)
    // and its chi2 lower bound >= the smallest chi2 found: results are identical to a full pass.
    const std::size_t nb = (Npad_ + block_nodes - 1) / block_nodes;
    ws.blk_ub.resize(nbpad_), ws.blk_lb.resize(nbpad_);
    ws.blk_done.assign(nb, 0);
    {
      const double* lpb = blk_lpmax_.data() + st.bin * nbpad_;
      for (std::size_t b = 0; b < nbpad_; b += lanes) {
        const batch lb = box_chi2_bound(st, blk_centre_, blk_half_, b);
        lb.store_unaligned(ws.blk_lb.data() + b);
        (batch::load_unaligned(lpb + b) - batch(0.5) * lb).store_unaligned(ws.blk_ub.data() + b);
      }
    }
    double cmin = std::numeric_limits<double>::infinity(), tmax = -std::numeric_limits<double>::infinity();
    std::size_t ref = 0;
    batch vmin(cmin);
    auto evaluate = [&](std::size_t b) {
      for (std::size_t n = b * block_nodes; n < std::min(Npad_, (b + 1) * block_nodes); n += lanes) {
        vmin = xsimd::min(vmin, exact_pass1(st, lp, ws, n));
        const batch t = batch::load_unaligned(ws.bound.data() + n);
        if (xsimd::any(t >= batch(tmax)))  // the first node (lowest index) of the largest bound
          for (std::size_t l = 0; l < lanes; ++l) {
            const double tl = ws.bound[n + l];
            if (tl > tmax || (tl == tmax && n + l < ref)) tmax = tl, ref = n + l;
          }
      }
      ws.blk_done[b] = 1;
    };
    auto min_of = [&](batch v) {
      alignas(64) double tmp[lanes];
      v.store_aligned(tmp);
      return *std::min_element(tmp, tmp + lanes);
    };
    // The reference node's exact weight (up to the common factor sigma_A):
    // W_ref = exp(tmax) * z_ref, and the posterior total is at least W_ref.
    // Any node's weight is at most exp(bound) * g_max / sigma_A with g_max = min(A_max,
    // sqrt(2 pi) sigma_A) (the A integral of exp(-(chi2 - chi2_min)/2) over [0, A_max]).
    const double gmax = std::min(st.amax * sqa, std::sqrt(2 * std::numbers::pi));
    const double lognz = std::log(static_cast<double>(nonzero_[st.bin]));
    auto z_of = [&](std::size_t n) { return detail::truncated_std(-ws.astar[n] * sqa, (st.amax - ws.astar[n]) * sqa).z; };
    // Skipping every node with bound < T leaves out at most nonzero * exp(T) * g_max = eps * W_ref <= eps * total.
    auto threshold = [&](double eps, double zref) { return tmax + std::log(zref) + std::log(eps) - lognz - std::log(gmax); };
    // The most promising block first; then every block that can matter given it (a list in
    // index order, built without branches). Evaluating more blocks can only raise tmax (so
    // T) and lower cmin, which leaves the skipped ones skippable.
    const std::size_t first = static_cast<std::size_t>(std::max_element(ws.blk_ub.begin(), ws.blk_ub.begin() + nb) - ws.blk_ub.begin());
    evaluate(first);
    cmin = min_of(vmin);
    {
      const double T = tmax > -std::numeric_limits<double>::infinity() ? threshold(opt_.skip_tolerance, z_of(ref)) : tmax;
      ws.blk_list.resize(nb);
      std::size_t k = 0;
      const batch vT(T), vc(cmin);
      for (std::size_t b0 = 0; b0 < nb; b0 += lanes) {
        const auto skip = batch::load_unaligned(ws.blk_ub.data() + b0) < vT && batch::load_unaligned(ws.blk_lb.data() + b0) >= vc;
        if (xsimd::all(skip) && opt_.skip_blocks) continue;
        for (std::size_t b = b0; b < std::min(nb, b0 + lanes); ++b) {
          ws.blk_list[k] = b;
          k += !(ws.blk_ub[b] < T && ws.blk_lb[b] >= cmin && opt_.skip_blocks);
        }
      }
      ws.blk_list.resize(k);
      for (std::size_t b : ws.blk_list)  // (first is in the list: its ub >= tmax > T)
        if (b != first) evaluate(b);
    }
    cmin = min_of(vmin);
    s.chi2_min = cmin;
    if (!(tmax > -std::numeric_limits<double>::infinity())) {
      s.status |= status::prior_zero | status::no_fit;
      return s;
    }
    const double zref = z_of(ref);
    // A colour ~1e17 or more away from the locus puts the best node's A_r optimum so far outside
    // [0, A_max] that its truncated integral underflows to 0: the threshold would be -inf and
    // keep the padding nodes (a read past the model). No summary can be computed.
    if (!(zref > 0)) {
      s.status |= status::out_of_range | status::no_fit;
      finish(s);
      return s;
    }
    std::array<double, n_params> range{};
    range[index(Param::mr)] = mr_range_, range[index(Param::feh)] = feh_range_, range[index(Param::ar)] = st.amax;
    double eps = opt_.skip_tolerance;
    for (int attempt = 0;; ++attempt) {
      // Skipping every node with bound < T leaves out at most
      // nonzero * exp(T) * g_max = eps * W_ref <= eps * total.
      const double T = threshold(eps, zref);
      ws.kept.resize(Npad_);
      std::size_t nk = 0;
      const batch vT(T);
      if (attempt > 0) {  // eps was tightened: T is lower, so more blocks may matter
        for (std::size_t b = 0; b < nb; ++b)
          if (!ws.blk_done[b] && !(ws.blk_ub[b] < T)) evaluate(b);
        ws.blk_list.clear();
        for (std::size_t b = 0; b < nb; ++b)
          if (ws.blk_done[b]) ws.blk_list.push_back(b);
      }
      for (const std::size_t b : ws.blk_list)
        for (std::size_t n = b * block_nodes; n < std::min(Npad_, (b + 1) * block_nodes); n += lanes) {
          if (!xsimd::any(batch::load_unaligned(ws.bound.data() + n) >= vT)) continue;
          for (std::size_t l = 0; l < lanes; ++l) {  // branch-free; padding nodes have bound -inf
            ws.kept[nk] = n + l;
            nk += ws.bound[n + l] >= T;
          }
        }
      ws.kept.resize(nk);
      kept_moments(st, ws, tmax, zref);
      const double total = std::accumulate(ws.w.begin(), ws.w.end(), 0.0);
      s.nodes_used = static_cast<std::uint32_t>(ws.kept.size());
      node_summaries(ws, total, s, mg);
      ar_moments(ws, total, s);
      // The left-out mass fraction d <= eps moves a mean by at most d R and a sigma by at most
      // 1.25 d R^2 / sigma (R: the parameter's range). Make both < 1e-6 sigma, else tighten eps.
      double need = eps;
      for (std::size_t p = 0; p < 3; ++p) {
        const double sg = s.sigma[p], R = range[p];
        if (R > 0) need = std::min(need, 1e-6 * std::min(sg / R, sg * sg / (1.25 * R * R)));
      }
      if (need >= eps || attempt == 2 || eps <= min_skip_tolerance) break;
      eps = std::max(0.5 * need, min_skip_tolerance);
    }
    if (refining_) {
      bool unresolved = false;
      const auto r = refinement(st, ws, tmax, unresolved);
      if (unresolved) s.status |= status::unresolved;
      if (r[0] * r[1] > 1 || opt_.min_refine > 1) return fit_refined(st, s, ws, mg, tmax, zref);
    }
    const double total = std::accumulate(ws.w.begin(), ws.w.end(), 0.0);
    ar_quantiles(st, ws, total, s);
    if (mg) ar_marginal(st, ws, total, *mg);
    finish(s);
    return s;
  }

  // The A_r marginal density on the grid 0, ar_step, ... <= A_max (exact mixture).
  void ar_marginal(const Prepared& st, const Workspace& ws, double total, Marginals& mg) const {
    const double dA = opt_.ar_step;
    const std::size_t nA = static_cast<std::size_t>(std::floor(st.amax / dA * (1 + 1e-12))) + 1;
    mg.ar.resize(nA), mg.p_ar.resize(nA);
    for (std::size_t j = 0; j < nA; ++j) {
      mg.ar[j] = static_cast<double>(j) * dA;
      mg.p_ar[j] = mixture_cdf(st, ws, mg.ar[j], total)[1];
    }
  }

  // ---------------------------------------------------------------- refinement
  // Cell n is the (t, [Fe/H]) rectangle whose lowest corner is node n (it, jf) (nodes on the
  // last t or the last track own none); each cell is integrated by its own cubature rule.
  // Per cell: the colour box of its four corners (bilinear points are convex combinations of
  // them) and, per r bin, the largest prior map value over its (Mr, [Fe/H]) box.
  void build_cells(const PriorMaps& priors) {
    maps_.resize(PriorMaps::n_bins);
    for (std::size_t k = 0; k < PriorMaps::n_bins; ++k) maps_[k] = priors.map(k);
    for (std::size_t c = 0; c < n_colours; ++c) {
      cell_centre_[c].assign(Npad_, 1e100);
      cell_half_[c].assign(Npad_, 0.0);
    }
    cell_lpmax_.assign(PriorMaps::n_bins * Npad_, -std::numeric_limits<double>::infinity());
    for (std::size_t n = 0; n < N_; ++n) {
      // a node on the last t or the last track owns no cell: its bound stays -inf
      if (model_.t_index(n) + 1 >= model_.n_t() || model_.feh_index(n) + 1 >= model_.n_feh()) continue;
      const auto q = corners(n);
      for (std::size_t c = 0; c < n_colours; ++c) {
        double lo = col_[c][q[0]], hi = lo;
        for (const std::size_t m : q) lo = std::min(lo, col_[c][m]), hi = std::max(hi, col_[c][m]);
        cell_centre_[c][n] = 0.5 * (lo + hi);
        cell_half_[c][n] = 0.5 * (hi - lo) * (1 + 1e-12) + 1e-15 * std::abs(lo);
      }
      double mlo = model_.mr(q[0]), mhi = mlo;
      for (const std::size_t m : q) mlo = std::min(mlo, model_.mr(m)), mhi = std::max(mhi, model_.mr(m));
      const double flo = model_.feh(q[0]), fhi = model_.feh(q[3]);
      for (std::size_t k = 0; k < PriorMaps::n_bins; ++k) {
        const double p = box_max(maps_[k], mlo, mhi, flo, fhi);
        if (p > 0) cell_lpmax_[k * Npad_ + n] = std::log(p);
      }
    }
  }
  // Corners of cell n: (it, jf), (it+1, jf), (it, jf+1), (it+1, jf+1), clamped to the grid.
  std::array<std::size_t, 4> corners(std::size_t n) const {
    const std::size_t it = model_.t_index(n), jf = model_.feh_index(n);
    const std::size_t it1 = std::min(it + 1, model_.n_t() - 1), jf1 = std::min(jf + 1, model_.n_feh() - 1);
    return {n, model_.index(it1, jf), model_.index(it, jf1), model_.index(it1, jf1)};
  }
  // Largest value of the map's bilinear density over [mlo, mhi] x [flo, fhi]: at most the
  // largest grid value of the map cells the box touches.
  static double box_max(const PriorMap& m, double mlo, double mhi, double flo, double fhi) {
    if (m.everywhere) return 1.0;
    if (fhi < m.feh.lo || flo > m.feh.hi() || mhi < m.mr.lo || mlo > m.mr.hi()) return 0.0;
    auto range = [](const Axis& a, double lo, double hi) {
      const double ul = (std::max(lo, a.lo) - a.lo) / a.step, uh = (std::min(hi, a.hi()) - a.lo) / a.step;
      const double top = static_cast<double>(a.n - 1);
      return std::pair{static_cast<std::size_t>(std::clamp(std::floor(ul) - 1, 0.0, top)),
                       static_cast<std::size_t>(std::clamp(std::ceil(uh) + 1, 0.0, top))};
    };
    const auto [i0, i1] = range(m.feh, flo, fhi);
    const auto [j0, j1] = range(m.mr, mlo, mhi);
    double best = 0;
    for (std::size_t j = j0; j <= j1; ++j)
      for (std::size_t i = i0; i <= i1; ++i) best = std::max(best, m.value(i, j));
    return best;
  }

  // Refinement (R_t, R_f) the star needs. Around every node within e^-15 of the best, the
  // posterior's log density changes over one node step along t by about q_t^2 / 2, with
  // q_t^2 = the chi2 distance to the neighbouring node (A_r profiled out where A* is inside
  // [0, A_max]); its conditional width is then ~1/q_t steps. R = ceil(q * steps_per_sigma).
  std::array<std::size_t, 2> refinement(const Prepared& st, const Workspace& ws, double tmax, bool& unresolved) const {
    const std::size_t nt = model_.n_t(), nf = model_.n_feh();
    double q2[2] = {0, 0};
    const double cut = tmax - 15.0;
    for (const std::size_t n : ws.kept) {
      if (ws.bound[n] < cut) continue;
      const std::size_t it = model_.t_index(n), jf = model_.feh_index(n);
      const bool inside = ws.astar[n] > 0 && ws.astar[n] < st.amax;
      auto dist2 = [&](std::size_t m) { return chi2_free(st, node_diff(m, n), inside); };
      if (it > 0) q2[0] = std::max(q2[0], dist2(n - 1));
      if (it + 1 < nt) q2[0] = std::max(q2[0], dist2(n + 1));
      if (jf > 0) q2[1] = std::max(q2[1], dist2(n - nt));
      if (jf + 1 < nf) q2[1] = std::max(q2[1], dist2(n + nt));
    }
    return {splits(q2[0], &unresolved), splits(q2[1], &unresolved)};
  }

  // The error-weighted inner product of colour differences with A_r free (profiled out):
  // x'Wy - (k'Wx)(k'Wy) / a; with profile = false, x'Wy.
  static double free_dot(const Prepared& st, const std::array<double, n_colours>& x, const std::array<double, n_colours>& y,
                         bool profile = true) {
    double s = 0, kx = 0, ky = 0;
    for (std::size_t c = 0; c < n_colours; ++c) s += st.w[c] * x[c] * y[c], kx += st.kw[c] * x[c], ky += st.kw[c] * y[c];
    return profile ? s - kx * ky / st.a : s;
  }
  // chi2 of the colour difference d (observed minus model, or between two model points) with
  // A_r free.
  static double chi2_free(const Prepared& st, const std::array<double, n_colours>& d, bool profile = true) {
    return free_dot(st, d, d, profile);
  }
  // Splits per axis for a chi2 length q^2 of one step: ceil(q * refine_steps_per_sigma) in
  // [min_refine, max_refine]; sets *unresolved when it would be more than max_refine.
  std::size_t splits(double q2, bool* unresolved = nullptr) const {
    const double want = std::ceil(std::sqrt(std::max(q2, 0.0)) * opt_.refine_steps_per_sigma);
    if (unresolved && want > static_cast<double>(opt_.max_refine)) *unresolved = true;
    return static_cast<std::size_t>(std::clamp(want, static_cast<double>(opt_.min_refine), static_cast<double>(opt_.max_refine)));
  }
  // The colour difference of nodes x and y (x - y), or of the observation and node n.
  std::array<double, n_colours> node_diff(std::size_t x, std::size_t y) const {
    std::array<double, n_colours> d;
    for (std::size_t c = 0; c < n_colours; ++c) d[c] = col_[c][x] - col_[c][y];
    return d;
  }
  std::array<double, n_colours> obs_diff(const Prepared& st, std::size_t n) const {
    std::array<double, n_colours> d;
    for (std::size_t c = 0; c < n_colours; ++c) d[c] = st.obs[c] - col_[c][n];
    return d;
  }

  double cell_prior_max(const Prepared& st, std::size_t n) const { return cell_lpmax_[st.bin * Npad_ + n]; }

  // A lower bound of chi2 over cell n, tighter than the colour box's: with the colours
  // c(u, v) = c00 + u e + v f + uv g (bilinear, u, v in [0, 1]) and A_r free (profiled out:
  // |x|^2 = x'Wx - (k'Wx)^2 / a, which only lowers chi2), sqrt(chi2) >= |d - u e - v f| - |g|
  // with d = obs - c00, and the first term's minimum over the square is a 2-D box-constrained
  // least-squares problem, solved exactly (interior stationary point, else the best edge).
  double cell_chi2_bound(const Prepared& st, std::size_t n) const {
    const auto q = corners(n);
    std::array<double, n_colours> d{}, e{}, f{}, g{};
    for (std::size_t c = 0; c < n_colours; ++c) {
      const double c00 = col_[c][q[0]], c10 = col_[c][q[1]], c01 = col_[c][q[2]], c11 = col_[c][q[3]];
      d[c] = st.obs[c] - c00, e[c] = c10 - c00, f[c] = c01 - c00, g[c] = c11 - c10 - c01 + c00;
    }
    auto dot = [&](const std::array<double, n_colours>& x, const std::array<double, n_colours>& y) { return free_dot(st, x, y); };
    const double dd = dot(d, d), de = dot(d, e), df = dot(d, f), ee = dot(e, e), ef = dot(e, f), ff = dot(f, f);
    auto Q = [&](double u, double v) { return dd - 2 * u * de - 2 * v * df + u * u * ee + 2 * u * v * ef + v * v * ff; };
    double best = std::numeric_limits<double>::infinity();
    const double det = ee * ff - ef * ef;
    if (det > 1e-12 * (ee * ff + 1e-300)) {
      const double u = (de * ff - df * ef) / det, v = (df * ee - de * ef) / det;
      if (u >= 0 && u <= 1 && v >= 0 && v <= 1) best = Q(u, v);
    }
    if (!(best < std::numeric_limits<double>::infinity())) {
      auto clamp01 = [](double x) { return std::isfinite(x) ? std::clamp(x, 0.0, 1.0) : 0.0; };
      for (const double u : {0.0, 1.0}) best = std::min(best, Q(u, clamp01((df - u * ef) / ff)));
      for (const double v : {0.0, 1.0}) best = std::min(best, Q(clamp01((de - v * ef) / ee), v));
    }
    const double gap = std::max(0.0, std::sqrt(std::max(best, 0.0)) - std::sqrt(std::max(dot(g, g), 0.0)));
    return gap * gap * (1 - 1e-9);
  }

  // Refinement (R_t, R_f) of cell n for this star: its edges' chi2 lengths q (A_r profiled
  // out), each axis by splits().
  std::array<std::size_t, 2> cell_refinement(const Prepared& st, std::size_t n) const {
    const auto [n00, n10, n01, n11] = corners(n);
    auto dist2 = [&](std::size_t x, std::size_t y) { return chi2_free(st, node_diff(x, y)); };
    return {splits(std::max(dist2(n10, n00), dist2(n11, n01))), splits(std::max(dist2(n01, n00), dist2(n11, n10)))};
  }

  // Adds weight w to node n's point (its cells' corner weights are summed before it becomes a
  // point, so a node is evaluated once).
  static void share(Workspace& ws, std::size_t n, double w) {
    if (ws.node_share[n] == 0) ws.touched.push_back(n);
    ws.node_share[n] += w;
  }

  // Appends the points of cell n's cubature rule on an R_t x R_f split (each sub-cell's
  // centre and corners; the weights of a cell sum to 1, so cells of different R add up
  // without bias): bilinear colours and Mr, the log of the point's weight (area) added to its
  // cell's largest log prior, and the widths of Mr and [Fe/H] it stands for.
  void cell_points(const Prepared& st, Workspace& ws, std::size_t n, double T0, bool split) const {
    const auto q = corners(n);
    auto& p = ws.pt;
    if (!split) {  // far from the peak (below e^-refine_window): the node alone, weight 1
      share(ws, n, 1.0);
      return;
    }
    const auto [Rt, Rf] = cell_refinement(st, n);
    const double f0 = model_.feh(q[0]), f1 = model_.feh(q[3]);
    const double rt = 1.0 / static_cast<double>(Rt), rf = 1.0 / static_cast<double>(Rf);
    const double lpmax = cell_prior_max(st, n);
    const double* M = model_.mr_data();
    std::array<std::array<double, 4>, n_colours> cc;  // corner colours
    for (std::size_t c = 0; c < n_colours; ++c)
      for (std::size_t j = 0; j < 4; ++j) cc[c][j] = col_[c][q[j]];
    // The sub-cells' Mr steps along t and [Fe/H] (at the row, the column) and [Fe/H] step: the
    // widths a point stands for in the quantiles.
    const double hfe = (f1 - f0) * rf;
    // One row of points at v: the sub-grid corners u = k/R_t (k = 0..R_t, ends at half
    // weight) or the sub-cell centres u = (k + 1/2)/R_t (k < R_t), each of weight wrow * w_k.
    auto row = [&](double v, double wrow, bool centres) {
      const double feh = f0 + (f1 - f0) * v;
      // Along the row the colours are linear in u: obs - c(u) = d0 - u e, so chi2 with A_r
      // free is the quadratic A0 - 2 A1 u + A2 u^2. A point is stored only if that lower bound
      // does not put it below T0 with the cell's largest prior: the k of an interval.
      std::array<double, n_colours> d0, e;
      for (std::size_t c = 0; c < n_colours; ++c) {
        d0[c] = st.obs[c] - ((1 - v) * cc[c][0] + v * cc[c][2]);
        e[c] = (1 - v) * (cc[c][1] - cc[c][0]) + v * (cc[c][3] - cc[c][2]);
      }
      const double A0 = free_dot(st, d0, d0), A1 = free_dot(st, d0, e), A2 = free_dot(st, e, e);
      const double ln_row = std::log(wrow * rt), C = 2 * (lpmax + ln_row - T0);  // the largest weight's cut
      const double off = centres ? 0.5 : 0.0;
      const std::size_t kmax = centres ? Rt - 1 : Rt;
      std::size_t k0 = 0, k1 = kmax;
      if (A2 > 1e-12 * (std::abs(A0) + std::abs(A1) + 1e-300)) {
        const double disc = A1 * A1 - A2 * (A0 - C);
        if (!(disc >= 0)) return;
        const double sq = std::sqrt(disc), ulo = (A1 - sq) / A2, uhi = (A1 + sq) / A2;
        if (!(uhi >= 0 && ulo <= 1)) return;
        const double rtd = static_cast<double>(Rt);
        k0 = static_cast<std::size_t>(std::max(0.0, std::ceil(ulo * rtd - off - 1e-9)));
        const double hi = std::floor(uhi * rtd - off + 1e-9);
        if (hi < 0) return;
        k1 = std::min(kmax, static_cast<std::size_t>(hi));
      }
      const double ln_half = std::log(0.5);
      const bool edge_row = !centres && (v == 0.0 || v == 1.0);
      for (std::size_t k = k0; k <= k1; ++k) {
        const double u = (static_cast<double>(k) + off) * rt;
        const bool half = !centres && (k == 0 || k == Rt);
        if (edge_row && half) continue;  // a cell corner: a node, through share()
        const double lnw = ln_row + (half ? ln_half : 0.0), lpcap = lpmax + lnw;
        if (A0 - 2 * A1 * u + A2 * u * u > 2 * (lpcap - T0)) continue;
        const double a00 = (1 - u) * (1 - v), a10 = u * (1 - v), a01 = (1 - u) * v, a11 = u * v;
        for (std::size_t c = 0; c < n_colours; ++c) p.col[c].push_back(a00 * cc[c][0] + a10 * cc[c][1] + a01 * cc[c][2] + a11 * cc[c][3]);
        p.mr.push_back(a00 * M[q[0]] + a10 * M[q[1]] + a01 * M[q[2]] + a11 * M[q[3]]);
        const double ht = ((M[q[1]] - M[q[0]]) * (1 - v) + (M[q[3]] - M[q[2]]) * v) * rt;
        const double hf = ((M[q[2]] - M[q[0]]) * (1 - u) + (M[q[3]] - M[q[1]]) * u) * rf;
        p.hmr.push_back(std::sqrt(ht * ht + hf * hf));
        p.feh.push_back(feh);
        p.hfe.push_back(hfe);
        p.lp.push_back(lpcap);  // the prior itself is looked up only where the point can matter
        p.lna.push_back(lnw);
      }
    };
    // Degree-3 cubature on every sub-cell: its centre at 2/3 and its corners at 1/12 each,
    // exact for cubic polynomials (in 1-D it is Simpson's rule), so the O(h^2) error of the
    // corner (node) sum cancels inside each cell; shared corners add up to 1/3 x trapezoid.
    // The cell's corners are nodes shared with the neighbouring cells: their weights are
    // summed per node and each node is one point (fit_refined).
    for (const std::size_t m : q) share(ws, m, 1.0 / (12.0 * static_cast<double>(Rt * Rf)));
    for (std::size_t l = 0; l <= Rf; ++l) row(static_cast<double>(l) * rf, (l == 0 || l == Rf ? 0.5 : 1.0) * rf / 3.0, false);
    for (std::size_t l = 0; l < Rf; ++l) row((static_cast<double>(l) + 0.5) * rf, rf * 2.0 / 3.0, true);
  }

  // Quantiles (levels quantile_levels) of a mixture of uniform distributions: kept point i
  // has weight w[i] spread over value(j) +- width(j) / 2 (j = kept[i]). The CDF is exact at
  // the edges of `bins` bins over the spread range (slopes and offsets accumulated per bin)
  // and linear within them, so a quantile is good to one bin width. With `cdf`, the CDF at
  // the bin edges is stored there (bins + 1 values) and lo/step returned through the axis.
  template <class Value, class Width>
  static std::array<double, 3> spread_quantiles(const Workspace& ws, std::size_t K, double total, Value value, Width width,
                                                std::vector<double>& scratch, std::vector<double>* cdf, double& lo,
                                                double& step) {
    constexpr std::size_t bins = 1024;
    double vlo = std::numeric_limits<double>::infinity(), vhi = -vlo, hmax = 0;
    for (std::size_t i = 0; i < K; ++i) {
      const std::size_t j = ws.kept[i];
      vlo = std::min(vlo, value(j)), vhi = std::max(vhi, value(j)), hmax = std::max(hmax, width(j));
    }
    lo = vlo - 0.5 * hmax, step = std::max(vhi - vlo + hmax, 1e-12) / static_cast<double>(bins);
    scratch.assign(2 * (bins + 1), 0.0);
    double* slope = scratch.data();
    double* offset = slope + (bins + 1);
    auto ramp = [&](double a, double sl) {  // adds sl * max(0, x - a) to the CDF
      const double u = std::clamp((a - lo) / step, 0.0, static_cast<double>(bins));
      const std::size_t b = std::min(bins, static_cast<std::size_t>(u) + 1);  // first edge >= a
      slope[b] += sl;
      offset[b] += sl * (lo + step * static_cast<double>(b) - a);
    };
    for (std::size_t i = 0; i < K; ++i) {
      const std::size_t j = ws.kept[i];
      const double h = std::max(width(j), 1e-9 * step), sl = ws.w[i] / h;
      ramp(value(j) - 0.5 * h, sl), ramp(value(j) + 0.5 * h, -sl);
    }
    std::array<double, 3> out{};
    if (cdf) cdf->clear();
    double c = 0, sl = 0;  // CDF at edge b - 1, its slope beyond it
    std::size_t q = 0;
    for (std::size_t b = 0; b <= bins && (q < 3 || cdf); ++b) {
      const double next = b == 0 ? offset[0] : c + sl * step + offset[b];
      while (q < 3 && next >= quantile_levels[q] * total) {
        const double c0 = b == 0 ? next : c, f = next > c0 ? (quantile_levels[q] * total - c0) / (next - c0) : 1.0;
        out[q++] = lo + step * (b == 0 ? 0.0 : static_cast<double>(b - 1) + f);
      }
      c = next, sl += slope[b];
      if (cdf) cdf->push_back(c);
    }
    for (; q < 3; ++q) out[q] = lo + step * static_cast<double>(bins);
    return out;
  }

  Summary fit_refined(const Prepared& st, Summary& s, Workspace& ws, Marginals* mg, double tmax_nodes, double zref_nodes) const {
    const double sqa = std::sqrt(st.a);
    const double gmax = std::min(st.amax * sqa, std::sqrt(2 * std::numbers::pi));
    const double eps = opt_.skip_tolerance;
    // 1. Upper bound of every cell's log density, as the blocks' bound in fit_exact.
    ws.cell_ub.resize(Npad_);
    const double* lpc = cell_lpmax_.data() + st.bin * Npad_;
    for (std::size_t n = 0; n < Npad_; n += lanes) {
      const batch lb = box_chi2_bound(st, cell_centre_, cell_half_, n);
      (batch::load_unaligned(lpc + n) - batch(0.5) * lb).store_unaligned(ws.cell_ub.data() + n);
    }
    // 2. Every node is a corner point of a cell, with weight at least 1 / (12 max_refine^2),
    // so the best node's weight exp(tmax) z_ref / (12 max_refine^2) is a lower bound of the
    // total. A cell's points weigh at most exp(ub) g_max together (their weights sum to 1),
    // so skipping the cells with ub < T0 leaves out at most N exp(T0) g_max = eps times that.
    const double mr2 = 12.0 * static_cast<double>(opt_.max_refine * opt_.max_refine);
    const double T0 = tmax_nodes + std::log(zref_nodes / mr2) + std::log(eps) - std::log(static_cast<double>(N_)) - std::log(gmax);
    auto& p = ws.pt;
    for (auto& c : p.col) c.clear();
    p.mr.clear(), p.feh.clear(), p.lp.clear(), p.hmr.clear(), p.hfe.clear(), p.lna.clear();
    if (ws.node_share.size() != N_) ws.node_share.assign(N_, 0.0);
    ws.touched.clear();
    for (std::size_t n = 0; n < N_; ++n)
      if (ws.cell_ub[n] >= T0) {
        const double ub = cell_prior_max(st, n) - 0.5 * cell_chi2_bound(st, n);
        if (ub >= T0) cell_points(st, ws, n, T0, ub >= tmax_nodes - refine_window);
      }
    // The nodes, each once with its summed weight (its prior is exact: the node table's).
    const double* lpn = logprior_.data() + st.bin * Npad_;
    for (const std::size_t n : ws.touched) {
      const double lnw = std::log(ws.node_share[n]);
      ws.node_share[n] = 0;
      if (!(lpn[n] > -std::numeric_limits<double>::infinity()) || chi2_free(st, obs_diff(st, n)) > 2 * (lpn[n] + lnw - T0)) continue;
      const auto q = corners(n);
      for (std::size_t c = 0; c < n_colours; ++c) p.col[c].push_back(col_[c][n]);
      p.mr.push_back(model_.mr(n));
      p.hmr.push_back(std::hypot(model_.mr(q[1]) - model_.mr(n), model_.mr(q[2]) - model_.mr(n)));
      p.feh.push_back(model_.feh(n));
      p.hfe.push_back(model_.feh(q[2]) - model_.feh(n));
      p.lp.push_back(lpn[n] + lnw);
      p.lna.push_back(lnw);
    }
    const std::size_t np = p.mr.size(), npp = simd::round_up<double>(np);
    for (auto& c : p.col) c.resize(npp, 1e100);
    p.lp.resize(npp, -std::numeric_limits<double>::infinity());
    // 3. Every point's A* and bound, as pass 1 over nodes.
    ws.astar.resize(npp), ws.bound.resize(npp);
    double tmax = -std::numeric_limits<double>::infinity();
    std::size_t ref = 0;
    {
      for (std::size_t i = 0; i < npp; i += lanes) {
        batch as;
        const batch m = min_chi2(st, p.col, i, &as);
        as.store_unaligned(ws.astar.data() + i);
        (batch::load_unaligned(p.lp.data() + i) - batch(0.5) * m).store_unaligned(ws.bound.data() + i);
      }
      // The bounds so far use the cell's largest prior. Points below T0 with it are left out
      // (a cell's points weigh at most exp(T0) g_max together there, as the skipped cells);
      // the others get their prior: the map at (Mr, [Fe/H]) times the point's area.
      const PriorMap& map = maps_[st.bin];
      for (std::size_t i = 0; i < np; ++i) {
        if (!(ws.bound[i] >= T0)) {
          ws.bound[i] = -std::numeric_limits<double>::infinity();
          continue;
        }
        const double pr = map.density(p.mr[i], p.feh[i]);
        ws.bound[i] = pr > 0 ? ws.bound[i] - p.lp[i] + p.lna[i] + std::log(pr) : -std::numeric_limits<double>::infinity();
        if (ws.bound[i] > tmax) tmax = ws.bound[i], ref = i;
      }
    }
    // (chi2_min stays the nodes': the points are only those that can matter)
    if (!(tmax > -std::numeric_limits<double>::infinity())) {  // cannot happen: the best node is a point
      s.status |= status::prior_zero | status::no_fit;
      return s;
    }
    const double zref = detail::truncated_std(-ws.astar[ref] * sqa, (st.amax - ws.astar[ref]) * sqa).z;
    const double T = tmax + std::log(zref) + std::log(eps) - std::log(static_cast<double>(std::max<std::size_t>(np, 1))) - std::log(gmax);
    ws.kept.clear();
    for (std::size_t i = 0; i < np; ++i)
      if (ws.bound[i] >= T) ws.kept.push_back(i);
    kept_moments(st, ws, tmax, zref);
    const std::size_t K = ws.kept.size();
    const double total = std::accumulate(ws.w.begin(), ws.w.begin() + static_cast<std::ptrdiff_t>(K), 0.0);
    s.nodes_used = static_cast<std::uint32_t>(K);
    // Mr and [Fe/H]: moments over the points; quantiles of the continuous posterior, each
    // point's weight spread uniformly over the Mr and [Fe/H] widths it stands for (a rule over
    // the points' discrete values would step by a sub-grid spacing, which can be a large part
    // of a narrow sigma), so they converge with the refinement.
    double mmr = 0, mfe = 0;
    for (std::size_t i = 0; i < K; ++i) mmr += ws.w[i] * p.mr[ws.kept[i]], mfe += ws.w[i] * p.feh[ws.kept[i]];
    mmr /= total, mfe /= total;
    double vmr = 0, vfe = 0;
    for (std::size_t i = 0; i < K; ++i) {
      const std::size_t j = ws.kept[i];
      const double dm = p.mr[j] - mmr, df = p.feh[j] - mfe;
      vmr += ws.w[i] * dm * dm, vfe += ws.w[i] * df * df;
    }
    double mlo, mstep, flo, fstep;
    const auto qm = spread_quantiles(ws, K, total, [&](std::size_t j) { return p.mr[j]; }, [&](std::size_t j) { return p.hmr[j]; },
                                     p.scratch, mg ? &p.cdf_mr : nullptr, mlo, mstep);
    const auto qf = spread_quantiles(ws, K, total, [&](std::size_t j) { return p.feh[j]; }, [&](std::size_t j) { return p.hfe[j]; },
                                     p.scratch, mg ? &p.cdf_feh : nullptr, flo, fstep);
    constexpr std::size_t im = index(Param::mr), jf = index(Param::feh);
    s.mean[im] = mmr, s.mean[jf] = mfe;
    s.sigma[im] = std::sqrt(vmr / total), s.sigma[jf] = std::sqrt(vfe / total);
    s.q14[im] = qm[0], s.q50[im] = qm[1], s.q86[im] = qm[2];
    s.q14[jf] = qf[0], s.q50[jf] = qf[1], s.q86[jf] = qf[2];
    if (mg) {  // densities on the bin centres (CDF differences)
      auto density = [&](const std::vector<double>& cdf, double lo, double step, std::vector<double>& x, std::vector<double>& px) {
        const std::size_t nb = cdf.size() - 1;
        x.resize(nb), px.resize(nb);
        for (std::size_t b = 0; b < nb; ++b) x[b] = lo + step * (static_cast<double>(b) + 0.5), px[b] = (cdf[b + 1] - cdf[b]) / total;
      };
      density(p.cdf_mr, mlo, mstep, mg->mr, mg->p_mr);  // p_mr: mass per bin (sums to 1)
      density(p.cdf_feh, flo, fstep, mg->feh, mg->p_feh);
      for (auto& x : mg->p_feh) x /= fstep;  // p_feh: a density, as on the track axis
    }
    ar_moments(ws, total, s);
    ar_quantiles(st, ws, total, s);
    if (mg) ar_marginal(st, ws, total, *mg);
    finish(s);
    return s;
  }

  // A_r mean and sigma from the nodes' A_r moments ea = E[A], ea2 = E[A^2] and weights w.
  static void ar_moments(const Workspace& ws, double total, Summary& s) {
    double ma = 0;
    for (std::size_t i = 0; i < ws.kept.size(); ++i) ma += ws.w[i] * ws.ea[i];
    ma /= total;
    double va = 0;
    for (std::size_t i = 0; i < ws.kept.size(); ++i) va += ws.w[i] * (ws.ea2[i] - 2 * ma * ws.ea[i] + ma * ma);
    s.mean[index(Param::ar)] = ma;
    s.sigma[index(Param::ar)] = std::sqrt(std::max(0.0, va / total));
  }

  // The A_r mixture at A: CDF, density and the density's derivative (SIMD over nodes).
  // One exp per node: E = exp(-(x² - tc²)/2) is the density's shape and, with t = |x|/√2,
  // Φ-type terms are E · erfcx(t) (Cody's rational, no exp), or erf(t) directly for small t.
  std::array<double, 4> mixture_cdf(const Prepared& st, const Workspace& ws, double A, double total) const {
    const auto& m = ws.kx;  // padded to whole batches with copies of the last node, of weight 0 in ws.w
    const double sqa = std::sqrt(st.a);
    const batch one(1.0), split(special::erf_split), zero(0.0);
    batch F(0.0), f(0.0), df(0.0), d2f(0.0);
    for (std::size_t i = 0; i < m.astar.size(); i += lanes) {
      const batch as = batch::load_unaligned(m.astar.data() + i);
      const batch al = batch::load_unaligned(m.al.data() + i), be = batch::load_unaligned(m.be.data() + i);
      const batch x = xsimd::min(xsimd::max((batch(A) - as) * batch(sqa), al), be);
      const batch w = batch::load_unaligned(ws.w.data() + i);
      const batch tc = batch::load_unaligned(m.tc.data() + i);
      const batch E = xsimd::exp(batch(-0.5) * ((x - tc) * (x + tc)));
      const batch t = xsimd::abs(x) * batch(1.0 / std::numbers::sqrt2);
      const auto small = t <= split;
      const batch r = special::erf_or_erfcx(t);  // erf(t) if small, else erfcx(t)
      const batch ER = E * r;
      const auto mir = be <= zero, tail = mir || al >= zero;
      // interior (tc = 0, so E = exp(-t²)): erf(x/√2) = sign(x) (1 - E erfcx(t)), or erf_small
      const batch ef = xsimd::select(small, r, one - ER);
      const batch Fi = (xsimd::select(x < batch(0.0), -ef, ef) - batch::load_unaligned(m.c0.data() + i)) *
                       batch::load_unaligned(m.c1.data() + i);
      // tail, in the mirrored variable y = |x| >= lo >= 0: G = (Q(lo) - Q(y)) / (Q(lo) - Q(hi)) with
      // Q(y) = E erfcx(t) (c0 = Q(lo), c1 = 1/(Q(lo) - Q(hi))), where for
      // small t (so tc² <= 2t² < 1) E erfcx(t) = exp(tc²/2) (1 - erf(t)) = ec (1 - erf(t))
      const batch Q = xsimd::select(small, batch::load_unaligned(m.ec.data() + i) * (one - r), ER);
      const batch G = (batch::load_unaligned(m.c0.data() + i) - Q) * batch::load_unaligned(m.c1.data() + i);
      F = xsimd::fma(w, xsimd::select(tail, xsimd::select(mir, one - G, G), Fi), F);
      const batch wp = E * batch::load_unaligned(m.wz.data() + i);
      f += wp;
      // d pdf / dA = -sqrt(a) x pdf and d² pdf / dA² = a (x² - 1) pdf inside the range (x is
      // clamped outside, where the pdf is 0)
      const auto inside = (x > al) && (x < be);
      const batch wi = xsimd::select(inside, wp, zero);
      df = xsimd::fnma(wi, x, df);
      d2f = xsimd::fma(wi, xsimd::fms(x, x, one), d2f);
    }
    return {xsimd::hadd(F) / total, xsimd::hadd(f) * sqa / total, xsimd::hadd(df) * st.a / total,
            xsimd::hadd(d2f) * st.a * sqa / total};
  }

  // A_r quantiles: invert the mixture CDF (Householder third-order steps inside a bisection bracket,
  // from a Cornish-Fisher start; see docs/bayes.md).
  void ar_quantiles(const Prepared& st, Workspace& ws, double total, Summary& s) const {
    std::array<double, 3>* qs[3] = {&s.q14, &s.q50, &s.q86};
    constexpr double zq[3] = {-1.0803193408149558, 0.0, 1.0803193408149558};
    const double tol = 1e-9 * (1 + st.amax);
    // Start from the Cornish-Fisher expansion with the mixture's skewness g: A = mean +
    // sigma (z + (z^2 - 1) g / 6). Third central moment per node about the mixture mean mu:
    // E[(A - mu)^3] = d^3 + 3 d^2 s m1 + 3 d s^2 m2 + s^3 m3, d = A* - mu, s = 1/sqrt(a).
    const double mu = s.mean[index(Param::ar)], sd = s.sigma[index(Param::ar)], sg = 1.0 / std::sqrt(st.a);
    double gamma = 0;
    {
      const auto& a = ws.kx;
      batch acc(0.0);
      for (std::size_t i = 0; i < a.astar.size(); i += lanes) {
        const batch d = batch::load_unaligned(a.astar.data() + i) - batch(mu);
        const batch c3 = d * d * d + batch(3 * sg) * d * d * batch::load_unaligned(a.m1.data() + i) +
                         batch(3 * sg * sg) * d * batch::load_unaligned(a.m2.data() + i) +
                         batch(sg * sg * sg) * batch::load_unaligned(a.m3.data() + i);
        acc = xsimd::fma(batch::load_unaligned(ws.w.data() + i), c3, acc);
      }
      if (sd > 0) gamma = std::clamp(xsimd::hadd(acc) / total / (sd * sd * sd), -2.0, 2.0);
    }
    double lo = 0;
    for (std::size_t q = 0; q < 3; ++q) {
      const double level = quantile_levels[q], z = zq[q];
      double hi = st.amax, A = std::clamp(mu + sd * (z + (z * z - 1) * gamma / 6), lo, hi);
      for (int it = 0; it < 200; ++it) {
        const auto [F0, f, df, d2f] = mixture_cdf(st, ws, A, total);
        const double F = F0 - level;
        // |F| <= 1e-13 is below the CDF's own rounding error (sum over ~10^2 nodes)
        if (std::abs(F) <= 1e-13) break;
        (F < 0 ? lo : hi) = A;
        // Householder's third-order step (quartic convergence) on F(A) - level, whose
        // derivatives are the mixture density f and its derivatives df, d2f.
        const double num = F * (6 * f * f - 3 * F * df), den = 6 * f * f * f - 6 * F * f * df + F * F * d2f;
        double next = (f > 0 && den > 0) ? A - num / den : 0.5 * (lo + hi);
        bool householder = true;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi), householder = false;
        // A step e leaves an error ~ e^4 / sigma^3: after a step below 1e-4 sigma the quantile is
        // good to ~1e-16 sigma; bisection steps need the bracket to close to tol.
        const bool done = std::abs(next - A) < (householder ? std::max(tol, 1e-4 * sd) : tol) || hi - lo < tol;
        A = next;
        if (done) break;
      }
      (*qs[q])[index(Param::ar)] = A;
    }
  }

  void finish(Summary& s) const {
    if (s.chi2_min > opt_.chi2_max) s.status |= status::poor_fit;
  }

  LocusModel model_;
  Extinction ext_;
  GridOptions opt_;
  std::size_t N_ = 0, Npad_ = 0, nbpad_ = 0;
  static constexpr std::size_t block_nodes = 8;  // nodes per skipping block (whole SIMD batches)
  static_assert(block_nodes % lanes == 0);
  std::array<std::vector<double>, n_colours> blk_centre_, blk_half_;
  std::vector<double> blk_lpmax_;
  std::array<std::vector<double>, n_colours> col_;
  std::vector<double> prior_, logprior_;
  std::vector<std::size_t> nonzero_;
  bool r_needed_ = true;
  std::vector<double> mr_values_;
  std::vector<std::size_t> mr_index_;
  bool refining_ = false;
  std::vector<PriorMap> maps_;  // refinement: the prior between nodes
  std::array<std::vector<double>, n_colours> cell_centre_, cell_half_;
  std::vector<double> cell_lpmax_;
  double mr_range_ = 0, feh_range_ = 0;
  static constexpr double min_skip_tolerance = 1e-200;
  // Cells whose density bound is below e^-refine_window of the best node keep their node alone.
  static constexpr double refine_window = 8.0;
};

}  // namespace locus::bayes

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
