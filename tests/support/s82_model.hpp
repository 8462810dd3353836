#pragma once
// A moments model trained briefly on the S82 grid posterior (targets: its means and sigmas),
// made once per process: for tests that need some trained model to stream a catalogue through.
#include <vector>

#include <locus/bayes/grid_posterior.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/adapters.hpp>

#include "pipeline.hpp"
#include "s82.hpp"

namespace locus::test {

inline const nn::MomentsModel& s82_model() {
  static const nn::MomentsModel model = [] {
    using namespace locus::pipeline;
    const auto stars = s82_stars(4);
    const bayes::GridPosterior grid(bayes::LocusModel::builtin(), s82_priors());
    const auto sums = grid.fit_catalog(stars, 1);
    std::vector<bayes::Star> tr, va;
    std::vector<bayes::Summary> ts, vs;
    for (std::size_t i = 0; i < stars.size(); ++i) {
      if (!sums[i].ok()) continue;
      (i % 4 == 0 ? va : tr).push_back(stars[i]);
      (i % 4 == 0 ? vs : ts).push_back(sums[i]);
    }
    nn::MomentsModel m;
    m.fit(network_inputs(tr), summary_means(ts), summary_sigmas(ts), network_inputs(va), summary_means(vs),
          summary_sigmas(vs), quick_training(6));
    return m;
  }();
  return model;
}

}  // namespace locus::test
