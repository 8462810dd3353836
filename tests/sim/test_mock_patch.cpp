#include <doctest/doctest.h>
#include <cmath>
#include <cstring>
#include <vector>
#include <map>
#include <memory>
#include <locus/sim/mock_patch.hpp>

using namespace locus;
using namespace locus::sim;

namespace {
PatchSpec small_spec() {
  PatchSpec s;
  s.area_deg2 = 0.02;  // ~900 stars: fast, still several chunks' worth of draws
  return s;
}
bool identical(const io::Catalog& a, const io::Catalog& b) {
  if (a.rows() != b.rows() || a.names() != b.names()) return false;
  for (const auto& n : a.names()) {
    const auto x = a.column<double>(n), y = b.column<double>(n);
    if (std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) != 0) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("simulate_patch: columns, cuts and internal consistency") {
  auto spec = small_spec();
  Rng rng(1);
  PatchStats st;
  const auto cat = simulate_patch(spec, rng, &st);
  REQUIRE(cat.rows() > 300);
  CHECK(cat.names() == patch_columns());
  CHECK(patch_columns().size() == 39);
  CHECK(st.kept == cat.rows());
  CHECK(st.generated == st.kept + st.feh_range + st.mag_cut + st.snr_cut);
  const bayes::Extinction ext;
  // the patch is a cap of the given area: angular radius θ with 2π(1 − cos θ) = Ω
  const double cos_max = 1 - solid_angle(spec.area_deg2) / (2 * M_PI);
  auto cos_sep = [](double l1, double b1, double l2, double b2) {
    const double d = M_PI / 180;
    return std::sin(b1 * d) * std::sin(b2 * d) + std::cos(b1 * d) * std::cos(b2 * d) * std::cos((l1 - l2) * d);
  };
  for (std::size_t i = 0; i < cat.rows(); ++i) {
    auto v = [&](const char* n) { return cat.value(n, i); };
    CHECK(v("rmag_true") < 27.5);
    CHECK(v("umag_true") < 27.0);
    CHECK(v("FeH_true") >= -2.5);
    CHECK(v("FeH_true") <= 0.5);
    CHECK(v("Mr_true") > -2.0);
    CHECK(v("Mr_true") < 16.0);
    CHECK(cos_sep(v("l"), v("b"), spec.l_deg, spec.b_deg) >= cos_max - 1e-12);
    CHECK(v("l") >= 0.0);
    CHECK(v("l") < 360.0);
    CHECK(v("Ar_true") <= v("Ar") + 1e-12);
    CHECK(v("Ar_true") >= 0.0);
    CHECK(v("Ar") == spec.ar_sfd);
    CHECK(v("DM") == doctest::Approx(5 * std::log10(v("distance") / 10)));
    CHECK(v("rmag_true") == doctest::Approx(v("Mr_true") + v("DM") + v("Ar_true")));
    // reddened true colours = dust-free node colours + k * Ar (Berry et al. 2012)
    CHECK(v("umag_true") - v("gmag_true") == doctest::Approx(v("ug0") + ext.colour_coefficient(0) * v("Ar_true")));
    CHECK(v("gmag_true") - v("rmag_true") == doctest::Approx(v("gr0") + ext.colour_coefficient(1) * v("Ar_true")));
    CHECK(v("rmag_true") - v("imag_true") == doctest::Approx(v("ri0") + ext.colour_coefficient(2) * v("Ar_true")));
    CHECK(v("imag_true") - v("zmag_true") == doctest::Approx(v("iz0") + ext.colour_coefficient(3) * v("Ar_true")));
    // observed colours and errors
    CHECK(v("ug") == doctest::Approx(v("umag") - v("gmag")));
    CHECK(v("izErr") == doctest::Approx(std::hypot(v("iErr"), v("zErr"))));
    CHECK(v("rErr") == doctest::Approx(spec.errors.sigma(2, v("rmag"))));  // from the noisy magnitude
    CHECK(std::abs(v("umag") - v("umag_true")) <= 1.0);
    // the colours come from the nearest locus node
    CHECK(std::abs(v("Mr_node") - v("Mr_true")) < 0.5);
    CHECK(std::abs(v("FeH_node") - v("FeH_true")) <= 0.3);
    const double comp = v("component");
    CHECK((comp == 0 || comp == 1 || comp == 2));
  }
}

TEST_CASE("simulate_patch: the same seed gives bit-identical catalogues, with 1 or 2 threads") {
  auto spec = small_spec();
  spec.area_deg2 = 0.2;  // ~21,000 generated stars: three chunks of 8192
  spec.threads = 1;
  Rng a(77), b(77), c(78);
  const auto one = simulate_patch(spec, a);
  spec.threads = 2;
  const auto two = simulate_patch(spec, b);
  CHECK(identical(one, two));
  const auto other = simulate_patch(spec, c);
  CHECK_FALSE(identical(one, other));
  // A second call on the same generator continues the stream: a different catalogue.
  const auto again = simulate_patch(spec, b);
  CHECK_FALSE(identical(two, again));
}

TEST_CASE("simulate_patch: SNR > 5 option, extinction map, invalid specs") {
  auto spec = small_spec();
  spec.require_snr5 = true;
  Rng rng(5);
  PatchStats st;
  const auto cat = simulate_patch(spec, rng, &st);
  CHECK(st.snr_cut > 0);
  for (std::size_t i = 0; i < cat.rows(); ++i)
    for (const char* e : {"uErr", "gErr", "rErr", "iErr", "zErr"}) CHECK(LsstErrors::snr_of_sigma(cat.value(e, i)) > 5.0);

  // A gradient in b: SFD A_r from the map, the true A_r scales with it.
  auto spec2 = small_spec();
  spec2.ar_sfd_map = [&](double, double b) { return 0.1 + 0.5 * (b - spec2.b_deg + 0.1); };
  Rng rng2(6);
  const auto cat2 = simulate_patch(spec2, rng2);
  REQUIRE(cat2.rows() > 100);
  for (std::size_t i = 0; i < cat2.rows(); ++i) {
    CHECK(cat2.value("Ar", i) == doctest::Approx(0.1 + 0.5 * (cat2.value("b", i) - spec2.b_deg + 0.1)));
    const double frac = DustLayer{}.fraction(cat2.value("b", i), cat2.value("distance", i));
    CHECK(cat2.value("Ar_true", i) == doctest::Approx(cat2.value("Ar", i) * frac));
  }
  // A patch centred on the north Galactic pole: all longitudes, b within the cap's radius.
  auto pole = small_spec();
  pole.b_deg = 90;
  Rng rng4(9);
  const auto cat4 = simulate_patch(pole, rng4);
  REQUIRE(cat4.rows() > 50);
  const double radius = std::acos(1 - solid_angle(pole.area_deg2) / (2 * M_PI)) * 180 / M_PI;
  double lmin = 360, lmax = 0;
  for (std::size_t i = 0; i < cat4.rows(); ++i) {
    CHECK(cat4.value("b", i) >= 90 - radius - 1e-9);
    lmin = std::min(lmin, cat4.value("l", i));
    lmax = std::max(lmax, cat4.value("l", i));
  }
  CHECK(lmax - lmin > 300);
  // Positions are uniform on the cap: the mean of cos(separation) is (1 + cos θ_max) / 2.
  {
    auto spec5 = small_spec();
    spec5.area_deg2 = 20;
    spec5.r_max = 14;  // bright stars only: ~7,000 rows, fast
    Rng rng5(10);
    const auto cat5 = simulate_patch(spec5, rng5);
    REQUIRE(cat5.rows() > 1000);
    const double cm = 1 - solid_angle(spec5.area_deg2) / (2 * M_PI);
    double s = 0;
    for (std::size_t i = 0; i < cat5.rows(); ++i) {
      const double d = M_PI / 180, l = cat5.value("l", i), b = cat5.value("b", i);
      s += std::sin(b * d) * std::sin(spec5.b_deg * d) +
           std::cos(b * d) * std::cos(spec5.b_deg * d) * std::cos((l - spec5.l_deg) * d);
    }
    const double n = double(cat5.rows()), sd = (1 - cm) / std::sqrt(12.0);
    CHECK(std::abs(s / n - (1 + cm) / 2) < 4 * sd / std::sqrt(n));
  }
  auto bad = small_spec();
  bad.ar_sfd_map = [](double, double) { return -1.0; };
  Rng rng3(7);
  CHECK_THROWS_AS(simulate_patch(bad, rng3), InputError);
  auto bad2 = small_spec();
  bad2.area_deg2 = 0;
  CHECK_THROWS_AS(simulate_patch(bad2, rng3), ConfigError);
}

TEST_CASE("simulate_patch: the number of stars follows the model's expectation") {
  // Without extinction, with the u cut and the [Fe/H] range removed, every generated star is
  // kept only if r < r_max, which LineOfSight already imposes: counts are Poisson(expected).
  auto spec = small_spec();
  spec.area_deg2 = 0.05;
  spec.ar_sfd = 0;
  spec.u_max = 1e9;
  spec.feh_min = -100;
  spec.feh_max = 100;
  Rng rng(8);
  PatchStats st;
  const auto cat = simulate_patch(spec, rng, &st);
  const double lambda = st.expected[0] + st.expected[1] + st.expected[2];
  CHECK(st.feh_range == 0);
  CHECK(st.mag_cut == 0);
  CHECK(std::abs(double(cat.rows()) - lambda) < 4 * std::sqrt(lambda));
  std::array<double, 3> n{};
  for (std::size_t i = 0; i < cat.rows(); ++i) n[static_cast<int>(cat.value("component", i))] += 1;
  for (int c = 0; c < 3; ++c) CHECK(std::abs(n[c] - st.expected[c]) < 4 * std::sqrt(st.expected[c]) + 1);
}

TEST_CASE("simulate_patch: an age mixture colours each component from its own tables") {
  auto spec = small_spec();
  spec.area_deg2 = 0.2;
  Rng r0(7);
  const auto same = simulate_patch(spec, r0);
  for (std::size_t i = 0; i < same.rows(); ++i) REQUIRE(same.value("age", i) == 10.0);

  spec.ages = AgeMixture::galactic();
  Rng r1(7);
  const auto mixed = simulate_patch(spec, r1);
  REQUIRE(mixed.rows() > 3000);
  std::array<std::shared_ptr<bayes::LocusModel>, 11> model;
  for (int a : bayes::builtin_locus_ages) model[a] = std::make_shared<bayes::LocusModel>(bayes::builtin_locus(a));
  std::map<int, std::size_t> thin;
  std::size_t n_thin = 0, young_bright = 0, young_bright_differs = 0;
  for (std::size_t i = 0; i < mixed.rows(); ++i) {
    auto v = [&](const char* n) { return mixed.value(n, i); };
    const int age = static_cast<int>(v("age")), comp = static_cast<int>(v("component"));
    if (comp != 0) {
      CHECK(age == 10);  // thick disk and halo are old
    } else {
      ++thin[age], ++n_thin;
    }
    // the colours are those of the star's own table at its nearest node
    const auto& m = *model[age];
    const std::size_t node = m.nearest_node(v("Mr_true"), v("FeH_true"));
    CHECK(v("ug0") == m.colour(0, node));
    CHECK(v("gr0") == m.colour(1, node));
    CHECK(v("ri0") == m.colour(2, node));
    CHECK(v("Mr_node") == m.mr(node));
    if (age != 10 && v("Mr_true") < 3.5) {
      ++young_bright;
      const std::size_t n10 = model[10]->nearest_node(v("Mr_true"), v("FeH_true"));
      young_bright_differs += model[10]->colour(0, n10) != v("ug0") || model[10]->colour(1, n10) != v("gr0");
    }
  }
  // thin-disk ages follow the weights: binomial, 4 sigma
  REQUIRE(n_thin > 500);
  const auto galactic = AgeMixture::galactic();
  for (const auto& [age, w] : galactic.ages[0]) {
    const double p = w, n = static_cast<double>(n_thin);
    CAPTURE(age);
    CHECK(std::abs(static_cast<double>(thin[age]) - p * n) < 4 * std::sqrt(n * p * (1 - p)));
  }
  // where the tables differ, the mixed patch is not coloured by the fitted (10 Gyr) model
  CHECK(young_bright > 20);
  CHECK(young_bright_differs > young_bright / 2);

  AgeMixture bad;
  bad.ages[0] = {{3, 1.0}};
  bad.ages[1] = bad.ages[2] = {{10, 1.0}};
  spec.ages = bad;
  Rng r2(7);
  CHECK_THROWS_AS(simulate_patch(spec, r2), ConfigError);
}
