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

#include "../core/errors.hpp"
#include "../core/parallel_for.hpp"
#include "../core/rng.hpp"
#include "chain.hpp"
#include "ensemble_sampler.hpp"
#include "extinction.hpp"
#include "locus_model.hpp"
#include "prior.hpp"

namespace locus::bayes {

/* PhotodStar: one star's data for the target — the four colours (u−g, g−r, r−i, i−z), their
   errors, the r magnitude (chooses the prior bin) and the SFD extinction (sets Ar_max). */
struct PhotodStar {
  std::array<double, n_colours> colour{};
  std::array<double, n_colours> error{};
  double r = std::numeric_limits<double>::quiet_NaN();
  double ar_sfd = 0.0;
};

/* ArPriorBound: Ar is flat on [0, scale·Ar_SFD + offset] (photo-D: 1.3·Ar_SFD + 0.1). */
struct ArPriorBound {
  double scale = 1.3;
  double offset = 0.1;
  double max_for(double ar_sfd) const { return scale * ar_sfd + offset; }
};

/* PhotodModel
   What every star's target shares: the locus model, the prior maps, the extinction law and,
   tabulated once, log prior(Mr_n, [Fe/H]_n) for every node n and r bin (27 × nodes; −∞
   where the prior is 0). The model and the priors are held by reference and must outlive
   the PhotodModel and its targets. */
class PhotodModel {
 public:
  PhotodModel(const LocusModel& model, const PriorMaps& priors, Extinction ext = {})
      : model_(&model), priors_(&priors), ext_(std::move(ext)) {
    const auto p = priors.on_nodes(model);
    log_prior_.resize(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      log_prior_[i] = p[i] > 0 ? std::log(p[i]) : -std::numeric_limits<double>::infinity();
  }
  const LocusModel& locus() const { return *model_; }
  const PriorMaps& priors() const { return *priors_; }
  const Extinction& extinction() const { return ext_; }
  // log prior on the nodes of r bin `bin`, model.size() values.
  const double* log_node_prior(std::size_t bin) const { return log_prior_.data() + bin * model_->size(); }

 private:
  const LocusModel* model_;
  const PriorMaps* priors_;
  Extinction ext_;
  std::vector<double> log_prior_;
};

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
   - Throws InputError when a colour or error is not finite, an error is ≤ 0, r is NaN or
     ar_max is not positive; start() throws InputError when no node has a positive prior. */
class PhotodTarget {
 public:
  PhotodTarget(const LocusModel& model, const PriorMap& prior, const Extinction& ext, const PhotodStar& star,
               ArPriorBound ar = {})
      : model_(&model), prior_(&prior), ar_max_(ar.max_for(star.ar_sfd)) {
    init(ext, star);
  }
  PhotodTarget(const PhotodModel& pm, const PhotodStar& star, ArPriorBound ar = {})
      : model_(&pm.locus()), ar_max_(ar.max_for(star.ar_sfd)) {
    const int bin = PriorMaps::bin_index(star.r);
    if (bin < 0) throw InputError("PhotodTarget: r magnitude is NaN");
    prior_ = &pm.priors().map(static_cast<std::size_t>(bin));
    log_node_prior_ = pm.log_node_prior(static_cast<std::size_t>(bin));
    init(pm.extinction(), star);
  }

  // The target for a star, with the prior map of its r bin (photo-D's bin rule).
  static PhotodTarget for_star(const LocusModel& model, const PriorMaps& priors, const Extinction& ext,
                               const PhotodStar& star, ArPriorBound ar = {}) {
    const int bin = PriorMaps::bin_index(star.r);
    if (bin < 0) throw InputError("PhotodTarget: r magnitude is NaN");
    return PhotodTarget(model, priors.map(static_cast<std::size_t>(bin)), ext, star, ar);
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
    const std::vector<double>& mass() const { return log_mass; }  // pass 2 stores linear masses
  };

  const NodeMasses& node_masses() const { return compute_masses(); }

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
    double top = minus_inf;
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
      const double bound = lp[k] - 0.5 * (chi2_0 + kk_ * (a - centre) * (a - centre));
      w.centre[k] = centre;
      w.chi2_0[k] = chi2_0;
      w.log_mass[k] = bound;
      top = std::max(top, bound);
    }
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
        r = 0.5 * (std::erfc(-beta / std::numbers::sqrt2) - std::erfc(-alpha / std::numbers::sqrt2));
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
  void init(const Extinction& ext, const PhotodStar& star) {
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
  // exp(x²/2) Φ̄(x), Φ̄ the standard normal upper tail; past x = 25 the asymptotic Mills
  // ratio (1 − 1/x² + 3/x⁴)/(x√(2π)), relative error < 1e-7 there.
  static double scaled_tail(double x) {
    if (x < 25) return 0.5 * std::exp(0.5 * x * x) * std::erfc(x / std::numbers::sqrt2);
    const double x2 = x * x;
    return (1 - 1 / x2 + 3 / (x2 * x2)) / (x * std::sqrt(2 * std::numbers::pi));
  }
  // exp(a²/2) (Φ̄(a) − Φ̄(b)) for 0 ≤ a ≤ b: the probability of [a, b] rescaled by the
  // density ratio at a, so it stays O(1/a) instead of underflowing.
  static double scaled_tail_difference(double a, double b) {
    return scaled_tail(a) - std::exp(-0.5 * (b * b - a * a)) * scaled_tail(b);
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

/* GridJumpMove
   A mode-jumping move for the ensemble sampler: an independence proposal drawn from the
   star's grid posterior (PhotodTarget::node_masses()), accepted with the Hastings ratio
   π(y) q(x) / (π(x) q(y)), so the chain stays exact whatever the proposal. The stretch move
   cannot carry walkers between well-separated modes; mixed in with MixtureMove, this move
   lets the mode fractions converge to those of the continuous target rather than keeping
   those of the start.
   The proposal q: node n with probability ∝ mass[n]; (t, [Fe/H]) uniform in the node's
   Voronoi box (midpoints to the neighbouring grid values, clipped to the model's range);
   Ar from N(centre[n], σ_a²) truncated to [0, Ar_max] when that interval holds at least 1 %
   of the normal's mass, else uniform on [0, Ar_max]. log_density(x) is exact, −∞ where q is 0.
   Built from a target (copies what it needs; the target's model must outlive the move). */
class GridJumpMove {
 public:
  GridJumpMove() = default;
  explicit GridJumpMove(const PhotodTarget& target) : model_(&target.model()), ar_max_(target.ar_max()) {
    const LocusModel& m = target.model();
    if (m.n_t() < 2 || m.n_feh() < 2) throw ConfigError("GridJumpMove: the model needs at least 2 t and 2 [Fe/H] values");
    const auto& nm = target.node_masses();
    const std::size_t n = m.size();
    sigma_a_ = nm.sigma_a;
    centre_ = nm.centre;
    prob_ = nm.prob;
    log_w_.resize(n);
    cdf_.resize(n);
    double total = 0;
    for (std::size_t k = 0; k < n; ++k) total += nm.mass()[k];
    double run = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double w = nm.mass()[k] / total;
      log_w_[k] = w > 0 ? std::log(w) : -std::numeric_limits<double>::infinity();
      cdf_[k] = (run += w);
    }
    cdf_.back() = 1.0;
    boxes(m.t_values(), t_lo_, t_hi_);
    boxes(m.feh_values(), f_lo_, f_hi_);
    log_volume_ = std::log((m.t_values().back() - m.t_values().front()) *
                           (m.feh_values().back() - m.feh_values().front()) * ar_max_);
  }

  template <class Complement>
  double propose(std::span<const double> x, const Complement&, std::span<double> y, Rng& rng) const {
    draw(y, rng);
    return log_density(x) - log_density(y);
  }

  void draw(std::span<double> y, Rng& rng) const {
    if (rng.uniform() < uniform_share) {  // the defensive component: uniform on the box
      y[0] = t_lo_.front() + (t_hi_.back() - t_lo_.front()) * rng.uniform();
      y[1] = f_lo_.front() + (f_hi_.back() - f_lo_.front()) * rng.uniform();
      y[2] = ar_max_ * rng.uniform();
      return;
    }
    const double u = rng.uniform();
    std::size_t k = static_cast<std::size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    k = std::min(k, cdf_.size() - 1);
    while (log_w_[k] == -std::numeric_limits<double>::infinity() && k > 0) --k;  // rounding at a zero-mass run
    const std::size_t it = model_->t_index(k), jf = model_->feh_index(k);
    y[0] = t_lo_[it] + (t_hi_[it] - t_lo_[it]) * rng.uniform();
    y[1] = f_lo_[jf] + (f_hi_[jf] - f_lo_[jf]) * rng.uniform();
    if (prob_[k] >= 0.01) {
      // Inverse CDF of the truncated normal.
      const double pa = phi_cdf(-centre_[k] / sigma_a_), pb = phi_cdf((ar_max_ - centre_[k]) / sigma_a_);
      const double p = std::clamp(pa + (pb - pa) * rng.uniform(), 1e-300, 1 - 1e-16);
      y[2] = std::clamp(centre_[k] + sigma_a_ * phi_inv(p), 0.0, ar_max_);
    } else {
      y[2] = ar_max_ * rng.uniform();
    }
  }

  double log_density(std::span<const double> x) const {
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    const double a = x[2];
    if (!(a >= 0 && a <= ar_max_) || !model_->contains(x[0], x[1])) return minus_inf;
    const double lg = log_grid_density(x);
    const double lu = std::log(uniform_share) - log_volume_;
    const double hi = std::max(lg, lu);
    return hi + std::log((1 - uniform_share) * std::exp(lg - hi) + std::exp(lu - hi));
  }

  // Share of proposals drawn uniformly on the whole (t, [Fe/H], Ar) box, so that q > 0
  // wherever the target is (the grid component is 0 in boxes of zero-mass nodes, which a
  // narrow high-S/N posterior ridge can cross between nodes).
  static constexpr double uniform_share = 0.05;

 private:
  double log_grid_density(std::span<const double> x) const {
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    const double a = x[2];
    const std::size_t it = box_of(t_lo_, x[0]);
    const std::size_t jf = box_of(f_lo_, x[1]);
    const std::size_t k = model_->index(it, jf);
    if (log_w_[k] == minus_inf) return minus_inf;
    double la;
    if (prob_[k] >= 0.01) {
      const double z = (a - centre_[k]) / sigma_a_;
      la = -0.5 * z * z - std::log(sigma_a_ * std::sqrt(2 * std::numbers::pi) * prob_[k]);
    } else {
      la = -std::log(ar_max_);
    }
    return log_w_[k] - std::log(t_hi_[it] - t_lo_[it]) - std::log(f_hi_[jf] - f_lo_[jf]) + la;
  }

  static double phi_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
  // Standard normal quantile: Acklam's rational approximation refined by one Halley step
  // (relative error ~1e-15).
  static double phi_inv(double p) {
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
      const double q = std::sqrt(-2 * std::log(p));
      x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
          ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
      const double q = std::sqrt(-2 * std::log1p(-p));
      x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
          ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
      const double q = p - 0.5, r = q * q;
      x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
          (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    const double e = phi_cdf(x) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(0.5 * x * x);
    return x - u / (1 + 0.5 * x * u);
  }
  // Voronoi boxes of a sorted axis: [midpoint to the previous value, midpoint to the next],
  // the ends clipped to the axis range. They tile [front, back].
  static void boxes(const std::vector<double>& v, std::vector<double>& lo, std::vector<double>& hi) {
    const std::size_t n = v.size();
    lo.resize(n);
    hi.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      lo[i] = i == 0 ? v[0] : 0.5 * (v[i - 1] + v[i]);
      hi[i] = i + 1 == n ? v[n - 1] : 0.5 * (v[i] + v[i + 1]);
    }
  }
  // The box holding x (lo ≤ x < hi; the last box also holds its upper end).
  static std::size_t box_of(const std::vector<double>& lo, double x) {
    const auto i = static_cast<std::size_t>(std::upper_bound(lo.begin(), lo.end(), x) - lo.begin());
    return i == 0 ? 0 : i - 1;
  }

  const LocusModel* model_ = nullptr;
  double ar_max_ = 0, sigma_a_ = 1, log_volume_ = 0;
  std::vector<double> centre_, prob_, log_w_, cdf_, t_lo_, t_hi_, f_lo_, f_hi_;
};

/* McmcSummary: posterior summaries of (Mr, [Fe/H], Ar) from a chain of (t, [Fe/H], Ar):
   mean, σ (population form) and the 14/50/86 % quantiles (linear interpolation between order
   statistics), plus the sampler's mean acceptance fraction. Index 0 = Mr, 1 = [Fe/H], 2 = Ar. */
struct McmcSummary {
  std::array<double, 3> mean{}, sigma{}, q14{}, q50{}, q86{};
  double acceptance = 0;
};

// Summaries of a photo-D chain, dropping `discard` leading steps.
inline McmcSummary summarize(const PhotodTarget& target, const Chain& chain, std::size_t discard = 0) {
  if (discard >= chain.steps()) throw InputError("summarize: discard leaves no samples");
  const std::size_t n = (chain.steps() - discard) * chain.walkers();
  McmcSummary s;
  std::array<std::vector<double>, 3> v;
  for (auto& e : v) e.reserve(n);
  for (std::size_t t = discard; t < chain.steps(); ++t)
    for (std::size_t w = 0; w < chain.walkers(); ++w) {
      const double* x = chain.at(t, w);
      v[0].push_back(target.mr(x[0], x[1]));
      v[1].push_back(x[1]);
      v[2].push_back(x[2]);
    }
  // Quantiles by selection (O(n), no full sort): the order statistic at floor(p(n−1)) and
  // the smallest value above it, interpolated linearly (numpy's default method).
  auto q = [&](std::vector<double>& x, double p) {
    const double pos = p * static_cast<double>(n - 1);
    const auto lo = static_cast<std::size_t>(pos);
    std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(lo), x.end());
    const double a = x[lo];
    if (lo + 1 >= n) return a;
    const double b = *std::min_element(x.begin() + static_cast<std::ptrdiff_t>(lo) + 1, x.end());
    return a + (pos - static_cast<double>(lo)) * (b - a);
  };
  for (std::size_t d = 0; d < 3; ++d) {
    double m = 0;
    for (double x : v[d]) m += x;
    m /= static_cast<double>(n);
    double ss = 0;
    for (double x : v[d]) ss += (x - m) * (x - m);
    s.mean[d] = m;
    s.sigma[d] = std::sqrt(ss / static_cast<double>(n));
    s.q50[d] = q(v[d], 0.50);
    s.q14[d] = q(v[d], 0.14);
    s.q86[d] = q(v[d], 0.86);
  }
  return s;
}

/* McmcSettings: ensemble MCMC per star — walkers, steps, burn-in steps dropped from the
   summaries, and the stretch-move scale. photo-D's setting is 4 walkers × 500 steps.
   jump_probability > 0 mixes in GridJumpMove proposals with that probability (0 = the
   stretch move alone, as emcee and photo-D). */
struct McmcSettings {
  std::size_t walkers = 4;
  std::size_t steps = 500;
  std::size_t burn_in = 100;
  StretchMove move{};
  ArPriorBound ar{};
  double jump_probability = 0.0;
};

/* McmcResult: a star's summary and its status: 0 = ok, 1 = bad input (NaN/missing colour,
   non-positive error, NaN r), 2 = prior zero on every node. Bad stars get NaN summaries. */
struct McmcResult {
  McmcSummary summary;
  int status = 0;
};

// One star: target, start, ensemble run, summary. `rng` drives everything.
inline McmcResult mcmc_posterior(const PhotodModel& pm, const PhotodStar& star, const McmcSettings& set, Rng& rng) {
  McmcResult res;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto fail = [&](int status) {
    res.status = status;
    res.summary.mean.fill(nan), res.summary.sigma.fill(nan), res.summary.q14.fill(nan);
    res.summary.q50.fill(nan), res.summary.q86.fill(nan);
    res.summary.acceptance = nan;
    return res;
  };
  bool valid = !std::isnan(star.r) && std::isfinite(star.ar_sfd);
  for (std::size_t c = 0; c < n_colours; ++c)
    valid = valid && std::isfinite(star.colour[c]) && std::isfinite(star.error[c]) && star.error[c] > 0;
  if (!valid || !(set.ar.max_for(star.ar_sfd) > 0)) return fail(1);
  const PhotodTarget target(pm, star, set.ar);
  std::vector<double> start;
  try {
    start = target.start(set.walkers, rng);
  } catch (const InputError&) {
    return fail(2);
  }
  auto finish = [&](auto& sampler) {
    sampler.run(target, start, set.steps, rng);
    res.summary = summarize(target, sampler.chain(), std::min(set.burn_in, set.steps - 1));
    res.summary.acceptance = sampler.mean_acceptance_fraction();
    return res;
  };
  if (set.jump_probability > 0) {
    using Move = MixtureMove<StretchMove, GridJumpMove>;
    EnsembleSampler<Move> sampler(set.walkers, PhotodTarget::dim, Move{set.move, GridJumpMove(target), set.jump_probability});
    return finish(sampler);
  }
  EnsembleSampler<StretchMove> sampler(set.walkers, PhotodTarget::dim, set.move);
  return finish(sampler);
}

// A catalogue: star i uses rng.split(i), so results do not depend on the thread count.
inline std::vector<McmcResult> mcmc_posterior(const PhotodModel& pm, std::span<const PhotodStar> stars,
                                              const McmcSettings& set, const Rng& rng, std::size_t threads = 0) {
  std::vector<McmcResult> out(stars.size());
  parallel_for(
      stars.size(), 8,
      [&](std::size_t i) {
        Rng r = rng.split(i);
        out[i] = mcmc_posterior(pm, stars[i], set, r);
      },
      threads);
  return out;
}

}  // namespace locus::bayes
