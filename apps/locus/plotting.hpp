#pragma once
// Drawing figures with the project's matplotlib scripts (scripts/plot_*.py): found installed
// beside the tool (bin/../share/locus/scripts), else in the source tree it was built from.
#include <string>
#include <vector>

namespace locus_cli {

// Runs /usr/bin/python3 SCRIPT ARGS... and returns "" when it succeeded, or the reason the
// figures were skipped (script, python or matplotlib missing). A script that fails with
// matplotlib present throws locus::Error naming `what`. `quiet`: the script's output is dropped
// (otherwise it goes to stderr, so `--json -` keeps stdout for the JSON).
std::string run_plot_script(const std::string& script, const std::vector<std::string>& args, bool quiet,
                            const std::string& what);

}  // namespace locus_cli
