// Fuzz harness: FITS binary tables (io/fits.hpp through cfitsio, and CatalogReader's .fits
// path). The bytes are written to a .fits file and read whole, then again in chunks of 3 rows
// with a required column and the status column. Without cfitsio the reader throws ConfigError,
// an expected outcome, so the harness still builds and runs.
#include "harness.hpp"

#include <locus/io/catalog_file.hpp>
#include <locus/io/fits.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = locus::io;
  const auto path = locus_fuzz::write_input(data, size, "input.fits");
  locus_fuzz::expect_rejection_or_success([&] { io::read_catalog(path); });
  locus_fuzz::expect_rejection_or_success([&] {
    io::FitsReadOptions o;
    o.columns = {io::ColumnSpec("r").as(io::ColumnType::f32).missing_sentinel(-99)};
    o.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
    io::FitsReader reader(path, o);
    io::Catalog chunk;
    while (reader.next(chunk, 3)) {
    }
  });
  return 0;
}
