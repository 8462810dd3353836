#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <numeric>
#include <vector>

#include "locus/core/rng.hpp"
#include "locus/pipeline/sample_selection.hpp"

using namespace locus;
using namespace locus::pipeline;

namespace {

// Feeds rows [0, n) in the given order; r(row) and eligible(row) describe each row.
template <class R, class E>
Selection select(const SampleOptions& o, const std::vector<std::size_t>& order, R&& r, E&& eligible) {
  SampleSelector s(o);
  for (std::size_t row : order) s.add(row, r(row), eligible(row));
  CHECK(s.rows_seen() == order.size());
  return s.finish();
}
std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}
bool same(const Selection& a, const Selection& b) { return a.rows == b.rows && a.roles == b.roles; }

// χ² of counts against equal expected counts.
double chi2_uniform(const std::vector<std::size_t>& counts) {
  double total = 0;
  for (auto c : counts) total += static_cast<double>(c);
  const double e = total / static_cast<double>(counts.size());
  double x = 0;
  for (auto c : counts) x += (static_cast<double>(c) - e) * (static_cast<double>(c) - e) / e;
  return x;
}

}  // namespace

TEST_CASE("sample_selection: roles, counts and determinism of a random sample") {
  SampleOptions o;
  o.train = 1000;
  o.check = 300;
  o.validation_fraction = 0.25;
  o.seed = 99;
  const auto rows = iota(20000);
  auto r = [](std::size_t i) { return 14.0 + static_cast<double>(i % 100) / 10; };
  auto all = [](std::size_t) { return true; };
  const auto a = select(o, rows, r, all);
  REQUIRE(a.rows.size() == 1300);
  REQUIRE(a.roles.size() == 1300);
  CHECK(a.count(Role::train) == 750);
  CHECK(a.count(Role::validation) == 250);
  CHECK(a.count(Role::check) == 300);
  CHECK(a.count(Role::none) == 0);
  CHECK(std::is_sorted(a.rows.begin(), a.rows.end()));
  CHECK(std::adjacent_find(a.rows.begin(), a.rows.end()) == a.rows.end());  // distinct
  CHECK(a.rows.back() < 20000);
  const auto checks = a.rows_of(Role::check);
  CHECK(checks.size() == 300);
  CHECK(std::is_sorted(checks.begin(), checks.end()));

  // the same seed: the same rows and roles, whatever order or chunking the rows arrive in
  CHECK(same(select(o, rows, r, all), a));
  std::vector<std::size_t> reversed(rows.rbegin(), rows.rend());
  CHECK(same(select(o, reversed, r, all), a));
  std::vector<std::size_t> shuffled = rows;
  Rng rng(1);
  locus::shuffle(shuffled.begin(), shuffled.end(), rng);
  CHECK(same(select(o, shuffled, r, all), a));
  // blocks of 777 rows, blocks in reverse order
  std::vector<std::size_t> blocks;
  for (std::size_t b = (20000 / 777) * 777;; b -= 777) {
    for (std::size_t i = b; i < std::min<std::size_t>(20000, b + 777); ++i) blocks.push_back(i);
    if (b == 0) break;
  }
  CHECK(blocks.size() == 20000);
  CHECK(same(select(o, blocks, r, all), a));

  // another seed: another sample (overlap about 1300²/20000 ≈ 85 rows by chance)
  SampleOptions o2 = o;
  o2.seed = 100;
  const auto b = select(o2, rows, r, all);
  std::vector<std::size_t> common;
  std::set_intersection(a.rows.begin(), a.rows.end(), b.rows.begin(), b.rows.end(), std::back_inserter(common));
  CHECK(common.size() < 200);
}

TEST_CASE("sample_selection: a random sample is uniform over the rows") {
  // 5000 of 100,000 rows: counts per decile of row position, χ² with 9 degrees of freedom;
  // 27.9 is its 0.1 % point (fixed seeds: the numbers are reproducible, not flaky)
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SampleOptions o;
    o.train = 4000;
    o.check = 1000;
    o.seed = seed;
    const auto s = select(o, iota(100000), [](std::size_t) { return 20.0; }, [](std::size_t) { return true; });
    REQUIRE(s.rows.size() == 5000);
    std::vector<std::size_t> deciles(10, 0), check_deciles(10, 0);
    for (std::size_t k = 0; k < s.rows.size(); ++k) {
      ++deciles[s.rows[k] / 10000];
      if (s.roles[k] == Role::check) ++check_deciles[s.rows[k] / 10000];
    }
    INFO("seed " << seed);
    CHECK(chi2_uniform(deciles) < 27.9);
    CHECK(chi2_uniform(check_deciles) < 27.9);  // the roles are random too
    // every role spans the whole range
    const auto val = s.rows_of(Role::validation);
    CHECK(val.front() < 5000);
    CHECK(val.back() > 95000);
  }
}

TEST_CASE("sample_selection: ineligible rows are never chosen; a sample larger than the eligible rows takes them all") {
  SampleOptions o;
  o.train = 40;
  o.check = 10;
  o.seed = 5;
  auto eligible = [](std::size_t i) { return i % 3 != 0; };
  SampleSelector s(o);
  for (std::size_t i = 0; i < 45; ++i) s.add(i, 18.0, eligible(i));
  CHECK(s.rows_seen() == 45);
  CHECK(s.rows_eligible() == 30);
  const auto sel = s.finish();
  REQUIRE(sel.rows.size() == 30);
  for (auto row : sel.rows) CHECK(eligible(row));
  // training first: 30 < 40 training stars, so no check stars; validation = round(0.25 · 30)
  CHECK(sel.count(Role::check) == 0);
  CHECK(sel.count(Role::validation) == 8);
  CHECK(sel.count(Role::train) == 22);

  // more than the training sample but less than training + check: the rest are check stars
  SampleOptions o2 = o;
  o2.train = 20;
  o2.check = 100;
  const auto sel2 = select(o2, iota(45), [](std::size_t) { return 18.0; }, eligible);
  CHECK(sel2.rows.size() == 30);
  CHECK(sel2.count(Role::train) + sel2.count(Role::validation) == 20);
  CHECK(sel2.count(Role::check) == 10);

  // in a big catalogue, still only eligible rows
  const auto big = select(o, iota(30000), [](std::size_t) { return 18.0; }, eligible);
  CHECK(big.rows.size() == 50);
  for (auto row : big.rows) CHECK(eligible(row));
  // nothing eligible: an empty selection
  const auto none = select(o, iota(100), [](std::size_t) { return 18.0; }, [](std::size_t) { return false; });
  CHECK(none.rows.empty());
}

TEST_CASE("sample_selection: stratified_r takes the same number from every r bin") {
  SampleOptions o;
  o.sampling = Sampling::stratified_r;
  o.stratum_width = 1.0;
  o.train = 800;
  o.check = 200;
  o.seed = 17;
  CHECK(std::string(to_string(o.sampling)) == "stratified_r");
  CHECK(std::string(to_string(Sampling::random)) == "random");
  // 10 bins [14, 24) with very unequal numbers of stars: 300 · (k + 1) in bin k
  std::vector<double> r;
  for (int k = 0; k < 10; ++k)
    for (int j = 0; j < 300 * (k + 1); ++j) r.push_back(14.0 + k + (j + 0.5) / (300.0 * (k + 1)));
  Rng rng(3);
  locus::shuffle(r.begin(), r.end(), rng);  // bins interleaved in row order
  auto r_of = [&](std::size_t i) { return r[i]; };
  auto bin_counts = [&](const Selection& s) {
    std::map<int, std::size_t> c;
    for (auto row : s.rows) ++c[static_cast<int>(std::floor(r[row]))];
    return c;
  };
  SUBCASE("every bin has enough: exactly equal counts") {
    const auto s = select(o, iota(r.size()), r_of, [](std::size_t) { return true; });
    REQUIRE(s.rows.size() == 1000);
    const auto c = bin_counts(s);
    REQUIRE(c.size() == 10);
    for (const auto& [bin, n] : c) CHECK(n == 100);
    CHECK(s.count(Role::check) == 200);
    CHECK(s.count(Role::validation) == 200);
    // order independence holds here too
    std::vector<std::size_t> rev = iota(r.size());
    std::reverse(rev.begin(), rev.end());
    CHECK(same(select(o, rev, r_of, [](std::size_t) { return true; }), s));
  }
  SUBCASE("a short bin gives all it has and the others share the rest (water-filling)") {
    // only 20 eligible stars in [14, 15)
    std::size_t kept14 = 0;
    std::vector<char> ok(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) ok[i] = r[i] >= 15 || kept14++ < 20;
    const auto s = select(o, iota(r.size()), r_of, [&](std::size_t i) { return ok[i] != 0; });
    REQUIRE(s.rows.size() == 1000);
    const auto c = bin_counts(s);
    CHECK(c.at(14) == 20);
    std::size_t lo = 1000, hi = 0;
    for (const auto& [bin, n] : c)
      if (bin != 14) lo = std::min(lo, n), hi = std::max(hi, n);
    CHECK(hi - lo <= 1);      // the other nine as equal as integers allow
    CHECK(lo >= 980 / 9);     // 108 or 109 each
    for (auto row : s.rows) CHECK(ok[row]);
  }
  SUBCASE("two short bins and a catalogue smaller than the sample") {
    std::vector<double> rr{14.2, 14.7, 15.1, 16.0, 16.2, 16.4, 16.6, 16.8, 17.0, 17.5};
    SampleOptions small = o;
    small.train = 6;
    small.check = 0;
    const auto s = select(small, iota(rr.size()), [&](std::size_t i) { return rr[i]; }, [](std::size_t) { return true; });
    std::map<int, std::size_t> c;
    for (auto row : s.rows) ++c[static_cast<int>(std::floor(rr[row]))];
    CHECK(s.rows.size() == 6);
    CHECK(c[15] == 1);  // the bin's only star
    CHECK(c[14] + c[16] + c[17] == 5);  // the rest shared as equally as integers allow: 2, 2, 1
    CHECK(std::max({c[14], c[16], c[17]}) == 2);
    CHECK(std::min({c[14], c[16], c[17]}) == 1);
    const auto all = select(o, iota(rr.size()), [&](std::size_t i) { return rr[i]; }, [](std::size_t) { return true; });
    CHECK(all.rows.size() == rr.size());
  }
  SUBCASE("rows without a finite r are eligible but never drawn") {
    std::vector<double> rr(200, 18.5);
    for (std::size_t i = 0; i < 200; i += 2) rr[i] = std::nan("");
    SampleSelector sel(o);
    for (std::size_t i = 0; i < rr.size(); ++i) sel.add(i, rr[i], true);
    CHECK(sel.rows_eligible() == 200);
    const auto s = sel.finish();
    CHECK(s.rows.size() == 100);
    for (auto row : s.rows) CHECK(row % 2 == 1);
  }
}

TEST_CASE("sample_selection: invalid options are ConfigErrors") {
  SampleOptions o;
  o.train = 1;
  CHECK_THROWS_AS(SampleSelector{o}, ConfigError);
  o = SampleOptions{};
  o.validation_fraction = 0;
  CHECK_THROWS_AS(SampleSelector{o}, ConfigError);
  o.validation_fraction = 1;
  CHECK_THROWS_AS(SampleSelector{o}, ConfigError);
  o = SampleOptions{};
  o.sampling = Sampling::stratified_r;
  o.stratum_width = 0;
  CHECK_THROWS_AS(SampleSelector{o}, ConfigError);
  o.sampling = Sampling::random;  // the width is only used when stratifying
  CHECK_NOTHROW(SampleSelector{o});
}
