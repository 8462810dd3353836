// locus: the photo-D toolkit as a command-line program. See docs/cli.md.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/io/atomic_file.hpp>

#include "common.hpp"
#include "config.hpp"
#include "mpi.hpp"

#ifndef LOCUS_VERSION
#define LOCUS_VERSION "unknown"
#endif

namespace {

// The first SIGINT/SIGTERM asks the run to stop at its next check (outputs are discarded, the
// run record keeps every finished stage); a second one ends the process at once.
extern "C" void on_signal(int sig) {
  if (locus::interrupt::requested()) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  locus::interrupt::request(sig);
}

// "locus: ", or under mpirun with several ranks "locus (rank K): "
std::string who() {
  const auto& w = locus_cli::mpi::world();
  return w.size > 1 ? "locus (rank " + std::to_string(w.rank) + "): " : "locus: ";
}

int report(bool print, const char* kind, const std::exception& e, int code) {
  if (print) std::fprintf(stderr, "%s%s%s\n", who().c_str(), kind, e.what());
  return code;
}

// The exit code of a failed run, and its message on stderr when `print` is set.
int failure(std::exception_ptr error, bool print) {
  try {
    std::rethrow_exception(error);
  } catch (const locus_cli::mpi::PeerFailed& e) {
    return e.code;  // the failing rank reports it
  } catch (const locus::Interrupted& e) {
    const int sig = locus::interrupt::signal();
    if (print) std::fprintf(stderr, "%s%s; no partial output was written\n", who().c_str(), e.what());
    return 128 + (sig ? sig : 2);
  } catch (const locus::ConfigError& e) {
    return report(print, "", e, locus_cli::usage_error);
  } catch (const locus::InputError& e) {
    return report(print, "", e, locus_cli::input_error);
  } catch (const locus::FormatError& e) {
    return report(print, "", e, locus_cli::input_error);
  } catch (const locus::OutputError& e) {
    return report(print, "", e, locus_cli::output_error);
  } catch (const locus::Error& e) {
    return report(print, "", e, locus_cli::other_error);
  } catch (const std::bad_alloc& e) {
    return report(print, "out of memory: ", e, locus_cli::other_error);
  } catch (const std::exception& e) {
    return report(print, "internal error (please report it): ", e, locus_cli::internal_error);
  }
}

int run(int argc, char** argv);

}  // namespace

int locus_cli::exit_code_of(std::exception_ptr error) { return failure(error, false); }

int main(int argc, char** argv) {
  locus_cli::mpi::init(argc, argv);
  const int code = run(argc, argv);
  locus_cli::mpi::finalize();
  return code;
}

namespace {

int run(int argc, char** argv) {
  CLI::App app{"locus " LOCUS_VERSION
               ": stellar parameters (Mr, A_r, [Fe/H]) from ugriz photometry by the photo-D Bayesian method and the "
               "neural networks of Mrakovčić, Ivezić & Palaversa (2025)",
               "locus"};
#ifdef LOCUS_HAVE_MPI
  app.set_version_flag("--version", std::string("locus ") + LOCUS_VERSION + " (with MPI)");
#else
  app.set_version_flag("--version", std::string("locus ") + LOCUS_VERSION);
#endif
  locus_cli::enable_config_file(app);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 2 usage, 3 bad input, 4 cannot write output, 5 other error, 130 interrupted. "
             "Docs: docs/cli.md.");

  locus_cli::Selected selected;
  locus_cli::add_simulate(app, selected);
  locus_cli::add_posterior(app, selected);
  locus_cli::add_train(app, selected);
  locus_cli::add_predict(app, selected);
  locus_cli::add_pipeline(app, selected);
  locus_cli::add_tune(app, selected);
  locus_cli::add_toy(app, selected);
  locus_cli::add_reproduce(app, selected);

  std::vector<std::string> args = locus_cli::config_first(std::vector<std::string>(argv + 1, argv + argc));
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return locus_cli::usage_error;
  }
  if (!selected.run) return locus_cli::usage_error;
  const auto& world = locus_cli::mpi::world();
  if (world.size > 1 && !selected.splits) {
    if (world.rank == 0)
      std::fprintf(stderr, "locus: %s does not split across MPI ranks (posterior, predict and tune do); run it as one process\n",
                   app.get_subcommands().front()->get_name().c_str());
    return locus_cli::usage_error;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG, reported like a full disk,
  // instead of the signal killing the process with a temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  const locus_cli::Common& common = *selected.common;
  try {
    if (!common.json.empty() && common.json != "-") {  // a summary that cannot be written fails before the run
      const std::filesystem::path json(common.json);
      const auto dir = json.has_parent_path() ? json.parent_path() : std::filesystem::path(".");
      if (!std::filesystem::is_directory(dir))
        throw locus::OutputError("cannot write '" + common.json + "': the directory '" + dir.string() + "' does not exist");
    }
    const locus_cli::Outcome out = selected.run();
    if (world.rank != 0) return locus_cli::ok;  // rank 0 reports for the job
    if (common.json == "-") {
      std::printf("%s\n", out.summary.dump(2).c_str());
    } else {
      std::fputs(out.text.c_str(), stdout);
      if (!out.text.empty() && out.text.back() != '\n') std::fputc('\n', stdout);
      if (!common.json.empty()) locus::io::write_file_atomically(common.json, out.summary.dump(2) + "\n");
    }
    std::fflush(stdout);
    return locus_cli::ok;
  } catch (...) {
    return failure(std::current_exception(), true);
  }
}

}  // namespace
