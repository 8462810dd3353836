#pragma once
// PhotodModel: what every star's continuous photo-D posterior (PhotodTarget) shares.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "locus/bayes/extinction.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/bayes/prior.hpp"

namespace locus::bayes {

/* PhotodModel
   The locus model, the prior maps, the extinction law and, tabulated once, log prior(Mr_n,
   [Fe/H]_n) for every node n and r bin (27 × nodes; −∞ where the prior is 0). The model and
   the priors are held by reference and must outlive the PhotodModel and its targets.
   r_needed() is false when the priors do not depend on r (a star without r is then fitted). */
class PhotodModel {
 public:
  PhotodModel(const LocusModel& model, const PriorMaps& priors, Extinction ext = {})
      : model_(&model), priors_(&priors), ext_(std::move(ext)) {
    const auto p = priors.on_nodes(model);
    log_prior_.resize(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      log_prior_[i] = p[i] > 0 ? std::log(p[i]) : -std::numeric_limits<double>::infinity();
  }
  const LocusModel& locus() const { return *model_; }
  const PriorMaps& priors() const { return *priors_; }
  const Extinction& extinction() const { return ext_; }
  bool r_needed() const { return priors_->depends_on_r(); }
  // log prior on the nodes of r bin `bin`, model.size() values.
  const double* log_node_prior(std::size_t bin) const { return log_prior_.data() + bin * model_->size(); }

 private:
  const LocusModel* model_;
  const PriorMaps* priors_;
  Extinction ext_;
  std::vector<double> log_prior_;
};

}  // namespace locus::bayes
