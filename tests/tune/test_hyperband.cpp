#include <doctest/doctest.h>
#include <locus/tune/hyperband.hpp>
#include <cmath>
#include <mutex>
#include <set>

using namespace locus;
using namespace locus::tune;

TEST_CASE("schedule for R = 81, eta = 3 is Li et al. 2018's table") {
  const auto sched = hyperband_schedule(81, 3);
  const std::vector<std::vector<std::pair<std::size_t, double>>> want = {
      {{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}},
      {{34, 3}, {11, 9}, {3, 27}, {1, 81}},
      {{15, 9}, {5, 27}, {1, 81}},
      {{8, 27}, {2, 81}},
      {{5, 81}}};
  REQUIRE(sched.size() == 5);
  for (std::size_t b = 0; b < 5; ++b) {
    CHECK(sched[b].s == static_cast<int>(4 - b));
    REQUIRE(sched[b].rungs.size() == want[b].size());
    for (std::size_t i = 0; i < want[b].size(); ++i) {
      CHECK(sched[b].rungs[i].trials == want[b][i].first);
      CHECK(sched[b].rungs[i].budget == want[b][i].second);
    }
  }
  CHECK(schedule_table(sched) ==
        "| s | rounds (trials@budget) |\n|---|---|\n"
        "| 4 | 81@1, 27@3, 9@9, 3@27, 1@81 |\n"
        "| 3 | 34@3, 11@9, 3@27, 1@81 |\n"
        "| 2 | 15@9, 5@27, 1@81 |\n"
        "| 1 | 8@27, 2@81 |\n"
        "| 0 | 5@81 |\n");
  // Other settings against the closed forms written out by hand.
  const auto s27 = hyperband_schedule(27, 3);  // s_max = 3
  REQUIRE(s27.size() == 4);
  CHECK(s27[0].rungs.front().trials == 27);
  CHECK(s27[1].rungs.front().trials == 12);  // ceil(4/3 * 9)
  CHECK(s27[2].rungs.front().trials == 6);   // ceil(4/2 * 3)
  CHECK(s27[3].rungs.front().trials == 4);
  const auto s10 = hyperband_schedule(10, 2);  // s_max = 3, r = 10/8
  REQUIRE(s10.size() == 4);
  CHECK(s10[0].rungs[0].budget == doctest::Approx(1.25));
  CHECK(s10[0].rungs[0].trials == 8);
  CHECK(s10[0].rungs[3].budget == doctest::Approx(10));
  CHECK_THROWS_AS(hyperband_schedule(81, 1), ConfigError);
  CHECK_THROWS_AS(hyperband_schedule(0.5, 3), ConfigError);
}

namespace {
SearchSpace toy_space() {
  SearchSpace s;
  s.add_float("x", -2.0, 2.0).add_int("k", 1, 50).add_categorical("c", {"a", "b", "c"});
  return s;
}
double toy_final(const Configuration& c) {
  const double x = c.get_float("x");
  return x * x + 0.01 * static_cast<double>(c.get_int("k")) + (c.get_string("c") == "b" ? 0.0 : 0.3);
}
}  // namespace

TEST_CASE("rungs evaluate the scheduled numbers, keep the best, and resume promoted trials") {
  HyperbandOptions o;
  o.max_budget = 27;
  o.eta = 3;
  o.seed = 4;
  o.threads = 2;
  Hyperband hb(toy_space(), o);
  std::mutex m;
  std::size_t resumed = 0, fresh = 0, bad_resume = 0;
  auto result = hb.run([&](const Configuration& c, double budget, ResumeState& st) {
    // The checkpoint holds the budget trained so far; a promoted trial must find it.
    const double trained = st.checkpoint.has_value() ? std::any_cast<double>(st.checkpoint) : 0.0;
    {
      std::lock_guard lock(m);
      if (trained != st.previous_budget) ++bad_resume;
      (trained > 0 ? resumed : fresh) += 1;
    }
    st.checkpoint = budget;
    return toy_final(c) + 1.0 / budget;  // losses shrink with budget, ranking is toy_final's
  });
  CHECK(bad_resume == 0);
  // Every trial starts fresh once; every later rung resumes.
  std::size_t starts = 0, evals = 0;
  for (const auto& b : hb.schedule()) {
    starts += b.rungs.front().trials;
    for (const auto& r : b.rungs) evals += r.trials;
  }
  CHECK(fresh == starts);
  CHECK(resumed == evals - starts);
  CHECK(result.trials == starts);
  CHECK(result.evaluations == evals);
  CHECK(result.evaluations_run == evals);
  CHECK(result.total_budget == doctest::Approx(hb.iteration_budget()));
  // Per (bracket, rung): the count matches the schedule, and the survivors of rung i are
  // exactly the floor(n_i/eta) best of rung i (checked by brute force).
  for (const auto& b : hb.schedule()) {
    for (std::size_t i = 0; i < b.rungs.size(); ++i) {
      std::vector<const TrialResult*> here, next;
      for (const auto& t : result.history)
        if (t.bracket == b.s && t.rung == i) here.push_back(&t);
        else if (t.bracket == b.s && t.rung == i + 1) next.push_back(&t);
      CHECK(here.size() == b.rungs[i].trials);
      for (const auto* t : here) CHECK(t->budget == b.rungs[i].budget);
      if (i + 1 < b.rungs.size()) {
        std::set<std::uint64_t> kept;
        for (const auto* t : next) kept.insert(t->trial);
        for (const auto* t : here) {
          std::size_t better = 0;
          for (const auto* u : here) better += u->loss < t->loss;
          CHECK((better < b.rungs[i + 1].trials) == (kept.count(t->trial) == 1));
        }
      }
    }
  }
  // No configuration was trained twice as a new trial.
  std::set<std::uint64_t> hashes;
  for (const auto& t : result.history)
    if (t.rung == 0) hashes.insert(t.config.hash());
  CHECK(hashes.size() == starts);
  // Leaderboard: sorted, best() is the minimum over all evaluations.
  const auto board = result.leaderboard(5);
  REQUIRE(board.size() == 5);
  for (std::size_t i = 1; i < board.size(); ++i) CHECK(board[i - 1].loss <= board[i].loss);
  double min_loss = 1e300;
  for (const auto& t : result.history) min_loss = std::min(min_loss, t.loss);
  CHECK(result.best().loss == min_loss);
  CHECK(format_leaderboard(board).find("| 1 | ") != std::string::npos);
}

TEST_CASE("results are identical whatever the thread count; iterations chain") {
  HyperbandOptions o;
  o.max_budget = 9;
  o.eta = 3;
  o.seed = 21;
  o.iterations = 3;
  auto objective = [](const Configuration& c, double budget, ResumeState& st) {
    // uses the per-evaluation stream: noise must not depend on the thread that ran it
    return toy_final(c) + 0.5 / budget + 0.05 * st.rng.normal();
  };
  std::vector<HyperbandResult> runs;
  for (std::size_t threads : {1, 2, 5}) {
    o.threads = threads;
    runs.push_back(Hyperband(toy_space(), o).run(objective));
  }
  for (std::size_t k = 1; k < runs.size(); ++k) {
    REQUIRE(runs[k].history.size() == runs[0].history.size());
    for (std::size_t i = 0; i < runs[0].history.size(); ++i) {
      CHECK(runs[k].history[i].trial == runs[0].history[i].trial);
      CHECK(runs[k].history[i].config == runs[0].history[i].config);
      CHECK(runs[k].history[i].loss == runs[0].history[i].loss);
    }
  }
  const Hyperband one(toy_space(), [&] { auto p = o; p.iterations = 1; return p; }());
  CHECK(runs[0].trials == 3 * one.run(objective).trials);
  std::set<std::size_t> iterations;
  std::set<std::uint64_t> ids;
  for (const auto& t : runs[0].history) {
    iterations.insert(t.iteration);
    ids.insert(t.trial);
  }
  CHECK(iterations.size() == 3);
  CHECK(ids.size() == runs[0].trials);
}

namespace {
// Synthetic learning curves over 300 arms: arm a has final loss f_a and curve
// f_a + c_a / sqrt(budget) + noise. Arm 137 is the known best (f = 0.05, others >= 0.1);
// curves cross, so small budgets rank arms imperfectly.
struct Curves {
  std::vector<double> f, c;
  Curves() {
    Rng r(2024);
    for (int a = 0; a < 300; ++a) {
      f.push_back(0.1 + 0.9 * r.uniform());
      c.push_back(0.2 + 0.8 * r.uniform());
    }
    f[137] = 0.05;
    c[137] = 0.6;  // a middling start: the best arm is not also the fastest learner
  }
  double operator()(std::int64_t arm, double budget, Rng& rng) const {
    const auto a = static_cast<std::size_t>(arm);
    return f[a] + c[a] / std::sqrt(budget) + 0.01 * rng.normal();
  }
};
}  // namespace

TEST_CASE("Hyperband finds the known best arm more often than random search at equal budget") {
  const Curves curves;
  SearchSpace s;
  s.add_int("arm", 0, 299);
  const int seeds = 60;
  int hb_hits = 0, rs_hits = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    HyperbandOptions o;
    o.max_budget = 81;
    o.eta = 3;
    o.seed = static_cast<std::uint64_t>(seed);
    o.threads = 1;
    const Hyperband hb(s, o);
    const auto res = hb.run([&](const Configuration& c, double budget, ResumeState& st) {
      return curves(c.get_int("arm"), budget, st.rng);
    });
    hb_hits += res.best().config.get_int("arm") == 137;
    // Random search: the same total budget spent on full-budget (R) evaluations.
    Rng rng(1000 + static_cast<std::uint64_t>(seed));
    const auto n = static_cast<std::size_t>(res.total_budget / o.max_budget);
    double best = 1e300;
    std::int64_t best_arm = -1;
    for (std::size_t k = 0; k < n; ++k) {
      const auto c = s.sample(rng);
      const double l = curves(c.get_int("arm"), o.max_budget, rng);
      if (l < best) best = l, best_arm = c.get_int("arm");
    }
    rs_hits += best_arm == 137;
  }
  MESSAGE("best arm found: Hyperband " << hb_hits << "/" << seeds << ", random search " << rs_hits << "/" << seeds);
  // Random search draws 23 of 300 arms (P(hit) ~ 7.4 %); Hyperband starts 143 distinct ones.
  CHECK(hb_hits >= rs_hits);
  CHECK(hb_hits >= 2 * rs_hits);
  CHECK(hb_hits >= seeds / 5);  // observed 16/60 with these seeds
}
