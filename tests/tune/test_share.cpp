// Share: a search run by several processes. Here threads stand in for the processes (an
// in-process exchange); apps/locus/mpi.cpp provides the same exchange over MPI (cli/mpi).
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <locus/core/interrupt.hpp>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/share.hpp>

#include "../support/files.hpp"

using namespace locus;
using namespace locus::tune;

namespace {

// Sums the processes' spans, as MPI_Allreduce would; a failure anywhere fails everyone.
class LocalWorld {
 public:
  explicit LocalWorld(std::size_t n) : n_(n), gather_(static_cast<std::ptrdiff_t>(n)), release_(static_cast<std::ptrdiff_t>(n), Reset{this}) {}

  Share share(std::size_t k) {
    return {k, n_, [this](std::span<double> v, std::exception_ptr e) {
              {
                std::lock_guard lock(m_);
                if (sum_.size() < v.size()) sum_.resize(v.size(), 0.0);
                for (std::size_t i = 0; i < v.size(); ++i) sum_[i] += v[i];
                failed_ = failed_ || e;
              }
              gather_.arrive_and_wait();
              bool failed = false;
              {
                std::lock_guard lock(m_);
                std::copy(sum_.begin(), sum_.begin() + static_cast<std::ptrdiff_t>(v.size()), v.begin());
                failed = failed_;
              }
              release_.arrive_and_wait();
              if (e) std::rethrow_exception(e);
              if (failed) throw Error("another process failed");
            }};
  }

 private:
  struct Reset {
    LocalWorld* w;
    void operator()() noexcept { w->sum_.assign(w->sum_.size(), 0.0), w->failed_ = false; }
  };
  std::size_t n_;
  std::mutex m_;
  std::vector<double> sum_;
  bool failed_ = false;
  std::barrier<> gather_;
  std::barrier<Reset> release_;
};

SearchSpace toy_space() {
  SearchSpace s;
  s.add_float("x", -2.0, 2.0).add_int("k", 1, 50).add_categorical("c", {"a", "b", "c"});
  return s;
}

// A promoted trial continues its own in-memory state: it must find it in the process that ran it.
double toy_objective(const Configuration& c, double budget, ResumeState& st) {
  const double x = c.get_float("x");
  double trained = 0;
  if (st.previous_budget > 0) {
    REQUIRE(st.checkpoint.has_value());
    trained = std::any_cast<double>(st.checkpoint);
    REQUIRE(trained == st.previous_budget);
  }
  st.checkpoint = budget;
  return x * x + 0.01 * double(c.get_int("k")) + 0.5 / budget + 0.05 * st.rng.normal();
}

// Runs `n` processes of the same search in threads; returns each one's result.
template <class Run>
auto run_shared(std::size_t n, Run&& run) {
  LocalWorld world(n);
  std::vector<decltype(run(Share{}))> results(n);
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> procs;
  for (std::size_t k = 0; k < n; ++k)
    procs.emplace_back([&, k] {
      try {
        results[k] = run(world.share(k));
      } catch (...) {
        errors[k] = std::current_exception();
      }
    });
  for (auto& t : procs) t.join();
  return std::make_pair(std::move(results), std::move(errors));
}

std::vector<std::string> journal_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

TEST_CASE("share: Hyperband shared by 3 processes gives every process the one-process history, bit for bit") {
  test::TempDir dir("share");
  HyperbandOptions o;
  o.max_budget = 9, o.eta = 3, o.seed = 8, o.iterations = 2, o.threads = 2;
  o.progress = Progress::Show::never;
  const auto one = Hyperband(toy_space(), o).run(toy_objective);
  auto [results, errors] = run_shared(3, [&](Share s) {
    auto p = o;
    p.share = std::move(s);
    p.threads = 1;
    p.journal = dir.path / "hb.journal";
    return Hyperband(toy_space(), p).run(toy_objective);
  });
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(!errors[k]);
    const auto& h = results[k].history;
    REQUIRE(h.size() == one.history.size());
    for (std::size_t i = 0; i < h.size(); ++i) {
      CHECK(h[i].trial == one.history[i].trial);
      CHECK(h[i].rung == one.history[i].rung);
      CHECK(h[i].config == one.history[i].config);
      CHECK(h[i].loss == one.history[i].loss);
    }
    CHECK(results[k].evaluations_run == one.evaluations_run);
  }
  // every evaluation is in the shared journal once, whole lines only
  std::set<std::pair<std::uint64_t, std::size_t>> keys;
  const auto lines = journal_lines(dir.path / "hb.journal");
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l);
    keys.insert({j.at("trial").get<std::uint64_t>(), j.at("rung").get<std::size_t>()});
  }
  CHECK(lines.size() == one.history.size());
  CHECK(keys.size() == one.history.size());
  // a rerun (one process) takes all from the journal and agrees
  auto p = o;
  p.journal = dir.path / "hb.journal";
  const auto again = Hyperband(toy_space(), p).run(toy_objective);
  CHECK(again.evaluations_run == 0);
  for (std::size_t i = 0; i < again.history.size(); ++i) CHECK(again.history[i].loss == one.history[i].loss);
}

TEST_CASE("share: a journal written by 2 processes resumes in 3 with no evaluation lost or repeated") {
  test::TempDir dir("share");
  HyperbandOptions o;
  o.max_budget = 9, o.eta = 3, o.seed = 5, o.threads = 1;
  o.progress = Progress::Show::never;
  o.journal = dir.path / "hb.journal";
  const auto one = [&] {
    auto p = o;
    p.journal.clear();
    return Hyperband(toy_space(), p).run(toy_objective);
  }();
  // two processes, stopped by a failure in the objective after 10 evaluations in all
  std::atomic<int> calls{0};
  auto [r2, e2] = run_shared(2, [&](Share s) {
    auto p = o;
    p.share = std::move(s);
    return Hyperband(toy_space(), p).run([&](const Configuration& c, double b, ResumeState& st) {
      if (++calls > 10) throw Interrupted("stopped");
      return toy_objective(c, b, st);
    });
  });
  // every process fails: the one that was stopped with its own error, the other one too
  for (std::size_t k = 0; k < 2; ++k) CHECK(e2[k]);
  // the 10 evaluations that finished are journaled, whichever process ran them
  const auto kept = journal_lines(dir.path / "hb.journal").size();
  CHECK(kept == 10);
  auto [r3, e3] = run_shared(3, [&](Share s) {
    auto p = o;
    p.share = std::move(s);
    return Hyperband(toy_space(), p).run(toy_objective);
  });
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(!e3[k]);
    CHECK(r3[k].evaluations_run == one.history.size() - kept);
    REQUIRE(r3[k].history.size() == one.history.size());
    for (std::size_t i = 0; i < one.history.size(); ++i) CHECK(r3[k].history[i].loss == one.history[i].loss);
  }
  CHECK(journal_lines(dir.path / "hb.journal").size() == one.history.size());
}

TEST_CASE("share: Bayesian optimisation shared by 2 processes (batch 2) equals one process") {
  test::TempDir dir("share");
  SearchSpace s;
  s.add_float("x", -5.0, 10.0).add_float("y", 0.0, 15.0);
  BayesOptOptions o;
  o.initial_points = 4, o.batch = 2, o.seed = 3, o.threads = 1, o.candidates = 300, o.local_candidates = 100;
  o.progress = Progress::Show::never;
  auto objective = [](const Configuration& c, Rng& rng) {
    const double x = c.get_float("x"), y = c.get_float("y");
    return (x - 2) * (x - 2) + 0.1 * (y - 3) * (y - 3) + 0.01 * rng.normal();
  };
  const auto one = BayesianOptimizer<ExpectedImprovement>(s, o).run(objective, 10);
  auto [res, err] = run_shared(2, [&](Share sh) {
    auto p = o;
    p.share = std::move(sh);
    p.journal = dir.path / "bo.journal";
    return BayesianOptimizer<ExpectedImprovement>(s, p).run(objective, 10);
  });
  for (std::size_t k = 0; k < 2; ++k) {
    REQUIRE(!err[k]);
    REQUIRE(res[k].history.size() == one.history.size());
    for (std::size_t i = 0; i < one.history.size(); ++i) {
      CHECK(res[k].history[i].config == one.history[i].config);
      CHECK(res[k].history[i].loss == one.history[i].loss);
    }
  }
  CHECK(journal_lines(dir.path / "bo.journal").size() == 10);
}

TEST_CASE("share: bad shares are refused") {
  HyperbandOptions o;
  o.share = {2, 2, {}};
  CHECK_THROWS_AS(Hyperband(toy_space(), o), ConfigError);
  o.share = {0, 2, {}};  // no exchange
  CHECK_THROWS_AS(Hyperband(toy_space(), o), ConfigError);
}
