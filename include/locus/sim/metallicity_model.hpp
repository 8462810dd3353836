#pragma once
// MetallicityModel: the [Fe/H] distribution of Ivezić et al. (2008, ApJ 684, 287), as used by
// galfast (feh.conf).
//
//   disk (thin and thick): p(x | Z) = A0 N(x; μ(Z) + Δ0, σ0) + A1 N(x; μ(Z) + Δ1, σ1),
//                          μ(Z) = μ∞ + Δμ exp(−|Z| / H_μ)
//                          with A0 = 0.63, σ0 = 0.2, Δ0 = 0; A1 = 0.37, σ1 = 0.2, Δ1 = 0.14;
//                          μ∞ = −0.82, Δμ = 0.55, H_μ = 500 pc
//   halo:                  p(x) = N(x; −1.46, 0.3)
//
// Z is the height above the Galactic plane in pc.
#include <cmath>

#include <locus/core/errors.hpp>
#include <locus/core/normal.hpp>
#include <locus/core/rng.hpp>
#include <locus/sim/galaxy_model.hpp>

namespace locus::sim {

// Parameters (galfast feh.conf names in comments).
struct MetallicityParams {
  double a0 = 0.63, sigma0 = 0.2, offset0 = 0.0;   // A0, sigma0, offs0
  double a1 = 0.37, sigma1 = 0.2, offset1 = 0.14;  // A1, sigma1, offs1
  double mu_inf = -0.82, delta_mu = 0.55, h_mu = 500;  // muInf, deltaMu, Hmu
  double halo_mean = -1.46, halo_sigma = 0.3;          // offsH, sigmaH
};

// Specification:
// - disk_mean(Z) = μ(Z) above; pdf(c, Z, x) and cdf(c, Z, x) are the normalised mixture
//   (thin and thick disks share the disk model); sample(c, Z, rng) draws from it.
// - Invalid parameters (σ ≤ 0, negative or all-zero weights, H_μ ≤ 0) throw ConfigError.
class MetallicityModel {
 public:
  explicit MetallicityModel(MetallicityParams p = {}) : p_(p) {
    if (!(p_.sigma0 > 0) || !(p_.sigma1 > 0) || !(p_.halo_sigma > 0) || !(p_.h_mu > 0) || p_.a0 < 0 ||
        p_.a1 < 0 || !(p_.a0 + p_.a1 > 0))
      throw ConfigError("MetallicityModel: sigmas and H_mu must be positive, weights non-negative");
  }
  const MetallicityParams& params() const { return p_; }

  double disk_mean(double z) const { return p_.mu_inf + p_.delta_mu * std::exp(-std::abs(z) / p_.h_mu); }

  double pdf(Component c, double z, double x) const {
    if (c == Component::halo) return normal::pdf(x, p_.halo_mean, p_.halo_sigma);
    const double mu = disk_mean(z), w = p_.a0 + p_.a1;
    const double f0 = normal::pdf(x, mu + p_.offset0, p_.sigma0), f1 = normal::pdf(x, mu + p_.offset1, p_.sigma1);
    return (p_.a0 * f0 + p_.a1 * f1) / w;
  }
  double cdf(Component c, double z, double x) const {
    if (c == Component::halo) return normal::cdf((x - p_.halo_mean) / p_.halo_sigma);
    const double mu = disk_mean(z), w = p_.a0 + p_.a1;
    const double f0 = normal::cdf((x - mu - p_.offset0) / p_.sigma0), f1 = normal::cdf((x - mu - p_.offset1) / p_.sigma1);
    return (p_.a0 * f0 + p_.a1 * f1) / w;
  }
  // Two variates per draw (one uniform, one normal) whatever the component, so a stream's
  // position does not depend on the component mix.
  double sample(Component c, double z, Rng& rng) const {
    const double u = rng.uniform(), g = rng.normal();
    if (c == Component::halo) return p_.halo_mean + p_.halo_sigma * g;
    const double mu = disk_mean(z);
    return (u * (p_.a0 + p_.a1) < p_.a0) ? mu + p_.offset0 + p_.sigma0 * g : mu + p_.offset1 + p_.sigma1 * g;
  }

 private:
  MetallicityParams p_;
};

}  // namespace locus::sim
