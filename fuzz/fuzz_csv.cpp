// Fuzz harness: CSV catalogues (io/csv.hpp, and io/catalog_file.hpp's CatalogReader with its
// "auto" id detection). Each input is read three ways: as `locus` reads any catalogue (every
// column optional, auto id), with the star columns the tool requires in chunks of 5 rows (as
// streaming does), and as float32 columns with unparsable fields flagged.
#include "harness.hpp"

#include <locus/io/catalog_file.hpp>
#include <locus/io/csv.hpp>
#include <locus/pipeline/column_map.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = locus::io;
  const auto path = locus_fuzz::write_input(data, size, "input.csv");
  locus_fuzz::expect_rejection_or_success([&] { io::read_catalog(path); });
  locus_fuzz::expect_rejection_or_success([&] {
    io::CatalogReadOptions o;
    o.columns = locus::pipeline::ColumnMap{}.read_specs(io::Missing::flag);
    o.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
    io::CatalogReader reader(path, o);
    io::Catalog chunk;
    while (reader.next(chunk, 5)) {
    }
  });
  locus_fuzz::expect_rejection_or_success([&] {
    io::CsvReadOptions o;
    o.defaults = io::ColumnSpec().optional().as(io::ColumnType::f32).on_bad(io::BadField::flag).missing_sentinel(-99);
    o.id_column = "";
    o.buffer_bytes = 0;  // the smallest buffer, so records cross refills
    io::read_csv(path, o);
  });
  return 0;
}
