#pragma once
// Interstellar extinction in the SDSS ugriz system, expressed relative to A_r.
//
// The model fits colours (u-g, g-r, r-i, i-z), so what matters is the colour excess per unit
// A_r: E(x-y) = (A_x/A_r - A_y/A_r) * A_r = k_c * A_r. photo-D uses the Berry et al. (2012)
// ratios, which are the default here.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "locus/bayes/colours.hpp"
#include "locus/core/errors.hpp"

namespace locus::bayes {

// Extinction: the ratios A_band / A_r for u, g, r, i, z (A_r/A_r = 1 by construction).
//
// Specification:
//  - ratio(b) is A_b/A_r for band index b in 0..4 (u, g, r, i, z);
//  - colour_coefficient(c) is k_c = ratio(c) - ratio(c + 1) for colour c in 0..3
//    (u-g, g-r, r-i, i-z), so a colour reddened by A_r is c_0 + k_c * A_r;
//  - three published sets: berry2012() (default, photo-D), sfd98(), schlafly_finkbeiner2011();
//    custom() takes any five ratios (a non-finite or non-positive ratio is a ConfigError).
class Extinction {
 public:
  Extinction() : Extinction(berry2012()) {}

  // Berry et al. 2012, ApJ 757, 166, used by photo-D (Palaversa et al. 2025).
  static Extinction berry2012() { return Extinction({1.810, 1.400, 1.000, 0.759, 0.561}, "berry2012"); }
  // Schlegel, Finkbeiner & Davis 1998, ApJ 500, 525, Table 6 (R_V = 3.1): A/E(B-V) =
  // 5.155, 3.793, 2.751, 2.086, 1.479, divided by the r value. galfast's photometry.conf
  // quotes the same ratios (1.8739 1.3788 1 0.7583 0.5376).
  static Extinction sfd98() {
    return Extinction({5.155 / 2.751, 3.793 / 2.751, 1.0, 2.086 / 2.751, 1.479 / 2.751}, "sfd98");
  }
  // Schlafly & Finkbeiner 2011, ApJ 737, 103, Table 6 (R_V = 3.1): A/E(B-V) =
  // 4.239, 3.303, 2.285, 1.698, 1.263, divided by the r value.
  static Extinction schlafly_finkbeiner2011() {
    return Extinction({4.239 / 2.285, 3.303 / 2.285, 1.0, 1.698 / 2.285, 1.263 / 2.285},
                      "schlafly_finkbeiner2011");
  }
  static Extinction custom(const std::array<double, 5>& ratios) { return Extinction(ratios, "custom"); }
  // By name: "berry2012", "sfd98", "schlafly_finkbeiner2011" (ConfigError otherwise).
  static Extinction named(std::string_view name) {
    if (name == "berry2012") return berry2012();
    if (name == "sfd98") return sfd98();
    if (name == "schlafly_finkbeiner2011") return schlafly_finkbeiner2011();
    throw ConfigError("Extinction: unknown coefficient set '" + std::string(name) +
                      "' (known: berry2012, sfd98, schlafly_finkbeiner2011)");
  }

  double ratio(std::size_t band) const { return ratios_.at(band); }
  const std::array<double, 5>& ratios() const { return ratios_; }
  double colour_coefficient(std::size_t colour) const { return k_.at(colour); }
  const std::array<double, n_colours>& colour_coefficients() const { return k_; }
  const std::string& name() const { return name_; }

 private:
  Extinction(const std::array<double, 5>& ratios, std::string name) : ratios_(ratios), name_(std::move(name)) {
    for (std::size_t b = 0; b < 5; ++b)
      if (!(ratios_[b] > 0.0) || ratios_[b] > 1e3)
        throw ConfigError("Extinction: ratio A_" + std::string(band_names[b]) + "/A_r must be finite and > 0");
    for (std::size_t c = 0; c < n_colours; ++c) k_[c] = ratios_[c] - ratios_[c + 1];
  }
  std::array<double, 5> ratios_{};
  std::array<double, n_colours> k_{};
  std::string name_;
};

}  // namespace locus::bayes
