#pragma once
// Shared by the fuzz harnesses (fuzz_<reader>.cpp). Each harness defines
// LLVMFuzzerTestOneInput for one reader of outside bytes; it is linked either with libFuzzer
// (LOCUS_BUILD_FUZZ, clang) or with replay_main.cpp, which runs saved inputs through it (ctest).
//
// The rule every harness follows: the errors locus documents (locus::Error and its
// InputError / FormatError / ConfigError / OutputError) are normal outcomes of bad bytes;
// anything else escapes the harness — another exception type, a crash, a sanitizer report —
// and is a finding.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <locus/core/errors.hpp>

namespace locus_fuzz {

// Where the scratch files go: $LOCUS_FUZZ_TMP, else /dev/shm (memory: rewriting a file on ext4
// every execution costs milliseconds of flushing), else the temporary directory.
inline std::filesystem::path scratch_base() {
  if (const char* t = std::getenv("LOCUS_FUZZ_TMP"); t && *t) return t;
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

// One scratch directory per process (parallel fuzzing jobs must not share files), removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const auto d = scratch_base() / ("locus-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {  // (not through `dir`: it is destroyed before this runs)
      std::error_code ec;
      std::filesystem::remove_all(scratch_base() / ("locus-fuzz-" + std::to_string(::getpid())), ec);
    });
    return d;
  }();
  return dir;
}

// Writes the input bytes to scratch_dir()/name (replacing it) and returns the path: the readers
// take file names, and some look at the extension.
inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
  const auto path = scratch_dir() / name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("fuzz harness: cannot create " + path.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < size) {
    const ssize_t w = ::write(fd, data + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(fd);
      throw std::runtime_error("fuzz harness: cannot write " + path.string());
    }
    done += static_cast<std::size_t>(w);
  }
  ::close(fd);
  return path;
}

inline std::string as_string(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs f; a locus::Error is the reader rejecting the input, as documented.
template <class F>
void expect_rejection_or_success(F&& f) {
  try {
    f();
  } catch (const locus::Error&) {
  }
}

}  // namespace locus_fuzz
