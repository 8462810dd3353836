#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/fft.hpp>
#include <locus/core/rng.hpp>

using cplx = std::complex<double>;

namespace {
std::vector<cplx> random_values(std::size_t n, std::uint64_t seed) {
  locus::Rng rng(seed);
  std::vector<cplx> a(n);
  for (auto& v : a) v = {rng.normal(), rng.normal()};
  return a;
}

// X_k = Σ_j a_j e^(−2πi jk/n), summed directly.
std::vector<cplx> naive_dft(const std::vector<cplx>& a) {
  const std::size_t n = a.size();
  std::vector<cplx> out(n);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < n; ++j)
      out[k] += a[j] * std::polar(1.0, -2 * std::numbers::pi * static_cast<double>(j * k % n) / static_cast<double>(n));
  return out;
}

double max_abs_diff(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}
}  // namespace

TEST_CASE("fft: 1-D transform equals the direct DFT, and the inverse undoes it") {
  for (std::size_t n : {1u, 2u, 8u, 64u, 512u}) {
    const auto a = random_values(n, n);
    auto x = a;
    locus::fft::transform(x);
    CHECK(max_abs_diff(x, naive_dft(a)) < 1e-12 * static_cast<double>(n));
    locus::fft::transform(x, true);
    CHECK(max_abs_diff(x, a) < 1e-14 * std::log2(2.0 * static_cast<double>(n)));
  }
  std::vector<cplx> bad(12);
  CHECK_THROWS_AS(locus::fft::transform(bad), locus::InputError);
  CHECK(locus::fft::next_power_of_two(0) == 1);
  CHECK(locus::fft::next_power_of_two(64) == 64);
  CHECK(locus::fft::next_power_of_two(65) == 128);
}

TEST_CASE("fft: 2-D transform equals the direct 2-D DFT (rows then columns)") {
  const std::size_t rows = 4, cols = 16;
  const auto a = random_values(rows * cols, 7);
  auto x = a;
  locus::fft::transform_2d(x, rows, cols);
  for (std::size_t kr = 0; kr < rows; ++kr)
    for (std::size_t kc = 0; kc < cols; ++kc) {
      cplx s = 0;
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
          s += a[r * cols + c] * std::polar(1.0, -2 * std::numbers::pi *
                                                     (static_cast<double>(r * kr) / rows + static_cast<double>(c * kc) / cols));
      CHECK(std::abs(x[kr * cols + kc] - s) < 1e-12);
    }
  locus::fft::transform_2d(x, rows, cols, true);
  CHECK(max_abs_diff(x, a) < 1e-14);
  CHECK_THROWS_AS(locus::fft::transform_2d(x, 3, 16), locus::InputError);
  CHECK_THROWS_AS(locus::fft::transform_2d(x, 8, 16), locus::InputError);
}
