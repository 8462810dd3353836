#pragma once
// How `locus` reads options from a TOML file (--config), apart from the commands' own options,
// so fuzz/fuzz_config.cpp fuzzes the same parsing the tool does.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace locus_cli {

inline void enable_config_file(CLI::App& app) {
  app.set_config("--config", "",
                 "Read options from a TOML file: a [pipeline] section for `locus pipeline` and so on (keys: the long "
                 "option names); flags on the command line override it. Also accepted after the command.");
  app.allow_config_extras(CLI::config_extras_mode::error);
}

// `locus pipeline --config f.toml` means the same as `locus --config f.toml pipeline`: the
// file's [pipeline] section holds the command's options (one file can serve every command).
// Returns the arguments in the order App::parse(std::vector) takes them (last first).
inline std::vector<std::string> config_first(std::vector<std::string> args) {
  for (std::size_t i = 1; i < args.size(); ++i)
    if (args[i] == "--config" && i + 1 < args.size()) {
      const std::string file = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      args.insert(args.begin(), {"--config", file});
      break;
    } else if (args[i].rfind("--config=", 0) == 0) {
      const std::string opt = args[i];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      args.insert(args.begin(), opt);
      break;
    }
  std::reverse(args.begin(), args.end());
  return args;
}

}  // namespace locus_cli
