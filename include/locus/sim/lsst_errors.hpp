#pragma once
// LsstErrors: the photometric error model of Ivezić et al. (2019, ApJ 873, 111, Eq. 4–5),
//   σ² = σ_sys² + σ_rand²,   σ_rand² = (0.04 − γ) x + γ x²,   x = 10^{0.4 (m − m5)},
// with σ_sys = 0.005 mag, γ = 0.038 (u) and 0.039 (g, r, i, z, y).
//
// Depths m5 (5σ point-source limits):
//  - coadd():        u 25.73, g 26.86, r 26.88, i 26.34, z 25.63, y 24.87 — the 10-year coadded
//                    depths of Bianco et al. (2022, ApJS 258, 1) used by photo-D;
//  - single_visit(): u 23.50, g 24.44, r 23.98, i 23.41, z 22.77, y 22.01 (photo-D's single-visit
//                    values from the same source);
//  - sdss_like():    u 22.0, g 22.2, r 22.2, i 21.3, z 20.5 (SDSS 95 % completeness limits for
//                    point sources, Abazajian et al. 2004), σ_sys = 0.02; y is not an SDSS band
//                    and gets r's depth. This is an approximation of SDSS-quality photometry in
//                    the same functional form, not a fit to SDSS errors.
//
// observe() follows photo-D's makeSimPhotometry: Gaussian noise with the error of the true
// magnitude, clipped to ±1 mag (photo-D clips at 1 mag "to prevent super faint stars ending up
// very bright"), and the reported error is recomputed from the noisy magnitude.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

namespace locus::sim {

inline constexpr std::array<std::string_view, 6> lsst_bands{"u", "g", "r", "i", "z", "y"};

// Specification:
// - sigma(band, m) is the formula above for band index 0..5 (u..y); NaN for non-finite m.
// - snr(band, m) = 1 / (10^{0.4 σ} − 1), the flux signal-to-noise ratio matching σ in magnitudes
//   (≈ 1.0857/σ for small σ); 5 at m = m5 when σ_sys = 0 and γ is ignored.
// - observe(band, m_true, rng) returns {m_obs, σ(m_obs)} with m_obs = m_true + clip(σ(m_true) z).
// - band_index("r") = 2; ConfigError for an unknown band.
struct LsstErrors {
  std::array<double, 6> m5{25.73, 26.86, 26.88, 26.34, 25.63, 24.87};
  std::array<double, 6> gamma{0.038, 0.039, 0.039, 0.039, 0.039, 0.039};
  double sigma_sys = 0.005;
  double noise_clip = 1.0;  // |noise| is capped at this many magnitudes

  static LsstErrors coadd() { return {}; }
  static LsstErrors single_visit() {
    LsstErrors e;
    e.m5 = {23.50, 24.44, 23.98, 23.41, 22.77, 22.01};
    return e;
  }
  static LsstErrors sdss_like() {
    LsstErrors e;
    e.m5 = {22.0, 22.2, 22.2, 21.3, 20.5, 22.2};
    e.sigma_sys = 0.02;
    return e;
  }
  static LsstErrors named(std::string_view name) {
    if (name == "coadd") return coadd();
    if (name == "single_visit" || name == "single") return single_visit();
    if (name == "sdss_like" || name == "sdss") return sdss_like();
    throw ConfigError("LsstErrors: unknown depth '" + std::string(name) + "' (coadd, single_visit, sdss_like)");
  }
  static std::size_t band_index(std::string_view band) {
    for (std::size_t i = 0; i < lsst_bands.size(); ++i)
      if (lsst_bands[i] == band) return i;
    throw ConfigError("LsstErrors: unknown band '" + std::string(band) + "'");
  }

  double sigma(std::size_t band, double m) const {
    const double x = std::pow(10.0, 0.4 * (m - m5.at(band))), g = gamma[band];
    return std::sqrt(sigma_sys * sigma_sys + (0.04 - g) * x + g * x * x);
  }
  static double snr_of_sigma(double s) { return 1.0 / std::expm1(0.4 * std::log(10.0) * s); }
  double snr(std::size_t band, double m) const { return snr_of_sigma(sigma(band, m)); }

  struct Observed {
    double mag, error;
  };
  Observed observe(std::size_t band, double m_true, Rng& rng) const {
    const double noise = std::clamp(sigma(band, m_true) * rng.normal(), -noise_clip, noise_clip);
    const double m = m_true + noise;
    return {m, sigma(band, m)};
  }
};

}  // namespace locus::sim
