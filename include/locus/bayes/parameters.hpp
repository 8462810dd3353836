#pragma once
// The three fitted parameters and their one order, used everywhere in locus: posterior
// summaries, network targets and outputs, catalogue columns and residual tables.
// (Mr, A_r, [Fe/H]) is paper 000's order (its networks' outputs and Table 1).
#include <array>
#include <cstddef>
#include <string_view>

namespace locus::bayes {

enum class Param : std::size_t { mr = 0, ar = 1, feh = 2 };
inline constexpr std::size_t n_params = 3;
inline constexpr std::array<Param, n_params> all_params{Param::mr, Param::ar, Param::feh};
// Column-name stems (catalogue columns are built from these) and labels for tables.
inline constexpr std::array<std::string_view, n_params> param_names{"Mr", "Ar", "FeH"};
inline constexpr std::array<std::string_view, n_params> param_labels{"Mr", "A_r", "[Fe/H]"};

constexpr std::size_t index(Param p) { return static_cast<std::size_t>(p); }
constexpr std::string_view name(Param p) { return param_names[index(p)]; }

}  // namespace locus::bayes
