// Fuzz harness: the tuners' journal (tune/journal.hpp), a JSON-lines file that a restarted
// run replays. The bytes are opened as a Journal, then given to Hyperband (R = 3, eta = 3)
// and to Bayesian optimisation (its 4 initial-design trials: the replay path, without the
// Gaussian process, which would slow the fuzzer down a hundredfold), each on a small fixed space with a cheap
// deterministic objective, so records whose trial and hash match are replayed and the rest
// is run and appended. The file is rewritten before each use: opening it may cut a torn line,
// and a run appends to it.
#include "harness.hpp"

#include <cmath>

#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/journal.hpp>
#include <locus/tune/space.hpp>

namespace {

locus::tune::SearchSpace small_space() {
  locus::tune::SearchSpace s;
  s.add_int("k", 1, 12);
  s.add_float("x", 0.0, 1.0);
  s.add_categorical("act", {"gelu", "tanh"});
  return s;
}

double objective_value(const locus::tune::Configuration& c) {
  const double x = c.get_float("x");
  return std::abs(x - 0.3) + 0.01 * static_cast<double>(c.get_int("k")) + (c.get_string("act") == "gelu" ? 0.0 : 0.05);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tune = locus::tune;
  const auto path = locus_fuzz::write_input(data, size, "journal.jsonl");
  locus_fuzz::expect_rejection_or_success([&] { tune::Journal journal(path); });

  locus_fuzz::write_input(data, size, "journal.jsonl");
  locus_fuzz::expect_rejection_or_success([&] {
    tune::HyperbandOptions o;
    o.max_budget = 3;
    o.eta = 3;
    o.threads = 1;
    o.seed = 77;
    o.journal = path;
    o.progress = locus::Progress::Show::never;
    const tune::Hyperband hb(small_space(), o);
    hb.run([](const tune::Configuration& c, double budget, tune::ResumeState&) { return objective_value(c) / budget; });
  });

  locus_fuzz::write_input(data, size, "journal.jsonl");
  locus_fuzz::expect_rejection_or_success([&] {
    tune::BayesOptOptions o;
    o.initial_points = 4;
    o.threads = 1;
    o.seed = 77;
    o.journal = path;
    o.progress = locus::Progress::Show::never;
    tune::BayesianOptimizer<tune::ExpectedImprovement> opt(small_space(), o);
    opt.run([](const tune::Configuration& c) { return objective_value(c); }, 4);
  });
  return 0;
}
