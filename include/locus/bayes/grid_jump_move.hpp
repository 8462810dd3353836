#pragma once
// GridJumpMove: a mode-jumping independence proposal for the photo-D posterior, drawn from the
// star's grid posterior (see the specification below).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/photod_target.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/normal.hpp"
#include "locus/core/rng.hpp"

namespace locus::bayes {

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
      const double pa = normal::cdf(-centre_[k] / sigma_a_), pb = normal::cdf((ar_max_ - centre_[k]) / sigma_a_);
      const double p = std::clamp(pa + (pb - pa) * rng.uniform(), 1e-300, 1 - 1e-16);
      y[2] = std::clamp(centre_[k] + sigma_a_ * normal::quantile(p), 0.0, ar_max_);
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
      la = -0.5 * z * z - std::log(sigma_a_ * normal::sqrt_2pi * prob_[k]);
    } else {
      la = -std::log(ar_max_);
    }
    return log_w_[k] - std::log(t_hi_[it] - t_lo_[it]) - std::log(f_hi_[jf] - f_lo_[jf]) + la;
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

}  // namespace locus::bayes
