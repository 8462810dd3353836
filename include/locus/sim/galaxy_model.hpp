#pragma once
// GalaxyModel: the Milky Way stellar number density of Jurić et al. (2008, ApJ 673, 864):
// exponential thin and thick disks and an oblate power-law halo, each multiplied by the same
// luminosity function Φ(Mr) (galfast's convention: n_c(x, Mr) = f_c · Φ(Mr) · shape_c(x)).
//
//   thin disk  shape = exp(−(R − R⊙)/L1 − |Z|/H1)
//   thick disk shape = exp(−(R − R⊙)/L2 − |Z|/H2)                 (weight f2 = f_thick)
//   halo       shape = (R⊙ / sqrt(R² + (Z/q)²))^n_H, 0 beyond r_max (weight f_H)
//
// R is the galactocentric cylindrical radius and Z the height above the Galactic plane; the
// Sun sits at R⊙ = 8000 pc, Z⊙ = 25 pc, so Z = Z⊙ + d·sin b. The normalisation is the thin
// disk at (R⊙, Z = 0), as in Jurić et al. Eq. (22)–(24).
//
// Two parameter sets from Jurić et al. Table 10: the "biased" scales (fitted assuming no
// unresolved binaries; galfast's defaults and this class's default) and the bias-corrected ones.
//
// LineOfSight tabulates the counts along one direction for a patch of given solid angle and
// samples (component, Mr, distance) exactly from them (the patch is treated as one line of
// sight, as TRILEGAL does for a small field).
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/random/poisson_distribution.hpp>

#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>
#include <locus/sim/luminosity_function.hpp>
#include <locus/sim/tabulated_density.hpp>

namespace locus::sim {

enum class Component : int { thin_disk = 0, thick_disk = 1, halo = 2 };
inline constexpr std::array<Component, 3> all_components{Component::thin_disk, Component::thick_disk,
                                                         Component::halo};
inline const char* to_string(Component c) {
  switch (c) {
    case Component::thin_disk: return "thin_disk";
    case Component::thick_disk: return "thick_disk";
    default: return "halo";
  }
}

inline constexpr double deg2rad = 0.017453292519943295;
// Solid angle of `area_deg2` square degrees, in steradians.
inline double solid_angle(double area_deg2) { return area_deg2 * deg2rad * deg2rad; }

// Parameters of the Jurić et al. (2008) model (lengths in pc).
struct GalaxyParams {
  double r_sun = 8000, z_sun = 25;
  double thin_l = 2150, thin_h = 245;                    // L1, H1
  double thick_l = 3261, thick_h = 743, thick_f = 0.13;  // L2, H2, f (thick/thin at the Sun)
  double halo_n = 2.77, halo_q = 0.64, halo_f = 0.0051;  // n_H, q_H = c/a, f_H
  double halo_rmax = 1e5;                                // galfast's galactocentric cutoff

  // Table 10, "biased" (no binaries): galfast's model.*.conf.
  static GalaxyParams juric2008_biased() { return {}; }
  // Table 10, corrected for unresolved binaries: H1 300, L1 2600, H2 900, L2 3600, f 0.12.
  static GalaxyParams juric2008_corrected() {
    GalaxyParams p;
    p.thin_h = 300;
    p.thin_l = 2600;
    p.thick_h = 900;
    p.thick_l = 3600;
    p.thick_f = 0.12;
    return p;
  }
  void validate() const {
    const double v[] = {r_sun, thin_l, thin_h, thick_l, thick_h, halo_q, halo_rmax};
    for (double x : v)
      if (!(x > 0) || !std::isfinite(x)) throw ConfigError("GalaxyParams: scale lengths, q and r_max must be positive");
    if (!(thick_f >= 0) || !(halo_f >= 0) || !std::isfinite(z_sun) || !std::isfinite(halo_n))
      throw ConfigError("GalaxyParams: component weights must be non-negative and all values finite");
  }
};

// Galactocentric position of a point seen from the Sun: x toward the Galactic centre from the
// Galactic centre's frame (x = R⊙ − d cos b cos l), cylindrical radius R, height z above the plane.
struct GalacticPosition {
  double x = 0, y = 0, z = 0, R = 0;
};

class LineOfSight;

// Specification:
// - shape(c, R, Z): dimensionless density of component c (thin disk = 1 at R⊙, Z = 0),
//   including the weights f_thick and f_H.
// - number_density(c, l, b, d, Mr) = Φ(Mr) · shape  [stars / pc³ / mag].
// - counts(c, l, b, area, d, Mr) = Ω d² · number_density  [stars / pc / mag]: the expected
//   number per unit distance and magnitude in a patch of `area` deg² (Ω in sr).
// - expected_count(...) integrates counts over a (distance, Mr) box, optionally with the
//   extinction-free apparent-magnitude limit Mr + 5 log10(d/10 pc) < m_lim, by Simpson
//   quadrature in distance modulus (independent of LineOfSight's tables, so tests can compare).
// - line_of_sight(...) builds the sampler for a patch.
class GalaxyModel {
 public:
  explicit GalaxyModel(GalaxyParams p = GalaxyParams::juric2008_biased(), LuminosityFunction lf = {})
      : p_(p), lf_(std::move(lf)) {
    p_.validate();
  }

  const GalaxyParams& params() const { return p_; }
  const LuminosityFunction& luminosity_function() const { return lf_; }

  GalacticPosition position(double l_deg, double b_deg, double d) const {
    const double l = l_deg * deg2rad, b = b_deg * deg2rad;
    GalacticPosition g;
    g.x = p_.r_sun - d * std::cos(b) * std::cos(l);
    g.y = -d * std::cos(b) * std::sin(l);
    g.z = p_.z_sun + d * std::sin(b);
    g.R = std::hypot(g.x, g.y);
    return g;
  }

  double shape(Component c, double R, double Z) const {
    switch (c) {
      case Component::thin_disk: return std::exp(-(R - p_.r_sun) / p_.thin_l - std::abs(Z) / p_.thin_h);
      case Component::thick_disk:
        return p_.thick_f * std::exp(-(R - p_.r_sun) / p_.thick_l - std::abs(Z) / p_.thick_h);
      default: {
        if (std::hypot(R, Z) > p_.halo_rmax) return 0.0;
        // r_q is floored at 1 pc: the power law is singular at the Galactic centre.
        const double rq = std::max(1.0, std::hypot(R, Z / p_.halo_q));
        return p_.halo_f * std::pow(p_.r_sun / rq, p_.halo_n);
      }
    }
  }
  double shape_along(Component c, double l_deg, double b_deg, double d) const {
    const auto g = position(l_deg, b_deg, d);
    return shape(c, g.R, g.z);
  }
  double number_density(Component c, double l_deg, double b_deg, double d, double mr) const {
    return lf_(mr) * shape_along(c, l_deg, b_deg, d);
  }
  double counts(Component c, double l_deg, double b_deg, double area_deg2, double d, double mr) const {
    return solid_angle(area_deg2) * d * d * number_density(c, l_deg, b_deg, d, mr);
  }

  // Expected number of stars of component c with d in [d_lo, d_hi], Mr in [mr_lo, mr_hi] and
  // Mr + 5 log10(d / 10 pc) < m_lim.
  double expected_count(Component c, double l_deg, double b_deg, double area_deg2, double d_lo, double d_hi,
                        double mr_lo, double mr_hi,
                        double m_lim = std::numeric_limits<double>::infinity()) const {
    mr_lo = std::max(mr_lo, lf_.mr_min());
    mr_hi = std::min(mr_hi, lf_.mr_max());
    if (!(d_hi > d_lo) || !(mr_hi > mr_lo) || !(d_lo > 0)) return 0.0;
    const double mu_lo = 5 * std::log10(d_lo / 10), mu_hi = 5 * std::log10(std::min(d_hi, 1e12) / 10);
    // Integrating over Mr first, exactly (the LF is piecewise linear), leaves one integral over
    // the distance modulus μ (dd = d ln10/5 dμ):
    //   N = Ω ∫ d³ (ln10/5) shape(d) ∫_{mr_lo}^{min(mr_hi, m_lim − μ)} Φ dMr dμ,
    // done with composite Simpson in ≤ 0.002 mag steps. LineOfSight integrates in the other
    // order (μ first, on its own grid), so agreement between the two checks both.
    std::size_t n = static_cast<std::size_t>(std::ceil((mu_hi - mu_lo) / 0.002));
    n += n % 2;
    n = std::max<std::size_t>(n, 2);
    const double h = (mu_hi - mu_lo) / static_cast<double>(n);
    double s = 0;
    for (std::size_t k = 0; k <= n; ++k) {
      const double mu = mu_lo + h * static_cast<double>(k), d = 10 * std::pow(10.0, mu / 5);
      const double top = std::min(mr_hi, m_lim - mu);
      if (!(top > mr_lo)) continue;
      const double f = d * d * d * 0.46051701859880914 * shape_along(c, l_deg, b_deg, d) * lf_.integral(mr_lo, top);
      s += f * ((k == 0 || k == n) ? 1 : (k % 2 ? 4 : 2));
    }
    return solid_angle(area_deg2) * s * h / 3;
  }

  // Sampler for a patch of `area_deg2` around (l, b): Mr in [mr_lo, mr_hi], distances from
  // d_min, and the extinction-free limit Mr + μ < m_lim.
  LineOfSight line_of_sight(double l_deg, double b_deg, double area_deg2, double mr_lo, double mr_hi, double m_lim,
                            double d_min = 1.0) const;

 private:
  GalaxyParams p_;
  LuminosityFunction lf_;
};

// One star drawn from the model.
struct ModelStar {
  Component component = Component::thin_disk;
  double mr = 0, distance = 0;
};

// LineOfSight: per component, the counts per unit distance modulus g_c(μ) = Ω (ln10/5) d³
// shape_c(d) tabulated on a 0.005 mag grid, and the Mr marginal h_c(Mr) = Φ(Mr) G_c(m_lim − Mr)
// (G_c the cumulative of g_c) on the LF's own nodes. A star is drawn as Mr ~ h_c, then μ ~ g_c
// restricted to μ < m_lim − Mr: exactly the joint density Φ(Mr) g_c(μ) on Mr + μ < m_lim.
//
// Specification:
// - expected(c): the expected number of stars of c in the patch (∫ h_c).
// - draw(c, rng): one star of component c.
// - sample(rng): N_c ~ Poisson(expected(c)) stars of each component, thin, thick, halo in order.
class LineOfSight {
 public:
  LineOfSight(const GalaxyModel& model, double l_deg, double b_deg, double area_deg2, double mr_lo, double mr_hi,
              double m_lim, double d_min = 1.0)
      : l_(l_deg), b_(b_deg), area_(area_deg2), m_lim_(m_lim) {
    if (!(area_deg2 > 0) || !std::isfinite(area_deg2)) throw ConfigError("LineOfSight: area must be positive");
    if (!(b_deg >= -90 && b_deg <= 90) || !std::isfinite(l_deg)) throw ConfigError("LineOfSight: bad (l, b)");
    if (!(d_min > 0)) throw ConfigError("LineOfSight: d_min must be positive");
    const auto& lf = model.luminosity_function();
    mr_lo_ = std::max(mr_lo, lf.mr_min());
    mr_hi_ = std::min(mr_hi, lf.mr_max());
    if (!(mr_hi_ > mr_lo_)) throw ConfigError("LineOfSight: empty Mr range");
    if (!std::isfinite(m_lim)) throw ConfigError("LineOfSight: the magnitude limit must be finite");
    mu_min_ = 5 * std::log10(d_min / 10);
    // Stars fainter than m_lim even at d_min cannot be seen: dropping that Mr range keeps every
    // sampled Mr's distance range non-empty.
    mr_hi_ = std::min(mr_hi_, m_lim - mu_min_);
    if (!(mr_hi_ > mr_lo_)) throw ConfigError("LineOfSight: no star is brighter than the magnitude limit");
    const double mu_max = m_lim - mr_lo_;
    if (!(mu_max > mu_min_)) throw ConfigError("LineOfSight: no distance satisfies the magnitude limit");
    const double omega = solid_angle(area_deg2);
    const std::size_t n = static_cast<std::size_t>(std::ceil((mu_max - mu_min_) / 0.005)) + 1;
    std::vector<double> mu(n);
    for (std::size_t k = 0; k < n; ++k) mu[k] = mu_min_ + (mu_max - mu_min_) * static_cast<double>(k) / double(n - 1);
    // Mr nodes: the LF's nodes inside the range, plus the range ends.
    std::vector<double> mr{mr_lo_};
    for (double x : lf.table().x())
      if (x > mr_lo_ && x < mr_hi_) mr.push_back(x);
    mr.push_back(mr_hi_);
    for (Component c : all_components) {
      std::vector<double> g(n);
      for (std::size_t k = 0; k < n; ++k) {
        const double d = 10 * std::pow(10.0, mu[k] / 5);
        g[k] = omega * 0.46051701859880914 * d * d * d * model.shape_along(c, l_deg, b_deg, d);
      }
      auto& comp = comp_[static_cast<int>(c)];
      comp.mu = TabulatedDensity(mu, std::move(g), "LineOfSight");
      std::vector<double> h(mr.size());
      for (std::size_t k = 0; k < mr.size(); ++k) h[k] = lf(mr[k]) * comp.mu.cumulative(m_lim - mr[k]);
      comp.mr = TabulatedDensity(mr, std::move(h), "LineOfSight");
    }
  }

  double l() const { return l_; }
  double b() const { return b_; }
  double area() const { return area_; }
  double m_lim() const { return m_lim_; }
  double expected(Component c) const { return comp_[static_cast<int>(c)].mr.total(); }
  double expected_total() const {
    double s = 0;
    for (auto c : all_components) s += expected(c);
    return s;
  }

  ModelStar draw(Component c, Rng& rng) const {
    const auto& comp = comp_[static_cast<int>(c)];
    ModelStar s;
    s.component = c;
    s.mr = comp.mr.sample(rng);
    const double mu = comp.mu.sample(rng, mu_min_, m_lim_ - s.mr);
    s.distance = 10 * std::pow(10.0, mu / 5);
    return s;
  }

  // Poisson numbers of stars per component (thin, thick, halo).
  std::array<std::uint64_t, 3> draw_counts(Rng& rng) const {
    std::array<std::uint64_t, 3> n{};
    for (auto c : all_components) {
      const double lambda = expected(c);
      n[static_cast<int>(c)] =
          lambda > 0 ? static_cast<std::uint64_t>(boost::random::poisson_distribution<std::int64_t, double>(lambda)(rng.engine()))
                     : 0;
    }
    return n;
  }

  std::vector<ModelStar> sample(Rng& rng) const {
    const auto n = draw_counts(rng);
    std::vector<ModelStar> out;
    out.reserve(n[0] + n[1] + n[2]);
    for (auto c : all_components)
      for (std::uint64_t i = 0; i < n[static_cast<int>(c)]; ++i) out.push_back(draw(c, rng));
    return out;
  }

 private:
  struct Tables {
    TabulatedDensity mu, mr;
  };
  double l_, b_, area_, m_lim_, mr_lo_ = 0, mr_hi_ = 0, mu_min_ = 0;
  std::array<Tables, 3> comp_;
};

inline LineOfSight GalaxyModel::line_of_sight(double l_deg, double b_deg, double area_deg2, double mr_lo,
                                              double mr_hi, double m_lim, double d_min) const {
  return LineOfSight(*this, l_deg, b_deg, area_deg2, mr_lo, mr_hi, m_lim, d_min);
}

}  // namespace locus::sim
