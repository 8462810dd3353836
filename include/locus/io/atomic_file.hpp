#pragma once
// AtomicFile: write an output file under a temporary name in the same directory and rename
// it over the target only when everything was written. A failed or interrupted write leaves
// the target untouched (an old version stays, a new file never appears half-written).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include "locus/core/errors.hpp"

namespace locus::io {

// Removes the temporary files of `target` that a writer left behind when its process died
// without cleaning up (SIGKILL, a crash, a power cut): ".<name>.tmp.<pid>.…" next to target
// whose <pid> is no running process. The temporary file of a live writer is never touched.
inline void remove_stale_temporaries(const std::filesystem::path& target) noexcept {
  // appended piece by piece: GCC 12's -Wrestrict misfires on "." + std::string + "..."
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".tmp.";
  std::error_code ec;
  std::filesystem::directory_iterator it(target.has_parent_path() ? target.parent_path() : std::filesystem::path("."), ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const char* digits = name.c_str() + prefix.size();
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    if (end == digits || *end != '.' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code rm;
    std::filesystem::remove(it->path(), rm);
  }
}

// AtomicFile
//
// Specification:
// - temp_path() is a fresh name next to target() (same directory, so rename is atomic);
//   the caller creates and writes it (directly, or through a library such as cfitsio).
//   Constructing one first removes the stale temporary files of the same target that dead
//   processes left (remove_stale_temporaries), so a rerun after a kill -9 leaves none.
// - commit() renames temp_path() to target(); it throws locus::Error when the rename fails.
// - Destroying an AtomicFile that was not committed removes temp_path() if it exists.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
    static std::atomic<unsigned> counter{0};
    const auto stamp = static_cast<unsigned long long>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    remove_stale_temporaries(target_);
    std::filesystem::path dir = target_.parent_path();
    std::string name = ".";
    name += target_.filename().string();
    name += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(stamp % 1000000007ull) + "." +
            std::to_string(counter++);
    temp_ = dir / name;
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() { discard(); }

  const std::filesystem::path& target() const noexcept { return target_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  bool committed() const noexcept { return committed_; }

  void commit() {
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) {
      discard();
      throw OutputError("cannot write '" + target_.string() + "': rename from temporary file failed: " + ec.message());
    }
    committed_ = true;
  }

  // Removes the temporary file (no-op after commit()).
  void discard() noexcept {
    if (committed_) return;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// Writes `text` to `path` atomically (temporary file, fsync, rename): readers see the old
// file or the whole new one, never a part. Throws locus::Error naming the file on failure.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  AtomicFile file(path);
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  if (!f) throw OutputError("cannot write '" + path.string() + "': " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                  ::fsync(::fileno(f)) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) throw OutputError("cannot write '" + path.string() + "': " + std::strerror(ok ? errno : err));
  file.commit();
}

}  // namespace locus::io
