#pragma once
// Catalogue files whatever their format: CatalogReader / CatalogWriter pick CSV or FITS from
// the file name, so programs (the `locus` tool, the pipeline) handle both with one code path,
// in chunks of rows (memory bounded by the chunk, not the file).
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/column_spec.hpp"
#include "locus/io/csv.hpp"
#include "locus/io/fits.hpp"

namespace locus::io {

enum class CatalogFormat { csv, fits };

// .fits, .fit, .fts (any case) are FITS; .csv, .txt and .dat are CSV; anything else is a
// ConfigError naming the file.
inline CatalogFormat format_of(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".fits" || ext == ".fit" || ext == ".fts") return CatalogFormat::fits;
  if (ext == ".csv" || ext == ".txt" || ext == ".dat") return CatalogFormat::csv;
  throw ConfigError("'" + path.string() + "': unknown catalogue format '" + ext +
                    "' (use .csv for CSV, .fits for a FITS binary table)");
}

// How a catalogue file is read; the fields mean what they mean in CsvReadOptions and
// FitsReadOptions. id_column "auto" (the default): a CSV file's first column holds the row ids
// when it is named "id" or its first value is not a number (photo-D's files start with a
// string id); a FITS file's "id" column when there is one.
struct CatalogReadOptions {
  std::vector<ColumnSpec> columns;
  bool only_listed = false;
  ColumnSpec defaults = ColumnSpec().optional();  // how the columns not listed are read
  std::string id_column = "auto";
  std::string status_column = "status";
  std::string extension;  // FITS: EXTNAME of the table (empty: the first binary table)
};

struct CatalogWriteOptions {
  std::vector<std::string> comments;  // CSV "# ..." lines before the header; FITS COMMENT cards
  bool write_ids = true;
  bool write_status = true;
  int significant_digits = 0;  // CSV: 0 = the shortest text that reads back exactly; FITS is binary
};

namespace detail {
// The CSV id column under "auto": header field 0 when it is "id" or the first data record's
// field 0 is neither a number nor a missing token; "" otherwise.
inline std::string auto_csv_id(const std::filesystem::path& path, char delimiter = ',', char comment = '#') {
  std::ifstream in(path, std::ios::binary);
  std::string line, header;
  auto next = [&](std::string& out) {
    while (std::getline(in, out)) {
      if (!out.empty() && out.back() == '\r') out.pop_back();
      if (out.empty() || out.front() == comment) continue;
      return true;
    }
    return false;
  };
  if (!next(header)) return "";
  if (header.size() >= 3 && static_cast<unsigned char>(header[0]) == 0xEF) header.erase(0, 3);  // UTF-8 BOM
  std::string name(detail::trim(std::string_view(header).substr(0, header.find(delimiter))));
  if (!name.empty() && name.front() == '"' && name.back() == '"' && name.size() >= 2) name = name.substr(1, name.size() - 2);
  if (name == "id") return name;
  if (!next(line)) return "";
  const std::string_view f = detail::trim(std::string_view(line).substr(0, line.find(delimiter)));
  if (f.empty() || detail::is_missing_token(f)) return "";
  double v = 0;
  const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  const bool numeric = ec == std::errc() && p == f.data() + f.size();
  return numeric ? "" : name;
}
}  // namespace detail

namespace detail {
// f(alternative) for a reader/writer variant, or `empty` when it holds nothing (monostate).
template <class R, class V, class F>
R visit_or(V& v, R empty, F&& f) {
  return std::visit(
      [&](auto& x) -> R {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) return empty;
        else return f(x);
      },
      v);
}
}  // namespace detail

// CatalogReader
//
// Specification: reads a CSV or FITS catalogue (format_of(path)) in chunks. next(chunk, n)
// replaces `chunk` with the next up to n rows and returns false at the end. rows_read() counts
// the rows returned; fraction_done() is the share of the file consumed (bytes for CSV, rows for
// FITS; 0 when unknown). Errors are those of CsvReader / FitsReader: they name the file, row
// and column.
class CatalogReader {
 public:
  explicit CatalogReader(std::filesystem::path path, const CatalogReadOptions& options = {})
      : path_(std::move(path)), format_(format_of(path_)) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec))
      throw InputError("cannot open catalogue '" + path_.string() + "': no such file");
    if (std::filesystem::is_directory(path_, ec))
      throw InputError("cannot read catalogue '" + path_.string() + "': it is a directory");
    if (format_ == CatalogFormat::csv) {
      CsvReadOptions o;
      o.columns = options.columns;
      o.only_listed = options.only_listed;
      o.defaults = options.defaults;
      o.status_column = options.status_column;
      o.id_column = options.id_column == "auto" ? detail::auto_csv_id(path_) : options.id_column;
      reader_.emplace<CsvReader>(path_, std::move(o));
    } else {
      FitsReadOptions o;
      o.columns = options.columns;
      o.only_listed = options.only_listed;
      o.defaults = options.defaults;
      o.status_column = options.status_column;
      o.id_column = options.id_column == "auto" ? "id" : options.id_column;
      o.extension = options.extension;
      reader_.emplace<FitsReader>(path_, std::move(o));
    }
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  CatalogFormat format() const noexcept { return format_; }

  bool next(Catalog& chunk, std::size_t max_rows) {
    if (max_rows == 0) throw ConfigError("CatalogReader: chunks need at least one row");
    return detail::visit_or(reader_, false, [&](auto& r) { return r.next(chunk, max_rows); });
  }
  // Passes over the next up to max_rows rows without converting them; returns how many.
  std::size_t skip(std::size_t max_rows) {
    return detail::visit_or(reader_, std::size_t{0}, [&](auto& r) { return r.skip(max_rows); });
  }
  // The whole (remaining) file as one catalogue.
  Catalog read_all() {
    return detail::visit_or(reader_, Catalog(), [](auto& r) { return r.read(); });
  }
  std::size_t rows_read() const {
    return detail::visit_or(reader_, std::size_t{0}, [](const auto& r) { return r.rows_read(); });
  }
  double fraction_done() const {
    if (const auto* c = std::get_if<CsvReader>(&reader_))
      return c->file_size() ? std::min(1.0, static_cast<double>(c->bytes_read()) / static_cast<double>(c->file_size())) : 0.0;
    if (const auto* f = std::get_if<FitsReader>(&reader_))
      return f->total_rows() ? static_cast<double>(f->rows_read()) / static_cast<double>(f->total_rows()) : 1.0;
    return 0.0;
  }

 private:
  std::filesystem::path path_;
  CatalogFormat format_;
  std::variant<std::monostate, CsvReader, FitsReader> reader_;
};

// CatalogWriter
//
// Specification: streams chunks into a CSV or FITS file (format_of(path)), atomically: nothing
// appears at `path` until commit(), and a writer destroyed without commit() (an error, an
// interruption) leaves `path` as it was. A missing output directory is an OutputError at
// construction, before any work is done.
class CatalogWriter {
 public:
  explicit CatalogWriter(std::filesystem::path path, const CatalogWriteOptions& options = {})
      : path_(std::move(path)), format_(format_of(path_)) {
    check_target(path_);
    if (format_ == CatalogFormat::csv) {
      CsvWriteOptions o;
      o.comments = options.comments;
      o.write_ids = options.write_ids;
      o.write_status = options.write_status;
      o.significant_digits = options.significant_digits;
      writer_.emplace<CsvWriter>(path_, std::move(o));
    } else {
      FitsWriteOptions o;
      o.comments = options.comments;
      o.write_ids = options.write_ids;
      o.write_status = options.write_status;
      writer_.emplace<FitsWriter>(path_, std::move(o));
    }
  }

  // What the constructor checks, without creating anything: a known format, an existing
  // directory, and a path that is not a directory (ConfigError / OutputError).
  static void check_target(const std::filesystem::path& path) {
    format_of(path);
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      throw OutputError("cannot write '" + path.string() + "': the directory '" + dir.string() + "' does not exist");
    if (std::filesystem::is_directory(path, ec))
      throw OutputError("cannot write '" + path.string() + "': it is a directory");
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  void write(const Catalog& chunk) {
    detail::visit_or(writer_, 0, [&](auto& w) { return w.write(chunk), 0; });
  }
  void commit() {
    detail::visit_or(writer_, 0, [](auto& w) { return w.commit(), 0; });
  }
  std::size_t rows_written() const {
    return detail::visit_or(writer_, std::size_t{0}, [](const auto& w) { return w.rows_written(); });
  }

 private:
  std::filesystem::path path_;
  CatalogFormat format_;
  std::variant<std::monostate, CsvWriter, FitsWriter> writer_;
};

inline Catalog read_catalog(const std::filesystem::path& path, const CatalogReadOptions& options = {}) {
  return CatalogReader(path, options).read_all();
}

inline void write_catalog(const Catalog& catalog, const std::filesystem::path& path, const CatalogWriteOptions& options = {}) {
  CatalogWriter w(path, options);
  w.write(catalog);
  w.commit();
}

// Rows [begin, end) of a catalogue as a new catalogue: every column, the ids and the status.
inline Catalog slice(const Catalog& c, std::size_t begin, std::size_t end) {
  if (begin > end || end > c.rows())
    throw InputError("slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") of a catalogue of " +
                     std::to_string(c.rows()));
  Catalog out(end - begin);
  for (std::size_t j = 0; j < c.columns(); ++j)
    c.visit_column(j, [&](auto s) {
      using T = typename decltype(s)::value_type;
      out.add_column<T>(c.name(j), std::vector<T>(s.begin() + static_cast<std::ptrdiff_t>(begin),
                                                   s.begin() + static_cast<std::ptrdiff_t>(end)));
    });
  if (c.has_ids())
    out.set_ids(std::vector<std::string>(c.ids().begin() + static_cast<std::ptrdiff_t>(begin),
                                         c.ids().begin() + static_cast<std::ptrdiff_t>(end)),
                c.id_name());
  std::copy(c.status().begin() + static_cast<std::ptrdiff_t>(begin), c.status().begin() + static_cast<std::ptrdiff_t>(end),
            out.status().begin());
  return out;
}

}  // namespace locus::io
