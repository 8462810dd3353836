#pragma once
// Test support shared by tests and benchmarks: the data shipped in data/ (the real Stripe 82
// stars, their priors, photo-D's full locus table), read through the library's own adapters.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <locus/bayes/locus_model.hpp>
#include <locus/bayes/prior.hpp>
#include <locus/bayes/star.hpp>
#include <locus/io/csv.hpp>
#include <locus/pipeline/adapters.hpp>

namespace locus::test {

inline std::string data_path(std::string_view relative) { return std::string(LOCUS_DATA_DIR) + "/" + std::string(relative); }

// The 3,981 S82 standard stars as a catalogue (string ids from CALIBSTARS; the star columns
// must be complete: a NaN or −99 there is an error).
inline io::Catalog s82_catalog() {
  io::CsvReadOptions o;
  o.id_column = "CALIBSTARS";
  o.columns = pipeline::ColumnMap{}.read_specs(io::Missing::error);
  return io::read_csv(data_path("photod/s82/s82_calibstars.csv"), o);
}

// Every `stride`-th S82 star.
inline std::vector<bayes::Star> s82_stars(std::size_t stride = 1) {
  const auto all = pipeline::read_stars(s82_catalog());
  std::vector<bayes::Star> out;
  for (std::size_t i = 0; i < all.size(); i += stride) out.push_back(all[i]);
  return out;
}

// TRILEGAL priors of the S82 patch, HEALPix pixel 0.
inline bayes::PriorMaps s82_priors() { return bayes::PriorMaps::load_csv(data_path("photod/s82/priors_s82_pix0.csv")); }

// photo-D's 10 Gyr locus table, every t_step-th tLoc (10: the same nodes as builtin()).
inline bayes::LocusModel photod_locus(std::size_t t_step = 10) {
  return bayes::LocusModel::load(data_path("photod/locus/SDSSDSEDlocus_10Gyr.txt"), {.t_step = t_step});
}

}  // namespace locus::test
