#pragma once
// locus::bayes::EnsembleSampler — emcee's affine-invariant ensemble sampler.
//
// Goodman & Weare (2010), as implemented by emcee 3 (Foreman-Mackey et al. 2013): K
// walkers are split into two halves ("red-blue" split) and the halves are updated in turn,
// each walker moving relative to walkers of the other half, which stay fixed meanwhile.
// This keeps the joint chain of the ensemble in detailed balance with π(x₁)…π(x_K).
// The move is a small policy type (DESIGN.md: choices are types); StretchMove is emcee's
// default. Every random number comes from the Rng passed to run(), so a seed reproduces
// the chain bit for bit.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "chain.hpp"
#include "log_probability.hpp"

namespace locus::bayes {

/* StretchMove
   The Goodman–Weare stretch move with scale a (emcee's StretchMove, a = 2 by default).
   For a walker x and a walker c drawn uniformly from the complementary half,
     y = c + z·(x − c),   z ~ g(z) ∝ 1/√z on [1/a, a],
   accepted with probability min(1, z^(n−1)·π(y)/π(x)) in n dimensions.
   propose() writes y and returns log z^(n−1), the log of that Jacobian factor.
   The sampler requires: a move with
     template <class Complement> double propose(std::span<const double> x,
         const Complement& others, std::span<double> y, Rng& rng) const;
   where others.size() is the number of complementary walkers and others[i] points to one. */
// That contract as a concept, for Complement = the sampler's list of walker pointers.
template <class M>
concept EnsembleMove =
    std::copy_constructible<M> && requires(const M& m, std::span<const double> x, const std::vector<const double*>& others,
                                           std::span<double> y, Rng& rng) {
      { m.propose(x, others, y, rng) } -> std::convertible_to<double>;
    };

struct StretchMove {
  double a = 2.0;

  // z = ((a − 1)u + 1)² / a with u uniform on [0, 1) has density ∝ 1/√z on [1/a, a].
  double draw_z(Rng& rng) const {
    const double s = (a - 1.0) * rng.uniform() + 1.0;
    return s * s / a;
  }

  template <class Complement>
  double propose(std::span<const double> x, const Complement& others, std::span<double> y, Rng& rng) const {
    const double z = draw_z(rng);
    const double* c = others[rng.uniform_index(others.size())];
    for (std::size_t d = 0; d < x.size(); ++d) y[d] = c[d] + z * (x[d] - c[d]);
    return static_cast<double>(x.size() - 1) * std::log(z);
  }
};

/* MixtureMove<A, B>
   With probability p_b the move B, otherwise A, chosen afresh for every proposal. A mixture
   of moves that each keep the target invariant keeps it invariant too (the choice does not
   depend on the state). Used to add occasional mode-jumping proposals to the stretch move. */
template <class A, class B>
struct MixtureMove {
  A a{};
  B b{};
  double p_b = 0.1;

  template <class Complement>
  double propose(std::span<const double> x, const Complement& others, std::span<double> y, Rng& rng) const {
    return rng.uniform() < p_b ? b.propose(x, others, y, rng) : a.propose(x, others, y, rng);
  }
};

/* EnsembleOptions
   randomize_split: shuffle which walkers form each half at every step (emcee's default);
                    false uses the fixed split even/odd indices, as emcee's
                    RedBlueMove(randomize_split=False).
   store_chain:     keep every state in chain(); off, only acceptance counts and the current
                    state are kept. */
struct EnsembleOptions {
  bool randomize_split = true;
  bool store_chain = true;
};

/* EnsembleSampler<Move>
   nwalkers ≥ 2 walkers in ndim ≥ 1 dimensions. (emcee refuses nwalkers < 2·ndim unless
   live_dangerously; locus allows it, as photo-D's 4 walkers for 3 parameters need.)
   - run(log_prob, initial, nsteps, rng): start from `initial` (nwalkers × ndim, row per
     walker), clear the chain and counts, and take nsteps steps.
   - run(log_prob, nsteps, rng): continue from the current state.
   - chain(): the stored states [step][walker][dim], with their log probabilities.
   - acceptance_fraction(): per walker, accepted / proposed since the last start.
   - autocorr_time(discard): emcee's integrated autocorrelation time per parameter.
   - Throws InputError for a bad shape or an initial point or proposal where log_prob is
     NaN; an initial −∞ is allowed (that walker accepts its first finite proposal). */
template <class Move = StretchMove>
class EnsembleSampler {
  static_assert(EnsembleMove<Move>,
                "EnsembleSampler<Move>: Move needs `template <class Complement> double propose(std::span<const "
                "double> x, const Complement& others, std::span<double> y, Rng& rng) const` and must be copyable");

 public:
  EnsembleSampler(std::size_t nwalkers, std::size_t ndim, Move move = {}, EnsembleOptions opt = {})
      : nwalkers_(nwalkers), ndim_(ndim), move_(move), opt_(opt), chain_(nwalkers, ndim) {
    if (nwalkers < 2 || ndim < 1)
      throw ConfigError("EnsembleSampler: need at least 2 walkers and 1 dimension (got " +
                        std::to_string(nwalkers) + " walkers, " + std::to_string(ndim) + " dimensions)");
    pos_.resize(nwalkers * ndim);
    lp_.resize(nwalkers);
    accepted_.assign(nwalkers, 0);
    order_.resize(nwalkers);
    proposal_.resize(ndim);
    others_.reserve(nwalkers);
  }

  std::size_t walkers() const { return nwalkers_; }
  std::size_t dim() const { return ndim_; }
  const Move& move() const { return move_; }
  // Replaceable between runs (a reused sampler whose move depends on the target).
  Move& move() { return move_; }

  template <LogProbability F>
  void run(F&& log_prob, std::span<const double> initial, std::size_t nsteps, Rng& rng) {
    if (initial.size() != nwalkers_ * ndim_)
      throw InputError("EnsembleSampler::run: initial state has " + std::to_string(initial.size()) +
                       " values, expected walkers × dim = " + std::to_string(nwalkers_ * ndim_));
    std::copy(initial.begin(), initial.end(), pos_.begin());
    for (std::size_t k = 0; k < nwalkers_; ++k) {
      lp_[k] = log_prob(std::span<const double>(pos_.data() + k * ndim_, ndim_));
      if (std::isnan(lp_[k]))
        throw InputError("EnsembleSampler::run: log probability is NaN at the initial point of walker " +
                         std::to_string(k));
    }
    chain_.clear();
    std::fill(accepted_.begin(), accepted_.end(), 0);
    proposed_ = 0;
    started_ = true;
    run(log_prob, nsteps, rng);
  }

  template <LogProbability F>
  void run(F&& log_prob, std::size_t nsteps, Rng& rng) {
    if (!started_) throw ConfigError("EnsembleSampler::run: no initial state; call run(log_prob, initial, ...)");
    if (opt_.store_chain) chain_.reserve(chain_.steps() + nsteps);
    for (std::size_t s = 0; s < nsteps; ++s) {
      step(log_prob, rng);
      if (opt_.store_chain) chain_.push(pos_.data(), lp_.data());
    }
  }

  // One full step: both halves updated in turn.
  template <LogProbability F>
  void step(F&& log_prob, Rng& rng) {
    for (std::size_t k = 0; k < nwalkers_; ++k) order_[k] = k;
    if (opt_.randomize_split) locus::shuffle(order_.begin(), order_.end(), rng);
    // Walker order_[j] belongs to half j % 2 (emcee: inds = arange(K) % 2, shuffled).
    for (std::size_t half = 0; half < 2; ++half) {
      others_.clear();
      for (std::size_t j = 1 - half; j < nwalkers_; j += 2) others_.push_back(pos_.data() + order_[j] * ndim_);
      // Proposals for this half use only the other half, which does not move here.
      for (std::size_t j = half; j < nwalkers_; j += 2) {
        const std::size_t k = order_[j];
        double* x = pos_.data() + k * ndim_;
        const double log_factor =
            move_.propose(std::span<const double>(x, ndim_), others_, std::span<double>(proposal_), rng);
        const double lp_new = log_prob(std::span<const double>(proposal_));
        if (std::isnan(lp_new))
          throw InputError("EnsembleSampler: log probability is NaN at a proposal of walker " + std::to_string(k));
        const double log_ratio = log_factor + lp_new - lp_[k];
        if (std::log(rng.uniform()) < log_ratio) {
          std::copy(proposal_.begin(), proposal_.end(), x);
          lp_[k] = lp_new;
          ++accepted_[k];
        }
      }
    }
    ++proposed_;
  }

  const Chain& chain() const { return chain_; }
  // The current state: walker k's coordinates at position()[k·dim() + d].
  std::span<const double> position() const { return pos_; }
  std::span<const double> log_prob() const { return lp_; }

  std::vector<double> acceptance_fraction() const {
    std::vector<double> f(nwalkers_);
    for (std::size_t k = 0; k < nwalkers_; ++k)
      f[k] = proposed_ ? static_cast<double>(accepted_[k]) / static_cast<double>(proposed_) : 0.0;
    return f;
  }
  double mean_acceptance_fraction() const {
    const auto f = acceptance_fraction();
    return std::accumulate(f.begin(), f.end(), 0.0) / static_cast<double>(nwalkers_);
  }
  std::vector<AutocorrTime> autocorr_time(std::size_t discard = 0, const AutocorrOptions& opt = {}) const {
    return chain_.autocorr_time(discard, opt);
  }

 private:
  std::size_t nwalkers_, ndim_;
  Move move_;
  EnsembleOptions opt_;
  Chain chain_;
  std::vector<double> pos_, lp_, proposal_;
  std::vector<std::size_t> accepted_, order_;
  std::vector<const double*> others_;
  std::size_t proposed_ = 0;
  bool started_ = false;
};

}  // namespace locus::bayes
