#include <doctest/doctest.h>
#include <locus/tune/trial.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace locus::tune;

namespace {
TrialResult evaluation(std::uint64_t trial, double budget, double loss, double seconds) {
  TrialResult t;
  t.trial = trial;
  t.config = Configuration{{"k", static_cast<std::int64_t>(trial)}};
  t.budget = budget;
  t.loss = loss;
  t.seconds = seconds;
  return t;
}
}  // namespace

TEST_CASE("loss_less ranks NaN after everything, infinity included") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(loss_less(1, 2));
  CHECK_FALSE(loss_less(2, 1));
  CHECK_FALSE(loss_less(1, 1));
  CHECK(loss_less(inf, nan));
  CHECK_FALSE(loss_less(nan, inf));
  CHECK_FALSE(loss_less(nan, nan));
}

TEST_CASE("leaderboard: one row per trial at its largest budget, seconds summed over its rungs") {
  // Trial 0 is promoted from budget 1 to 3 (its loss at 3 counts); trial 1 stops at budget 1
  // with the smaller loss; trial 2 diverged.
  const std::vector<TrialResult> history = {evaluation(0, 1, 0.5, 1.0), evaluation(1, 1, 0.2, 2.0),
                                            evaluation(2, 1, std::nan(""), 0.5), evaluation(0, 3, 0.4, 4.0)};
  const auto rows = make_leaderboard(history, 10);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].trial == 1);
  CHECK(rows[0].loss == 0.2);
  CHECK(rows[1].trial == 0);
  CHECK(rows[1].loss == 0.4);
  CHECK(rows[1].budget == 3);
  CHECK(rows[1].seconds == 5.0);
  CHECK(rows[1].config == history[0].config);
  CHECK(rows[2].trial == 2);  // NaN last
  CHECK(make_leaderboard(history, 2).size() == 2);
  CHECK(make_leaderboard({}, 5).empty());
}

TEST_CASE("leaderboard ties: larger budget first, then the lower trial number") {
  const std::vector<TrialResult> history = {evaluation(3, 0, 1.0, 0), evaluation(1, 0, 1.0, 0),
                                            evaluation(2, 9, 1.0, 0)};
  const auto rows = make_leaderboard(history, 10);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].trial == 2);
  CHECK(rows[1].trial == 1);
  CHECK(rows[2].trial == 3);
}

TEST_CASE("format_leaderboard prints a Markdown table, one line per row") {
  const auto text = format_leaderboard(make_leaderboard({evaluation(7, 27, 0.125, 1.5)}, 10));
  CHECK(text ==
        "| rank | trial | loss | budget | seconds | configuration |\n|---|---|---|---|---|---|\n"
        "| 1 | 7 | 0.125 | 27 | 1.5 | " + Configuration{{"k", std::int64_t{7}}}.to_string() + " |\n");
}
