#pragma once
// locus::bayes::Chain — the stored samples of an MCMC run and their statistics.
//
// Both samplers (EnsembleSampler, MetropolisHastings) write into a Chain, so the
// statistics — means, standard deviations, quantiles, integrated autocorrelation times —
// are computed one way for both. Storage is one contiguous block laid out
// [step][walker][dim] (emcee's get_chain() order), reused across runs: clear() keeps the
// capacity, so sampling many stars in a loop allocates only for the first one.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "autocorrelation.hpp"

namespace locus::bayes {

/* Chain
   A sequence of ensemble states: steps() × walkers() × dim() values, plus the log
   probability of every stored state.
   - push(position, log_prob) appends one step (walkers()·dim() and walkers() values).
   - at(step, walker) is a pointer to dim() coordinates.
   - Every statistic takes `discard`, the number of leading steps to drop (burn-in);
     discarding all steps throws InputError. */
class Chain {
 public:
  Chain() = default;
  Chain(std::size_t walkers, std::size_t dim) : walkers_(walkers), dim_(dim) {}

  void reshape(std::size_t walkers, std::size_t dim) {
    walkers_ = walkers;
    dim_ = dim;
    clear();
  }
  void clear() {
    steps_ = 0;
    samples_.clear();
    log_prob_.clear();
  }
  void reserve(std::size_t steps) {
    samples_.reserve(steps * walkers_ * dim_);
    log_prob_.reserve(steps * walkers_);
  }
  void push(const double* position, const double* log_prob) {
    samples_.insert(samples_.end(), position, position + walkers_ * dim_);
    log_prob_.insert(log_prob_.end(), log_prob, log_prob + walkers_);
    ++steps_;
  }

  std::size_t steps() const { return steps_; }
  std::size_t walkers() const { return walkers_; }
  std::size_t dim() const { return dim_; }
  const double* at(std::size_t step, std::size_t walker) const {
    return samples_.data() + (step * walkers_ + walker) * dim_;
  }
  double log_prob(std::size_t step, std::size_t walker) const { return log_prob_[step * walkers_ + walker]; }
  // All values, [step][walker][dim].
  std::span<const double> data() const { return samples_; }
  std::span<const double> log_probs() const { return log_prob_; }

  // Per-parameter mean over steps [discard, steps()) and all walkers.
  std::vector<double> mean(std::size_t discard = 0) const {
    const std::size_t n = kept(discard);
    std::vector<double> m(dim_, 0.0);
    for (std::size_t s = discard; s < steps_; ++s)
      for (std::size_t w = 0; w < walkers_; ++w) {
        const double* x = at(s, w);
        for (std::size_t d = 0; d < dim_; ++d) m[d] += x[d];
      }
    for (auto& v : m) v /= static_cast<double>(n);
    return m;
  }
  // Per-parameter standard deviation (population form, numpy's np.std default).
  std::vector<double> stddev(std::size_t discard = 0) const {
    const std::size_t n = kept(discard);
    const auto m = mean(discard);
    std::vector<double> v(dim_, 0.0);
    for (std::size_t s = discard; s < steps_; ++s)
      for (std::size_t w = 0; w < walkers_; ++w) {
        const double* x = at(s, w);
        for (std::size_t d = 0; d < dim_; ++d) v[d] += (x[d] - m[d]) * (x[d] - m[d]);
      }
    for (auto& e : v) e = std::sqrt(e / static_cast<double>(n));
    return v;
  }
  // The q-quantile (0 ≤ q ≤ 1) of parameter d, linear interpolation between order
  // statistics (numpy's default "linear" method).
  double quantile(std::size_t d, double q, std::size_t discard = 0) const {
    const std::size_t n = kept(discard);
    std::vector<double> x;
    x.reserve(n);
    for (std::size_t s = discard; s < steps_; ++s)
      for (std::size_t w = 0; w < walkers_; ++w) x.push_back(at(s, w)[d]);
    std::sort(x.begin(), x.end());
    const double pos = q * static_cast<double>(n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, n - 1);
    return x[lo] + (pos - static_cast<double>(lo)) * (x[hi] - x[lo]);
  }
  // emcee's integrated autocorrelation time of every parameter.
  std::vector<AutocorrTime> autocorr_time(std::size_t discard = 0, const AutocorrOptions& opt = {}) const {
    const std::size_t n = kept(discard) / walkers_;
    return integrated_times(samples_.data() + discard * walkers_ * dim_, n, walkers_, dim_, opt);
  }

 private:
  std::size_t kept(std::size_t discard) const {
    if (discard >= steps_ || walkers_ == 0 || dim_ == 0)
      throw InputError("Chain: discarding " + std::to_string(discard) + " of " + std::to_string(steps_) +
                       " steps leaves no samples");
    return (steps_ - discard) * walkers_;
  }

  std::size_t walkers_ = 0, dim_ = 0, steps_ = 0;
  std::vector<double> samples_;
  std::vector<double> log_prob_;
};

}  // namespace locus::bayes
