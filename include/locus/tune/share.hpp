#pragma once
// Share: one process's part of a search that several processes (MPI ranks) run together.
// Every process runs the same tuner with the same options, so every one samples and suggests
// the same configurations and ranks them the same way. Of each step — a Hyperband rung, a BO
// batch — a process evaluates only the trials it owns (by trial number: a promoted Hyperband
// trial stays where its network is), appends them to the shared journal as they finish, and
// `exchange` then makes every process's losses known to all. The results are those of one
// process, bit for bit, since every trial's random streams depend only on (seed, trial, rung).
//
// The library holds no MPI: the caller provides `exchange` (apps/locus/mpi.cpp does it with
// MPI_Allreduce). Journal appends from several processes rely on O_APPEND writes of whole
// lines, which a local file system keeps whole (not NFS).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>

namespace locus::tune {

struct Share {
  std::size_t index = 0, count = 1;
  // Called by every process at the same points, with spans of the same size: replaces each
  // element by its sum over the processes. `error` is this process's failure in the step (null
  // if none); when any process failed, exchange throws on every process instead (the failing
  // one its own error). An empty span is a barrier: the tuners call it once the journal is read,
  // before any process appends to it.
  std::function<void(std::span<double>, std::exception_ptr)> exchange;

  bool whole() const noexcept { return count == 1; }
  bool owns(std::uint64_t trial) const noexcept { return trial % count == index; }
  void check() const {
    if (count == 0 || index >= count)
      throw ConfigError("share " + std::to_string(index) + " of " + std::to_string(count) + " does not exist");
    if (count > 1 && !exchange) throw ConfigError("a search shared by " + std::to_string(count) + " processes needs an exchange");
  }
  // Waits for every process; throws if one failed (`error`: this one's failure, if any).
  void barrier(std::exception_ptr error = nullptr) const {
    if (!whole()) exchange({}, error);
  }
};

// Where a step's result comes from in this process.
enum class Origin : char { elsewhere, here, journal };

namespace detail {

// Makes the losses and seconds of a step known everywhere: entries computed here are sent,
// those computed elsewhere received; journal entries every process read itself. Each entry is
// non-zero in one process at most, so the sums are exact.
inline void share_step(const Share& s, std::vector<double>& loss, std::vector<double>& seconds,
                       const std::vector<Origin>& origin, std::exception_ptr error) {
  if (s.whole()) {
    if (error) std::rethrow_exception(error);
    return;
  }
  const std::size_t n = origin.size();
  std::vector<double> buf(2 * n, 0.0);
  for (std::size_t k = 0; k < n; ++k)
    if (origin[k] == Origin::here) buf[k] = loss[k], buf[n + k] = seconds[k];
  s.exchange(buf, error);
  for (std::size_t k = 0; k < n; ++k)
    if (origin[k] == Origin::elsewhere) loss[k] = buf[k], seconds[k] = buf[n + k];
}

}  // namespace detail

}  // namespace locus::tune
