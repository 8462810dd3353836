#include "common.hpp"
#include "mpi.hpp"

#include <cstdarg>
#include <cstdio>
#include <algorithm>
#include <map>
#include <string>

#include <unistd.h>

#include <locus/core/errors.hpp>

namespace locus_cli {

void add_common(CLI::App& sub, Common& c, bool reads_catalogue) {
  sub.add_option("--threads", c.threads, "Worker threads (0: all cores; results do not depend on it)")->capture_default_str();
  sub.add_flag("-q,--quiet", c.quiet, "No progress bars or stage messages (the final summary is still printed)");
  sub.add_option("--json", c.json, "Also write the summary as JSON to this file ('-': stdout, instead of the text)");
  sub.add_option("--digits", c.digits, "Significant digits of numbers in CSV outputs (0: shortest exact form)")
      ->check(CLI::Range(0, 17))
      ->capture_default_str();
  if (!reads_catalogue) return;
  sub.add_option("--col", c.cols,
                 "Map a star field to a catalogue column, KEY=NAME (keys: r r_err ug gr ri iz ug_err gr_err ri_err "
                 "iz_err ar_sfd Mr_true Ar_true FeH_true; an empty NAME: not in the catalogue)")
      ->take_all();
  sub.add_option("--id", c.id, "Column of string row ids ('auto': a first column that is not numeric; '': none)")
      ->capture_default_str();
  sub.add_option("--on-missing", c.on_missing,
                 "A NaN or -99 in a star column: 'error' stops with its file, row and column; 'flag' keeps the row "
                 "with status missing_value")
      ->check(CLI::IsMember({"error", "flag"}))
      ->capture_default_str();
}

locus::pipeline::ColumnMap column_map(const Common& c) {
  locus::pipeline::ColumnMap m;
  for (const auto& kv : c.cols) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw locus::ConfigError("--col " + kv + ": expected KEY=NAME");
    try {
      m.set(kv.substr(0, eq), kv.substr(eq + 1));
    } catch (const locus::ConfigError& e) {
      throw locus::ConfigError("--col " + kv + ": " + e.what());
    }
  }
  return m;
}

locus::io::CatalogReadOptions read_options(const Common& c, const locus::pipeline::ColumnMap& map) {
  locus::io::CatalogReadOptions o;
  o.columns = map.read_specs(c.on_missing == "flag" ? locus::io::Missing::flag : locus::io::Missing::error);
  // only the star columns are inputs: a NaN elsewhere (the bayes_* of unlabelled rows, say) flags nothing
  o.defaults = locus::io::ColumnSpec().optional().on_missing(locus::io::Missing::ignore);
  o.id_column = c.id;
  return o;
}

locus::io::CatalogWriteOptions write_options(const Common& c, std::vector<std::string> comments) {
  locus::io::CatalogWriteOptions o;
  o.comments = std::move(comments);
  o.significant_digits = c.digits;
  return o;
}

locus::pipeline::StreamOptions stream_options(const Common& c, const locus::pipeline::ColumnMap& map, std::size_t block_rows,
                                              const std::string& comment) {
  locus::pipeline::StreamOptions so;
  so.columns = map;
  so.block_rows = block_rows;
  so.threads = c.threads;
  so.progress = progress(c);
  so.write = write_options(c, {comment});
  return so;
}

nlohmann::json stream_summary(const char* command, const locus::pipeline::StreamResult& r, const std::string& in,
                              const std::string& out) {
  auto j = r.to_json();
  j["command"] = command;
  j["input"] = in;
  j["output"] = out;
  j["rows_per_second"] = double(r.rows) / std::max(r.seconds, 1e-9);
  return j;
}

// Under mpirun only rank 0 reports progress and log lines, for the job.
locus::Progress::Show progress(const Common& c) {
  return c.quiet || mpi::world().rank != 0 ? locus::Progress::Show::never : locus::Progress::Show::automatic;
}

std::function<void(const std::string&)> logger(const Common& c) {
  if (c.quiet || mpi::world().rank != 0) return {};
  return [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
}

std::string flag_lines(const std::map<std::string, std::size_t>& flags, std::size_t rows) {
  std::string s;
  for (const auto& [name, n] : flags)
    s += format("  %-14s %zu rows (%.2f %%)\n", name.c_str(), n, 100.0 * double(n) / double(std::max<std::size_t>(rows, 1)));
  return s.empty() ? "  no row flagged\n" : s;
}

std::string format(const char* fmt, ...) {
  va_list a;
  va_start(a, fmt);
  char buf[4096];
  std::vsnprintf(buf, sizeof buf, fmt, a);
  va_end(a);
  return buf;
}

}  // namespace locus_cli
