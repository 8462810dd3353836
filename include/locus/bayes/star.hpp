#pragma once
// Star: one star's photometry, the input of every photo-D estimator in locus (the grid and
// MCMC posteriors, the networks, the pipeline).
#include <array>
#include <cmath>
#include <limits>

#include "locus/bayes/ar_prior.hpp"
#include "locus/bayes/colours.hpp"
#include "locus/io/status.hpp"

namespace locus::bayes {

// Star
//
// Specification: every field defaults to NaN, i.e. missing. colour/error are u−g, g−r, r−i,
// i−z and their 1σ errors (band errors added in quadrature). r selects the prior's r bin
// (not needed when the prior does not depend on r); r_err is a network input only. ar_sfd
// is the SFD extinction A_r of the sight line, which sets the A_r prior's upper bound
// (not needed for ArPrior::fixed). Estimators flag, never throw on, missing or bad fields.
struct Star {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  double r = nan;
  double r_err = nan;
  std::array<double, n_colours> colour{nan, nan, nan, nan};
  std::array<double, n_colours> error{nan, nan, nan, nan};
  double ar_sfd = nan;
};

// What stops a posterior fit of `star`, as status bits (0: fittable): missing_value for a NaN
// colour, for a NaN r when the prior depends on r, and for a NaN A_SFD when the A_r prior uses
// it; bad_error (and missing_value if NaN) for an error that is not finite and positive;
// out_of_range for an empty A_r prior range. Both posterior engines use this one rule.
inline io::status_t fit_blockers(const Star& star, const ArPrior& ar, bool r_needed) {
  io::status_t bad = 0;
  for (std::size_t c = 0; c < n_colours; ++c) {
    if (!std::isfinite(star.colour[c])) bad |= io::status::missing_value;
    if (std::isnan(star.error[c])) bad |= io::status::missing_value | io::status::bad_error;
    else if (!(star.error[c] > 0) || !std::isfinite(star.error[c])) bad |= io::status::bad_error;
  }
  if (r_needed && !std::isfinite(star.r)) bad |= io::status::missing_value;
  if (ar.uses_sfd() && !std::isfinite(star.ar_sfd)) bad |= io::status::missing_value;
  const double amax = ar.upper(star.ar_sfd);
  if (std::isfinite(amax) && !(amax > 0)) bad |= io::status::out_of_range;
  return bad;
}

}  // namespace locus::bayes
