#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <locus/bayes/kde.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

using namespace locus::bayes;

namespace {

struct Points {
  std::vector<double> feh, mr;
};

// Draws resembling a mock patch's ([Fe/H], Mr): thin disk, thick disk and halo, each with Mr
// falling as [Fe/H] rises (-0.8 mag/dex) around its own mean.
Points patch_like(std::size_t n, std::uint64_t seed) {
  locus::Rng rng(seed);
  Points p;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = rng.uniform();
    const int c = u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
    const double mf[] = {-0.5, -1.0, -1.6}, sf[] = {0.2, 0.25, 0.35}, mm[] = {5.5, 5.0, 4.5}, sm[] = {2.0, 2.0, 1.5};
    const double f = rng.normal(mf[c], sf[c]);
    p.feh.push_back(f);
    p.mr.push_back(rng.normal(mm[c], sm[c]) - 0.8 * (f - mf[c]));
  }
  return p;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& ref) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - ref[i]));
  return d / *std::max_element(ref.begin(), ref.end());
}

const Axis feh_axis = Axis::photod_feh(), mr_axis = Axis::photod_mr();

}  // namespace

TEST_CASE("kde: Scott's bandwidth is the sample covariance (ddof 1) times n^(-1/3)") {
  const std::vector<double> x{0, 1, 2, 4}, y{1, 0, 3, 3};
  const auto h = scott_bandwidth(x, y);
  REQUIRE(h);
  // means 1.75, 1.75; sums of products 8.75, 5.75, 6.75; / (n - 1) = 3; times 4^(-1/3)
  const double f = std::pow(4.0, -1.0 / 3.0);
  CHECK(h->xx == doctest::Approx(8.75 / 3 * f).epsilon(1e-14));
  CHECK(h->xy == doctest::Approx(5.75 / 3 * f).epsilon(1e-14));
  CHECK(h->yy == doctest::Approx(6.75 / 3 * f).epsilon(1e-14));
  CHECK_FALSE(scott_bandwidth(std::vector<double>{0, 1}, std::vector<double>{0, 1}));
  CHECK_FALSE(scott_bandwidth(std::vector<double>{0, 1, 2}, std::vector<double>{1, 3, 5}));  // on a line
  CHECK(gaussian_kde_grid(std::vector<double>{0, 1, 2}, std::vector<double>{1, 3, 5}, feh_axis, mr_axis) ==
        std::vector<double>(36 * 96, 0.0));
}

TEST_CASE("kde: the exact method is the kernel sum written out") {
  const auto p = patch_like(200, 1);
  const Axis gx{-2.0, 0.5, 5}, gy{0.0, 3.0, 4};
  const auto v = gaussian_kde_grid(p.feh, p.mr, gx, gy, KdeMethod::exact);
  const auto h = *scott_bandwidth(p.feh, p.mr);
  const double det = h.det();
  for (std::size_t j = 0; j < gy.n; ++j)
    for (std::size_t i = 0; i < gx.n; ++i) {
      double s = 0;
      for (std::size_t a = 0; a < p.feh.size(); ++a) {
        const double dx = gx.value(i) - p.feh[a], dy = gy.value(j) - p.mr[a];
        s += std::exp(-0.5 * (h.yy * dx * dx - 2 * h.xy * dx * dy + h.xx * dy * dy) / det);
      }
      s /= 200 * 2 * std::numbers::pi * std::sqrt(det);
      CHECK(v[j * gx.n + i] == doctest::Approx(s).epsilon(1e-12));
    }
}

// The stated tolerance of the binned method, with the default KdeBinning: max |binned - exact|
// <= 3e-4 of the exact map's maximum for any n (sparse sets, where the binning errors of single
// points do not average out, are the worst case), 1e-4 for the thousands of stars of a prior bin.
TEST_CASE("kde: binned equals exact to 3e-4 of the peak (n = 50) and 1e-4 (n = 20000) on patch-like sets") {
  for (const auto& [n, seed] : {std::pair<std::size_t, int>{50, 1}, {50, 2}, {50, 3}, {50, 4}, {20000, 5}, {20000, 6}}) {
    const auto p = patch_like(n, static_cast<std::uint64_t>(seed));
    const auto exact = gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, KdeMethod::exact);
    const auto binned = gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, KdeMethod::binned);
    const double d = max_rel_diff(binned, exact);
    MESSAGE("n = " << n << ", seed " << seed << ": max |binned - exact| / max = " << d);
    CHECK(d < (n < 1000 ? 3e-4 : 1e-4));
    // every value is a sum of non-negative terms
    CHECK(*std::min_element(binned.begin(), binned.end()) >= 0.0);
  }
  // The error falls as the fine grid refines.
  const auto p = patch_like(20000, 5);
  const auto exact = gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, KdeMethod::exact);
  const double d8 = max_rel_diff(gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, KdeMethod::binned), exact);
  KdeBinning coarse;
  coarse.nodes_per_sd = 2;
  const double d2 = max_rel_diff(gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, KdeMethod::binned, coarse), exact);
  MESSAGE("nodes_per_sd 2: " << d2 << ", 8: " << d8);
  CHECK(d2 > 4 * d8);
}

TEST_CASE("kde: binned keeps the mass of points beyond the grid's edge, and strong correlation") {
  // A cloud centred on the grid's corner: three quarters of it lies outside the grid.
  locus::Rng rng(9);
  std::vector<double> x, y;
  for (int i = 0; i < 3000; ++i) {
    const double a = rng.normal(), b = rng.normal();
    x.push_back(1.0 + 0.3 * a);
    y.push_back(17.0 + 1.5 * (0.95 * a + std::sqrt(1 - 0.95 * 0.95) * b));  // correlation 0.95
  }
  const auto exact = gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::exact);
  const auto binned = gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::binned);
  const double d = max_rel_diff(binned, exact);
  MESSAGE("edge, correlation 0.95: " << d);
  CHECK(d < 2e-4);
  CHECK(binned.back() == doctest::Approx(exact.back()).epsilon(2e-4));  // the corner node itself
  // Far beyond the kernel's reach, the points leave the grid empty: all zero both ways.
  for (auto& v : x) v += 10;
  CHECK(gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::binned) == std::vector<double>(36 * 96, 0.0));
  const auto far = gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::exact);
  CHECK(*std::max_element(far.begin(), far.end()) < 1e-300);
}

TEST_CASE("kde: nearly collinear points fall back to the exact sum; same values for any thread count") {
  std::vector<double> x, y;
  locus::Rng rng(4);
  for (int i = 0; i < 300; ++i) {
    x.push_back(rng.normal(-0.5, 0.3));
    y.push_back(5 + 2 * x.back() + 1e-7 * rng.normal());
  }
  CHECK(gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::binned) ==
        gaussian_kde_grid(x, y, feh_axis, mr_axis, KdeMethod::exact));

  const auto p = patch_like(5000, 8);
  for (auto method : {KdeMethod::exact, KdeMethod::binned})
    CHECK(gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, method, {}, 1) ==
          gaussian_kde_grid(p.feh, p.mr, feh_axis, mr_axis, method, {}, 3));
}

TEST_CASE("kde: bad input") {
  const std::vector<double> x{0, 1, 2}, y{0, 1};
  CHECK_THROWS_AS(gaussian_kde_grid(x, y, feh_axis, mr_axis), locus::InputError);
  const std::vector<double> a{0, 1, std::nan("")}, b{0, 2, 1};
  CHECK_THROWS_AS(gaussian_kde_grid(a, b, feh_axis, mr_axis), locus::InputError);
  CHECK_THROWS_AS(gaussian_kde_grid(b, b, Axis{0, 0, 3}, mr_axis), locus::ConfigError);
}
