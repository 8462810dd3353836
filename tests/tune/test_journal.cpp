#include <doctest/doctest.h>
#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/journal.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

using namespace locus;
using namespace locus::tune;

namespace {
std::filesystem::path fresh_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("locus_tune_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}
std::size_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}
}  // namespace

TEST_CASE("journal: records survive reopening, a torn last line is dropped, corrupt lines are named") {
  const auto dir = fresh_dir("journal");
  const auto path = dir / "j.jsonl";
  {
    Journal j(path);
    CHECK(j.enabled());
    CHECK(j.records().empty());
    j.append({{"trial", 0}, {"loss", 1.5}});
    j.append({{"trial", 1}, {"loss", loss_to_json(std::nan(""))}});
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"trial\": 2, \"lo";  // a write cut short by a kill
  }
  {
    Journal j(path);
    REQUIRE(j.records().size() == 2);
    CHECK(j.records()[0]["loss"].get<double>() == 1.5);
    CHECK(std::isinf(loss_from_json(j.records()[1]["loss"])));
    j.append({{"trial", 2}, {"loss", 0.25}});
  }
  CHECK(count_lines(path) == 3);
  {
    Journal j(path);
    CHECK(j.records().size() == 3);
    CHECK(j.records()[2]["trial"].get<int>() == 2);
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "not json\n";
  }
  CHECK_THROWS_WITH_AS(Journal{path}, doctest::Contains("line 4"), FormatError);
  Journal off;
  off.append({{"x", 1}});
  CHECK_FALSE(off.enabled());
  std::filesystem::remove_all(dir);
}

TEST_CASE("journal: a tuner's record with a missing or mistyped field is a FormatError naming the record") {
  // Found by fuzz/fuzz_journal.cpp: such records escaped as nlohmann::json exceptions.
  const auto dir = fresh_dir("journal_fields");
  const auto path = dir / "j.jsonl";
  SearchSpace space;
  space.add_float("x", 0.0, 1.0);
  auto write = [&](const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  };
  auto hyperband = [&] {
    HyperbandOptions o;
    o.max_budget = 3;
    o.threads = 1;
    o.journal = path;
    o.progress = Progress::Show::never;
    Hyperband(space, o).run([](const Configuration& c, double, ResumeState&) { return c.get_float("x"); });
  };
  auto bayes_opt = [&] {
    BayesOptOptions o;
    o.initial_points = 2;
    o.threads = 1;
    o.journal = path;
    o.progress = Progress::Show::never;
    BayesianOptimizer<ExpectedImprovement>(space, o).run([](const Configuration& c) { return c.get_float("x"); }, 2);
  };
  // Other JSON values and other tuners' records are not this tuner's and are skipped.
  write("5\n\"text\"\n[1]\n{\"tuner\": 3}\n{\"tuner\": \"other\", \"trial\": \"x\"}\n");
  CHECK_NOTHROW(hyperband());
  write("5\n{\"tuner\": \"bayes_opt\"}\n");
  CHECK_NOTHROW(hyperband());
  CHECK_THROWS_WITH_AS(bayes_opt(), doctest::Contains("record 2: \"trial\" must be a non-negative integer"), FormatError);
  write("{\"tuner\": \"bayes_opt\", \"trial\": 0, \"loss\": 0.5}\n");
  CHECK_THROWS_WITH_AS(bayes_opt(), doctest::Contains("record 1: \"hash\" must be a string"), FormatError);
  write("{\"tuner\": \"hyperband\", \"trial\": 0, \"rung\": -1, \"hash\": \"0\", \"loss\": 1}\n");
  CHECK_THROWS_WITH_AS(hyperband(), doctest::Contains("\"rung\" must be a non-negative integer"), FormatError);
  write("{\"tuner\": \"hyperband\", \"trial\": 0, \"rung\": 0, \"hash\": \"0\", \"loss\": \"low\"}\n");
  CHECK_THROWS_WITH_AS(hyperband(), doctest::Contains("\"loss\" must be a number or null"), FormatError);
  write("{\"tuner\": \"hyperband\", \"trial\": 0, \"rung\": 0, \"hash\": \"0\", \"loss\": null, \"seconds\": \"1\"}\n");
  CHECK_THROWS_WITH_AS(hyperband(), doctest::Contains("\"seconds\" must be a number"), FormatError);
  std::filesystem::remove_all(dir);
}

namespace {
SearchSpace kill_space() {
  SearchSpace s;
  s.add_float("x", -3.0, 3.0).add_int("k", 1, 40).add_categorical("act", {"relu", "gelu", "tanh"});
  return s;
}
double kill_loss(const Configuration& c, double budget) {
  const double x = c.get_float("x");
  return (x - 0.5) * (x - 0.5) + 0.02 * static_cast<double>(c.get_int("k")) + (c.get_string("act") == "gelu" ? 0 : 0.2) +
         1.0 / budget;
}
}  // namespace

TEST_CASE("Hyperband killed with SIGKILL mid-run resumes from its journal without repeating finished trials") {
  const auto dir = fresh_dir("kill");
  const auto path = dir / "hyperband.jsonl";
  HyperbandOptions o;
  o.max_budget = 27;
  o.eta = 3;
  o.seed = 77;
  o.threads = 2;
  o.journal = path;
  const Hyperband hb(kill_space(), o);
  const std::size_t kill_after = 40;

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: finishes `kill_after` evaluations, then every worker blocks inside the
    // objective, as a long training would, until the parent kills the process.
    std::atomic<std::size_t> calls{0};
    try {
      hb.run([&](const Configuration& c, double budget, ResumeState&) {
        if (calls.fetch_add(1) >= kill_after)
          for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
        return kill_loss(c, budget);
      });
    } catch (...) {
    }
    ::_exit(3);  // not reached unless the run ended early
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_lines(path) < kill_after && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  const std::size_t finished = count_lines(path);
  CHECK(finished == kill_after);

  std::set<std::pair<std::uint64_t, std::size_t>> journaled;
  {
    Journal j(path);
    for (const auto& r : j.records()) journaled.insert({r["trial"].get<std::uint64_t>(), r["rung"].get<std::size_t>()});
  }
  REQUIRE(journaled.size() == finished);

  // Restart: nothing that finished runs again, everything else runs once.
  std::mutex m;
  std::set<std::pair<std::uint64_t, std::size_t>> rerun;
  std::size_t repeated = 0;
  const auto resumed = hb.run([&](const Configuration& c, double budget, ResumeState& st) {
    std::lock_guard lock(m);
    repeated += journaled.count({st.trial, st.rung});
    rerun.insert({st.trial, st.rung});
    return kill_loss(c, budget);
  });
  CHECK(repeated == 0);
  CHECK(resumed.evaluations_run == resumed.evaluations - finished);
  CHECK(rerun.size() == resumed.evaluations_run);
  CHECK(count_lines(path) == resumed.evaluations);

  // The resumed run equals an uninterrupted one.
  auto clean_opts = o;
  clean_opts.journal.clear();
  const auto clean = Hyperband(kill_space(), clean_opts).run(
      [](const Configuration& c, double budget, ResumeState&) { return kill_loss(c, budget); });
  REQUIRE(clean.history.size() == resumed.history.size());
  for (std::size_t i = 0; i < clean.history.size(); ++i) {
    CHECK(clean.history[i].trial == resumed.history[i].trial);
    CHECK(clean.history[i].config == resumed.history[i].config);
    CHECK(clean.history[i].loss == resumed.history[i].loss);
  }
  CHECK(clean.best().config == resumed.best().config);

  // A third start finds everything in the journal.
  std::atomic<std::size_t> calls{0};
  const auto again = hb.run([&](const Configuration& c, double budget, ResumeState&) {
    ++calls;
    return kill_loss(c, budget);
  });
  CHECK(calls == 0);
  CHECK(again.evaluations_run == 0);

  // A journal from another seed is refused instead of silently mixed in.
  auto other = o;
  other.seed = 78;
  CHECK_THROWS_AS(Hyperband(kill_space(), other).run([](const Configuration& c, double b, ResumeState&) { return kill_loss(c, b); }),
                  ConfigError);
  std::filesystem::remove_all(dir);
}
