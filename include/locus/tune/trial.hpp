#pragma once
// A finished trial and the leaderboard of trials, shared by both tuners.
//
// TrialResult is one evaluation of one configuration. Hyperband fills every field (a trial
// is trained at several rungs, one TrialResult per rung). Bayesian optimisation evaluates
// each trial once, fully, so its iteration, bracket, rung and budget stay 0.
//
// make_leaderboard() keeps one row per trial, at the largest budget the trial reached, with
// the seconds of all its evaluations summed; rows are ranked by loss (NaN last, see
// loss_less), then larger budget, then trial number. format_leaderboard() prints the rows as
// a Markdown table.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>
#include <locus/tune/space.hpp>

namespace locus::tune {

// One finished evaluation: a trial (one configuration) at one budget.
struct TrialResult {
  std::uint64_t trial = 0;
  std::size_t iteration = 0;  // Hyperband iteration
  int bracket = 0;            // Hyperband bracket s
  std::size_t rung = 0;       // Hyperband rung within the bracket
  Configuration config;
  double budget = 0;          // 0 for Bayesian optimisation (every trial is evaluated fully)
  double loss = 0;
  double seconds = 0;         // wall time of this evaluation
  bool from_journal = false;  // replayed from the journal instead of run
};

// A leaderboard row: a trial at the largest budget it reached.
struct LeaderboardEntry {
  std::uint64_t trial = 0;
  Configuration config;
  double loss = 0;
  double budget = 0;
  double seconds = 0;  // total over the trial's evaluations
};

// a < b for losses, with NaN ranked after everything (a diverged trial is never the best).
inline bool loss_less(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

// The k best trials of `history`, best first (see the header comment).
inline std::vector<LeaderboardEntry> make_leaderboard(const std::vector<TrialResult>& history, std::size_t k) {
  std::map<std::uint64_t, LeaderboardEntry> by_trial;
  for (const auto& t : history) {
    auto [it, fresh] = by_trial.try_emplace(t.trial);
    auto& e = it->second;
    if (fresh || t.budget >= e.budget) {
      const double total = (fresh ? 0 : e.seconds) + t.seconds;
      e = {t.trial, t.config, t.loss, t.budget, total};
    } else {
      e.seconds += t.seconds;
    }
  }
  std::vector<LeaderboardEntry> rows;
  for (auto& [id, e] : by_trial) rows.push_back(std::move(e));
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (loss_less(a.loss, b.loss)) return true;
    if (loss_less(b.loss, a.loss)) return false;
    if (a.budget != b.budget) return a.budget > b.budget;
    return a.trial < b.trial;
  });
  if (rows.size() > k) rows.resize(k);
  return rows;
}

// Markdown table "| rank | trial | loss | budget | seconds | configuration |".
inline std::string format_leaderboard(const std::vector<LeaderboardEntry>& rows) {
  std::ostringstream os;
  os << "| rank | trial | loss | budget | seconds | configuration |\n|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i)
    os << "| " << i + 1 << " | " << rows[i].trial << " | " << std::setprecision(6) << rows[i].loss << " | "
       << rows[i].budget << " | " << std::setprecision(3) << rows[i].seconds << " | " << rows[i].config << " |\n";
  return os.str();
}

}  // namespace locus::tune
