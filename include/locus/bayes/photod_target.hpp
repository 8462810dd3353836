#pragma once
// locus::bayes::PhotodTarget — the photo-D posterior as a continuous density for MCMC.
//
// The grid posterior (GridPosterior) weighs every model node n and extinction Ar by
//   p(n, Ar) ∝ prior(Mr_n, [Fe/H]_n) · exp(−χ²/2),  χ² = Σ_c ((c_obs − c_n − k_c Ar)/σ_c)²,
// with Ar flat on [0, Ar_max]. PhotodTarget is the same density on the continuous
// parameters x = (t, [Fe/H], Ar): Mr(t, [Fe/H]) and the colours come from the locus model's
// bilinear interpolation, and the prior map is evaluated at (Mr(t, [Fe/H]), [Fe/H]) exactly
// as the grid evaluates it at the nodes. At every node the two densities are therefore
// identical, and the grid posterior is a quadrature of this one (it converges to it as the
// model grid is refined, which is what the tests check).
//
// t is sampled rather than Mr because Mr is not monotonic along a track (the giant branch
// turns back); posterior summaries of Mr are taken over Mr(t, [Fe/H]) of the samples.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "locus/bayes/ar_prior.hpp"
#include "locus/bayes/extinction.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/photod_model.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/bayes/star.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/normal.hpp"
#include "locus/core/rng.hpp"

namespace locus::bayes {

/* PhotodTarget
   log π(t, [Fe/H], Ar) up to a constant, for one star:
     log prior(Mr(t,f), f) − χ²(t, f, Ar)/2 inside the model's (t, [Fe/H]) rectangle and
     0 ≤ Ar ≤ ar_max(); −∞ outside or where the prior is 0.
   - Built from a PhotodModel (fast: node priors come from its table) or from a model, one
     prior map and an extinction law (node priors are then evaluated in start()). Holds
     references: the model, map or PhotodModel must outlive the target.
   - operator()(x) is the LogProbability the samplers take (x.size() == 3). Its bilinear
     interpolation is LocusModel::interpolate's, with an O(1) cell search for near-regular
     axes.
   - mr(t, feh) maps a sample's t to Mr.
   - start(nwalkers, rng): initial walkers drawn from the grid posterior. Each node gets its
     posterior mass prior · ∫₀^Ar_max exp(−χ²/2) dAr (closed form: χ² is quadratic in Ar);
     nodes are picked by systematic resampling (each walker at its own CDF quantile), each
     walker is jittered uniformly within ±half a grid cell around its node and its Ar drawn
     from the node's truncated normal, keeping only points with a finite log π (else the
     node itself). Well-separated modes (dwarf/giant) get their share of walkers to within
     one walker: the stretch move rarely carries a walker from one mode to the other, so
     the start, not the chain, sets the mode fractions. Nodes whose weight bound is below
     e^−30 of the best are given weight 0.
   - Throws InputError when a colour or error is not finite, an error is ≤ 0, r is NaN while
     the prior depends on r, or ar_max is not positive (fit_blockers() tells beforehand);
     start() throws InputError when no node has a positive prior. */
class PhotodTarget {
 public:
  PhotodTarget(const LocusModel& model, const PriorMap& prior, const Extinction& ext, const Star& star,
               ArPrior ar = {})
      : model_(&model), prior_(&prior), ar_max_(ar.upper(star.ar_sfd)) {
    init(ext, star);
  }
  PhotodTarget(const PhotodModel& pm, const Star& star, ArPrior ar = {})
      : model_(&pm.locus()), ar_max_(ar.upper(star.ar_sfd)) {
    const std::size_t bin = prior_bin(pm.priors(), star);
    prior_ = &pm.priors().map(bin);
    log_node_prior_ = pm.log_node_prior(bin);
    init(pm.extinction(), star);
  }

  // The target for a star, with the prior map of its r bin (photo-D's bin rule).
  static PhotodTarget for_star(const LocusModel& model, const PriorMaps& priors, const Extinction& ext,
                               const Star& star, ArPrior ar = {}) {
    return PhotodTarget(model, priors.map(prior_bin(priors, star)), ext, star, ar);
  }

  static constexpr std::size_t dim = 3;
  double ar_max() const { return ar_max_; }
  const LocusModel& model() const { return *model_; }

  double operator()(std::span<const double> x) const {
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    const double t = x[0], f = x[1], a = x[2];
    if (!(a >= 0.0 && a <= ar_max_)) return minus_inf;
    Cell c;
    if (!cell(t, f, c)) return minus_inf;
    const double mr = c.mix(model_->mr_data());
    const double pr = prior_->density(mr, f);
    if (!(pr > 0)) return minus_inf;
    double chi2 = 0;
    for (std::size_t k = 0; k < n_colours; ++k) {
      const double d = obs_[k] - c.mix(model_->colour_data(k)) - k_[k] * a;
      chi2 += d * d * ivar_[k];
    }
    return std::log(pr) - 0.5 * chi2;
  }

  double mr(double t, double feh) const {
    Cell c;
    return cell(t, feh, c) ? c.mix(model_->mr_data()) : std::numeric_limits<double>::quiet_NaN();
  }

  /* NodeMasses: the grid posterior of this star on the model nodes, as start() and
     GridJumpMove use it. mass[n] ∝ prior · ∫₀^Ar_max exp(−χ²/2) dAr (relative; 0 for nodes
     whose bound is below e^−30 of the best), centre[n] the unconstrained best Ar of node n,
     prob[n] = P(0 ≤ Ar ≤ Ar_max) under N(centre[n], sigma_a²), sigma_a = (Σ k²/σ²)^(−1/2).
     Valid until the next call on this target. */
  struct NodeMasses {
    std::vector<double> log_mass, centre, chi2_0, cdf, log_prior, prob;
    double sigma_a = 0;
    double chi2_min = 0;  // smallest χ² over nodes × [0, Ar_max], prior not applied
    const std::vector<double>& mass() const { return log_mass; }  // pass 2 stores linear masses
  };

  const NodeMasses& node_masses() const { return compute_masses(); }
  // NodeMasses::chi2_min of the last node_masses() or start() call, also when that threw
  // because the prior is zero on every node.
  double last_chi2_min() const { return scratch_.chi2_min; }

  // The mutable scratch behind node_masses(); start() also writes its cdf.
 private:
  NodeMasses& compute_masses() const {
    const LocusModel& m = *model_;
    const std::size_t n = m.size();
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    const double sigma_a = 1.0 / std::sqrt(kk_);
    auto& w = scratch_;
    w.log_mass.resize(n);
    w.centre.resize(n);
    w.chi2_0.resize(n);
    w.prob.assign(n, 0.0);
    const double* lp = log_node_prior_;
    if (!lp) {
      w.log_prior.resize(n);
      for (std::size_t k = 0; k < n; ++k) {
        const double p = prior_->density(m.mr(k), m.feh(k));
        w.log_prior[k] = p > 0 ? std::log(p) : minus_inf;
      }
      lp = w.log_prior.data();
    }
    // Pass 1 (vectorisable): χ² = χ²₀ + (Ar − Ar*)²/σ² per node; the value at the best Ar
    // inside the box bounds the node's weight and lets pass 2 skip hopeless nodes.
    const double* col[n_colours];
    for (std::size_t c = 0; c < n_colours; ++c) col[c] = m.colour_data(c);
    const double inv_kk = 1.0 / kk_;
    double top = minus_inf, chi2_min = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < n; ++k) {
      double kd = 0, dd = 0;
      for (std::size_t c = 0; c < n_colours; ++c) {
        const double d = obs_[c] - col[c][k];
        kd += k_[c] * d * ivar_[c];
        dd += d * d * ivar_[c];
      }
      const double centre = kd * inv_kk;
      const double chi2_0 = dd - kd * centre;
      const double a = std::clamp(centre, 0.0, ar_max_);
      const double chi2 = chi2_0 + kk_ * (a - centre) * (a - centre);
      chi2_min = std::min(chi2_min, chi2);
      const double bound = lp[k] - 0.5 * chi2;
      w.centre[k] = centre;
      w.chi2_0[k] = chi2_0;
      w.log_mass[k] = bound;
      top = std::max(top, bound);
    }
    w.chi2_min = chi2_min;
    if (!std::isfinite(top)) throw InputError("PhotodTarget::start: the prior is zero on every model node");
    // Pass 2: the node's posterior mass relative to the best bound,
    //   exp(bound − top) · R,  R = ∫₀^Ar_max exp(−(χ² − χ²_clip)/2) dAr / (σ√(2π)),
    // the normal probability of [0, Ar_max] rescaled by exp(δ²/2) when the unconstrained
    // best Ar lies δσ outside (so R stays O(1/δ) instead of underflowing).
    const double width = ar_max_ / sigma_a;
    for (std::size_t k = 0; k < n; ++k) {
      const double bound = w.log_mass[k];
      if (!(bound > top - 30)) {
        w.log_mass[k] = 0;
        w.prob[k] = 0;
        continue;
      }
      const double alpha = -w.centre[k] / sigma_a, beta = alpha + width;
      double r;
      if (alpha >= 0) {
        r = scaled_tail_difference(alpha, beta);
        w.prob[k] = r * std::exp(-0.5 * alpha * alpha);
      } else if (beta <= 0) {
        r = scaled_tail_difference(-beta, -alpha);
        w.prob[k] = r * std::exp(-0.5 * beta * beta);
      } else {
        r = normal::cdf(beta) - normal::cdf(alpha);
        w.prob[k] = r;
      }
      w.log_mass[k] = std::exp(bound - top) * r;  // now the (relative) mass
    }
    w.sigma_a = sigma_a;
    return w;
  }


 public:
  std::vector<double> start(std::size_t nwalkers, Rng& rng) const {
    const LocusModel& m = *model_;
    const std::size_t n = m.size();
    NodeMasses& w = compute_masses();
    const double sigma_a = w.sigma_a;
    // The CDF runs t-major (all tracks at one t, then the next t): t is the evolutionary
    // position, so the giant branch and the main sequence occupy separate stretches of the
    // CDF and systematic resampling gives each its share of walkers.
    std::vector<double>& cdf = w.cdf;
    cdf.resize(n);
    const std::size_t nf = m.n_feh();
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) cdf[i] = (total += w.log_mass[m.index(i / nf, i % nf)]);

    const auto& ts = m.t_values();
    const auto& fs = m.feh_values();
    auto half_cell = [](const std::vector<double>& axis, std::size_t i) {
      if (axis.size() == 1) return 0.0;
      const double lo = i > 0 ? axis[i] - axis[i - 1] : axis[1] - axis[0];
      const double hi = i + 1 < axis.size() ? axis[i + 1] - axis[i] : lo;
      return 0.5 * std::min(lo, hi);
    };
    std::vector<double> out(nwalkers * dim);
    // Systematic resampling: walker j takes the node where the CDF crosses (u + j)/K.
    const double u0 = rng.uniform();
    std::size_t i = 0;
    for (std::size_t j = 0; j < nwalkers; ++j) {
      const double target_mass = (u0 + static_cast<double>(j)) / static_cast<double>(nwalkers) * total;
      while (i + 1 < n && cdf[i] <= target_mass) ++i;
      const std::size_t k = m.index(i / nf, i % nf);
      const std::size_t it = m.t_index(k), jf = m.feh_index(k);
      const double ht = half_cell(ts, it), hf = half_cell(fs, jf);
      double* x = out.data() + j * dim;
      bool ok = false;
      for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
        x[0] = std::clamp(ts[it] + ht * (2 * rng.uniform() - 1), ts.front(), ts.back());
        x[1] = std::clamp(fs[jf] + hf * (2 * rng.uniform() - 1), fs.front(), fs.back());
        // Ar from the node's truncated normal by rejection; far-out centres fall back to a
        // point near the nearer bound.
        x[2] = w.centre[k] + sigma_a * rng.normal();
        if (!(x[2] >= 0 && x[2] <= ar_max_))
          x[2] = std::clamp(w.centre[k], 0.0, ar_max_) +
                 (w.centre[k] < 0 ? 1 : -1) * std::min(sigma_a, 0.5 * ar_max_) * rng.uniform();
        ok = std::isfinite((*this)(std::span<const double>(x, dim)));
      }
      if (!ok) {
        x[0] = ts[it];
        x[1] = fs[jf];
        x[2] = std::clamp(w.centre[k], 0.0, ar_max_);
      }
    }
    return out;
  }

 private:
  static std::size_t prior_bin(const PriorMaps& priors, const Star& star) {
    const int bin = PriorMaps::bin_index(star.r);
    if (bin >= 0) return static_cast<std::size_t>(bin);
    if (priors.depends_on_r()) throw InputError("PhotodTarget: the r magnitude is NaN and the prior depends on r");
    return 0;
  }
  // The four nodes around (t, f) and their bilinear weights.
  struct Cell {
    std::size_t n00, n10, n01, n11;
    double w00, w10, w01, w11;
    double mix(const double* v) const { return w00 * v[n00] + w10 * v[n10] + w01 * v[n01] + w11 * v[n11]; }
  };
  // Cell index i with axis[i] <= x <= axis[i+1] (LocusModel::interpolate's convention: the
  // last cell for x == axis.back()), found from a uniform-spacing guess and corrected.
  static std::pair<std::size_t, double> locate(const std::vector<double>& axis, double x, double inv_step) {
    const std::size_t n = axis.size();
    if (n == 1) return {0, 0.0};
    double g = (x - axis[0]) * inv_step;
    std::size_t i = g <= 0 ? 0 : std::min(static_cast<std::size_t>(g), n - 2);
    for (int s = 0; s < 4 && i > 0 && axis[i] > x; ++s) --i;
    for (int s = 0; s < 4 && i + 2 < n && axis[i + 1] <= x; ++s) ++i;
    if (axis[i] > x || (axis[i + 1] <= x && i + 2 < n)) {  // far from uniform: bisect
      i = static_cast<std::size_t>(std::upper_bound(axis.begin(), axis.end(), x) - axis.begin());
      i = std::min<std::size_t>(i == 0 ? 0 : i - 1, n - 2);
    }
    return {i, (x - axis[i]) / (axis[i + 1] - axis[i])};
  }
  bool cell(double t, double f, Cell& c) const {
    if (!model_->contains(t, f)) return false;
    const auto [i, ft] = locate(model_->t_values(), t, inv_dt_);
    const auto [j, ff] = locate(model_->feh_values(), f, inv_df_);
    const std::size_t nt = model_->n_t();
    const std::size_t i1 = model_->n_t() > 1 ? i + 1 : i, j1 = model_->n_feh() > 1 ? j + 1 : j;
    c.n00 = j * nt + i, c.n10 = j * nt + i1, c.n01 = j1 * nt + i, c.n11 = j1 * nt + i1;
    c.w00 = (1 - ft) * (1 - ff), c.w10 = ft * (1 - ff), c.w01 = (1 - ft) * ff, c.w11 = ft * ff;
    return true;
  }
  void init(const Extinction& ext, const Star& star) {
    for (std::size_t c = 0; c < n_colours; ++c) {
      if (!std::isfinite(star.colour[c]) || !std::isfinite(star.error[c]) || !(star.error[c] > 0))
        throw InputError("PhotodTarget: colour " + std::string(colour_names[c]) +
                         " or its error is missing, not finite or not positive");
      obs_[c] = star.colour[c];
      ivar_[c] = 1.0 / (star.error[c] * star.error[c]);
      k_[c] = ext.colour_coefficient(c);
    }
    if (!(ar_max_ > 0) || !std::isfinite(ar_max_))
      throw InputError("PhotodTarget: the Ar prior upper bound " + std::to_string(ar_max_) + " is not positive");
    // Σ k²/σ², the curvature of χ² in Ar (the same for every node).
    for (std::size_t c = 0; c < n_colours; ++c) kk_ += k_[c] * k_[c] * ivar_[c];
    const auto& ts = model_->t_values();
    const auto& fs = model_->feh_values();
    inv_dt_ = ts.size() > 1 ? static_cast<double>(ts.size() - 1) / (ts.back() - ts.front()) : 0.0;
    inv_df_ = fs.size() > 1 ? static_cast<double>(fs.size() - 1) / (fs.back() - fs.front()) : 0.0;
  }
  // exp(a²/2) (Φ̄(a) − Φ̄(b)) for 0 ≤ a ≤ b: the probability of [a, b] rescaled by the
  // density ratio at a, so it stays O(1/a) instead of underflowing.
  static double scaled_tail_difference(double a, double b) {
    return normal::scaled_upper_tail(a) - std::exp(-0.5 * (b * b - a * a)) * normal::scaled_upper_tail(b);
  }

  const LocusModel* model_;
  const PriorMap* prior_ = nullptr;
  const double* log_node_prior_ = nullptr;
  double ar_max_;
  std::array<double, n_colours> obs_{}, ivar_{}, k_{};
  double kk_ = 0, inv_dt_ = 0, inv_df_ = 0;
  // Scratch for node_masses()/start(), reused between calls; a target is used by one
  // thread at a time.
  mutable NodeMasses scratch_;
};

}  // namespace locus::bayes
