#pragma once
// Summary: the posterior summary of one star, the same type from every engine (grid, MCMC).
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "locus/bayes/parameters.hpp"
#include "locus/io/status.hpp"

namespace locus::bayes {

namespace status = io::status;

// Summary: posterior mean, standard deviation and 14/50/86 % quantiles of Mr, A_r, [Fe/H].
//
// Specification: arrays are indexed by Param (Mr, Ar, FeH; index(p)). chi2_min is the smallest
// chi^2 over the model (nodes x the A_r prior range, prior not applied). status is a
// combination of io::status bits; when no_fit is set every summary is NaN (chi2_min too when
// the input was bad). prior_bin is the r bin of the prior used (-1 when r was not used);
// nodes_used counts the model nodes that entered the sums (grid) or that walkers visited the
// cells of (MCMC: 0, not tracked).
struct Summary {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::array<double, n_params> mean{nan, nan, nan};
  std::array<double, n_params> sigma{nan, nan, nan};
  std::array<double, n_params> q14{nan, nan, nan};
  std::array<double, n_params> q50{nan, nan, nan};
  std::array<double, n_params> q86{nan, nan, nan};
  double chi2_min = nan;
  io::status_t status = status::ok;
  int prior_bin = -1;
  std::uint32_t nodes_used = 0;

  bool ok() const { return (status & status::no_fit) == 0; }
  double get_mean(Param p) const { return mean[index(p)]; }
  double get_sigma(Param p) const { return sigma[index(p)]; }
};

}  // namespace locus::bayes
