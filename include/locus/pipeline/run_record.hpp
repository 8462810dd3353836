#pragma once
// RunRecord: the on-disk record of a staged run, so that a rerun resumes from the last finished
// stage and an option change redoes only the stages it affects.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "locus/core/errors.hpp"
#include "locus/io/atomic_file.hpp"

namespace locus::pipeline {

// A short, stable hash of a JSON value (FNV-1a, 64 bit, over its compact text), as 16 hex digits.
inline std::string fingerprint(const nlohmann::json& j) {
  const std::string text = j.dump();
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// What identifies a file's content for a fingerprint without reading it: its absolute path, size
// and modification time. A missing file is an InputError naming `what`.
inline std::string file_identity(const std::filesystem::path& path, const std::string& what = "file") {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError("cannot open " + what + " '" + path.string() + "': " + ec.message());
  const auto time = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  return std::filesystem::absolute(path).lexically_normal().string() + ":" + std::to_string(size) + ":" + std::to_string(time);
}

// RunRecord
//
// Specification:
// - The record is a directory (created if missing; its parent must exist). Each finished stage
//   leaves its data files and, written last and atomically, "<stage>.json" holding its
//   fingerprint, its wall time and what the stage wants to remember. A stage is done when that
//   file exists, names the expected fingerprint, and every file it lists still exists.
// - Fingerprints chain: a stage's fingerprint covers its own options and the fingerprint of the
//   stage before, so changing an option redoes that stage and every later one.
// - Opening a record removes temporary files left by an interrupted writer (".*.tmp.*").
class RunRecord {
 public:
  explicit RunRecord(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    const auto parent = dir_.has_parent_path() ? dir_.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(parent, ec))
      throw OutputError("cannot create the run directory '" + dir_.string() + "': '" + parent.string() + "' does not exist");
    std::filesystem::create_directory(dir_, ec);
    if (!std::filesystem::is_directory(dir_))
      throw OutputError("cannot create the run directory '" + dir_.string() + "'" + (ec ? ": " + ec.message() : ""));
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 1 && name.front() == '.' && name.find(".tmp.") != std::string::npos) std::filesystem::remove(e.path(), ec);
    }
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path file(std::string_view name) const { return dir_ / std::string(name); }

  // The stage's record when it is done with this fingerprint; a null JSON otherwise.
  nlohmann::json done(std::string_view stage, const std::string& fp) const {
    const auto path = marker(stage);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return nullptr;  // (a directory would throw on reading)
    std::ifstream in(path);
    if (!in) return nullptr;
    nlohmann::json j;
    try {
      in >> j;
    } catch (const nlohmann::json::exception&) {
      return nullptr;  // a damaged marker means "not done"
    }
    // fields of the wrong type make a damaged marker too (value() would throw on them)
    if (!j.is_object() || !j.contains("fingerprint") || !j["fingerprint"].is_string() || j["fingerprint"] != fp)
      return nullptr;
    if (j.contains("seconds") && !j["seconds"].is_number()) return nullptr;
    for (const auto& f : j.value("files", nlohmann::json::array())) {
      if (!f.is_string() || !std::filesystem::exists(std::filesystem::path(f.get<std::string>()), ec)) return nullptr;
    }
    return j;
  }

  // Marks the stage done: info gets "fingerprint", "stage" and "seconds" added. List the
  // stage's output files (full paths) in info["files"] so a missing one makes the stage redo.
  void mark_done(std::string_view stage, const std::string& fp, double seconds, nlohmann::json info = nlohmann::json::object()) {
    info["stage"] = std::string(stage);
    info["fingerprint"] = fp;
    info["seconds"] = seconds;
    io::write_file_atomically(marker(stage), info.dump(2) + "\n");
  }

  void forget(std::string_view stage) const {
    std::error_code ec;
    std::filesystem::remove(marker(stage), ec);
  }

 private:
  std::filesystem::path marker(std::string_view stage) const { return dir_ / (std::string(stage) + ".json"); }
  std::filesystem::path dir_;
};

}  // namespace locus::pipeline
