#pragma once
// locus::bayes::MetropolisHastings — random-walk Metropolis–Hastings with an optional
// adaptive proposal scale.
//
// One chain; the proposal is a policy type (GaussianProposal by default). The scale can be
// tuned towards a target acceptance rate by a Robbins–Monro recursion on log(scale)
// (Andrieu & Thoms 2008, §4): log s ← log s + γ_k (α_k − α*), γ_k = (k+1)^(−κ), where α_k
// = min(1, acceptance ratio) of step k. Adaptation runs during burn-in only and the scale
// is frozen afterwards, so the stored chain is an ordinary, reversible Markov chain.
// Every random number comes from the Rng passed to run().
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "chain.hpp"
#include "log_probability.hpp"

namespace locus::bayes {

/* GaussianProposal
   y = x + s·σ ⊙ ε with ε ~ N(0, I): σ is the per-parameter step, s the global scale.
   Symmetric, so propose() returns 0 (log q(x|y) − log q(y|x)).
   The sampler requires: a proposal with
     double propose(std::span<const double> x, std::span<const double> step, double scale,
                    std::span<double> y, Rng& rng) const;
   returning the log Hastings correction. */
struct GaussianProposal {
  double propose(std::span<const double> x, std::span<const double> step, double scale, std::span<double> y,
                 Rng& rng) const {
    for (std::size_t d = 0; d < x.size(); ++d) y[d] = x[d] + scale * step[d] * rng.normal();
    return 0.0;
  }
};

/* MetropolisOptions
   burn_in:           steps taken before anything is stored; not in chain() nor in
                      acceptance_fraction().
   adapt:             tune the global scale during burn-in (Robbins–Monro, above).
   target_acceptance: α* (0.234 is optimal for many-dimensional Gaussians, Roberts,
                      Gelman & Gilks 1997; about 0.44 in one dimension).
   adapt_exponent:    κ in γ_k = (k+1)^(−κ); 1/2 < κ ≤ 1 gives a convergent recursion.
   store_chain:       keep every stored state in chain(). */
struct MetropolisOptions {
  std::size_t burn_in = 0;
  bool adapt = false;
  double target_acceptance = 0.234;
  double adapt_exponent = 0.6;
  bool store_chain = true;
};

/* MetropolisHastings<Proposal>
   Constructed with the per-parameter step σ (its size is the dimension; every entry > 0).
   - run(log_prob, initial, nsteps, rng): start at `initial`, take burn_in steps (adapting
     if asked), then nsteps stored steps; the chain is one walker, [step][1][dim].
   - run(log_prob, nsteps, rng): continue from the current state with the current scale.
   - scale(): the global multiplier s (1 until adapted).
   - acceptance_fraction(): accepted / proposed over stored steps since the last start.
   - autocorr_time(discard): emcee's estimator, window c = 5.
   - Throws ConfigError for bad steps/options and InputError for NaN log probabilities or a
     non-finite start (a single chain cannot leave a −∞ point reliably). */
template <class Proposal = GaussianProposal>
class MetropolisHastings {
 public:
  explicit MetropolisHastings(std::vector<double> step, MetropolisOptions opt = {}, Proposal proposal = {})
      : step_(std::move(step)), opt_(opt), proposal_(proposal), chain_(1, step_.size()) {
    if (step_.empty()) throw ConfigError("MetropolisHastings: empty step vector");
    for (std::size_t d = 0; d < step_.size(); ++d)
      if (!(step_[d] > 0) || !std::isfinite(step_[d]))
        throw ConfigError("MetropolisHastings: step[" + std::to_string(d) + "] must be positive and finite");
    if (!(opt_.target_acceptance > 0 && opt_.target_acceptance < 1))
      throw ConfigError("MetropolisHastings: target_acceptance must lie in (0, 1)");
    x_.resize(step_.size());
    y_.resize(step_.size());
  }

  std::size_t dim() const { return step_.size(); }
  double scale() const { return scale_; }
  void set_scale(double s) { scale_ = s; }

  template <LogProbability F>
  void run(F&& log_prob, std::span<const double> initial, std::size_t nsteps, Rng& rng) {
    if (initial.size() != dim())
      throw InputError("MetropolisHastings::run: initial point has " + std::to_string(initial.size()) +
                       " values, expected " + std::to_string(dim()));
    std::copy(initial.begin(), initial.end(), x_.begin());
    lp_ = log_prob(std::span<const double>(x_));
    if (!std::isfinite(lp_))
      throw InputError("MetropolisHastings::run: log probability at the initial point is not finite");
    chain_.clear();
    for (std::size_t k = 0; k < opt_.burn_in; ++k) {
      const double alpha = step(log_prob, rng);
      if (opt_.adapt) {
        const double gamma = std::pow(static_cast<double>(k + 1), -opt_.adapt_exponent);
        scale_ *= std::exp(gamma * (alpha - opt_.target_acceptance));
      }
    }
    accepted_ = proposed_ = 0;
    started_ = true;
    run(log_prob, nsteps, rng);
  }

  template <LogProbability F>
  void run(F&& log_prob, std::size_t nsteps, Rng& rng) {
    if (!started_) throw ConfigError("MetropolisHastings::run: no initial state; call run(log_prob, initial, ...)");
    if (opt_.store_chain) chain_.reserve(chain_.steps() + nsteps);
    for (std::size_t s = 0; s < nsteps; ++s) {
      step(log_prob, rng);
      if (opt_.store_chain) chain_.push(x_.data(), &lp_);
    }
  }

  // One step; returns the acceptance probability min(1, ratio) of the proposal.
  template <LogProbability F>
  double step(F&& log_prob, Rng& rng) {
    const double log_q = proposal_.propose(std::span<const double>(x_), std::span<const double>(step_), scale_,
                                           std::span<double>(y_), rng);
    const double lp_new = log_prob(std::span<const double>(y_));
    if (std::isnan(lp_new)) throw InputError("MetropolisHastings: log probability is NaN at a proposal");
    const double log_ratio = lp_new - lp_ + log_q;
    ++proposed_;
    if (std::log(rng.uniform()) < log_ratio) {
      std::swap(x_, y_);
      lp_ = lp_new;
      ++accepted_;
    }
    return log_ratio >= 0 ? 1.0 : std::exp(log_ratio);
  }

  const Chain& chain() const { return chain_; }
  std::span<const double> position() const { return x_; }
  double log_prob() const { return lp_; }
  double acceptance_fraction() const {
    return proposed_ ? static_cast<double>(accepted_) / static_cast<double>(proposed_) : 0.0;
  }
  std::vector<AutocorrTime> autocorr_time(std::size_t discard = 0, const AutocorrOptions& opt = {}) const {
    return chain_.autocorr_time(discard, opt);
  }

 private:
  std::vector<double> step_;
  MetropolisOptions opt_;
  Proposal proposal_;
  Chain chain_;
  std::vector<double> x_, y_;
  double lp_ = 0, scale_ = 1.0;
  std::size_t accepted_ = 0, proposed_ = 0;
  bool started_ = false;
};

}  // namespace locus::bayes
