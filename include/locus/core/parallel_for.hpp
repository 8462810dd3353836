#pragma once
// Deterministic parallel loops.
//
// Work [0, n) is cut into fixed chunks of `grain` items that do not depend on the number of
// threads. Chunk c always covers the same items, so per-chunk results (and per-chunk Rng
// streams via Rng::split(c)) are identical whatever the thread count; reductions combine
// per-chunk partials in chunk order.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace locus {

namespace detail {
inline std::size_t& thread_setting() {
  static std::size_t n = 0;  // 0: use LOCUS_NUM_THREADS or the hardware concurrency
  return n;
}
}  // namespace detail

// Set the number of worker threads used by parallel_for (0 = automatic).
inline void set_num_threads(std::size_t n) { detail::thread_setting() = n; }

inline std::size_t num_threads() {
  if (detail::thread_setting() > 0) return detail::thread_setting();
  if (const char* env = std::getenv("LOCUS_NUM_THREADS")) {
    const long v = std::strtol(env, nullptr, 10);
    if (v > 0) return static_cast<std::size_t>(v);
  }
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

// Runs body(thread, chunk) for every chunk in [0, chunks) on `threads` threads (0 = the
// configured number). Chunk c always goes to thread c % threads, so per-thread state (a
// workspace) is used in a reproducible order. The first exception thrown by any chunk is
// rethrown after all threads finish.
template <class Body>
void parallel_for_static(std::size_t chunks, std::size_t threads, Body&& body) {
  if (chunks == 0) return;
  if (threads == 0) threads = num_threads();
  threads = std::min(threads, chunks);
  auto run = [&](std::size_t t) {
    for (std::size_t c = t; c < chunks; c += threads) body(t, c);
  };
  if (threads <= 1) {
    run(0);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  auto guarded = [&](std::size_t t) {
    try {
      run(t);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(guarded, t);
  guarded(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

// Number of threads parallel_for_static will actually use for `chunks` chunks.
inline std::size_t threads_for(std::size_t chunks, std::size_t threads = 0) {
  if (threads == 0) threads = num_threads();
  return std::max<std::size_t>(1, std::min(threads, chunks));
}

// Calls body(chunk_index, begin, end) for every chunk of `grain` items of [0, n).
template <class Body>
void parallel_for_chunks(std::size_t n, std::size_t grain, Body&& body, std::size_t threads = 0) {
  grain = std::max<std::size_t>(1, grain);
  const std::size_t chunks = (n + grain - 1) / grain;
  parallel_for_static(chunks, threads, [&](std::size_t, std::size_t c) {
    body(c, c * grain, std::min(n, (c + 1) * grain));
  });
}

// Calls body(i) for every i in [0, n).
template <class Body>
void parallel_for(std::size_t n, std::size_t grain, Body&& body, std::size_t threads = 0) {
  parallel_for_chunks(
      n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) body(i);
      },
      threads);
}

}  // namespace locus
