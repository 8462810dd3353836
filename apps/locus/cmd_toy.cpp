// locus toy: the toy u−g metallicity-bias model of paper 000 (Appendix, Figs. 28–30): its
// tables, and with --plot its figures. docs/toy-ug.md, "The `locus toy` command".
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/sim/toy_ug_tables.hpp>

#include "common.hpp"

extern char** environ;

namespace locus_cli {

namespace {

// Where plot_toy_ug.py may be: installed beside the tool (bin/../share/locus/scripts), then in
// the source tree the tool was built from.
std::vector<std::filesystem::path> script_candidates() {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
#ifdef LOCUS_INSTALLED_SCRIPTS
  if (!ec) out.push_back(exe.parent_path() / LOCUS_INSTALLED_SCRIPTS / "plot_toy_ug.py");
#endif
#ifdef LOCUS_SCRIPTS_DIR
  out.push_back(std::filesystem::path(LOCUS_SCRIPTS_DIR) / "plot_toy_ug.py");
#endif
  return out;
}

// Runs argv[0] (an absolute path, no shell) and returns its exit status (-1: it could not be
// started or ended by a signal). Its stdout goes to our stderr, so `--json -` keeps stdout
// for the JSON; `silent` sends both to /dev/null.
int run(const std::vector<std::string>& args, bool silent) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (silent) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
  }
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

constexpr const char* python = "/usr/bin/python3";

// Makes the figures, or says why not: "" when made, else the reason they were skipped.
// A script that fails with matplotlib present is an Error.
std::string plot(const std::filesystem::path& tables, const std::filesystem::path& figures, bool quiet) {
  std::filesystem::path script;
  std::string looked;
  for (const auto& c : script_candidates()) {
    looked += (looked.empty() ? "" : ", ") + c.string();
    if (script.empty() && std::filesystem::is_regular_file(c)) script = c;
  }
  if (script.empty()) return "plot_toy_ug.py was not found (looked in: " + looked + ")";
  if (!std::filesystem::exists(python)) return std::string(python) + " was not found";
  if (run({python, "-c", "import matplotlib"}, true) != 0)
    return std::string("matplotlib is not importable by ") + python + " (Debian: apt install python3-matplotlib)";
  const int rc = run({python, script.string(), tables.string(), figures.string()}, quiet);
  locus::interrupt::check("toy: plotting");
  if (rc != 0)
    throw locus::Error("toy: the tables were written, but plotting failed: " + std::string(python) + " " + script.string() +
                       " " + tables.string() + " " + figures.string() + " exited with " + std::to_string(rc));
  return "";
}

nlohmann::json bins_json(const std::vector<locus::sim::ToyUgBin>& bins) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& b : bins)
    a.push_back({{"ug_lo", b.ug_lo}, {"ug_hi", b.ug_hi}, {"count", b.count}, {"median_mc", b.median_mc},
                 {"median_error", b.median_error}, {"median_exact", b.median_exact}});
  return a;
}

}  // namespace

void add_toy(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    locus::sim::ToyUgTablesOptions tables;
    std::string out, figures;
    bool plot = false;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("toy", "The toy u-g metallicity-bias model of paper 000 (Appendix, Figs. 28-30): "
                                        "CSV tables, and with --plot the figures");
  sub->add_option("-o,--out", o->out, "Directory of the tables (created if missing)")->required();
  sub->add_option("--n", o->tables.n, "Monte Carlo stars per prior (Figs. 28-29)")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--n30", o->tables.n30, "Stars per prior for Fig. 30")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--seed", o->tables.seed, "Random seed")->capture_default_str();
  sub->add_flag("--plot", o->plot, "Also draw Figs. 28-30 as PNGs with scripts/plot_toy_ug.py (needs matplotlib)");
  sub->add_option("--figures", o->figures, "Directory of the figures (default: the --out directory)");
  add_common(*sub, o->common, false);
  sub->callback([o, &selected] {
    selected.common = &o->common;
    selected.run = [o] {
      const auto t0 = std::chrono::steady_clock::now();
      const auto tables = locus::sim::write_toy_ug_tables(o->out, o->tables);
      const auto t1 = std::chrono::steady_clock::now();
      const std::string figures = o->figures.empty() ? o->out : o->figures;
      std::string skipped;
      if (o->plot) skipped = plot(o->out, figures, o->common.quiet);
      const auto t2 = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(t1 - t0).count(), plot_secs = std::chrono::duration<double>(t2 - t1).count();

      Outcome out;
      nlohmann::json files = nlohmann::json::array();
      for (const auto& f : tables.files) files.push_back(f.string());
      nlohmann::json fig = nullptr;
      if (o->plot && skipped.empty())
        fig = {(std::filesystem::path(figures) / "toy_ug_fig28.png").string(),
               (std::filesystem::path(figures) / "toy_ug_fig29.png").string(),
               (std::filesystem::path(figures) / "toy_ug_fig30.png").string()};
      out.summary = {{"command", "toy"},
                     {"out", o->out},
                     {"n", o->tables.n},
                     {"n30", o->tables.n30},
                     {"seed", o->tables.seed},
                     {"tables", files},
                     {"bins", {{"uniform", bins_json(tables.bins[0])}, {"binormal", bins_json(tables.bins[1])}}},
                     {"figures", fig},
                     {"seconds", secs + plot_secs}};
      if (!skipped.empty()) out.summary["plot_skipped"] = skipped;
      out.text = "locus toy: " + tables.median_table() +
                 format("  wrote %zu tables to %s in %.1f s\n", tables.files.size(), o->out.c_str(), secs);
      if (o->plot)
        out.text += skipped.empty() ? format("  drew toy_ug_fig28.png, toy_ug_fig29.png, toy_ug_fig30.png in %s in %.1f s\n",
                                             figures.c_str(), plot_secs)
                                    : "  no figures: " + skipped + "\n";
      return out;
    };
  });
}

}  // namespace locus_cli
