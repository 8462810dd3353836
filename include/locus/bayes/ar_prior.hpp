#pragma once
// ArPrior: the flat A_r prior of photo-D, on [0, upper].
#include <cmath>

namespace locus::bayes {

// ArPrior
//
// Specification: A_r is flat on [0, scale · A_r(SFD) + offset]; photo-D's default is
// 1.3 · A_SFD + 0.1. fixed(u) is the same prior on [0, u] for every star, needing no SFD value
// (scale = 0: upper() ignores ar_sfd, even NaN). uses_sfd() tells whether a star's ar_sfd
// matters. An upper bound that is not positive is the star's problem (status out_of_range),
// not the prior's.
struct ArPrior {
  double scale = 1.3;
  double offset = 0.1;

  static constexpr ArPrior photod() { return {}; }
  static constexpr ArPrior fixed(double upper) { return {0.0, upper}; }

  constexpr bool uses_sfd() const { return scale != 0; }
  double upper(double ar_sfd) const { return uses_sfd() ? scale * ar_sfd + offset : offset; }
};

}  // namespace locus::bayes
