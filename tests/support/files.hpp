#pragma once
// Test support for code that reads and writes files: a fresh temporary directory per test,
// whole-file reads, and the message of an expected exception.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace locus::test {

// A fresh empty directory (unique per process and instance), removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(std::string_view tag = "tmp") {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() /
           ("locus_test_" + std::string(tag) + "_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(std::string_view name) const { return path / std::string(name); }
  // Writes `content` to a file of the directory and returns its path.
  std::filesystem::path file(std::string_view name, std::string_view content) const {
    std::ofstream(path / std::string(name), std::ios::binary) << content;
    return path / std::string(name);
  }
  // The names of the directory's entries, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// Entries of `dir` whose name marks an unfinished atomic write (".name.tmp.…").
inline std::vector<std::string> temp_files_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) out.push_back(name);
  }
  return out;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message of the E thrown by f (empty when f throws nothing; other exceptions propagate).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return {};
}

inline bool mentions(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace locus::test
