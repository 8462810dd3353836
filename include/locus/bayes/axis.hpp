#pragma once
// Axis: a regular grid axis, the grid of the prior maps and of the KDE that builds them.
#include <cstddef>

namespace locus::bayes {

// A regular axis: n values lo, lo + step, ..., lo + (n-1) step (step > 0).
struct Axis {
  double lo = 0.0, step = 1.0;
  std::size_t n = 1;
  double hi() const { return lo + step * static_cast<double>(n - 1); }
  double value(std::size_t i) const { return lo + step * static_cast<double>(i); }
  // photo-D's map grid: [Fe/H] -2.5..1.0 (36 values), Mr -2..17 (96 values).
  static Axis photod_feh() { return {-2.5, 0.1, 36}; }
  static Axis photod_mr() { return {-2.0, 0.2, 96}; }
};

}  // namespace locus::bayes
