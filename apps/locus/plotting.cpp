#include "plotting.hpp"

#include <cerrno>
#include <filesystem>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>

extern char** environ;

namespace locus_cli {

namespace {

std::vector<std::filesystem::path> script_candidates(const std::string& name) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
#ifdef LOCUS_INSTALLED_SCRIPTS
  if (!ec) out.push_back(exe.parent_path() / LOCUS_INSTALLED_SCRIPTS / name);
#endif
#ifdef LOCUS_SCRIPTS_DIR
  out.push_back(std::filesystem::path(LOCUS_SCRIPTS_DIR) / name);
#endif
  return out;
}

// Runs argv[0] (an absolute path, no shell) and returns its exit status (-1: it could not be
// started or ended by a signal). Its stdout goes to our stderr; `silent` sends both to /dev/null.
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

}  // namespace

std::string run_plot_script(const std::string& name, const std::vector<std::string>& args, bool quiet, const std::string& what) {
  std::filesystem::path script;
  std::string looked;
  for (const auto& c : script_candidates(name)) {
    looked += (looked.empty() ? "" : ", ") + c.string();
    if (script.empty() && std::filesystem::is_regular_file(c)) script = c;
  }
  if (script.empty()) return name + " was not found (looked in: " + looked + ")";
  if (!std::filesystem::exists(python)) return std::string(python) + " was not found";
  if (run({python, "-c", "import matplotlib"}, true) != 0)
    return std::string("matplotlib is not importable by ") + python + " (Debian: apt install python3-matplotlib)";
  std::vector<std::string> argv{python, script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const int rc = run(argv, quiet);
  locus::interrupt::check(what + ": plotting");
  if (rc != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw locus::Error(what + ": the tables were written, but plotting failed: " + cmd + " exited with " + std::to_string(rc));
  }
  return "";
}

}  // namespace locus_cli
