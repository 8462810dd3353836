#pragma once
// CSV catalogues: read_csv / write_csv, a chunked CsvReader for files larger than memory and
// a CsvWriter that streams chunks into one atomically written file.
//
// Format (RFC 4180 plus the conventions of astronomical tables):
// - the first record that is neither a comment nor blank is the header of column names;
// - lines starting with the comment character ('#') are skipped anywhere in the file;
// - fields may be quoted with '"' ("" inside a quoted field is one '"'); quoted fields may
//   hold the delimiter and newlines; CRLF line ends and a UTF-8 byte-order mark are accepted;
// - numbers are parsed with std::from_chars (locale independent, exact rounding) and
//   written with std::to_chars (shortest text that reads back to the same value);
// - missing values are empty fields, "nan" (any case), "NA", "N/A", "null", NaN numbers and
//   an optional per-column sentinel (e.g. -99); each column has a policy for them.
// Errors name the file, the line, the data row and the column.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <unistd.h>

#include "locus/core/errors.hpp"
#include "locus/io/atomic_file.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/column_spec.hpp"

namespace locus::io {

struct CsvReadOptions {
  // Specs for particular columns. Columns of the file that are not listed are read with
  // `defaults` unless only_listed is set, in which case they are skipped.
  std::vector<ColumnSpec> columns;
  bool only_listed = false;
  ColumnSpec defaults = ColumnSpec().optional();
  // The column read as string ids when present in the header (set "" for none).
  std::string id_column = "id";
  bool id_required = false;
  // The column read back into the status flags when present (written by write_csv).
  std::string status_column = "status";
  char delimiter = ',';
  char comment = '#';
  std::size_t buffer_bytes = std::size_t{1} << 20;  // initial read buffer; grows for long records
};

struct CsvWriteOptions {
  char delimiter = ',';
  char comment = '#';
  std::vector<std::string> comments;  // written as "# <line>" before the header
  bool write_ids = true;
  bool write_status = true;
  std::string status_column = "status";
  // 0: the shortest text that reads back to the identical value; otherwise this many
  // significant digits (%g style).
  int significant_digits = 0;
  std::string nan_text = "nan";
  bool sync = true;  // fsync before the rename, so a crash cannot leave an empty target
};

namespace detail {

inline std::string quote_name(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out.append(s);
  out += '\'';
  return out;
}

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

inline bool is_missing_token(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() > 5) return false;
  return iequals(s, "nan") || iequals(s, "-nan") || iequals(s, "+nan") || s == "NA" || s == "N/A" ||
         iequals(s, "null");
}

// Splits a byte stream into CSV records (honouring quotes) and records into fields.
class RecordScanner {
 public:
  RecordScanner(std::FILE* f, std::string file, char delimiter, char comment, std::size_t buffer_bytes)
      : f_(f),
        file_(std::move(file)),
        delim_(delimiter),
        comment_(comment),
        buf_(std::max<std::size_t>(buffer_bytes, 4096)) {}

  // Reads the next record into `fields` (views valid until the next call). Returns false at
  // the end of the file. `raw` receives the whole record text without its line end. A line
  // starting with the comment character is returned as `comment` (quotes in it mean nothing).
  bool next(std::vector<std::string_view>& fields, std::string_view& raw, bool& quoted, bool& comment) {
    if (begin_ == end_ && !eof_) refill(begin_);
    if (first_) {
      first_ = false;
      if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
    }
    if (begin_ == end_ && eof_) return false;
    std::size_t pos = begin_;
    bool in_q = false;
    quoted = false;
    comment = buf_[begin_] == comment_;
    std::size_t inner_lines = 0;
    std::size_t rec_end = 0;
    bool terminated = true;
    for (;;) {
      const char* base = buf_.data();
      if (comment) {
        const char* nl = static_cast<const char*>(std::memchr(base + pos, '\n', end_ - pos));
        if (nl) {
          rec_end = static_cast<std::size_t>(nl - base);
          break;
        }
        pos = end_;
      } else if (!in_q) {
        const char* nl = static_cast<const char*>(std::memchr(base + pos, '\n', end_ - pos));
        const std::size_t lim = nl ? static_cast<std::size_t>(nl - base) : end_;
        const char* q = static_cast<const char*>(std::memchr(base + pos, '"', lim - pos));
        if (q) {
          quoted = in_q = true;
          pos = static_cast<std::size_t>(q - base) + 1;
          continue;
        }
        if (nl) {
          rec_end = lim;
          break;
        }
        pos = end_;
      } else {
        const char* q = static_cast<const char*>(std::memchr(base + pos, '"', end_ - pos));
        const std::size_t lim = q ? static_cast<std::size_t>(q - base) : end_;
        inner_lines += static_cast<std::size_t>(std::count(base + pos, base + lim, '\n'));
        if (q) {
          in_q = false;
          pos = lim + 1;
          continue;
        }
        pos = end_;
      }
      // Need more bytes for this record.
      if (eof_) {
        if (in_q)
          throw FormatError(quote_name(file_) + ", line " + std::to_string(line_) +
                            ": quoted field is not closed before the end of the file (truncated file?)");
        rec_end = end_;
        terminated = false;
        break;
      }
      pos = refill(pos);
    }
    record_line_ = line_;
    line_ += 1 + inner_lines;
    std::size_t stop = rec_end;
    if (stop > begin_ && buf_[stop - 1] == '\r') --stop;
    raw = std::string_view(buf_.data() + begin_, stop - begin_);
    begin_ = terminated ? rec_end + 1 : rec_end;
    last_unterminated_ = !terminated;
    fields.clear();
    if (!comment) split(raw, quoted, fields);
    return true;
  }

  std::size_t record_line() const noexcept { return record_line_; }
  // Bytes of the file consumed by the records returned so far.
  std::uint64_t position() const noexcept { return bytes_read_ - (end_ - begin_); }
  bool last_record_unterminated() const noexcept { return last_unterminated_; }
  const std::string& file() const noexcept { return file_; }

 private:
  // Moves the unread part to the front, grows the buffer if it is full, reads more bytes.
  // Returns `pos` translated to the new buffer layout.
  std::size_t refill(std::size_t pos) {
    const std::size_t keep = end_ - begin_;
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, keep);
      pos -= begin_;
      begin_ = 0;
      end_ = keep;
    }
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    const std::size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
    end_ += got;
    bytes_read_ += got;
    if (got == 0) {
      if (std::ferror(f_)) throw Error("cannot read " + quote_name(file_) + ": " + std::strerror(errno));
      eof_ = true;
    }
    return pos;
  }

  void split(std::string_view rec, bool quoted, std::vector<std::string_view>& fields) {
    fields.clear();
    if (!quoted) {
      const char* p = rec.data();
      const char* e = p + rec.size();
      for (;;) {
        const char* d = static_cast<const char*>(std::memchr(p, delim_, static_cast<std::size_t>(e - p)));
        if (!d) {
          fields.emplace_back(p, static_cast<std::size_t>(e - p));
          return;
        }
        fields.emplace_back(p, static_cast<std::size_t>(d - p));
        p = d + 1;
      }
    }
    // Quoted record: unescape into scratch_ (reserved up front so views stay valid).
    scratch_.clear();
    scratch_.reserve(rec.size());
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t i = 0;
    const std::size_t n = rec.size();
    for (;;) {
      std::size_t j = i;
      while (j < n && is_space(rec[j])) ++j;
      const std::size_t start = scratch_.size();
      if (j < n && rec[j] == '"') {
        ++j;
        for (;;) {
          if (j >= n)
            throw FormatError(quote_name(file_) + ", line " + std::to_string(record_line_) +
                              ": quoted field is not closed");
          if (rec[j] == '"') {
            if (j + 1 < n && rec[j + 1] == '"') {
              scratch_.push_back('"');
              j += 2;
              continue;
            }
            ++j;
            break;
          }
          scratch_.push_back(rec[j++]);
        }
        while (j < n && is_space(rec[j])) ++j;
        if (j < n && rec[j] != delim_)
          throw FormatError(quote_name(file_) + ", line " + std::to_string(record_line_) + ", field " +
                            std::to_string(spans.size() + 1) + ": unexpected text after a closing quote");
      } else {
        j = i;
        while (j < n && rec[j] != delim_) scratch_.push_back(rec[j++]);
      }
      spans.emplace_back(start, scratch_.size() - start);
      if (j >= n) break;
      i = j + 1;  // skip the delimiter
      if (i == n) {  // record ends with a delimiter: one more empty field
        spans.emplace_back(scratch_.size(), 0);
        break;
      }
    }
    for (const auto& [s, len] : spans) fields.emplace_back(scratch_.data() + s, len);
  }

  std::FILE* f_;
  std::string file_;
  char delim_;
  char comment_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool first_ = true;
  bool last_unterminated_ = false;
  std::size_t line_ = 1, record_line_ = 1;
  std::uint64_t bytes_read_ = 0;
  std::string scratch_;
};

struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};

template <class T>
inline bool parse_number(std::string_view s, T& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace detail

// CsvReader: reads a CSV catalogue in chunks of rows, so a file larger than memory can be
// processed piece by piece.
//
// Specification:
// - The constructor opens the file and reads the header; it throws InputError when the file
//   cannot be opened or a required column is missing, FormatError when the file is empty
//   (no header) or the header repeats a name.
// - read(max_rows) returns the next up to max_rows rows as a Catalog, with the same columns
//   in every chunk (header order; types from the specs). It returns a 0-row Catalog (with
//   the columns) once the file is exhausted. Rows are never dropped: a row with missing or
//   (under BadField::flag) unparsable values is stored with status bits set.
// - A record with the wrong number of fields, an unclosed quote, a non-numeric field under
//   BadField::error or a missing value under Missing::error throws, naming the file, line,
//   data row (1-based, header and comments not counted) and column.
class CsvReader {
 public:
  explicit CsvReader(std::filesystem::path path, CsvReadOptions options = {})
      : path_(std::move(path)), opt_(std::move(options)) {
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_)
      throw InputError("cannot open CSV file " + detail::quote_name(path_.string()) + ": " + std::strerror(errno));
    std::error_code ec;
    if (std::filesystem::is_regular_file(path_, ec)) file_size_ = std::filesystem::file_size(path_, ec);
    if (ec) file_size_ = 0;
    // A small file needs no large buffer (the buffer still grows if the file does).
    const std::size_t buffer = file_size_ > 0 ? std::min<std::uint64_t>(opt_.buffer_bytes, file_size_ + 1) : opt_.buffer_bytes;
    scanner_.emplace(file_.get(), path_.string(), opt_.delimiter, opt_.comment, buffer);
    read_header();
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  // All column names of the file, in order.
  const std::vector<std::string>& header() const noexcept { return header_; }
  // Data rows returned so far.
  std::size_t rows_read() const noexcept { return rows_read_; }
  // Bytes consumed so far and the file's size (0 when unknown, e.g. a pipe): progress.
  std::uint64_t bytes_read() const noexcept { return scanner_->position(); }
  std::uint64_t file_size() const noexcept { return file_size_; }
  bool done() const noexcept { return done_; }

  Catalog read(std::size_t max_rows = static_cast<std::size_t>(-1)) {
    std::vector<std::variant<std::vector<float>, std::vector<double>>> data;
    data.reserve(numeric_.size());
    const std::size_t guess = std::min<std::size_t>(max_rows, 1024);
    for (const auto& spec : numeric_) {
      if (spec.type == ColumnType::f32) {
        data.emplace_back(std::vector<float>{});
        std::get<0>(data.back()).reserve(guess);
      } else {
        data.emplace_back(std::vector<double>{});
        std::get<1>(data.back()).reserve(guess);
      }
    }
    std::vector<std::string> ids;
    std::vector<status_t> status;
    status.reserve(guess);

    std::size_t n = 0;
    std::string_view raw;
    bool quoted = false, comment = false;
    const std::uint64_t start = scanner_->position();
    while (n < max_rows && !done_) {
      if (n == guess && max_rows > guess) {
        // A long read: reserve for the rest of the chunk, estimated from the bytes per row so
        // far, so the columns are not copied over and over as they grow.
        std::size_t estimate = std::size_t{1} << 16;
        if (file_size_ > 0) {
          const double per_row = static_cast<double>(scanner_->position() - start) / static_cast<double>(guess);
          const double left = static_cast<double>(file_size_ > start ? file_size_ - start : 0);
          estimate = static_cast<std::size_t>(1.02 * left / std::max(per_row, 1.0)) + guess;
        }
        const std::size_t want = std::min(max_rows, estimate);
        for (auto& d : data) std::visit([&](auto& v) { v.reserve(want); }, d);
        status.reserve(want);
        if (has_id_) ids.reserve(want);
      }
      if (!scanner_->next(fields_, raw, quoted, comment)) {
        done_ = true;
        break;
      }
      if (comment || skip_record(raw, quoted)) continue;
      const std::size_t row = rows_read_ + n + 1;
      if (fields_.size() != header_.size()) {
        std::string msg = where(row) + ": expected " + std::to_string(header_.size()) + " fields, found " +
                          std::to_string(fields_.size());
        if (scanner_->last_record_unterminated()) msg += " (the file looks truncated)";
        throw FormatError(msg);
      }
      status_t st = status::ok;
      for (std::size_t k = 0; k < fields_.size(); ++k) {
        const Slot& slot = plan_[k];
        switch (slot.kind) {
          case Slot::skip:
            break;
          case Slot::id:
            ids.emplace_back(fields_[k]);
            break;
          case Slot::status: {
            const std::string_view f = detail::trim(fields_[k]);
            status_t v = 0;
            if (!f.empty() && !detail::parse_number(f, v))
              throw InputError(where(row) + ", column " + detail::quote_name(header_[k]) + ": status field " +
                               detail::quote_name(f) + " is not an unsigned integer");
            st |= v;
            break;
          }
          case Slot::numeric: {
            const ColumnSpec& spec = numeric_[slot.index];
            if (spec.type == ColumnType::f32)
              std::get<0>(data[slot.index]).push_back(convert<float>(fields_[k], spec, row, k, st));
            else
              std::get<1>(data[slot.index]).push_back(convert<double>(fields_[k], spec, row, k, st));
            break;
          }
        }
      }
      status.push_back(st);
      ++n;
    }
    rows_read_ += n;

    Catalog c(n);
    for (std::size_t j = 0; j < numeric_.size(); ++j)
      std::visit([&](auto& v) { c.add_column(numeric_[j].name, std::move(v)); }, data[j]);
    if (has_id_) c.set_ids(std::move(ids), opt_.id_column);
    std::copy(status.begin(), status.end(), c.status().begin());
    return c;
  }

  // Replaces `chunk` with the next up to max_rows rows; false when there were none.
  bool next(Catalog& chunk, std::size_t max_rows) {
    chunk = read(max_rows);
    return chunk.rows() > 0;
  }

  // Passes over the next up to max_rows rows without converting them (another process reads
  // them: a split run); returns how many there were. Their fields are not checked.
  std::size_t skip(std::size_t max_rows) {
    std::size_t n = 0;
    std::string_view raw;
    bool quoted = false, comment = false;
    while (n < max_rows && !done_) {
      if (!scanner_->next(fields_, raw, quoted, comment)) {
        done_ = true;
        break;
      }
      if (!comment && !skip_record(raw, quoted)) ++n;
    }
    rows_read_ += n;
    return n;
  }

 private:
  struct Slot {
    enum Kind { skip, id, status, numeric } kind = skip;
    std::size_t index = 0;
  };

  // Blank lines are skipped, except in a one-column file where they are empty fields.
  bool skip_record(std::string_view raw, bool quoted) const {
    return !quoted && header_.size() != 1 && detail::trim(raw).empty();
  }

  void read_header() {
    std::string_view raw;
    bool quoted = false, comment = false;
    for (;;) {
      if (!scanner_->next(fields_, raw, quoted, comment))
        throw FormatError("CSV file " + detail::quote_name(path_.string()) +
                          " is empty: no header line with column names");
      if (!comment && (quoted || !detail::trim(raw).empty())) break;
    }
    const std::size_t header_line = scanner_->record_line();
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t k = 0; k < fields_.size(); ++k) {
      std::string name(detail::trim(fields_[k]));
      if (name.empty())
        throw FormatError(detail::quote_name(path_.string()) + ", line " + std::to_string(header_line) +
                          ": header field " + std::to_string(k + 1) + " is an empty column name");
      if (!seen.emplace(name, k).second)
        throw FormatError(detail::quote_name(path_.string()) + ", line " + std::to_string(header_line) +
                          ": column name " + detail::quote_name(name) + " appears twice in the header");
      header_.push_back(std::move(name));
    }
    std::unordered_map<std::string, const ColumnSpec*> listed;
    for (const auto& s : opt_.columns) {
      if (!listed.emplace(s.name, &s).second)
        throw ConfigError("CsvReadOptions: column " + detail::quote_name(s.name) + " is listed twice");
      if (s.name == opt_.id_column || s.name == opt_.status_column)
        throw ConfigError("CsvReadOptions: column " + detail::quote_name(s.name) +
                          " is the id or status column and cannot also be numeric");
      if (s.required && !seen.count(s.name))
        throw InputError("CSV file " + detail::quote_name(path_.string()) + ": required column " +
                         detail::quote_name(s.name) + " is missing (header: " + header_list() + ")");
    }
    if (opt_.id_required && !seen.count(opt_.id_column))
      throw InputError("CSV file " + detail::quote_name(path_.string()) + ": id column " +
                       detail::quote_name(opt_.id_column) + " is missing (header: " + header_list() + ")");
    plan_.resize(header_.size());
    for (std::size_t k = 0; k < header_.size(); ++k) {
      const std::string& name = header_[k];
      if (!opt_.id_column.empty() && name == opt_.id_column) {
        plan_[k].kind = Slot::id;
        has_id_ = true;
      } else if (!opt_.status_column.empty() && name == opt_.status_column) {
        plan_[k].kind = Slot::status;
      } else if (auto it = listed.find(name); it != listed.end()) {
        plan_[k] = Slot{Slot::numeric, numeric_.size()};
        numeric_.push_back(*it->second);
      } else if (!opt_.only_listed) {
        plan_[k] = Slot{Slot::numeric, numeric_.size()};
        ColumnSpec s = opt_.defaults;
        s.name = name;
        numeric_.push_back(std::move(s));
      }
    }
  }

  std::string header_list() const {
    std::string s;
    for (const auto& h : header_) s += (s.empty() ? "" : ",") + h;
    return s;
  }

  std::string where(std::size_t row) const {
    return detail::quote_name(path_.string()) + ", line " + std::to_string(scanner_->record_line()) + " (data row " +
           std::to_string(row) + ")";
  }

  template <class T>
  T convert(std::string_view field, const ColumnSpec& spec, std::size_t row, std::size_t k, status_t& st) const {
    const std::string_view f = detail::trim(field);
    T v{};
    bool missing = detail::is_missing_token(f);
    if (!missing) {
      if (!detail::parse_number(f, v)) {
        if (spec.bad == BadField::flag) {
          st |= status::bad_value;
          return static_cast<T>(spec.fill);
        }
        std::string msg = where(row) + ", column " + detail::quote_name(header_[k]) + ": cannot read " +
                          detail::quote_name(f) + " as a " + to_string(spec.type) + " number";
        if (k == 0)
          msg += " (if this is an identifier column, set CsvReadOptions::id_column = \"" + header_[0] + "\")";
        throw InputError(msg);
      }
      missing = is_missing_value(v, spec);
    }
    if (!missing) return v;
    switch (spec.missing) {
      case Missing::error:
        throw InputError(where(row) + ", column " + detail::quote_name(header_[k]) + ": missing value" +
                         (f.empty() ? std::string() : " " + detail::quote_name(f)));
      case Missing::flag:
        st |= status::missing_value;
        break;
      case Missing::ignore:
        break;
    }
    return static_cast<T>(spec.fill);
  }

  std::filesystem::path path_;
  CsvReadOptions opt_;
  std::unique_ptr<std::FILE, detail::FileCloser> file_;
  std::optional<detail::RecordScanner> scanner_;
  std::vector<std::string> header_;
  std::vector<Slot> plan_;
  std::vector<ColumnSpec> numeric_;
  std::vector<std::string_view> fields_;
  bool has_id_ = false;
  bool done_ = false;
  std::uint64_t file_size_ = 0;
  std::size_t rows_read_ = 0;
};

// Reads a whole CSV catalogue (see CsvReader for the rules).
inline Catalog read_csv(const std::filesystem::path& path, const CsvReadOptions& options = {}) {
  CsvReader reader(path, options);
  return reader.read();
}

// Calls f(chunk, first_row) for consecutive chunks of at most chunk_rows rows (first_row is
// the 0-based index of the chunk's first row in the file). Returns the number of rows.
template <class F>
std::size_t for_each_csv_chunk(const std::filesystem::path& path, std::size_t chunk_rows, F&& f,
                               const CsvReadOptions& options = {}) {
  if (chunk_rows == 0) throw ConfigError("for_each_csv_chunk: chunk_rows must be positive");
  CsvReader reader(path, options);
  Catalog chunk;
  std::size_t first = 0;
  while (reader.next(chunk, chunk_rows)) {
    f(chunk, first);
    first += chunk.rows();
  }
  return first;
}

// CsvWriter: streams one or more Catalog chunks into a CSV file, atomically.
//
// Specification:
// - Output goes to a temporary file next to `path`; commit() flushes it (and fsyncs it when
//   options.sync) and renames it to `path`. If the writer is destroyed without commit(), or
//   any write throws, the temporary file is removed and `path` is left as it was.
// - The first write() fixes the columns: id (if the chunk has ids and write_ids), the numeric
//   columns in order, then the status column (if write_status). Later chunks must have the
//   same names and types, else ConfigError.
// - Numbers use the shortest text that reads back exactly (or significant_digits digits);
//   NaN is written as nan_text; ids and names are quoted when they need it.
class CsvWriter {
 public:
  explicit CsvWriter(std::filesystem::path path, CsvWriteOptions options = {})
      : atomic_(std::move(path)), opt_(std::move(options)) {
    if (opt_.significant_digits < 0 || opt_.significant_digits > 17)
      throw ConfigError("CsvWriteOptions: significant_digits must be 0 (shortest exact) or 1..17");
    file_.reset(std::fopen(atomic_.temp_path().c_str(), "wb"));
    if (!file_)
      throw OutputError("cannot create CSV file " + detail::quote_name(atomic_.target().string()) + ": " +
                  std::strerror(errno));
    buf_.resize(kBuffer);
  }
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter() {
    if (!atomic_.committed()) {
      file_.reset();
      atomic_.discard();
    }
  }

  std::size_t rows_written() const noexcept { return rows_; }

  void write(const Catalog& c) {
    if (atomic_.committed()) throw ConfigError("CsvWriter: write() after commit()");
    if (!started_) start(c);
    else check_schema(c);
    const std::size_t ncol = c.columns();
    struct Col {
      ColumnType type;
      const void* data;
    };
    std::vector<Col> cols(ncol);
    for (std::size_t j = 0; j < ncol; ++j)
      c.visit_column(j, [&](auto s) { cols[j] = Col{column_type_of<typename decltype(s)::value_type>(), s.data()}; });
    const auto status = c.status();
    for (std::size_t r = 0; r < c.rows(); ++r) {
      bool first = true;
      if (ids_) {
        put_text(c.id(r));
        first = false;
      }
      for (std::size_t j = 0; j < ncol; ++j) {
        reserve(64);
        if (!first) buf_[pos_++] = opt_.delimiter;
        first = false;
        if (cols[j].type == ColumnType::f32)
          put_number(static_cast<const float*>(cols[j].data)[r]);
        else
          put_number(static_cast<const double*>(cols[j].data)[r]);
      }
      if (opt_.write_status) {
        reserve(16);
        if (!first) buf_[pos_++] = opt_.delimiter;
        pos_ = static_cast<std::size_t>(std::to_chars(buf_.data() + pos_, buf_.data() + buf_.size(), status[r]).ptr -
                                        buf_.data());
      }
      reserve(1);
      buf_[pos_++] = '\n';
    }
    rows_ += c.rows();
  }

  void commit() {
    if (atomic_.committed()) return;
    if (!started_) throw ConfigError("CsvWriter: nothing was written to " + detail::quote_name(atomic_.target().string()));
    flush();
    if (std::fflush(file_.get()) != 0 || (opt_.sync && ::fsync(::fileno(file_.get())) != 0)) fail();
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0) fail();
    atomic_.commit();
  }

 private:
  static constexpr std::size_t kBuffer = std::size_t{1} << 20;

  [[noreturn]] void fail() {
    const std::string why = std::strerror(errno);
    file_.reset();
    atomic_.discard();
    throw OutputError("cannot write CSV file " + detail::quote_name(atomic_.target().string()) + ": " + why);
  }

  void flush() {
    if (pos_ == 0) return;
    if (std::fwrite(buf_.data(), 1, pos_, file_.get()) != pos_) fail();
    pos_ = 0;
  }
  void reserve(std::size_t n) {
    if (pos_ + n > buf_.size()) flush();
    if (n > buf_.size()) buf_.resize(n);
  }

  bool needs_quotes(std::string_view s) const {
    if (s.empty()) return true;
    if (s.front() == opt_.comment || detail::is_space(s.front()) || detail::is_space(s.back())) return true;
    for (char ch : s)
      if (ch == opt_.delimiter || ch == '"' || ch == '\n' || ch == '\r') return true;
    return false;
  }
  void put_text(std::string_view s) {
    reserve(2 * s.size() + 3);
    if (!needs_quotes(s)) {
      std::memcpy(buf_.data() + pos_, s.data(), s.size());
      pos_ += s.size();
      return;
    }
    buf_[pos_++] = '"';
    for (char ch : s) {
      if (ch == '"') buf_[pos_++] = '"';
      buf_[pos_++] = ch;
    }
    buf_[pos_++] = '"';
  }
  template <class T>
  void put_number(T v) {
    char* p = buf_.data() + pos_;
    char* e = buf_.data() + buf_.size();
    if (std::isnan(v)) {
      std::memcpy(p, opt_.nan_text.data(), opt_.nan_text.size());
      pos_ += opt_.nan_text.size();
      return;
    }
    const auto res = opt_.significant_digits == 0
                         ? std::to_chars(p, e, v)
                         : std::to_chars(p, e, v, std::chars_format::general, opt_.significant_digits);
    pos_ = static_cast<std::size_t>(res.ptr - buf_.data());
  }

  void start(const Catalog& c) {
    started_ = true;
    ids_ = opt_.write_ids && c.has_ids();
    if (!ids_ && c.columns() == 0 && !opt_.write_status)
      throw ConfigError("CsvWriter: nothing to write to " + detail::quote_name(atomic_.target().string()) +
                        ": the catalogue has no columns and write_status is off");
    if (opt_.nan_text.size() > 32) throw ConfigError("CsvWriteOptions: nan_text is too long");
    for (const auto& line : opt_.comments) {
      std::size_t a = 0;
      for (;;) {  // one comment line per text line
        const std::size_t b = line.find('\n', a);
        const std::string_view part = std::string_view(line).substr(a, b == std::string::npos ? std::string::npos : b - a);
        reserve(part.size() + 3);
        buf_[pos_++] = opt_.comment;
        buf_[pos_++] = ' ';
        std::memcpy(buf_.data() + pos_, part.data(), part.size());
        pos_ += part.size();
        buf_[pos_++] = '\n';
        if (b == std::string::npos) break;
        a = b + 1;
      }
    }
    bool first = true;
    auto sep = [&] {
      reserve(1);
      if (!first) buf_[pos_++] = opt_.delimiter;
      first = false;
    };
    if (ids_) {
      sep();
      put_text(c.id_name());
    }
    for (std::size_t j = 0; j < c.columns(); ++j) {
      if (opt_.write_status && c.name(j) == opt_.status_column)
        throw ConfigError("CsvWriter: numeric column " + detail::quote_name(c.name(j)) +
                          " clashes with the status column name");
      sep();
      put_text(c.name(j));
      names_.push_back(c.name(j));
      types_.push_back(c.type(j));
    }
    if (opt_.write_status) {
      sep();
      put_text(opt_.status_column);
    }
    reserve(1);
    buf_[pos_++] = '\n';
  }

  void check_schema(const Catalog& c) const {
    bool same = c.columns() == names_.size() && (opt_.write_ids && c.has_ids()) == ids_;
    for (std::size_t j = 0; same && j < names_.size(); ++j) same = c.name(j) == names_[j] && c.type(j) == types_[j];
    if (!same)
      throw ConfigError("CsvWriter: a chunk written to " + detail::quote_name(atomic_.target().string()) +
                        " has different columns from the first chunk");
  }

  AtomicFile atomic_;
  CsvWriteOptions opt_;
  std::unique_ptr<std::FILE, detail::FileCloser> file_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  bool started_ = false;
  bool ids_ = false;
  std::vector<std::string> names_;
  std::vector<ColumnType> types_;
  std::size_t rows_ = 0;
};

// Writes a catalogue to `path` atomically (see CsvWriter).
inline void write_csv(const Catalog& catalog, const std::filesystem::path& path, const CsvWriteOptions& options = {}) {
  CsvWriter writer(path, options);
  writer.write(catalog);
  writer.commit();
}

}  // namespace locus::io
