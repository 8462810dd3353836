#pragma once
// Cooperative interruption of long runs. A signal handler (or any thread) calls request();
// long loops call check() between units of work, which throws Interrupted. The exception
// unwinds through the library like any error, so atomic outputs are discarded and no partial
// file is left behind.
#include <atomic>
#include <string>

#include "locus/core/errors.hpp"

namespace locus {

// A run stopped on request (Ctrl-C): not the input's fault, and nothing was written.
struct Interrupted : Error {
  using Error::Error;
};

namespace interrupt {
namespace detail {
// Constant-initialised and lock-free, so writing it from a signal handler is safe.
inline std::atomic<int> signal_number{0};
static_assert(std::atomic<int>::is_always_lock_free);
}  // namespace detail

// Asks running loops to stop; `sig` is remembered (e.g. SIGINT = 2) for the exit code.
inline void request(int sig = 2) noexcept { detail::signal_number.store(sig, std::memory_order_relaxed); }
inline bool requested() noexcept { return detail::signal_number.load(std::memory_order_relaxed) != 0; }
inline int signal() noexcept { return detail::signal_number.load(std::memory_order_relaxed); }
inline void clear() noexcept { detail::signal_number.store(0, std::memory_order_relaxed); }
// Throws Interrupted, naming `where`, when a stop was requested.
inline void check(const std::string& where) {
  if (requested()) throw Interrupted(where + ": interrupted");
}
}  // namespace interrupt

}  // namespace locus
