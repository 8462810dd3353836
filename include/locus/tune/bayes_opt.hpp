#pragma once
// BayesianOptimizer: sequential model-based minimisation of a loss over a SearchSpace with
// a Gaussian process surrogate (GaussianProcess, Matérn-5/2 ARD) on the space's encoding.
//
// - The first `initial_points` configurations come from a Latin-hypercube (default) or
//   random design in unit coordinates.
// - Then each suggestion refits the GP on the standardised losses (hyperparameters by
//   maximum likelihood, warm-started from the previous fit) and maximises the acquisition:
//   `candidates` random configurations plus perturbations of the best observed ones are
//   scored, and the `local_starts` best are refined by a shrinking-step random local search
//   in unit coordinates. Configurations already observed or pending (by hash) are never
//   suggested again.
// - Acquisitions are policy types: ExpectedImprovement (default) and LowerConfidenceBound
//   (μ - κσ with κ = 2.6, Keras Tuner's value).
// - Parallel suggestions use the "constant liar" (Ginsbourger et al. 2010): each pending
//   configuration is added to the GP with a lie (by default the best loss seen) before the
//   next one is chosen. suggest()/observe() can be used asynchronously the same way.
// - run(objective, n) evaluates batches of `batch` suggestions on worker threads and writes
//   one journal line per finished trial. A restarted run replays the same suggestions (every
//   random stream depends on (seed, step) only, and the GP fits are recomputed) and takes
//   finished trials from the journal, so a killed run resumes without repeating them and
//   ends exactly as an uninterrupted run would.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>
#include <locus/core/errors.hpp>
#include <locus/core/normal.hpp>
#include <locus/core/parallel_for.hpp>
#include <locus/core/progress.hpp>
#include <locus/core/rng.hpp>
#include <locus/tune/gaussian_process.hpp>
#include <locus/tune/journal.hpp>
#include <locus/tune/share.hpp>
#include <locus/tune/space.hpp>
#include <locus/tune/trial.hpp>

namespace locus::tune {

// Acquisition policies: score(mu, sigma, best) is maximised; mu, sigma are the GP's
// prediction of the (standardised) loss and best is the smallest observed (standardised) loss.
// The contract, checked by BayesianOptimizer: a copyable type with this const call operator.
template <class A>
concept AcquisitionFunction = std::copy_constructible<A> && requires(const A& a, double mu, double sigma, double best) {
  { a(mu, sigma, best) } -> std::convertible_to<double>;
};

struct ExpectedImprovement {
  static constexpr const char* name = "ei";
  double xi = 0.0;  // exploration margin
  double operator()(double mu, double sigma, double best) const {
    const double imp = best - mu - xi;
    if (!(sigma > 1e-12)) return std::max(imp, 0.0);
    const double z = imp / sigma;
    return imp * normal::cdf(z) + sigma * normal::pdf(z);
  }
};
struct LowerConfidenceBound {
  static constexpr const char* name = "lcb";
  double kappa = 2.6;
  double operator()(double mu, double sigma, double) const { return -(mu - kappa * sigma); }
};

enum class InitialDesign { random, latin_hypercube };
enum class Liar { min, mean, max };

struct BayesOptOptions {
  std::size_t initial_points = 10;
  InitialDesign design = InitialDesign::latin_hypercube;
  std::size_t candidates = 3000;      // random candidates scored per suggestion
  std::size_t local_candidates = 1000;  // perturbations of the best observed configurations
  std::size_t local_starts = 4;       // best candidates refined by local search
  std::size_t local_rounds = 12;      // rounds of local search per start
  std::size_t local_batch = 16;       // proposals per round
  double local_step = 0.1;            // initial step in unit coordinates (halved on failure)
  std::size_t batch = 1;              // suggestions evaluated in parallel by run() (constant liar)
  Liar liar = Liar::min;
  std::size_t threads = 0;            // worker threads for evaluations and GP work (0: locus::num_threads())
  std::uint64_t seed = 0;
  std::filesystem::path journal;      // empty: no journal
  GpFitOptions gp;
  Progress::Show progress = Progress::Show::automatic;  // trials done, on stderr
  Share share{};                      // this process's part of a search run by several (share.hpp)
};

struct BayesOptResult {
  std::vector<TrialResult> history;  // in trial order; budget 0 (every trial is evaluated fully)
  std::size_t evaluations_run = 0;   // objective calls made by this run() call (in all processes sharing it)
  double wall_seconds = 0;
  const TrialResult& best() const {
    if (history.empty()) throw ConfigError("BayesianOptimizer: no trial was run");
    std::size_t b = 0;
    for (std::size_t i = 1; i < history.size(); ++i)
      if (loss_less(history[i].loss, history[b].loss)) b = i;
    return history[b];
  }
  // Best first.
  std::vector<LeaderboardEntry> leaderboard(std::size_t k = 10) const { return make_leaderboard(history, k); }
};

template <class Acquisition = ExpectedImprovement>
class BayesianOptimizer {
  static_assert(AcquisitionFunction<Acquisition>,
                "BayesianOptimizer<A>: A needs `double operator()(double mu, double sigma, double best) const` "
                "(the score to maximise) and must be copyable");

 public:
  BayesianOptimizer(SearchSpace space, BayesOptOptions options = {}, Acquisition acquisition = {})
      : space_(std::move(space)), options_(std::move(options)), acq_(acquisition) {
    if (space_.size() == 0) throw ConfigError("BayesianOptimizer: the search space is empty");
    if (options_.batch == 0) throw ConfigError("BayesianOptimizer: batch must be >= 1");
    options_.share.check();
    make_design();
  }

  const SearchSpace& space() const { return space_; }
  const BayesOptOptions& options() const { return options_; }
  const std::vector<TrialResult>& observations() const { return observed_; }
  const std::vector<Configuration>& pending() const { return pending_; }
  const GaussianProcess& gp() const { return gp_; }

  // The next configuration to evaluate; it stays pending (and is lied about in later
  // suggestions) until observe() reports its loss.
  Configuration suggest() { return suggest(1).front(); }
  // k configurations to evaluate in parallel (constant liar).
  std::vector<Configuration> suggest(std::size_t k) {
    std::vector<Configuration> out;
    bool hyper_fitted = false;
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t step = observed_.size() + pending_.size();
      Rng rng = Rng(options_.seed).split(step);
      Configuration c;
      if (step < design_.size() && !seen(design_hash_[step]))
        c = design_[step];
      else if (observed_.size() < 2)
        c = random_unseen(rng);
      else
        c = model_suggestion(rng, !hyper_fitted), hyper_fitted = true;
      pending_hash_.push_back(c.hash());
      pending_.push_back(c);
      out.push_back(std::move(c));
    }
    return out;
  }

  // Records the loss of a configuration (pending or not). A non-finite loss is recorded as
  // +inf in the history and enters the GP as the worst observed loss.
  void observe(const Configuration& c, double loss, double seconds = 0) {
    const auto h = c.hash();
    for (std::size_t i = 0; i < pending_.size(); ++i)
      if (pending_hash_[i] == h) {
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        pending_hash_.erase(pending_hash_.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    observed_hash_.push_back(h);
    observed_.push_back({.trial = observed_.size(),
                         .config = c,
                         .loss = std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss,
                         .seconds = seconds});
  }

  // Runs trials until `n_trials` have finished in total (including earlier observations and
  // journal replays). The objective is called as objective(config) or objective(config, rng)
  // and returns the loss; with batch > 1 it is called concurrently.
  template <class Objective>
  BayesOptResult run(Objective&& objective, std::size_t n_trials) {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Journal> journal;
    std::map<std::size_t, const nlohmann::json*> done;
    if (!options_.journal.empty()) {
      journal.emplace(options_.journal);
      for (std::size_t k = 0; k < journal->records().size(); ++k) {
        const auto& rec = journal->records()[k];
        if (!is_record_of(rec, "bayes_opt")) continue;
        check_record(rec, k, options_.journal, {"trial"});
        done[rec["trial"].template get<std::size_t>()] = &rec;
      }
    }
    const Share& share = options_.share;
    share.barrier();  // every process has read the journal before any appends to it
    BayesOptResult result;
    Progress progress(n_trials, "bayes_opt", options_.progress);
    progress.advance(std::min(observed_.size(), n_trials));
    while (observed_.size() < n_trials) {
      const std::size_t k = std::min(options_.batch, n_trials - observed_.size());
      const std::size_t first = observed_.size() + pending_.size();
      const std::vector<Configuration> batch = suggest(k);
      std::vector<double> losses(k, 0.0), seconds(k, 0.0);
      std::vector<Origin> origin(k, Origin::elsewhere);
      std::vector<std::size_t> work;  // what this process runs or replays
      for (std::size_t j = 0; j < k; ++j) {
        if (done.count(first + j)) origin[j] = Origin::journal;
        else if (share.owns(first + j)) origin[j] = Origin::here;
        if (origin[j] != Origin::elsewhere) work.push_back(j);
      }
      std::exception_ptr error;
      try {
        parallel_for_static(work.size(), options_.threads, [&](std::size_t, std::size_t q) {
          const std::size_t j = work[q], trial = first + j;
          if (origin[j] == Origin::journal) {
            const auto& rec = *done.at(trial);
            if (rec.at("hash").template get<std::string>() != hash_hex(batch[j].hash()))
              throw ConfigError("journal " + options_.journal.string() + ": trial " + std::to_string(trial) +
                                " has a different configuration than this run suggests (was it written with another "
                                "seed, search space or options?)");
            losses[j] = loss_from_json(rec.at("loss"));
            seconds[j] = rec.value("seconds", 0.0);
            return;
          }
          const auto s0 = std::chrono::steady_clock::now();
          if constexpr (std::is_invocable_v<Objective&, const Configuration&, Rng&>) {
            Rng rng = Rng(options_.seed).split((1ull << 40) + trial);
            losses[j] = objective(batch[j], rng);
          } else {
            losses[j] = objective(batch[j]);
          }
          seconds[j] = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
          if (journal)
            journal->append({{"tuner", "bayes_opt"}, {"seed", options_.seed}, {"trial", trial},
                             {"hash", hash_hex(batch[j].hash())}, {"config", batch[j].to_json()},
                             {"loss", loss_to_json(losses[j])}, {"seconds", seconds[j]}});
        });
      } catch (...) {
        error = std::current_exception();
      }
      detail::share_step(share, losses, seconds, origin, error);
      for (std::size_t j = 0; j < k; ++j) {
        observe(batch[j], losses[j], seconds[j]);
        observed_.back().from_journal = origin[j] == Origin::journal;
        result.evaluations_run += origin[j] == Origin::journal ? 0 : 1;
      }
      progress.advance(k);
    }
    result.history = observed_;
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  bool seen(std::uint64_t h) const {
    return std::find(observed_hash_.begin(), observed_hash_.end(), h) != observed_hash_.end() ||
           std::find(pending_hash_.begin(), pending_hash_.end(), h) != pending_hash_.end();
  }
  Configuration random_unseen(Rng& rng) const {
    Configuration c = space_.sample(rng);
    for (int tries = 0; tries < 1000 && seen(c.hash()); ++tries) c = space_.sample(rng);
    return c;
  }

  void make_design() {
    const std::size_t n = options_.initial_points, p = space_.size();
    Rng rng = Rng(options_.seed).split(0xD5E5160ull);
    std::vector<std::vector<double>> u(n, std::vector<double>(p));
    if (options_.design == InitialDesign::latin_hypercube) {
      // One stratum per point in every unit coordinate, strata shuffled per coordinate.
      for (std::size_t k = 0; k < p; ++k) {
        std::vector<std::size_t> perm(n);
        for (std::size_t i = 0; i < n; ++i) perm[i] = i;
        locus::shuffle(perm.begin(), perm.end(), rng);
        for (std::size_t i = 0; i < n; ++i) u[i][k] = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
      }
    } else {
      for (auto& row : u)
        for (auto& v : row) v = rng.uniform();
    }
    std::unordered_set<std::uint64_t> hashes;
    for (std::size_t i = 0; i < n; ++i) {
      Configuration c = space_.from_unit(u[i]);
      const auto h = c.hash();
      if (hashes.insert(h).second) {
        design_hash_.push_back(h);
        design_.push_back(std::move(c));
      }
    }
  }

  // Fits the GP to observations (+ lies for pending ones) and maximises the acquisition.
  // Candidates live in unit coordinates (rows of cand_u_) and are encoded straight into a
  // matrix; a Configuration is built only for those whose hash is needed (local-search starts,
  // accepted moves). Buffers are members, so a step reuses the previous step's memory.
  Configuration model_suggestion(Rng& rng, bool refit_hyperparameters) {
    const std::size_t D = space_.encoded_dim(), P = space_.size();
    // Standardised losses; infinite ones become the worst finite loss.
    std::vector<double>& y = y_;
    y.clear();
    double worst = -std::numeric_limits<double>::infinity();
    for (const auto& o : observed_)
      if (std::isfinite(o.loss)) worst = std::max(worst, o.loss);
    if (!std::isfinite(worst)) worst = 0;
    for (const auto& o : observed_) y.push_back(std::isfinite(o.loss) ? o.loss : worst);
    double mu = 0, sd = 0;
    for (double v : y) mu += v;
    mu /= static_cast<double>(y.size());
    for (double v : y) sd += (v - mu) * (v - mu);
    sd = std::sqrt(sd / static_cast<double>(y.size()));
    if (!(sd > 0)) sd = 1;
    for (double& v : y) v = (v - mu) / sd;
    const double best = *std::min_element(y.begin(), y.end());

    // Encoded observations, cached: an observation's encoding never changes.
    for (std::size_t i = observed_x_.size() / D; i < observed_.size(); ++i) {
      observed_x_.resize((i + 1) * D);
      space_.encode(observed_[i].config, observed_x_.data() + i * D);
    }
    std::vector<double>& x = x_;
    x.assign(observed_x_.begin(), observed_x_.end());
    if (refit_hyperparameters || !gp_.fitted()) {
      Rng gp_rng = rng.split(1);
      gp_.optimize(x.data(), observed_.size(), D, y.data(), gp_rng, options_.gp);
    }
    if (!pending_.empty()) {
      double lie = best;
      if (options_.liar == Liar::mean) lie = 0;  // standardised mean
      if (options_.liar == Liar::max) lie = *std::max_element(y.begin(), y.end());
      for (const auto& p : pending_) {
        x.resize(x.size() + D);
        space_.encode(p, x.data() + x.size() - D);
        y.push_back(lie);
      }
      gp_.fit(x.data(), y.size(), D, y.data());
    } else if (!refit_hyperparameters) {
      gp_.fit(x.data(), y.size(), D, y.data());
    }

    // Candidates: random points, and perturbations of the best observed configurations.
    const std::size_t n_cand = options_.candidates + (observed_.empty() ? 0 : options_.local_candidates);
    cand_u_.resize(n_cand * P);
    Rng crng = rng.split(2);
    for (std::size_t i = 0; i < options_.candidates; ++i) space_.sample_unit(crng, cand_u_.data() + i * P);
    std::vector<std::size_t> order(observed_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return loss_less(observed_[a].loss, observed_[b].loss); });
    const std::size_t top = std::min<std::size_t>(3, order.size());
    std::vector<std::vector<double>> base(top);
    for (std::size_t t = 0; t < top; ++t) base[t] = space_.to_unit(observed_[order[t]].config);
    for (std::size_t i = 0; i < n_cand - options_.candidates; ++i) {
      const double step = (i / top) % 2 == 0 ? 0.02 : 0.1;
      perturb(base[i % top], step, crng, cand_u_.data() + (options_.candidates + i) * P);
    }
    score_all(cand_u_.data(), n_cand, best, score_);
    // Local refinement of the best distinct unseen candidates.
    std::vector<std::size_t> idx(n_cand);
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return score_[a] > score_[b]; });
    std::vector<Configuration> starts;
    std::vector<std::vector<double>> start_u;  // to_unit of each start: where its moves begin
    std::vector<double> start_scores;
    std::unordered_set<std::uint64_t> used;
    for (std::size_t i : idx) {
      if (starts.size() >= options_.local_starts) break;
      Configuration c = candidate(cand_u_.data() + i * P);
      const auto h = c.hash();
      if (seen(h) || !used.insert(h).second) continue;
      start_u.push_back(space_.to_unit(c));
      starts.push_back(std::move(c));
      start_scores.push_back(score_[i]);
    }
    if (starts.empty()) return random_unseen(rng);
    Rng lrng = rng.split(3);
    std::size_t best_start = 0;
    const std::size_t B = options_.local_batch;
    prop_u_.resize(B * P);
    for (std::size_t s = 0; s < starts.size(); ++s) {
      double step = options_.local_step;
      for (std::size_t round = 0; round < options_.local_rounds; ++round) {
        for (std::size_t b = 0; b < B; ++b) perturb(start_u[s], step, lrng, prop_u_.data() + b * P);
        score_all(prop_u_.data(), B, best, prop_score_);
        std::size_t arg = B;
        std::optional<Configuration> accepted;
        for (std::size_t b = 0; b < B; ++b) {
          if (!(prop_score_[b] > start_scores[s] && (arg == B || prop_score_[b] > prop_score_[arg]))) continue;
          Configuration c = candidate(prop_u_.data() + b * P);
          if (seen(c.hash())) continue;
          arg = b;
          accepted = std::move(c);
        }
        if (accepted) {
          start_u[s] = space_.to_unit(*accepted);
          starts[s] = std::move(*accepted);
          start_scores[s] = prop_score_[arg];
        } else {
          step *= 0.5;
        }
      }
      if (start_scores[s] > start_scores[best_start]) best_start = s;
    }
    return starts[best_start];
  }

  Configuration candidate(const double* u) const { return space_.from_unit(std::span<const double>(u, space_.size())); }

  // A point near unit coordinates u0 (to_unit of a configuration), written to out: numeric
  // coordinates move by N(0, step²); each categorical (and the rest of the vector, on average
  // one coordinate) is redrawn with probability 1/p.
  void perturb(const std::vector<double>& u0, double step, Rng& rng, double* out) const {
    const double p_redraw = 1.0 / static_cast<double>(u0.size());
    for (std::size_t k = 0; k < u0.size(); ++k) {
      out[k] = u0[k];
      if (space_.parameters()[k].kind == Kind::categorical) {
        if (rng.uniform() < p_redraw) out[k] = rng.uniform();
      } else {
        out[k] = std::clamp(u0[k] + step * rng.normal(), 0.0, 1.0 - 1e-12);
      }
    }
  }

  // Acquisition of n points given by unit coordinates (rows of u).
  void score_all(const double* u, std::size_t n, double best, std::vector<double>& score) {
    const std::size_t D = space_.encoded_dim();
    score_x_.resize(n * D);
    mean_.resize(n);
    sigma_.resize(n);
    score.resize(n);
    space_.encode_units(u, n, score_x_.data());
    gp_.predict(score_x_.data(), n, mean_.data(), sigma_.data(), options_.threads);
    for (std::size_t i = 0; i < n; ++i) score[i] = acq_(mean_[i], sigma_[i], best);
  }

  SearchSpace space_;
  BayesOptOptions options_;
  Acquisition acq_;
  GaussianProcess gp_;
  std::vector<Configuration> design_;
  std::vector<TrialResult> observed_;
  std::vector<Configuration> pending_;
  std::vector<std::uint64_t> observed_hash_, pending_hash_, design_hash_;  // hash() of each, cached
  // Work buffers of model_suggestion, kept between steps so a step does not fault in fresh pages.
  std::vector<double> observed_x_, x_, y_, cand_u_, prop_u_, score_x_, mean_, sigma_, score_, prop_score_;
};

}  // namespace locus::tune
