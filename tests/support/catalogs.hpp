#pragma once
// Test support: comparing results value for value (bit-identical, NaN equal to NaN): catalogues,
// vectors and posterior summaries.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <locus/bayes/summary.hpp>
#include <locus/io/catalog.hpp>

namespace locus::test {

// The same value: bit-identical, or both NaN (any payload).
inline bool same_value(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}
inline bool same_value(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline bool same_vector(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_value(a[i], b[i])) return false;
  return true;
}

// Every field of two posterior summaries is the same.
inline bool same_summary(const bayes::Summary& a, const bayes::Summary& b) {
  bool ok = same_value(a.chi2_min, b.chi2_min) && a.status == b.status && a.prior_bin == b.prior_bin &&
            a.nodes_used == b.nodes_used;
  for (std::size_t p = 0; p < bayes::n_params; ++p)
    ok = ok && same_value(a.mean[p], b.mean[p]) && same_value(a.sigma[p], b.sigma[p]) && same_value(a.q14[p], b.q14[p]) &&
         same_value(a.q50[p], b.q50[p]) && same_value(a.q86[p], b.q86[p]);
  return ok;
}
// How many summaries differ (all of them when the lengths differ).
inline std::size_t differing_summaries(std::span<const bayes::Summary> a, std::span<const bayes::Summary> b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += !same_summary(a[i], b[i]);
  return n;
}

// Number of rows where column `name` differs between a and b (same_value on the values as
// double; both must have the column).
inline std::size_t differing_rows(const io::Catalog& a, const io::Catalog& b, const std::string& name) {
  const auto x = a.to_double(name), y = b.to_double(name);
  if (x.size() != y.size()) return std::max(x.size(), y.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) n += !same_value(x[i], y[i]);
  return n;
}

// a and b hold the same rows: the same column names in the same order (and, with `types`, the
// same column types), the same values (as double, NaN equal to NaN), ids and status.
inline void check_same_catalog(const io::Catalog& a, const io::Catalog& b, bool types = true) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.names() == b.names());
  for (std::size_t j = 0; j < a.columns(); ++j) {
    INFO("column " << a.name(j));
    if (types) CHECK(a.type(j) == b.type(j));
    CHECK(differing_rows(a, b, a.name(j)) == 0);
  }
  REQUIRE(a.has_ids() == b.has_ids());
  if (a.has_ids()) {
    CHECK(a.id_name() == b.id_name());
    std::size_t diff = 0;
    for (std::size_t i = 0; i < a.rows(); ++i) diff += a.id(i) != b.id(i);
    CHECK(diff == 0);
  }
  std::size_t diff = 0;
  for (std::size_t i = 0; i < a.rows(); ++i) diff += a.status(i) != b.status(i);
  CHECK(diff == 0);
}

}  // namespace locus::test
