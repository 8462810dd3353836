#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "locus/bayes/locus_model.hpp"
#include "locus/core/rng.hpp"

using namespace locus::bayes;

namespace {
// A 3 (t) x 2 ([Fe/H]) table in photo-D's track format, rows deliberately out of order.
const char* small_table =
    "# test locus\n"
    "   tLoc    Mr    FeH     ug      gr      ri      iz\n"
    "   1.10   5.0  -1.0   1.10   0.50   0.20   0.10\n"
    "   1.00   4.0  -1.0   1.00   0.40   0.15   0.05\n"
    "   1.20   6.5  -1.0   1.30   0.60   0.25   0.12\n"
    "   1.00   4.5   0.0   1.20   0.45   0.16   0.06\n"
    "   1.10   5.5   0.0   1.35   0.55   0.21   0.11\n"
    "   1.20   7.0   0.0   1.60   0.70   0.30   0.15\n";

LocusModel small() {
  std::istringstream in(small_table);
  return LocusModel::parse(in, "small");
}
}  // namespace

TEST_CASE("locus_model: parses a track table onto the (t, [Fe/H]) grid") {
  const auto m = small();
  REQUIRE(m.n_t() == 3);
  REQUIRE(m.n_feh() == 2);
  CHECK(!m.t_is_mr());
  CHECK(m.t_values()[1] == 1.1);
  const auto n = m.index(1, 0);  // t = 1.1, [Fe/H] = -1
  CHECK(m.mr(n) == 5.0);
  CHECK(m.colour(0, n) == 1.10);
  CHECK(m.feh(m.index(2, 1)) == 0.0);
  CHECK(m.colour(3, m.index(2, 1)) == 0.15);
}

TEST_CASE("locus_model: bilinear interpolation") {
  const auto m = small();
  // at a node it returns the node
  auto p = m.interpolate(1.2, 0.0);
  REQUIRE(p);
  CHECK(p->mr == 7.0);
  CHECK(p->colour[1] == doctest::Approx(0.70));
  // centre of the cell (1.0..1.1) x (-1..0): mean of the four corners
  p = m.interpolate(1.05, -0.5);
  REQUIRE(p);
  CHECK(p->mr == doctest::Approx((4.0 + 5.0 + 4.5 + 5.5) / 4).epsilon(1e-14));
  CHECK(p->colour[0] == doctest::Approx((1.00 + 1.10 + 1.20 + 1.35) / 4).epsilon(1e-14));
  // a general point, by the bilinear formula written out
  const double ft = (1.17 - 1.1) / 0.1, ff = (-0.3 + 1.0) / 1.0;
  const double expect = (1 - ft) * (1 - ff) * 5.0 + ft * (1 - ff) * 6.5 + (1 - ft) * ff * 5.5 + ft * ff * 7.0;
  CHECK(m.interpolate(1.17, -0.3)->mr == doctest::Approx(expect).epsilon(1e-13));
  CHECK(!m.interpolate(0.99, -0.5));
  CHECK(!m.interpolate(1.1, 0.01));
  CHECK(!m.interpolate(std::numeric_limits<double>::quiet_NaN(), 0.0));
}

TEST_CASE("locus_model: nearest node agrees with a brute-force search") {
  const auto m = LocusModel::builtin();
  locus::Rng rng(7);
  for (int k = 0; k < 300; ++k) {
    const double mr = rng.uniform(-4, 17), feh = rng.uniform(-3, 1);
    double best = 1e300;
    std::size_t bn = 0;
    for (std::size_t n = 0; n < m.size(); ++n) {
      const double d = (m.mr(n) - mr) * (m.mr(n) - mr) + (m.feh(n) - feh) * (m.feh(n) - feh);
      if (d < best) best = d, bn = n;
    }
    const auto got = m.nearest_node(mr, feh);
    const double dg = (m.mr(got) - mr) * (m.mr(got) - mr) + (m.feh(got) - feh) * (m.feh(got) - feh);
    CHECK(dg == best);
    CHECK(got == bn);
  }
  CHECK_THROWS_AS(m.nearest_node(std::nan(""), 0.0), locus::InputError);
}

TEST_CASE("locus_model: thinning keeps every k-th value and the last one") {
  const auto m = small().thinned(2, 1);
  REQUIRE(m.n_t() == 2);
  CHECK(m.t_values()[0] == 1.0);
  CHECK(m.t_values()[1] == 1.2);
  CHECK(m.mr(m.index(1, 1)) == 7.0);
  const auto b = LocusModel::builtin();
  CHECK(b.size() == 4557);
  CHECK(b.n_t() == 147);
  CHECK(b.n_feh() == 31);
  CHECK(b.t_values().back() == 15.99);
  const auto b3 = b.thinned(1, 3);
  CHECK(b3.n_feh() == 11);
  CHECK(b3.feh_values().back() == 0.5);
}

TEST_CASE("locus_model: Mr-grid tables (t = Mr) and malformed input") {
  std::istringstream in("Mr FeH ug gr ri iz\n4 -1 1 0.4 0.1 0.05\n5 -1 1.1 0.5 0.2 0.1\n4 0 1.2 0.45 0.1 0.06\n5 0 1.3 0.5 0.2 0.1\n");
  const auto m = LocusModel::parse(in, "mrgrid");
  CHECK(m.t_is_mr());
  CHECK(m.n_t() == 2);
  CHECK(m.t(m.index(1, 0)) == 5.0);
  CHECK(m.mr(m.index(1, 0)) == 5.0);

  std::istringstream bad("tLoc Mr FeH ug gr ri iz\n1 2 0 1 1 x 1\n");
  try {
    LocusModel::parse(bad, "bad.txt");
    FAIL("expected FormatError");
  } catch (const locus::FormatError& e) {
    CHECK(std::string(e.what()).find("bad.txt:2 column 6") != std::string::npos);
  }
  std::istringstream hole("tLoc Mr FeH ug gr ri iz\n1 2 0 1 1 1 1\n2 2 0 1 1 1 1\n1 2 1 1 1 1 1\n");
  CHECK_THROWS_AS(LocusModel::parse(hole, "hole"), locus::FormatError);
  std::istringstream hdr("Mr FeH ug gr ri\n1 2 3 4 5\n");
  CHECK_THROWS_AS(LocusModel::parse(hdr, "hdr"), locus::FormatError);
  CHECK_THROWS_AS(LocusModel::load("/nonexistent/locus.txt"), locus::InputError);
}

TEST_CASE("locus_model: plateau nodes") {
  std::istringstream in("tLoc Mr FeH ug gr ri iz\n1 4 0 1 0.4 0.1 0.05\n2 5 0 1.1 0.5 0.2 0.1\n3 5 0 1.1 0.5 0.2 0.1\n");
  const auto m = LocusModel::parse(in, "p");
  CHECK(!m.plateau(0));
  CHECK(m.plateau(1));
  CHECK(!m.plateau(2));
}

TEST_CASE("locus_model: the built-in table is photo-D's 10 Gyr file thinned every 10th tLoc") {
  const std::string path = std::string(LOCUS_DATA_DIR) + "/photod/locus/SDSSDSEDlocus_10Gyr.txt";
  REQUIRE_MESSAGE(std::filesystem::exists(path), path << " is missing from the repository");
  const auto full = LocusModel::load(path);
  CHECK(full.size() == 45229);
  CHECK(full.n_t() == 1459);
  const auto f = LocusModel::load(path, {.t_step = 10});
  const auto b = LocusModel::builtin();
  REQUIRE(f.size() == b.size());
  CHECK(f.t_values() == b.t_values());
  CHECK(f.feh_values() == b.feh_values());
  std::size_t diff = 0;
  for (std::size_t n = 0; n < b.size(); ++n) {
    diff += f.mr(n) != b.mr(n);
    for (std::size_t c = 0; c < n_colours; ++c) diff += f.colour(c, n) != b.colour(c, n);
  }
  CHECK(diff == 0);
  // Mr is not monotonic along tracks (the giant branch turns back)
  bool turns = false;
  for (std::size_t j = 0; j < f.n_feh(); ++j)
    for (std::size_t it = 1; it + 1 < f.n_t(); ++it) {
      const double a = f.mr(f.index(it, j)) - f.mr(f.index(it - 1, j)), c = f.mr(f.index(it + 1, j)) - f.mr(f.index(it, j));
      turns = turns || (a * c < 0);
    }
  CHECK(turns);
}
