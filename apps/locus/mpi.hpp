#pragma once
// MPI for the `locus` tool (docs/cli.md, "Several processes: MPI"). Built in when CMake finds
// MPI (LOCUS_WITH_MPI); a process started by mpirun/srun then joins the job's world, and any
// other process is a world of one, as without MPI. The library stays free of MPI: a split run
// is a pipeline::Partition per rank, and rank 0 merges the parts.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include <locus/pipeline/streaming.hpp>
#include <locus/tune/share.hpp>

namespace locus_cli::mpi {

struct World {
  int rank = 0, size = 1;
};

// Joins the MPI job when the environment says there is one; call once, first thing in main.
void init(int& argc, char**& argv);
// Leaves it (at exit, on every path).
void finalize();
const World& world();

// The block size of a streamed command when the user gave none: `single` in a world of one;
// under mpirun 4096 rows, so that even a small catalogue is dealt to every rank (the output
// does not depend on the block size).
std::size_t block_rows(std::size_t single);

// Raised on every rank but the lowest failing one when a part failed: that rank reports its
// error, the others exit quietly with the same exit code.
struct PeerFailed : std::exception {
  int code;
  explicit PeerFailed(int c) : code(c) {}
  const char* what() const noexcept override { return "another rank failed"; }
};

// Waits for every rank (without spinning) and agrees on failure: if any rank's `error` is set,
// every rank throws (the lowest failing one its own error, the others PeerFailed with that
// error's exit code). A world of one rethrows `error`.
void agree(std::exception_ptr error);

// This rank's share of a tuning search (docs/tuning.md): trials dealt by number, results summed
// over the ranks with MPI_Allreduce after agree(). A world of one gets the whole search.
locus::tune::Share tune_share();

// A streamed command split across the world: each rank runs `run` on its Partition of the
// blocks (progress on rank 0 only); if any rank failed, every rank throws (the lowest failing
// one its own error, the others PeerFailed with that error's exit code) and the parts are removed;
// otherwise rank 0 merges the parts into `out` and returns the totals of all ranks (rows,
// fitted, flags recounted from the merged file, wall time to the end of the merge). A world of
// one runs `run` as it is.
locus::pipeline::StreamResult split_stream(
    const std::filesystem::path& out, locus::pipeline::StreamOptions so,
    const std::function<locus::pipeline::StreamResult(const locus::pipeline::StreamOptions&)>& run);

}  // namespace locus_cli::mpi
