// locus reproduce paper000: paper 000's results section as one command that writes a report
// (DIR/report.md), the CSV tables behind it and its figures. docs/reproduction.md.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>

#include "common.hpp"
#include "paper000.hpp"

namespace locus_cli {

namespace {
// The shipped data: installed beside the tool (bin/../share/locus/data), else the source tree's.
std::filesystem::path default_data_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
#ifdef LOCUS_INSTALLED_DATA
  if (!ec && std::filesystem::exists(exe.parent_path() / LOCUS_INSTALLED_DATA / "photod"))
    return (exe.parent_path() / LOCUS_INSTALLED_DATA).lexically_normal();
#endif
#ifdef LOCUS_SOURCE_DATA
  return LOCUS_SOURCE_DATA;
#else
  return "data";
#endif
}
}  // namespace

void add_reproduce(CLI::App& app, Selected& selected) {
  struct Options {
    Common common;
    std::string paper, out, data;
    bool small = false, no_plot = false, no_search = false;
    std::size_t seeds = 3;
    std::vector<std::size_t> sizes;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("reproduce", "Reproduce a paper's results: `locus reproduce paper000 --out DIR` writes DIR/report.md "
                                              "with its tables (CSV) and figures (PNG, needs matplotlib)");
  sub->add_option("paper", o->paper, "Which paper: paper000 (Mrakovčić, Ivezić & Palaversa 2025)")
      ->required()
      ->check(CLI::IsMember({"paper000"}));
  sub->add_option("-o,--out", o->out, "Report directory (created if missing)")->required();
  sub->add_flag("--small", o->small, "A quick structural run (0.5 deg², 1 seed, small training sets; under a minute): for tests, not results");
  sub->add_option("--seeds", o->seeds, "Seeds per Table-1 cell and training size (default 3, --small 1)")->check(CLI::Range(1, 20));
  sub->add_option("--sizes", o->sizes, "Training sizes of the Figure-1 curve (default 1000 2000 5000 10000 20000 50000 100000)")
      ->delimiter(',');
  sub->add_option("--data", o->data, "The data directory with photod/s82/ (default: the installed or source tree's data/)");
  sub->add_flag("--no-plot", o->no_plot, "Write the tables and the report only, no figures");
  sub->add_flag("--no-search", o->no_search, "Skip the Hyperband architecture search (section 5)");
  add_common(*sub, o->common, false);
  sub->callback([o, sub, &selected] {
    selected.common = &o->common;
    selected.run = [o, sub] {
      Paper000Options p;
      p.out = o->out;
      p.data = o->data.empty() ? default_data_dir() : std::filesystem::path(o->data);
      p.small = o->small;
      if (o->small) {
        p.seeds = 1, p.area = 0.5, p.bayes_stars = 2000, p.sizes = {250, 500, 1000, 2000}, p.curve_test = 2000;
        p.figure_stars = 20000, p.toy_n = 10000, p.toy_n30 = 100000, p.batch = 256, p.recipe_batch = 64, p.search_r = 9;
      }
      if (sub->count("--seeds")) p.seeds = o->seeds;
      if (!o->sizes.empty()) p.sizes = o->sizes;
      p.plot = !o->no_plot;
      p.search = !o->no_search;
      p.threads = o->common.threads;
      p.log = logger(o->common);
      p.progress = progress(o->common);
      p.command_line = "locus reproduce paper000 --out " + o->out + (o->small ? " --small" : "") +
                       (sub->count("--seeds") ? " --seeds " + std::to_string(o->seeds) : "") + (o->no_plot ? " --no-plot" : "") +
                       (o->no_search ? " --no-search" : "");
      if (!o->sizes.empty()) {
        p.command_line += " --sizes ";
        for (std::size_t i = 0; i < o->sizes.size(); ++i) p.command_line += (i ? "," : "") + std::to_string(o->sizes[i]);
      }
      const auto r = reproduce_paper000(p);
      Outcome out;
      out.text = r.summary;
      nlohmann::json tables = nlohmann::json::array(), figures = nlohmann::json::array();
      for (const auto& t : r.tables) tables.push_back(t.string());
      for (const auto& f : r.figures) figures.push_back(f.string());
      out.summary = {{"command", "reproduce"}, {"paper", o->paper}, {"report", r.report.string()}, {"tables", tables},
                     {"figures", figures},     {"seconds", r.seconds}, {"small", o->small}};
      if (!r.plot_skipped.empty()) out.summary["plot_skipped"] = r.plot_skipped;
      return out;
    };
  });
}

}  // namespace locus_cli
