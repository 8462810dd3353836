#include <doctest/doctest.h>
#include <locus/core/linalg.hpp>
#include <locus/core/rng.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace la = locus::linalg;

namespace {
// Sizes around the SIMD width and the 8-row register blocks of the triangular kernels.
constexpr std::size_t sizes[] = {1, 2, 5, 7, 8, 9, 16, 17, 23, 40, 41};

// A = M Mᵀ / n + I (row-major n×n), M uniform in [-1, 1]: symmetric positive definite with
// eigenvalues in [1, ~n/3 + 1].
std::vector<double> spd(std::size_t n, std::uint64_t seed) {
  locus::Rng rng(seed);
  std::vector<double> m(n * n), a(n * n, 0.0);
  for (auto& v : m) v = rng.uniform(-1.0, 1.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t k = 0; k < n; ++k) a[i * n + j] += m[i * n + k] * m[j * n + k];
      a[i * n + j] = a[i * n + j] / static_cast<double>(n) + (i == j ? 1.0 : 0.0);
    }
  return a;
}
// The lower triangle of row-major a in column-major storage with leading dimension ld, zero
// elsewhere (padding included).
std::vector<double> lower_column_major(const std::vector<double>& a, std::size_t n, std::size_t ld) {
  std::vector<double> out(ld * ld, 0.0);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = j; i < n; ++i) out[j * ld + i] = a[i * n + j];
  return out;
}
// max |(L Lᵀ)(i, j) - A(i, j)| for the factor in column-major l (leading dimension ld).
double reconstruction_error(const std::vector<double>& l, std::size_t ld, const std::vector<double>& a, std::size_t n) {
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double s = 0;
      for (std::size_t k = 0; k <= j; ++k) s += l[k * ld + i] * l[k * ld + j];
      worst = std::max(worst, std::abs(s - a[i * n + j]));
    }
  return worst;
}
}  // namespace

TEST_CASE("linalg: dot, axpy and lane_sum agree with plain loops at every length up to 40") {
  locus::Rng rng(3);
  std::vector<double> a(40), b(40);
  for (auto& v : a) v = rng.uniform(-1.0, 1.0);
  for (auto& v : b) v = rng.uniform(-1.0, 1.0);
  for (std::size_t n = 0; n <= a.size(); ++n) {
    CAPTURE(n);
    double ref = 0;
    for (std::size_t i = 0; i < n; ++i) ref += a[i] * b[i];
    CHECK(la::dot(a.data(), b.data(), n) == doctest::Approx(ref).epsilon(1e-13));
    std::vector<double> y = b;
    la::axpy(-0.75, a.data(), y.data(), n);
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(i < n ? b[i] - 0.75 * a[i] : b[i]).epsilon(1e-15));
  }
  alignas(64) double lanes[la::lanes];
  for (std::size_t k = 0; k < la::lanes; ++k) lanes[k] = static_cast<double>(k + 1);
  CHECK(la::lane_sum(la::batch::load_aligned(lanes)) == static_cast<double>(la::lanes * (la::lanes + 1) / 2));
}

TEST_CASE("linalg: padded_ld rounds up to the lane count and adds block_rows rows") {
  for (std::size_t n = 1; n < 50; ++n) {
    const std::size_t ld = la::padded_ld(n);
    CHECK(ld % la::lanes == la::block_rows % la::lanes);
    CHECK(ld >= n + la::block_rows);
    CHECK(ld < n + la::block_rows + la::lanes);
  }
}

TEST_CASE("linalg: Cholesky, padded and unpadded, reconstructs A; the padding rows stay zero") {
  for (const std::size_t n : sizes) {
    CAPTURE(n);
    const auto a = spd(n, 10 + n);
    const std::size_t ld = la::padded_ld(n);
    auto lp = lower_column_major(a, n, ld);
    auto lu = lower_column_major(a, n, n);
    REQUIRE(la::cholesky(lp.data(), n, ld));  // left-looking, register-blocked
    REQUIRE(la::cholesky(lu.data(), n));      // right-looking
    CHECK(reconstruction_error(lp, ld, a, n) <= 1e-13 * static_cast<double>(n));
    CHECK(reconstruction_error(lu, n, a, n) <= 1e-13 * static_cast<double>(n));
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = j; i < n; ++i) CHECK(lp[j * ld + i] == doctest::Approx(lu[j * n + i]).epsilon(1e-12));
      for (std::size_t i = n; i < ld; ++i) REQUIRE(lp[j * ld + i] == 0.0);
    }
  }
}

TEST_CASE("linalg: Cholesky reports a matrix that is not positive definite") {
  // [[1, 2], [2, 1]] has eigenvalues 3 and -1: the second pivot is 1 - 4 < 0.
  for (const std::size_t ld : {std::size_t{2}, la::padded_ld(2)}) {
    std::vector<double> a(ld * ld, 0.0);
    a[0] = 1, a[1] = 2, a[ld + 1] = 1;
    CHECK_FALSE(la::cholesky(a.data(), 2, ld));
    std::vector<double> z(ld * ld, 0.0), nan(ld * ld, 0.0);
    CHECK_FALSE(la::cholesky(z.data(), 2, ld));  // zero pivot
    nan[0] = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(la::cholesky(nan.data(), 2, ld));
  }
}

TEST_CASE("linalg: forward and backward solves give A x = b, padded and unpadded") {
  for (const std::size_t n : sizes) {
    CAPTURE(n);
    const auto a = spd(n, 20 + n);
    locus::Rng rng(n);
    std::vector<double> b(n);
    for (auto& v : b) v = rng.uniform(-1.0, 1.0);
    for (const std::size_t ld : {n, la::padded_ld(n)}) {
      CAPTURE(ld);
      auto l = lower_column_major(a, n, ld);
      REQUIRE(la::cholesky(l.data(), n, ld));
      std::vector<double> x(ld, 0.0);  // padded like L's columns
      std::copy(b.begin(), b.end(), x.begin());
      la::forward_solve(l.data(), n, x.data(), ld);
      la::backward_solve(l.data(), n, x.data(), ld);
      double worst = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double r = -b[i];
        for (std::size_t k = 0; k < n; ++k) r += a[i * n + k] * x[k];
        worst = std::max(worst, std::abs(r));
      }
      CHECK(worst <= 1e-13 * static_cast<double>(n));
    }
  }
}

TEST_CASE("linalg: L⁻¹ and K⁻¹ = L⁻ᵀL⁻¹ from the register-blocked kernels give K K⁻¹ = I") {
  for (const std::size_t n : sizes) {
    CAPTURE(n);
    const auto k = spd(n, 30 + n);
    const std::size_t ld = la::padded_ld(n), W = la::lanes;
    auto l = lower_column_major(k, n, ld);
    REQUIRE(la::cholesky(l.data(), n, ld));
    std::vector<double> x(ld * ld, 0.0), kinv(ld * ld, 0.0), inv_diag(ld, 0.0);
    for (std::size_t i = 0; i < n; ++i) inv_diag[i] = 1.0 / l[i * ld + i];
    la::triangular_inverse(l.data(), n, ld, inv_diag.data(), x.data());
    // L L⁻¹ = I, with X(i, j) = x[(j / W)·ld·W + i·W + j % W] for i >= j.
    double worst_x = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double s = 0;
        for (std::size_t m = j; m <= i; ++m) s += l[m * ld + i] * x[(j / W) * ld * W + m * W + j % W];
        worst_x = std::max(worst_x, std::abs(s - (i == j ? 1.0 : 0.0)));
      }
    CHECK(worst_x <= 1e-13 * static_cast<double>(n));
    la::inverse_from_triangular_inverse(x.data(), n, ld, kinv.data());
    auto kinv_at = [&](std::size_t i, std::size_t j) { return i >= j ? kinv[j * ld + i] : kinv[i * ld + j]; };
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t m = 0; m < n; ++m) s += k[i * n + m] * kinv_at(m, j);
        worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
      }
    CHECK(worst <= 1e-12 * static_cast<double>(n));
  }
}
