// locus toy: the toy u−g metallicity-bias model of paper 000 (Appendix, Figs. 28–30): its
// tables, and with --plot its figures. docs/toy-ug.md, "The `locus toy` command".
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/sim/toy_ug_tables.hpp>

#include "common.hpp"
#include "plotting.hpp"

namespace locus_cli {

namespace {

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
      if (o->plot) skipped = run_plot_script("plot_toy_ug.py", {o->out, figures}, o->common.quiet, "toy");
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
