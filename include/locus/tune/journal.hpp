#pragma once
// Journal: an append-only JSON-lines file, one line per finished trial, so a tuning run that
// is killed (even with kill -9) can be restarted and skip every trial that finished.
//
// Each record is written with a single write(2) on a file opened with O_APPEND, and only
// after the trial finished, so the file holds complete lines plus at most one torn last line
// (a kill during the write). Opening a journal drops a torn last line (a line without its
// newline) by truncating the file back to the last newline; any other unparsable line is a
// FormatError naming the file and line. append() is thread-safe. Data written by write(2)
// survives the death of the process; sync() (fsync) also protects against power loss.
#include <cerrno>
#include <cmath>
#include <limits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <string>
#include <vector>
#include <fcntl.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <locus/core/errors.hpp>

namespace locus::tune {

class Journal {
 public:
  // A disabled journal: records() is empty and append() does nothing.
  Journal() = default;
  explicit Journal(std::filesystem::path path) : path_(std::move(path)) { open(); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool enabled() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  // Records present when the journal was opened, in file order (not those appended since).
  const std::vector<nlohmann::json>& records() const { return records_; }

  void append(const nlohmann::json& record) {
    if (fd_ < 0) return;
    const std::string line = record.dump() + "\n";
    std::lock_guard lock(mutex_);
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t w = ::write(fd_, line.data() + done, line.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw OutputError("journal " + path_.string() + ": write failed: " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(w);
    }
  }
  void sync() {
    if (fd_ >= 0) ::fsync(fd_);
  }

 private:
  void open() {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    std::string content;
    if (std::filesystem::exists(path_)) {
      std::ifstream in(path_, std::ios::binary);
      if (!in) throw Error("journal " + path_.string() + ": cannot be read");
      content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // Drop a torn last line.
    const auto last_newline = content.rfind('\n');
    const std::size_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
    if (keep != content.size()) {
      std::filesystem::resize_file(path_, keep);
      content.resize(keep);
    }
    std::size_t start = 0, line_no = 1;
    while (start < content.size()) {
      const std::size_t end = content.find('\n', start);
      const std::string line = content.substr(start, end - start);
      if (!line.empty()) {
        try {
          records_.push_back(nlohmann::json::parse(line));
        } catch (const nlohmann::json::exception& e) {
          throw FormatError("journal " + path_.string() + " line " + std::to_string(line_no) + ": not valid JSON (" + e.what() + ")");
        }
      }
      start = end + 1;
      ++line_no;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError("journal " + path_.string() + ": cannot be opened for appending: " + std::strerror(errno));
  }

  std::filesystem::path path_;
  std::vector<nlohmann::json> records_;
  int fd_ = -1;
  std::mutex mutex_;
};

// Whether a journal record was written by `tuner` (false for any other JSON value).
inline bool is_record_of(const nlohmann::json& record, const char* tuner) {
  if (!record.is_object()) return false;
  const auto it = record.find("tuner");
  return it != record.end() && it->is_string() && *it == tuner;
}

// Checks the fields a resume reads from a tuner's record: `counters` (non-negative integers),
// "hash" (a string), "loss" (a number or null) and, when present, "seconds" (a number). A
// damaged or hand-edited journal is then a FormatError naming the file and the record
// (1-based, blank lines not counted), not a JSON library exception in the middle of a run.
inline void check_record(const nlohmann::json& record, std::size_t index, const std::filesystem::path& path,
                         std::initializer_list<const char*> counters) {
  auto bad = [&](const std::string& why) {
    throw FormatError("journal " + path.string() + " record " + std::to_string(index + 1) + ": " + why);
  };
  for (const char* key : counters)
    if (!record.contains(key) || !record[key].is_number_unsigned())
      bad(std::string("\"") + key + "\" must be a non-negative integer");
  if (!record.contains("hash") || !record["hash"].is_string()) bad("\"hash\" must be a string");
  if (!record.contains("loss") || !(record["loss"].is_number() || record["loss"].is_null()))
    bad("\"loss\" must be a number or null");
  if (record.contains("seconds") && !record["seconds"].is_number()) bad("\"seconds\" must be a number");
}

// Losses in records: JSON has no NaN/inf, so a non-finite loss (a diverged trial) is stored as
// null and read back as +inf, which ranks it last.
inline nlohmann::json loss_to_json(double loss) { return std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr); }
inline double loss_from_json(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::infinity();
}

}  // namespace locus::tune
