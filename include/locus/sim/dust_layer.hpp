#pragma once
// DustLayer: interstellar extinction along a line of sight through an exponential dust layer,
// normalised so the total to infinity equals the SFD value of the sight line.
//
// Dust density ∝ exp(−|z| / h_d) with z = Z⊙ + s·sin b the height above the plane at path
// length s (h_d = 100 pc, Z⊙ = 25 pc by default). Then
//   A_r(d) = A_r,SFD · F(d) / F(∞),   F(d) = ∫_0^d exp(−|Z⊙ + s sin b| / h_d) ds,
// which has a closed form (below). SFD's maps give the extinction through the whole Galaxy,
// so the fraction F(d)/F(∞) carries it to a star at distance d.
#include <algorithm>
#include <cmath>

#include <locus/core/errors.hpp>

namespace locus::sim {

// Specification:
// - fraction(b_deg, d) = F(d)/F(∞) in [0, 1], non-decreasing in d, 0 at d = 0, → 1 as d → ∞.
// - extinction(ar_sfd, b_deg, d) = ar_sfd · fraction(b_deg, d).
// - At |sin b| < 1e-6 the sight line is treated as |sin b| = 1e-6 (a plane-parallel layer is
//   infinitely thick along b = 0).
struct DustLayer {
  double scale_height = 100;  // h_d, pc
  double z_sun = 25;          // Sun's height above the dust mid-plane, pc

  double fraction(double b_deg, double d) const {
    if (!(scale_height > 0)) throw ConfigError("DustLayer: scale height must be positive");
    if (!(d > 0)) return 0.0;
    double sb = std::sin(b_deg * 0.017453292519943295);
    double z0 = z_sun;
    if (z0 < 0) {  // mirror so the Sun is on the positive side
      z0 = -z0;
      sb = -sb;
    }
    if (std::abs(sb) < 1e-6) sb = sb < 0 ? -1e-6 : 1e-6;
    const double h = scale_height, a = std::abs(sb), e0 = std::exp(-z0 / h);
    if (sb > 0) {  // moving away from the plane: F(d) = (h/a) e^{−z0/h} (1 − e^{−a d / h})
      return -std::expm1(-a * d / h);
    }
    // Towards the plane, crossing it at s0 = z0 / a.
    const double s0 = z0 / a;
    const double total = (h / a) * (2 - e0);
    double f;
    if (d <= s0) f = (h / a) * e0 * std::expm1(a * d / h);
    else f = (h / a) * (1 - e0) + (h / a) * (-std::expm1(-a * (d - s0) / h));
    return std::clamp(f / total, 0.0, 1.0);
  }
  double extinction(double ar_sfd, double b_deg, double d) const { return ar_sfd * fraction(b_deg, d); }
};

}  // namespace locus::sim
