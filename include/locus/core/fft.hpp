#pragma once
// Fast Fourier transforms of complex double data, namespace locus::fft: an in-place
// iterative radix-2 (Cooley–Tukey) transform in 1-D, and in 2-D as rows then columns.
//
// Why radix-2 only: the users (emcee's zero-padded ACF, convolutions) pad anyway, so a power
// of two costs nothing extra and keeps the code short.
//
// Specification:
//  - transform(a) replaces a with X_k = Σ_j a_j e^(−2πi jk/n); transform(a, true) with the
//    inverse (1/n) Σ_j a_j e^(+2πi jk/n), so inverse(forward(a)) = a to rounding (numpy.fft's
//    convention). a.size() must be a power of two (1 included): InputError otherwise.
//  - transform_2d(a, rows, cols) transforms a row-major rows × cols array: every row, then
//    every column. Both sizes must be powers of two.
//  - next_power_of_two(n) is the smallest power of two >= n (1 for n = 0).
#include <complex>
#include <cstddef>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <locus/core/errors.hpp>

namespace locus::fft {

inline bool is_power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

inline std::size_t next_power_of_two(std::size_t n) {
  std::size_t m = 1;
  while (m < n) m <<= 1;
  return m;
}

inline void transform(std::span<std::complex<double>> a, bool inverse = false) {
  const std::size_t n = a.size();
  if (!is_power_of_two(n)) throw InputError("fft::transform: size " + std::to_string(n) + " is not a power of two");
  for (std::size_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double ang = 2 * std::numbers::pi / static_cast<double>(len) * (inverse ? 1 : -1);
    const std::complex<double> wl(std::cos(ang), std::sin(ang));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const auto u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wl;
      }
    }
  }
  if (inverse)
    for (auto& v : a) v /= static_cast<double>(n);
}

inline void transform_2d(std::span<std::complex<double>> a, std::size_t rows, std::size_t cols, bool inverse = false) {
  if (a.size() != rows * cols)
    throw InputError("fft::transform_2d: " + std::to_string(a.size()) + " values for a " + std::to_string(rows) + " x " +
                     std::to_string(cols) + " array");
  if (!is_power_of_two(rows))
    throw InputError("fft::transform_2d: " + std::to_string(rows) + " rows is not a power of two");
  for (std::size_t r = 0; r < rows; ++r) transform(a.subspan(r * cols, cols), inverse);
  std::vector<std::complex<double>> column(rows);  // columns are strided: transform a contiguous copy
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::size_t r = 0; r < rows; ++r) column[r] = a[r * cols + c];
    transform(column, inverse);
    for (std::size_t r = 0; r < rows; ++r) a[r * cols + c] = column[r];
  }
}

}  // namespace locus::fft
