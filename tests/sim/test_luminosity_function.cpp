#include <doctest/doctest.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>
#include <locus/sim/luminosity_function.hpp>

using namespace locus;
using namespace locus::sim;

TEST_CASE("LuminosityFunction: the embedded table is the shipped galfast file, value for value") {
  const LuminosityFunction builtin;
  const auto copy = LuminosityFunction::from_file(LOCUS_SOURCE_DIR "/include/locus/sim/data/MrLF.MSandRGB_v1.0.dat");
  REQUIRE(builtin.table().x().size() == 2901);
  REQUIRE(copy.table().x().size() == 2901);
  for (std::size_t i = 0; i < 2901; ++i) {
    CHECK(builtin.table().x()[i] == copy.table().x()[i]);
    CHECK(builtin.table().f()[i] == copy.table().f()[i]);
  }
  CHECK(builtin.mr_min() == -1.0);
  CHECK(builtin.mr_max() == 28.0);
  CHECK(builtin(-1.0) == 3.452e-05);
  CHECK(builtin(28.0) == 2.332e-03);
  CHECK(builtin(-0.995) == doctest::Approx(0.5 * (3.452e-05 + 3.478e-05)));
  CHECK(builtin(-2.0) == 0.0);
}

TEST_CASE("LuminosityFunction: integrals match the file's own description") {
  // File header: "integral: 0.061 stars/pc^3 (-1<Mr<28); of those, 50% have 4.9 < Mr < 12,
  // 5% have Mr < 4.9, and 21% have Mr > 15" (the 5% is 6.5% with the tabulated values).
  const LuminosityFunction lf;
  const double total = lf.integral(-1, 28);
  CHECK(total == doctest::Approx(0.06087).epsilon(1e-3));
  CHECK(lf.integral(4.9, 12) / total == doctest::Approx(0.501).epsilon(0.01));
  CHECK(lf.integral(15, 28) / total == doctest::Approx(0.2085).epsilon(0.01));
  CHECK(lf.integral(-1, 4.9) / total == doctest::Approx(0.0653).epsilon(0.01));
}

TEST_CASE("LuminosityFunction: sampling reproduces the mean Mr of a range") {
  const LuminosityFunction lf;
  // exact mean of the piecewise-linear LF on [3, 8] by fine midpoint quadrature
  double num = 0, den = 0;
  for (double x = 3 + 5e-5; x < 8; x += 1e-4) {
    num += x * lf(x);
    den += lf(x);
  }
  const double mean = num / den;
  Rng rng(3);
  const int n = 100000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = lf.sample(rng, 3, 8);
    s += x;
    s2 += x * x;
  }
  const double m = s / n, sd = std::sqrt(s2 / n - m * m);
  CHECK(std::abs(m - mean) < 4 * sd / std::sqrt(double(n)));
}

TEST_CASE("LuminosityFunction: malformed files name the file, line and column") {
  const auto dir = std::filesystem::temp_directory_path();
  const auto p = dir / "locus_sim_bad_lf.dat";
  {
    std::ofstream f(p);
    f << "# Mr LF\n-1.0 1e-5\n-0.9 abc\n";
  }
  try {
    LuminosityFunction::from_file(p.string());
    FAIL("expected FormatError");
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("locus_sim_bad_lf.dat:3") != std::string::npos);
    CHECK(msg.find("column 2") != std::string::npos);
  }
  {
    std::ofstream f(p);
    f << "# only a comment\n";
  }
  CHECK_THROWS_AS(LuminosityFunction::from_file(p.string()), FormatError);
  CHECK_THROWS_AS(LuminosityFunction::from_file((dir / "locus_no_such_lf.dat").string()), InputError);
  CHECK_THROWS_AS(LuminosityFunction({0, 1}, {1, -1}), ConfigError);
  std::filesystem::remove(p);
}
