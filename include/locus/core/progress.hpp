#pragma once
// A progress bar on stderr for long runs. Shown when stderr is a terminal, or when forced
// (LOCUS_PROGRESS=1, or show = Show::always). Redraws at most ~10 times a second.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unistd.h>

namespace locus {

class Progress {
 public:
  enum class Show { automatic, always, never };

  Progress(std::size_t total, std::string label, Show show = Show::automatic)
      : total_(total), label_(std::move(label)), start_(clock::now()), last_(start_) {
    switch (show) {
      case Show::always: enabled_ = true; break;
      case Show::never: enabled_ = false; break;
      default: {
        const char* env = std::getenv("LOCUS_PROGRESS");
        enabled_ = env ? std::string(env) != "0" : ::isatty(STDERR_FILENO) != 0;
      }
    }
  }
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }

  // Thread-safe: add `n` finished items.
  void advance(std::size_t n = 1) {
    const std::size_t done = done_.fetch_add(n) + n;
    if (!enabled_) return;
    const auto now = clock::now();
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock || (now - last_ < std::chrono::milliseconds(100) && done < total_)) return;
    last_ = now;
    draw(done, now);
  }

  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    draw(done_.load(), clock::now());
    std::fputc('\n', stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  void draw(std::size_t done, clock::time_point now) {
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
    const int width = 30, filled = static_cast<int>(frac * width + 0.5);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    const double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    std::fprintf(stderr, "\r%s [%s] %zu/%zu %5.1f%% %.1fs eta %.1fs ", label_.c_str(), bar.c_str(), done,
                 total_, 100 * frac, secs, eta);
    std::fflush(stderr);
  }

  std::size_t total_;
  std::string label_;
  std::atomic<std::size_t> done_{0};
  bool enabled_ = false, finished_ = false;
  clock::time_point start_, last_;
  std::mutex mutex_;
};

}  // namespace locus
