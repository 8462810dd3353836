// CSV (and FITS) catalogue throughput: write and read a catalogue of the size of paper 000's
// final data set (440,000 rows x 25 double columns, full-precision values), best of R runs.
//
//   bench_csv [--rows N] [--cols C] [--repeats R] [--dir DIR] [--keep]
//
// Prints "key value" lines; bench/csv_vs_numpy.py runs this next to numpy on the same file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "locus/core/rng.hpp"
#include "locus/io/csv.hpp"
#include "locus/io/fits.hpp"

using namespace locus;
using namespace locus::io;
using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

template <class F>
double best_of(int repeats, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clk::now();
    f();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 440000, cols = 25;
  int repeats = 3;
  bool keep = false;
  fs::path dir = fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) rows = std::stoul(argv[++i]);
    else if (a == "--cols" && i + 1 < argc) cols = std::stoul(argv[++i]);
    else if (a == "--repeats" && i + 1 < argc) repeats = std::stoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: bench_csv [--rows N] [--cols C] [--repeats R] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  // Magnitude-, colour- and error-like values at full double precision (as a simulation or a
  // posterior summary writes them), a few NaN, and a status column.
  Rng rng(42);
  Catalog c(rows);
  long double checksum = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    auto col = c.add_column<double>("c" + std::to_string(j));
    const double scale = j % 3 == 0 ? 13.0 : (j % 3 == 1 ? 2.0 : 0.1);
    const double offset = j % 3 == 0 ? 14.0 : (j % 3 == 1 ? -0.5 : 0.0);
    for (std::size_t i = 0; i < rows; ++i) {
      col[i] = offset + scale * rng.uniform();
      checksum += col[i];
    }
  }
  for (std::size_t i = 0; i < rows; i += 1000) c.flag(i, status::no_fit);

  const std::string tag = "locus_bench_csv_" + std::to_string(::getpid());
  const fs::path csv = dir / (tag + ".csv");
  const fs::path fits = dir / (tag + ".fits");
  CsvWriteOptions wo;
  wo.sync = false;  // measure formatting and I/O, not the disk flush
  const double t_write = best_of(repeats, [&] { write_csv(c, csv, wo); });
  const auto bytes = fs::file_size(csv);
  Catalog back;
  const double t_read = best_of(repeats, [&] { back = read_csv(csv); });
  if (back.rows() != rows || back.columns() != cols) {
    std::fprintf(stderr, "read back %zu x %zu, expected %zu x %zu\n", back.rows(), back.columns(), rows, cols);
    return 1;
  }
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i)
      if (back.value(j, i) != c.value(j, i)) {
        std::fprintf(stderr, "value mismatch at row %zu column %zu\n", i, j);
        return 1;
      }
  std::size_t streamed = 0;
  const double t_stream =
      best_of(repeats, [&] { streamed = for_each_csv_chunk(csv, 65536, [](const Catalog&, std::size_t) {}); });

  std::printf("rows %zu\ncols %zu\ncsv_path %s\ncsv_bytes %ju\nchecksum %.17g\n", rows, cols, csv.c_str(),
              static_cast<std::uintmax_t>(bytes), static_cast<double>(checksum));
  std::printf("locus_write_seconds %.6f\nlocus_read_seconds %.6f\nlocus_stream_read_seconds %.6f\n", t_write, t_read,
              t_stream);
  if constexpr (fits_available) {
    const double t_fw = best_of(repeats, [&] { write_fits(c, fits); });
    Catalog f;
    const double t_fr = best_of(repeats, [&] { f = read_fits(fits); });
    std::printf("fits_bytes %ju\nlocus_fits_write_seconds %.6f\nlocus_fits_read_seconds %.6f\n",
                static_cast<std::uintmax_t>(fs::file_size(fits)), t_fw, t_fr);
    fs::remove(fits);
  }
  if (!keep) fs::remove(csv);
  return streamed == rows ? 0 : 1;
}
