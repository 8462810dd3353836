#pragma once
// Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar 2018, JMLR 18(185), Algorithm 1).
//
//   s_max = floor(log_eta R),  B = (s_max + 1) R
//   for s = s_max, ..., 0:                                  (a "bracket")
//     n = ceil(B / R * eta^s / (s + 1)),  r = R eta^-s
//     T = n configurations sampled from the space
//     for i = 0, ..., s:                                    (a "rung")
//       n_i = floor(n eta^-i),  r_i = r eta^i
//       L = losses of T trained with budget r_i
//       T = the floor(n_i / eta) best of T
//
// The schedule is exposed as a table (schedule(), schedule_table()). Each configuration is
// a *trial*: when it is promoted it resumes from its own checkpoint (ResumeState) instead of
// restarting. A rung's trials run in parallel on `threads` worker threads; every random
// stream is derived from (seed, trial, rung), configurations are sampled serially and
// rankings break ties by trial number, so results are identical for a seed whatever the
// thread count. Several iterations of the whole loop can be chained. Every finished
// evaluation is appended to the Journal; a restarted run replays the same sampling and
// takes finished evaluations from the journal instead of running them again.
#include <algorithm>
#include <any>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>
#include <locus/core/errors.hpp>
#include <locus/core/parallel_for.hpp>
#include <locus/core/progress.hpp>
#include <locus/core/rng.hpp>
#include <locus/tune/journal.hpp>
#include <locus/tune/share.hpp>
#include <locus/tune/space.hpp>
#include <locus/tune/trial.hpp>

namespace locus::tune {

// One rung of a bracket: `trials` configurations each trained with `budget`.
struct Rung {
  std::size_t trials = 0;
  double budget = 0;
};
// One bracket s of Hyperband: its rungs in order.
struct Bracket {
  int s = 0;
  std::vector<Rung> rungs;
};

namespace detail {
// floor/ceil robust to the rounding of products of powers (15.000000000000002 -> 15).
inline double robust_floor(double x) { return std::floor(x + 1e-9 * std::max(1.0, std::abs(x))); }
inline double robust_ceil(double x) { return std::ceil(x - 1e-9 * std::max(1.0, std::abs(x))); }
inline double ipow(double b, int e) {
  double r = 1;
  for (int i = 0; i < e; ++i) r *= b;
  return r;
}
}  // namespace detail

// The brackets of one Hyperband iteration, s = s_max first (Algorithm 1 above).
inline std::vector<Bracket> hyperband_schedule(double max_budget, double eta) {
  if (!(eta > 1)) throw ConfigError("Hyperband: eta must be > 1, got " + std::to_string(eta));
  if (!(max_budget >= 1)) throw ConfigError("Hyperband: the maximum budget R must be >= 1, got " + std::to_string(max_budget));
  int s_max = 0;
  while (detail::ipow(eta, s_max + 1) <= max_budget * (1 + 1e-12)) ++s_max;
  std::vector<Bracket> out;
  for (int s = s_max; s >= 0; --s) {
    Bracket b;
    b.s = s;
    const double n = detail::robust_ceil(static_cast<double>(s_max + 1) / (s + 1) * detail::ipow(eta, s));
    const double r = max_budget / detail::ipow(eta, s);
    for (int i = 0; i <= s; ++i)
      b.rungs.push_back({static_cast<std::size_t>(detail::robust_floor(n / detail::ipow(eta, i))), r * detail::ipow(eta, i)});
    out.push_back(std::move(b));
  }
  return out;
}

// Markdown table "| s | rounds (trials@budget) |" as in the issue and the paper.
inline std::string schedule_table(const std::vector<Bracket>& schedule) {
  std::ostringstream os;
  os << "| s | rounds (trials@budget) |\n|---|---|\n";
  for (const auto& b : schedule) {
    os << "| " << b.s << " | ";
    for (std::size_t i = 0; i < b.rungs.size(); ++i)
      os << (i ? ", " : "") << b.rungs[i].trials << "@" << detail::format_double(b.rungs[i].budget);
    os << " |\n";
  }
  return os.str();
}

// ResumeState: what the objective gets besides the configuration and budget.
// - previous_budget: the budget this trial was already trained for in this process (0 for a
//   fresh trial, and after a restart, since in-memory checkpoints did not survive);
// - checkpoint: the objective stores whatever it needs to continue (a network and its
//   optimizer state) and finds it again when the trial is promoted; it is released when the
//   trial is eliminated;
// - checkpoint_file: a per-trial path under HyperbandOptions::checkpoint_dir (empty if
//   none) where an objective may persist its state to survive a kill;
// - rng: a stream that depends only on (seed, trial, rung).
struct ResumeState {
  std::uint64_t trial = 0;
  std::size_t rung = 0;
  double previous_budget = 0;
  std::any checkpoint;
  std::filesystem::path checkpoint_file;
  Rng rng{0};
};

struct HyperbandOptions {
  double max_budget = 81;          // R: the largest budget one configuration gets
  double eta = 3;                  // the elimination rate
  std::size_t iterations = 1;      // chained Hyperband iterations (each runs every bracket)
  std::size_t threads = 0;         // worker threads per rung (0: locus::num_threads())
  std::uint64_t seed = 0;
  std::filesystem::path journal;   // empty: no journal
  std::filesystem::path checkpoint_dir;  // empty: ResumeState::checkpoint_file stays empty
  std::size_t max_sample_tries = 1000;   // draws to find an unseen configuration
  Progress::Show progress = Progress::Show::automatic;  // evaluations done, on stderr
  Share share{};                   // this process's part of a search run by several (share.hpp)
};

// Result of Hyperband::run.
struct HyperbandResult {
  std::vector<TrialResult> history;  // every evaluation, in schedule order
  std::size_t trials = 0;            // distinct configurations (models) started
  std::size_t evaluations = 0;       // trial-rung evaluations, including journal replays
  std::size_t evaluations_run = 0;   // evaluations actually run (by this process or those sharing the search)
  double total_budget = 0;           // sum of budgets over all evaluations
  double wall_seconds = 0;

  std::vector<LeaderboardEntry> leaderboard(std::size_t k = 10) const { return make_leaderboard(history, k); }
  // The configuration with the smallest loss seen (Algorithm 1's return value).
  LeaderboardEntry best() const {
    auto rows = leaderboard(1);
    if (rows.empty()) throw ConfigError("Hyperband: no trial was run");
    return rows.front();
  }
};

// Hyperband over a SearchSpace. The objective is called as
//   double objective(const Configuration& config, double budget, ResumeState& state)
// and returns a loss (smaller is better). It is called concurrently from `threads` threads
// for different trials, so it must not share mutable state without locking.
class Hyperband {
 public:
  Hyperband(SearchSpace space, HyperbandOptions options = {})
      : space_(std::move(space)), options_(std::move(options)),
        schedule_(hyperband_schedule(options_.max_budget, options_.eta)) {
    if (options_.iterations == 0) throw ConfigError("Hyperband: iterations must be >= 1");
    if (space_.size() == 0) throw ConfigError("Hyperband: the search space is empty");
    options_.share.check();
  }

  const SearchSpace& space() const { return space_; }
  const HyperbandOptions& options() const { return options_; }
  const std::vector<Bracket>& schedule() const { return schedule_; }
  std::string schedule_table() const { return tune::schedule_table(schedule_); }
  // Budget of one iteration: sum over brackets and rungs of trials x budget.
  double iteration_budget() const {
    double b = 0;
    for (const auto& br : schedule_)
      for (const auto& r : br.rungs) b += static_cast<double>(r.trials) * r.budget;
    return b;
  }

  template <class Objective>
  HyperbandResult run(Objective&& objective) const {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Journal> journal;
    if (!options_.journal.empty()) journal.emplace(options_.journal);
    // (trial, rung) -> journal record
    std::map<std::pair<std::uint64_t, std::size_t>, const nlohmann::json*> done;
    if (journal)
      for (std::size_t k = 0; k < journal->records().size(); ++k) {
        const auto& rec = journal->records()[k];
        if (!is_record_of(rec, "hyperband")) continue;
        check_record(rec, k, options_.journal, {"trial", "rung"});
        done[{rec["trial"].template get<std::uint64_t>(), rec["rung"].template get<std::size_t>()}] = &rec;
      }
    if (!options_.checkpoint_dir.empty()) std::filesystem::create_directories(options_.checkpoint_dir);
    const Share& share = options_.share;
    share.barrier();  // every process has read the journal before any appends to it

    HyperbandResult result;
    std::size_t planned = 0;
    for (const auto& b : schedule_)
      for (const auto& r : b.rungs) planned += r.trials;
    Progress progress(planned * options_.iterations, "hyperband", options_.progress);
    const Rng master(options_.seed);
    std::unordered_set<std::uint64_t> seen;
    std::uint64_t next_trial = 0;

    for (std::size_t iter = 0; iter < options_.iterations; ++iter) {
      for (const auto& bracket : schedule_) {
        // Sample the bracket's configurations serially (deterministic), skipping ones seen.
        Rng sampler = master.split(1'000'003ull * (iter + 1) + static_cast<std::uint64_t>(bracket.s));
        const std::size_t n = bracket.rungs.front().trials;
        struct Trial {
          std::uint64_t id;
          Configuration config;
          std::uint64_t hash;
          ResumeState state;
        };
        std::vector<Trial> trials;
        trials.reserve(n);
        for (std::size_t k = 0; k < n; ++k) {
          Configuration c = space_.sample(sampler);
          for (std::size_t tries = 1; seen.count(c.hash()) && tries < options_.max_sample_tries; ++tries)
            c = space_.sample(sampler);
          // If the space is exhausted the last draw is used even though it was seen before.
          const std::uint64_t h = c.hash();
          seen.insert(h);
          Trial t{next_trial++, std::move(c), h, {}};
          t.state.trial = t.id;
          if (!options_.checkpoint_dir.empty())
            t.state.checkpoint_file = options_.checkpoint_dir / ("trial_" + std::to_string(t.id) + ".ckpt");
          trials.push_back(std::move(t));
        }
        result.trials += n;

        std::vector<std::size_t> alive(n);
        for (std::size_t k = 0; k < n; ++k) alive[k] = k;
        for (std::size_t i = 0; i < bracket.rungs.size(); ++i) {
          const double budget = bracket.rungs[i].budget;
          std::vector<TrialResult> rung_results(alive.size());
          std::vector<Origin> origin(alive.size(), Origin::elsewhere);
          std::vector<std::size_t> work;  // what this process runs or replays
          for (std::size_t c = 0; c < alive.size(); ++c) {
            const Trial& t = trials[alive[c]];
            auto& r = rung_results[c];
            r.trial = t.id, r.iteration = iter, r.bracket = bracket.s, r.rung = i, r.config = t.config, r.budget = budget;
            if (done.count({t.id, i})) origin[c] = Origin::journal;
            else if (share.owns(t.id)) origin[c] = Origin::here;
            if (origin[c] != Origin::elsewhere) work.push_back(c);
          }
          std::vector<double> losses(alive.size(), 0.0), seconds(alive.size(), 0.0);
          std::exception_ptr error;
          try {
            parallel_for_static(work.size(), options_.threads, [&](std::size_t, std::size_t q) {
              const std::size_t c = work[q];
              Trial& t = trials[alive[c]];
              if (origin[c] == Origin::journal) {
                const auto& rec = *done.at({t.id, i});
                if (rec.at("hash").template get<std::string>() != hash_hex(t.hash))
                  throw ConfigError("journal " + options_.journal.string() + ": trial " + std::to_string(t.id) +
                                    " has a different configuration than this run samples (was it written with another seed, "
                                    "search space or R/eta?)");
                losses[c] = loss_from_json(rec.at("loss"));
                seconds[c] = rec.value("seconds", 0.0);
                // The in-memory checkpoint of an earlier process is gone: the next rung starts
                // from checkpoint_file (if the objective wrote one) or from scratch.
                t.state.previous_budget = 0;
                t.state.checkpoint.reset();
              } else {
                t.state.rung = i;
                t.state.rng = master.split(0x9E3779B97F4A7C15ull ^ (t.id * 64 + i));
                const auto s0 = std::chrono::steady_clock::now();
                losses[c] = objective(static_cast<const Configuration&>(t.config), budget, t.state);
                seconds[c] = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
                t.state.previous_budget = budget;
                nlohmann::json rec = {{"tuner", "hyperband"}, {"seed", options_.seed}, {"iteration", iter},
                                      {"bracket", bracket.s},  {"rung", i},              {"trial", t.id},
                                      {"hash", hash_hex(t.hash)}, {"config", t.config.to_json()},
                                      {"budget", budget},      {"loss", loss_to_json(losses[c])}, {"seconds", seconds[c]}};
                if (journal) journal->append(rec);
              }
              progress.advance();
            });
          } catch (...) {
            error = std::current_exception();
          }
          detail::share_step(share, losses, seconds, origin, error);
          for (std::size_t c = 0; c < alive.size(); ++c) {
            rung_results[c].loss = losses[c], rung_results[c].seconds = seconds[c];
            rung_results[c].from_journal = origin[c] == Origin::journal;
            if (origin[c] == Origin::elsewhere) progress.advance();
          }
          for (auto& r : rung_results) {
            result.evaluations += 1;
            result.evaluations_run += r.from_journal ? 0 : 1;
            result.total_budget += r.budget;
            result.history.push_back(std::move(r));
          }
          if (i + 1 == bracket.rungs.size()) break;
          // Keep the floor(n_i / eta) best (ties: lower trial number first).
          const std::size_t keep = static_cast<std::size_t>(
              detail::robust_floor(static_cast<double>(bracket.rungs[i].trials) / options_.eta));
          std::vector<std::size_t> order(alive.size());
          for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
          std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return loss_less(rung_results[a].loss, rung_results[b].loss);
          });
          std::vector<std::size_t> next;
          for (std::size_t k = 0; k < std::min(keep, order.size()); ++k) next.push_back(alive[order[k]]);
          for (std::size_t k = std::min(keep, order.size()); k < order.size(); ++k)
            trials[alive[order[k]]].state.checkpoint.reset();  // free eliminated models
          std::sort(next.begin(), next.end());
          alive = std::move(next);
        }
      }
    }
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  SearchSpace space_;
  HyperbandOptions options_;
  std::vector<Bracket> schedule_;
};

}  // namespace locus::tune
