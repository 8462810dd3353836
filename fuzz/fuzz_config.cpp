// Fuzz harness: `locus --config FILE` (TOML). The tool's config reading is CLI11's, set up by
// apps/locus/config.hpp (enable_config_file, config_first), which this harness uses as the tool
// does. The commands themselves (apps/locus/cmd_*.cpp) pull in the posterior engine, which
// clang 14 cannot compile, so the App here carries a copy of the option kinds the commands
// declare: sections [pipeline], [posterior] and [tune] with the same names, types, checks and
// option groups (integers, doubles, 64-bit seeds, flags, lists, ranges, choices, positional
// inputs). A CLI::ParseError is the tool's exit 2 ("usage") and an expected outcome.
#include "harness.hpp"

#include <CLI/CLI.hpp>

#include "../apps/locus/config.hpp"

namespace {

struct Options {
  std::string in, out, run_dir = "locus-run", sampling = "random", engine = "grid", priors, mode = "exact";
  std::string errors = "coadd", galaxy = "biased", locus = "builtin", ages = "same", space, method = "hyperband";
  std::string json, id = "auto", on_missing = "error";
  std::vector<std::string> cols;
  bool no_record = false, restart = false, refine = false, no_tau = false, snr5 = false, quiet = false;
  std::size_t train = 10000, check = 2000, block_rows = 1 << 16, walkers = 4, steps = 500, burn_in = 100;
  std::size_t epochs = 1024, patience = 100, runs = 2, batch = 256, max_refine = 32, threads = 0, t_step = 10;
  double validation = 0.25, stratum_width = 1.0, ar_scale = 1.3, ar_max = 0, jump = 0, learning_rate = 1e-3;
  double area = 10, l = 35, b = 30, max_epochs = 81, eta = 3;
  int digits = 0;
  std::uint64_t seed = 1, sample_seed = 1;
};

void add_common(CLI::App& sub, Options& o) {
  sub.add_option("--threads", o.threads)->capture_default_str();
  sub.add_flag("-q,--quiet", o.quiet);
  sub.add_option("--json", o.json);
  sub.add_option("--digits", o.digits)->check(CLI::Range(0, 17));
  sub.add_option("--col", o.cols)->take_all();
  sub.add_option("--id", o.id);
  sub.add_option("--on-missing", o.on_missing)->check(CLI::IsMember({"error", "flag"}));
}

void add_posterior_flags(CLI::App& sub, Options& o) {
  auto* g = sub.add_option_group("posterior");
  g->add_option("--engine", o.engine)->check(CLI::IsMember({"grid", "mcmc"}));
  g->add_option("--priors", o.priors);
  g->add_option("--ar-scale", o.ar_scale);
  g->add_option("--ar-max", o.ar_max)->check(CLI::PositiveNumber);
  g->add_option("--grid-mode", o.mode)->check(CLI::IsMember({"exact", "brute_force"}));
  g->add_flag("--refine", o.refine);
  g->add_option("--max-refine", o.max_refine)->check(CLI::Range(1, 1024));
  g->add_option("--walkers", o.walkers)->check(CLI::Range(2, 100000));
  g->add_option("--steps", o.steps)->check(CLI::Range(2, 100000000));
  g->add_option("--burn-in", o.burn_in);
  g->add_option("--jump", o.jump)->check(CLI::Range(0.0, 1.0));
  g->add_flag("--no-tau", o.no_tau);
  g->add_option("--mcmc-seed", o.seed);
}

void build(CLI::App& app, Options& o) {
  locus_cli::enable_config_file(app);
  app.require_subcommand(1);

  auto* p = app.add_subcommand("pipeline");
  p->add_option("input", o.in);
  p->add_option("-o,--out", o.out);
  p->add_option("--run-dir", o.run_dir);
  p->add_flag("--no-record", o.no_record);
  p->add_flag("--restart", o.restart);
  auto* g = p->add_option_group("sample");
  g->add_option("--bayes-stars", o.train)->check(CLI::Range(3, 1 << 30));
  g->add_option("--check-stars", o.check);
  g->add_option("--validation", o.validation)->check(CLI::Range(0.01, 0.99));
  g->add_option("--sampling", o.sampling)->check(CLI::IsMember({"random", "stratified"}));
  g->add_option("--stratum-width", o.stratum_width)->check(CLI::PositiveNumber);
  g->add_option("--sample-seed", o.sample_seed);
  add_posterior_flags(*p, o);
  auto* t = p->add_option_group("training");
  t->add_option("--epochs", o.epochs)->check(CLI::PositiveNumber);
  t->add_option("--patience", o.patience);
  t->add_option("--runs", o.runs)->check(CLI::PositiveNumber);
  t->add_option("--batch", o.batch)->check(CLI::PositiveNumber);
  t->add_option("--learning-rate", o.learning_rate)->check(CLI::PositiveNumber);
  auto* s = p->add_option_group("simulation");
  s->add_option("--area", o.area);
  s->add_option("--l", o.l);
  s->add_option("--b", o.b);
  s->add_flag("--snr5", o.snr5);
  s->add_option("--errors", o.errors)->check(CLI::IsMember({"coadd", "single_visit", "sdss_like"}));
  s->add_option("--galaxy", o.galaxy)->check(CLI::IsMember({"biased", "corrected"}));
  s->add_option("--locus", o.locus);
  s->add_option("--ages", o.ages)->check(CLI::IsMember({"same", "galactic"}));
  s->add_option("--seed", o.seed);
  p->add_option("--block-rows", o.block_rows)->check(CLI::PositiveNumber);
  add_common(*p, o);

  auto* q = app.add_subcommand("posterior");
  q->add_option("input", o.in)->required();
  q->add_option("-o,--out", o.out)->required();
  q->add_option("--locus", o.locus);
  q->add_option("--t-step", o.t_step)->check(CLI::PositiveNumber);
  add_posterior_flags(*q, o);
  add_common(*q, o);

  auto* u = app.add_subcommand("tune");
  u->add_option("input", o.in)->required();
  u->add_option("--space", o.space)->required();
  u->add_option("--method", o.method)->check(CLI::IsMember({"hyperband", "bo"}));
  u->add_option("--validation", o.validation)->check(CLI::Range(0.01, 0.99));
  auto* h = u->add_option_group("hyperband");
  h->add_option("--max-epochs", o.max_epochs)->check(CLI::Range(1.0, 1e9));
  h->add_option("--eta", o.eta)->check(CLI::Range(1.01, 1e9));
  add_common(*u, o);
}

// One App for the whole run, cleared before each parse: building it is most of the cost.
void parse(const std::vector<std::string>& command_line) {
  static Options o;
  static CLI::App& app = []() -> CLI::App& {
    static CLI::App a{"locus (fuzz)", "locus"};
    build(a, o);
    return a;
  }();
  app.clear();
  std::vector<std::string> args = locus_cli::config_first(command_line);
  try {
    app.parse(args);
  } catch (const CLI::ParseError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = locus_fuzz::write_input(data, size, "run.toml").string();
  parse({"--config", path});
  parse({"pipeline", "--config", path, "--epochs", "200"});
  return 0;
}
