#pragma once
// builtin_locus(age): photo-D's locus tables for 1, 2, 5 and 10 Gyr, embedded (every 10th tLoc,
// as LocusModel::builtin(), which is the 10 Gyr one). The tables share the grid and differ only
// where the DSED isochrones take over from the SDSS locus (Mr < 4: the turn-off and the giants),
// so a mock coloured by a mix of ages and fitted with the 10 Gyr model is not an inverse crime
// there. Kept out of locus_model.hpp because the three extra tables are ~0.6 MB of source.
#include <array>
#include <string>

#include "locus/bayes/data/sdss_dsed_locus_1gyr.hpp"
#include "locus/bayes/data/sdss_dsed_locus_2gyr.hpp"
#include "locus/bayes/data/sdss_dsed_locus_5gyr.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/core/errors.hpp"

namespace locus::bayes {

// The ages (Gyr) builtin_locus knows.
inline constexpr std::array<int, 4> builtin_locus_ages{1, 2, 5, 10};

inline LocusModel builtin_locus(int age_gyr) {
  switch (age_gyr) {
    case 1: return detail::locus_from_table(data::sdss_dsed_1gyr::t, data::sdss_dsed_1gyr::feh, data::sdss_dsed_1gyr::nodes);
    case 2: return detail::locus_from_table(data::sdss_dsed_2gyr::t, data::sdss_dsed_2gyr::feh, data::sdss_dsed_2gyr::nodes);
    case 5: return detail::locus_from_table(data::sdss_dsed_5gyr::t, data::sdss_dsed_5gyr::feh, data::sdss_dsed_5gyr::nodes);
    case 10: return LocusModel::builtin();
    default: throw ConfigError("builtin_locus: no table for " + std::to_string(age_gyr) + " Gyr (there are 1, 2, 5 and 10)");
  }
}

}  // namespace locus::bayes
