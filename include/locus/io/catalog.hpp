#pragma once
// Catalog: a table of stars with named numeric columns (float or double), an optional string
// id column and a status column of bit flags.
//
// The number of rows is fixed when the catalogue is built. Nothing in locus removes a row:
// a star whose input is bad, or whose fit failed, keeps its row and gets a status bit, so
// outputs always line up with inputs row for row.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/io/status.hpp"

namespace locus::io {

enum class ColumnType { f32, f64 };

template <class T>
inline constexpr bool is_column_value_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
constexpr ColumnType column_type_of() {
  static_assert(is_column_value_v<T>, "catalogue columns hold float or double");
  return std::is_same_v<T, float> ? ColumnType::f32 : ColumnType::f64;
}

inline const char* to_string(ColumnType t) { return t == ColumnType::f32 ? "float" : "double"; }

// Catalog
//
// Specification:
// - rows() is set by the constructor and never changes.
// - Numeric columns have unique non-empty names, keep their insertion order, and hold
//   exactly rows() values of float or double. add_column / column return std::span views;
//   a span stays valid until its column is removed or the Catalog is destroyed (adding
//   other columns or moving the Catalog does not invalidate it).
// - The status column always exists (rows() values, initially status::ok).
// - The id column is optional; when present it holds rows() strings and has a name
//   (default "id") used by the file formats.
// - Asking for a column that does not exist, or with the wrong type, throws ConfigError
//   naming the column. Adding a column with a size other than rows() throws InputError.
class Catalog {
 public:
  Catalog() = default;
  explicit Catalog(std::size_t rows) : rows_(rows), status_(rows, status::ok) {}

  std::size_t rows() const noexcept { return rows_; }
  // Number of numeric columns (the id and status columns are not counted).
  std::size_t columns() const noexcept { return columns_.size(); }

  // ---- numeric columns -------------------------------------------------------------
  // Adds a column filled with `fill` (NaN by default) and returns it.
  template <class T>
  std::span<T> add_column(std::string name, T fill = std::numeric_limits<T>::quiet_NaN()) {
    return add_column<T>(std::move(name), std::vector<T>(rows_, fill));
  }
  // Adds a column holding `values` (must have rows() elements).
  template <class T>
  std::span<T> add_column(std::string name, std::vector<T> values) {
    static_assert(is_column_value_v<T>, "catalogue columns hold float or double");
    check_new_name(name);
    if (values.size() != rows_)
      throw InputError("Catalog: column '" + name + "' has " + std::to_string(values.size()) +
                       " values but the catalogue has " + std::to_string(rows_) + " rows");
    index_.emplace(name, columns_.size());
    columns_.push_back(Column{std::move(name), std::move(values)});
    return std::get<std::vector<T>>(columns_.back().data);
  }

  bool has_column(std::string_view name) const { return find(name) != npos; }

  // Position of a column in names() order; throws ConfigError when absent.
  std::size_t index_of(std::string_view name) const {
    const std::size_t i = find(name);
    if (i == npos) throw ConfigError("Catalog: no column named '" + std::string(name) + "'" + available());
    return i;
  }

  ColumnType type(std::size_t i) const {
    return columns_.at(i).data.index() == 0 ? ColumnType::f32 : ColumnType::f64;
  }
  ColumnType type(std::string_view name) const { return type(index_of(name)); }

  const std::string& name(std::size_t i) const { return columns_.at(i).name; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(columns_.size());
    for (const auto& c : columns_) out.push_back(c.name);
    return out;
  }

  template <class T>
  std::span<T> column(std::string_view name) {
    return column<T>(index_of(name));
  }
  template <class T>
  std::span<const T> column(std::string_view name) const {
    return column<T>(index_of(name));
  }
  template <class T>
  std::span<T> column(std::size_t i) {
    auto* v = std::get_if<std::vector<T>>(&columns_.at(i).data);
    if (!v) throw_type(i, column_type_of<T>());
    return *v;
  }
  template <class T>
  std::span<const T> column(std::size_t i) const {
    const auto* v = std::get_if<std::vector<T>>(&columns_.at(i).data);
    if (!v) throw_type(i, column_type_of<T>());
    return *v;
  }

  // Calls f(std::span<T>) with the column's own type.
  template <class F>
  decltype(auto) visit_column(std::size_t i, F&& f) {
    return std::visit([&](auto& v) -> decltype(auto) { return f(std::span(v)); }, columns_.at(i).data);
  }
  template <class F>
  decltype(auto) visit_column(std::size_t i, F&& f) const {
    return std::visit([&](const auto& v) -> decltype(auto) { return f(std::span(v)); },
                      columns_.at(i).data);
  }

  // One value as double, whatever the column's type.
  double value(std::size_t col, std::size_t row) const {
    return visit_column(col, [&](auto s) { return static_cast<double>(s[row]); });
  }
  double value(std::string_view name, std::size_t row) const { return value(index_of(name), row); }

  // A copy of a column converted to double.
  std::vector<double> to_double(std::string_view name) const {
    return visit_column(index_of(name), [](auto s) { return std::vector<double>(s.begin(), s.end()); });
  }

  // Moves the column's values out and removes it: results can change owner (a numpy array,
  // say) without a copy.
  std::variant<std::vector<float>, std::vector<double>> release_column(std::string_view name) {
    const std::size_t i = index_of(name);
    auto data = std::move(columns_[i].data);
    columns_.erase(columns_.begin() + static_cast<std::ptrdiff_t>(i));
    rebuild_index();
    return data;
  }

  void remove_column(std::string_view name) {
    const std::size_t i = index_of(name);
    columns_.erase(columns_.begin() + static_cast<std::ptrdiff_t>(i));
    rebuild_index();
  }
  void rename_column(std::string_view from, std::string to) {
    const std::size_t i = index_of(from);
    if (to != from) check_new_name(to);
    columns_[i].name = std::move(to);
    rebuild_index();
  }

  // ---- id column -------------------------------------------------------------------
  bool has_ids() const noexcept { return has_ids_; }
  // Adds (or replaces) the id column; `ids` must have rows() elements.
  std::span<std::string> set_ids(std::vector<std::string> ids, std::string name = "id") {
    if (ids.size() != rows_)
      throw InputError("Catalog: id column '" + name + "' has " + std::to_string(ids.size()) +
                       " values but the catalogue has " + std::to_string(rows_) + " rows");
    if (name.empty()) throw ConfigError("Catalog: the id column needs a name");
    if (has_column(name)) throw ConfigError("Catalog: id column name '" + name + "' is already a numeric column");
    ids_ = std::move(ids);
    id_name_ = std::move(name);
    has_ids_ = true;
    return ids_;
  }
  std::span<std::string> ids() {
    require_ids();
    return ids_;
  }
  std::span<const std::string> ids() const {
    require_ids();
    return ids_;
  }
  const std::string& id(std::size_t row) const {
    require_ids();
    return ids_.at(row);
  }
  const std::string& id_name() const noexcept { return id_name_; }
  void remove_ids() {
    ids_.clear();
    has_ids_ = false;
    id_name_ = "id";
  }

  // ---- status column ---------------------------------------------------------------
  status_t& status(std::size_t row) { return status_.at(row); }
  status_t status(std::size_t row) const { return status_.at(row); }
  std::span<status_t> status() noexcept { return status_; }
  std::span<const status_t> status() const noexcept { return status_; }
  void flag(std::size_t row, status_t bits) { status_.at(row) |= bits; }
  bool ok(std::size_t row) const { return status_.at(row) == status::ok; }
  // Number of rows with any of `bits` set (with bits == ok: rows whose status is 0).
  std::size_t count(status_t bits) const {
    if (bits == status::ok) return static_cast<std::size_t>(std::count(status_.begin(), status_.end(), 0u));
    return static_cast<std::size_t>(
        std::count_if(status_.begin(), status_.end(), [bits](status_t s) { return (s & bits) != 0; }));
  }

 private:
  using Data = std::variant<std::vector<float>, std::vector<double>>;
  struct Column {
    std::string name;
    Data data;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t find(std::string_view name) const {
    const auto it = index_.find(std::string(name));
    return it == index_.end() ? npos : it->second;
  }
  void check_new_name(const std::string& name) const {
    if (name.empty()) throw ConfigError("Catalog: column names must not be empty");
    if (find(name) != npos) throw ConfigError("Catalog: duplicate column name '" + name + "'");
    if (has_ids_ && name == id_name_)
      throw ConfigError("Catalog: column name '" + name + "' is already the id column");
  }
  void rebuild_index() {
    index_.clear();
    for (std::size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i].name, i);
  }
  void require_ids() const {
    if (!has_ids_) throw ConfigError("Catalog: this catalogue has no id column");
  }
  [[noreturn]] void throw_type(std::size_t i, ColumnType wanted) const {
    throw ConfigError("Catalog: column '" + columns_[i].name + "' holds " + to_string(type(i)) +
                      ", not " + to_string(wanted));
  }
  std::string available() const {
    std::string s = " (columns:";
    for (const auto& c : columns_) s += " " + c.name;
    return s + ")";
  }

  std::size_t rows_ = 0;
  std::vector<Column> columns_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<status_t> status_;
  std::vector<std::string> ids_;
  std::string id_name_ = "id";
  bool has_ids_ = false;
};

}  // namespace locus::io
