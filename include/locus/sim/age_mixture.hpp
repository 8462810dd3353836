#pragma once
// AgeMixture: which locus table colours the mock stars of each Galactic component. Empty: every
// star takes its colours from PatchSpec::locus, the model the posterior fits ("same model", an
// inverse crime). galactic(): an old halo and thick disk (10 Gyr) and a thin disk of all ages,
// so the mock's turn-off and giants differ from the fitted 10 Gyr model as real stars do.
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "locus/bayes/builtin_locus.hpp"
#include "locus/core/errors.hpp"
#include "locus/sim/galaxy_model.hpp"

namespace locus::sim {

struct AgeMixture {
  // Per component (thin disk, thick disk, halo): (age in Gyr, weight) pairs; the weights of a
  // component are normalised when drawing. Ages must be ones bayes::builtin_locus has.
  std::array<std::vector<std::pair<int, double>>, 3> ages;

  bool empty() const { return ages[0].empty() && ages[1].empty() && ages[2].empty(); }

  // Constant star formation over the thin disk's 10 Gyr, each table taking the ages nearest to
  // it (0-1.5, 1.5-3.5, 3.5-7.5, 7.5-10 Gyr); thick disk and halo are 10 Gyr or older, and 10 Gyr
  // is the oldest table.
  static AgeMixture galactic() {
    AgeMixture m;
    m.ages[0] = {{1, 0.15}, {2, 0.20}, {5, 0.40}, {10, 0.25}};
    m.ages[1] = {{10, 1.0}};
    m.ages[2] = {{10, 1.0}};
    return m;
  }

  // Throws ConfigError unless every component has ages with positive total weight, every age a
  // built-in table and no weight negative.
  void validate() const {
    if (empty()) return;
    for (std::size_t c = 0; c < 3; ++c) {
      double total = 0;
      for (const auto& [age, w] : ages[c]) {
        if (!(w >= 0) || !std::isfinite(w)) throw ConfigError("AgeMixture: weights must be finite and non-negative");
        bool known = false;
        for (int a : bayes::builtin_locus_ages) known = known || a == age;
        if (!known) throw ConfigError("AgeMixture: no locus table for " + std::to_string(age) + " Gyr (there are 1, 2, 5 and 10)");
        total += w;
      }
      if (!(total > 0)) throw ConfigError("AgeMixture: component " + std::to_string(c) + " has no age with positive weight");
    }
  }

  // The age of a star of component c for a uniform variate u in [0, 1).
  int draw(Component c, double u) const {
    const auto& v = ages[static_cast<int>(c)];
    double total = 0;
    for (const auto& a : v) total += a.second;
    double acc = 0;
    int last = v.front().first;
    for (const auto& [age, w] : v) {
      if (w <= 0) continue;
      acc += w / total;
      last = age;
      if (u < acc) return age;
    }
    return last;  // u within rounding of 1
  }
};

}  // namespace locus::sim
