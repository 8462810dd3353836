#include "mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <locus/core/errors.hpp>
#include <locus/pipeline/partition.hpp>

#include "common.hpp"

#ifdef LOCUS_HAVE_MPI
#include <mpi.h>
#endif

namespace locus_cli::mpi {

namespace {
World the_world;
bool joined = false;
}  // namespace

const World& world() { return the_world; }

void init(int& argc, char**& argv) {
#ifdef LOCUS_HAVE_MPI
  // Only a process that a launcher started joins: MPI_Init in a plain process would start a
  // singleton world (slow, and noisy where no launcher runs).
  const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_SIZE");
  if (!launched) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &the_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &the_world.size);
  joined = true;
#else
  (void)argc, (void)argv;
#endif
}

void finalize() {
#ifdef LOCUS_HAVE_MPI
  if (joined) MPI_Finalize();
  joined = false;
#endif
}

std::size_t block_rows(std::size_t single) { return the_world.size > 1 ? std::size_t{4096} : single; }

void agree(std::exception_ptr error) {
  const World& w = the_world;
  if (w.size == 1) {
    if (error) std::rethrow_exception(error);
    return;
  }
#ifdef LOCUS_HAVE_MPI
  // Wait for every rank without spinning: a rank that finished first would otherwise busy-wait
  // in the collective and take the CPU from the ranks still computing.
  MPI_Request all_done;
  MPI_Ibarrier(MPI_COMM_WORLD, &all_done);
  for (int done = 0;;) {
    MPI_Test(&all_done, &done, MPI_STATUS_IGNORE);
    if (done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Did a rank fail? The lowest failing rank's exit code goes to all.
  int code = error ? exit_code_of(error) : 0;
  int first_failed = error ? w.rank : w.size;
  MPI_Allreduce(MPI_IN_PLACE, &first_failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first_failed < w.size) {
    MPI_Bcast(&code, 1, MPI_INT, first_failed, MPI_COMM_WORLD);
    if (w.rank == first_failed) std::rethrow_exception(error);  // one message for the job
    throw PeerFailed(code);
  }
#else
  throw locus::ConfigError("this locus was built without MPI");
#endif
}

locus::tune::Share tune_share() {
  const World& w = the_world;
  locus::tune::Share s{static_cast<std::size_t>(w.rank), static_cast<std::size_t>(w.size), {}};
  if (w.size > 1)
    s.exchange = [](std::span<double> values, std::exception_ptr error) {
      agree(error);
#ifdef LOCUS_HAVE_MPI
      if (!values.empty())
        MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#endif
    };
  return s;
}

locus::pipeline::StreamResult split_stream(
    const std::filesystem::path& out, locus::pipeline::StreamOptions so,
    const std::function<locus::pipeline::StreamResult(const locus::pipeline::StreamOptions&)>& run) {
  const World& w = the_world;
  if (w.size == 1) return run(so);
#ifndef LOCUS_HAVE_MPI
  throw locus::ConfigError("this locus was built without MPI");
#else
  namespace lp = locus::pipeline;
  const auto t0 = std::chrono::steady_clock::now();
  so.partition = {static_cast<std::size_t>(w.rank), static_cast<std::size_t>(w.size)};
  if (w.rank != 0) so.progress = locus::Progress::Show::never;
  lp::StreamResult mine;
  std::exception_ptr error;
  try {
    mine = run(so);
  } catch (...) {
    error = std::current_exception();
  }
  try {
    agree(error);
  } catch (...) {
    std::filesystem::remove(lp::part_path(out, so.partition, so.block_rows));
    throw;
  }
  unsigned long long counts[2] = {mine.rows, mine.fitted};
  MPI_Reduce(w.rank == 0 ? MPI_IN_PLACE : counts, counts, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  if (w.rank != 0) return mine;
  lp::StreamResult all;
  all.rows = counts[0], all.fitted = counts[1], all.id_column = mine.id_column, all.input_rows = mine.input_rows;
  try {
    lp::merge_parts(out, so.partition.count, so.block_rows, mine.input_rows, so.write, mine.id_column,
                    [&](std::span<const std::uint32_t> status) { all.count_flags(status); });
  } catch (...) {
    for (std::size_t k = 0; k < so.partition.count; ++k)
      std::filesystem::remove(lp::part_path(out, {k, so.partition.count}, so.block_rows));
    throw;
  }
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return all;
#endif
}

}  // namespace locus_cli::mpi
