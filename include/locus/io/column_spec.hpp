#pragma once
// ColumnSpec: how one numeric column of a catalogue file is read (type, whether it must be
// present, and the policy for missing and unparsable values). Shared by CSV and FITS.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "locus/io/catalog.hpp"

namespace locus::io {

// What to do with a missing value (empty, NaN, NA, null, or the column's sentinel).
enum class Missing {
  flag,    // store the column's fill value and set status::missing_value on the row (default)
  ignore,  // store the fill value, leave the status alone (the column may legitimately be NaN)
  error,   // throw InputError naming file, line, row and column
};
// What to do with a field that is not a number at all ("abc", "1.2.3").
enum class BadField {
  error,  // throw InputError naming file, line, row and column (default)
  flag,   // store the fill value and set status::bad_value on the row
};

// How one numeric column is read. Built with chained setters, e.g.
//   ColumnSpec("Mr").missing_sentinel(-99).on_missing(Missing::ignore)
struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::f64;
  bool required = true;  // a listed column that is absent from the header is an InputError
  Missing missing = Missing::flag;
  BadField bad = BadField::error;
  double fill = std::numeric_limits<double>::quiet_NaN();  // stored for missing / bad fields
  std::optional<double> sentinel;                          // a value that means "missing"

  ColumnSpec() = default;
  explicit ColumnSpec(std::string column_name, ColumnType column_type = ColumnType::f64)
      : name(std::move(column_name)), type(column_type) {}
  ColumnSpec& as(ColumnType t) { type = t; return *this; }
  ColumnSpec& optional() { required = false; return *this; }
  ColumnSpec& on_missing(Missing m) { missing = m; return *this; }
  ColumnSpec& on_bad(BadField b) { bad = b; return *this; }
  ColumnSpec& fill_with(double v) { fill = v; return *this; }
  ColumnSpec& missing_sentinel(double v) { sentinel = v; return *this; }
};

// True when v counts as missing under spec: NaN, or equal to the spec's sentinel.
template <class T>
bool is_missing_value(T v, const ColumnSpec& spec) {
  return std::isnan(v) || (spec.sentinel && v == static_cast<T>(*spec.sentinel));
}

}  // namespace locus::io
