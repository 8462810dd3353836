#include <doctest/doctest.h>
#include <filesystem>
#include <string>

#include <locus/bayes/builtin_locus.hpp>

using namespace locus;
using namespace locus::bayes;

TEST_CASE("builtin_locus: each age is photo-D's file thinned every 10th tLoc, and the ages differ only above Mr = 4") {
  const auto ten = builtin_locus(10);
  for (int age : builtin_locus_ages) {
    CAPTURE(age);
    const std::string path = std::string(LOCUS_DATA_DIR) + "/photod/locus/SDSSDSEDlocus_" + std::to_string(age) + "Gyr.txt";
    REQUIRE_MESSAGE(std::filesystem::exists(path), path << " is missing from the repository");
    const auto f = LocusModel::load(path, {.t_step = 10});
    const auto b = builtin_locus(age);
    REQUIRE(f.size() == b.size());
    CHECK(f.t_values() == b.t_values());
    CHECK(f.feh_values() == b.feh_values());
    std::size_t diff = 0, differs_from_10 = 0, differs_faint = 0;
    for (std::size_t n = 0; n < b.size(); ++n) {
      bool d10 = b.mr(n) != ten.mr(n);
      diff += f.mr(n) != b.mr(n);
      for (std::size_t c = 0; c < n_colours; ++c) {
        diff += f.colour(c, n) != b.colour(c, n);
        d10 = d10 || b.colour(c, n) != ten.colour(c, n);
      }
      differs_from_10 += d10;
      differs_faint += d10 && ten.mr(n) > 4.0 && b.mr(n) > 4.0;
    }
    CHECK(diff == 0);
    // same grid as the 10 Gyr model; the younger isochrones change the bright part only
    CHECK(b.t_values() == ten.t_values());
    if (age == 10) CHECK(differs_from_10 == 0);
    else {
      CHECK(differs_from_10 > b.size() / 10);
      CHECK(differs_faint == 0);
    }
  }
  CHECK_THROWS_AS(builtin_locus(3), ConfigError);
}
