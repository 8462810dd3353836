#pragma once
// The ugriz bands and the four colours the photo-D model fits, in this order everywhere.
#include <array>
#include <cstddef>
#include <string_view>

namespace locus::bayes {

inline constexpr std::size_t n_colours = 4;
inline constexpr std::array<std::string_view, n_colours> colour_names{"ug", "gr", "ri", "iz"};
inline constexpr std::array<std::string_view, 5> band_names{"u", "g", "r", "i", "z"};

}  // namespace locus::bayes
