#pragma once
// What every `locus` subcommand shares: the common flags, the column map, reading options,
// progress and log output, and the outcome each command reports.
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <locus/core/progress.hpp>
#include <locus/io/catalog_file.hpp>
#include <locus/pipeline/column_map.hpp>
#include <locus/pipeline/streaming.hpp>

namespace locus_cli {

// Exit codes (docs/cli.md lists them).
enum Exit : int {
  ok = 0,
  internal_error = 1,  // a bug: please report it
  usage_error = 2,     // bad flags, bad config file, inconsistent options
  input_error = 3,     // unreadable input, missing column, bad value, wrong format
  output_error = 4,    // cannot write: missing directory, full disk, no permission
  other_error = 5,     // any other failure the library reports
  interrupted = 130,   // Ctrl-C (SIGINT); 143 for SIGTERM
};

// The flags every subcommand has.
struct Common {
  std::size_t threads = 0;
  bool quiet = false;
  std::string json;                 // write the summary as JSON here ("-": stdout)
  std::vector<std::string> cols;    // --col KEY=NAME
  std::string id = "auto";          // id column of input catalogues
  std::string on_missing = "error";  // NaN / −99 in a star column: error or flag
  int digits = 0;                   // CSV outputs: significant digits (0: exact)
};

// What a command reports at its end: a one-screen text and the same as JSON.
struct Outcome {
  std::string text;
  nlohmann::json summary = nlohmann::json::object();
};

using Command = std::function<Outcome()>;

// The subcommand chosen on the command line, and its common flags.
struct Selected {
  Command run;
  Common* common = nullptr;
  bool splits = false;  // runs split across MPI ranks (mpi::split_stream)
};

// The exit code of a failed command (what `locus` exits with after that exception).
int exit_code_of(std::exception_ptr error);

void add_common(CLI::App& sub, Common& c, bool reads_catalogue);
locus::pipeline::ColumnMap column_map(const Common& c);
locus::io::CatalogReadOptions read_options(const Common& c, const locus::pipeline::ColumnMap& map);
locus::io::CatalogWriteOptions write_options(const Common& c, std::vector<std::string> comments = {});
locus::Progress::Show progress(const Common& c);
// How a streaming command (posterior, predict) reads and writes, and the start of its summary.
locus::pipeline::StreamOptions stream_options(const Common& c, const locus::pipeline::ColumnMap& map, std::size_t block_rows,
                                              const std::string& comment);
nlohmann::json stream_summary(const char* command, const locus::pipeline::StreamResult& r, const std::string& in,
                              const std::string& out);
std::function<void(const std::string&)> logger(const Common& c);
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// One line per status bit set in an output ("  missing_value  12 rows (0.01 %)").
std::string flag_lines(const std::map<std::string, std::size_t>& flags, std::size_t rows);

// The subcommands; each adds itself to `app` and, when chosen, sets `selected`.
void add_simulate(CLI::App& app, Selected& selected);
void add_posterior(CLI::App& app, Selected& selected);
void add_train(CLI::App& app, Selected& selected);
void add_predict(CLI::App& app, Selected& selected);
void add_pipeline(CLI::App& app, Selected& selected);
void add_tune(CLI::App& app, Selected& selected);
void add_toy(CLI::App& app, Selected& selected);
void add_reproduce(CLI::App& app, Selected& selected);

}  // namespace locus_cli
