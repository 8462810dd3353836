#pragma once
// FITS binary tables: read_fits / write_fits, a chunked FitsReader and a streaming FitsWriter,
// so SDSS and LSST users can read their files directly.
//
// Built on cfitsio; compiled in when the build defines LOCUS_HAVE_CFITSIO (the CMake target
// locus::locus does so when pkg-config finds cfitsio; scripts/setup installs libcfitsio-dev).
// Without it the same functions exist and throw ConfigError saying how to enable FITS.
//
// Mapping between a table and a Catalog:
// - numeric scalar columns (B, I, J, K, E, D, and their unsigned forms) become numeric
//   columns; 'E' stays float and everything else becomes double unless a ColumnSpec says
//   otherwise;
// - a vector column NAME with repeat n > 1 becomes NAME_0 … NAME_{n-1} (expand_vectors);
// - the string column named id_column becomes the ids; the column named status_column
//   becomes the status flags;
// - other columns (strings, logicals, bits, complex, variable-length) are skipped, and
//   listing one in `columns` is an InputError;
// - undefined values (NaN floats, TNULL integers) and sentinels follow the ColumnSpec's
//   Missing policy, exactly as in CSV.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/io/atomic_file.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/column_spec.hpp"

#ifdef LOCUS_HAVE_CFITSIO
#include <fitsio.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <unordered_map>
#endif

namespace locus::io {

#ifdef LOCUS_HAVE_CFITSIO
inline constexpr bool fits_available = true;
#else
inline constexpr bool fits_available = false;
#endif

struct FitsReadOptions {
  // Specs for particular columns (for a vector column, name the expanded NAME_k). Columns not
  // listed are read with `defaults` (their type taken from the file) unless only_listed.
  std::vector<ColumnSpec> columns;
  bool only_listed = false;
  ColumnSpec defaults = ColumnSpec().optional();
  std::string id_column = "id";
  bool id_required = false;
  std::string status_column = "status";
  // EXTNAME of the table to read; empty: the first binary table in the file.
  std::string extension;
  bool expand_vectors = true;
};

struct FitsWriteOptions {
  std::vector<std::string> comments;  // COMMENT cards in the table header
  bool write_ids = true;
  bool write_status = true;
  std::string status_column = "status";
  std::string extname = "CATALOG";
  // Width of the id strings; 0: the longest id of the first chunk (a longer id in a later
  // chunk is then a ConfigError).
  std::size_t id_width = 0;
};

namespace detail {
[[noreturn]] inline void fits_unavailable(const std::filesystem::path& path) {
  throw ConfigError("cannot use FITS file '" + path.string() +
                    "': this build of locus has no FITS support (cfitsio was not found when it was "
                    "configured). Install libcfitsio-dev (scripts/setup does) and re-run CMake, or use CSV.");
}
}  // namespace detail

#ifdef LOCUS_HAVE_CFITSIO

namespace detail {

// Writes v at dst in big-endian byte order (FITS binary tables are big-endian).
template <class T>
void store_big_endian(unsigned char* dst, T v) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  U u = std::bit_cast<U>(v);
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
    else u = __builtin_bswap64(u);
  }
  std::memcpy(dst, &u, sizeof u);
}

inline std::string fits_message(int status) {
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  std::string msg = text;
  char line[FLEN_ERRMSG] = {};
  std::string stack;
  while (fits_read_errmsg(line)) {
    if (!stack.empty()) stack += "; ";
    stack += line;
  }
  if (!stack.empty()) msg += " [" + stack + "]";
  return msg + " (cfitsio status " + std::to_string(status) + ")";
}

// The first header card whose keyword breaks the FITS standard (only A-Z, 0-9, '-' and '_',
// left-justified), as "HDU h, card c: ..."; "" when every header read is sound. cfitsio 4.2
// overflows a buffer (and glibc aborts the process) on some such keywords, e.g. "TTYPE2)",
// so the headers are checked before cfitsio reads them. Walks the HDUs by their data sizes;
// stops quietly where the layout does not add up and leaves that to cfitsio to report.
inline std::string fits_keyword_problem(const std::filesystem::path& path, std::uintmax_t size) {
  std::ifstream in(path, std::ios::binary);
  std::uintmax_t pos = 0;
  char card[80];
  for (int hdu = 1; in && pos < size; ++hdu) {
    in.seekg(static_cast<std::streamoff>(pos));
    long long bitpix = 0, naxis = 0, pcount = 0, gcount = 1;
    std::vector<long long> axes;
    bool end = false;
    std::uintmax_t cards = 0;
    while (!end && in.read(card, 80)) {
      ++cards;
      const std::string_view key(card, 8);
      bool blank = false;
      for (char c : key) {
        if (c == ' ') blank = true;
        else if (blank || !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
          return "HDU " + std::to_string(hdu) + ", card " + std::to_string(cards) + ": illegal keyword '" +
                 std::string(key) + "'";
      }
      const auto value = [&] { return card[8] == '=' ? std::strtoll(std::string(card + 10, 70).c_str(), nullptr, 10) : 0LL; };
      if (key == "END     ") end = true;
      else if (key == "BITPIX  ") bitpix = value();
      else if (key == "NAXIS   ") naxis = value();
      else if (key == "PCOUNT  ") pcount = value();
      else if (key == "GCOUNT  ") gcount = value();
      else if (key.substr(0, 5) == "NAXIS") axes.push_back(value());
    }
    if (!end || naxis < 0 || naxis > 999 || static_cast<long long>(axes.size()) < naxis) return "";
    // data bytes = |BITPIX|/8 * GCOUNT * (PCOUNT + NAXIS1 * ... * NAXISn); none when NAXIS = 0
    long double data = naxis == 0 ? 0.0L : 1.0L;
    for (long long k = 0; k < naxis; ++k) data *= static_cast<long double>(axes[static_cast<std::size_t>(k)]);
    data = static_cast<long double>(std::llabs(bitpix) / 8) * static_cast<long double>(gcount) *
           (static_cast<long double>(pcount) + data);
    const std::uintmax_t header = (cards * 80 + 2879) / 2880 * 2880;
    if (!(data >= 0) || data > static_cast<long double>(size)) return "";
    pos += header + (static_cast<std::uintmax_t>(data) + 2879) / 2880 * 2880;
  }
  return "";
}

struct FitsCloser {
  void operator()(fitsfile* f) const noexcept {
    int st = 0;
    if (f) fits_close_file(f, &st);
  }
};
using FitsHandle = std::unique_ptr<fitsfile, FitsCloser>;

}  // namespace detail

// FitsReader: reads a FITS binary table in chunks of rows.
//
// Specification:
// - The constructor opens the file and moves to the table; it throws InputError when the file
//   cannot be opened or a required column is missing, FormatError when it is not a FITS file
//   or has no (matching) binary table.
// - read(max_rows) returns the next up to max_rows rows as a Catalog with the same columns in
//   every chunk, and a 0-row Catalog once the table is exhausted. Rows are never dropped.
// - Errors name the file, the column and the row (1-based, as in FITS).
class FitsReader {
 public:
  explicit FitsReader(std::filesystem::path path, FitsReadOptions options = {})
      : path_(std::move(path)), opt_(std::move(options)) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec))
      throw InputError("cannot open FITS file '" + path_.string() + "': no such file");
    const auto size = std::filesystem::file_size(path_, ec);
    if (!ec && size == 0) throw FormatError("FITS file '" + path_.string() + "' is empty");
    {
      char head[6] = {};
      std::ifstream in(path_, std::ios::binary);
      in.read(head, sizeof head);
      if (in.gcount() < 6 || std::string_view(head, 6) != "SIMPLE")
        throw FormatError("'" + path_.string() + "' is not a FITS file (it does not start with SIMPLE)");
    }
    // FITS files are whole 2880-byte records; anything else is a cut file.
    if (!ec && size % 2880 != 0)
      hint_ = " (the file size, " + std::to_string(size) + " bytes, is not a multiple of 2880: the file looks truncated)";
    if (const auto problem = detail::fits_keyword_problem(path_, ec ? 0 : size); !problem.empty())
      throw FormatError("'" + path_.string() + "' is not a valid FITS file: " + problem);
    fitsfile* f = nullptr;
    int st = 0;
    // The file name is passed without cfitsio's extended syntax ("[...]"): open the HDU
    // explicitly below instead.
    fits_open_diskfile(&f, path_.c_str(), READONLY, &st);
    if (st) throw FormatError("cannot read FITS file '" + path_.string() + "': " + detail::fits_message(st) + hint_);
    file_.reset(f);
    move_to_table();
    plan_columns();
  }

  const std::filesystem::path& path() const noexcept { return path_; }
  std::size_t total_rows() const noexcept { return total_; }
  std::size_t rows_read() const noexcept { return next_; }
  bool done() const noexcept { return next_ >= total_; }
  // Names of the Catalog's numeric columns, in order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& c : cols_) out.push_back(c.spec.name);
    return out;
  }

  Catalog read(std::size_t max_rows = static_cast<std::size_t>(-1)) {
    const std::size_t n = std::min(max_rows, total_ - next_);
    Catalog c(n);
    auto status = c.status();
    std::vector<std::span<float>> fcols(cols_.size());
    std::vector<std::span<double>> dcols(cols_.size());
    for (std::size_t j = 0; j < cols_.size(); ++j) {
      if (cols_[j].spec.type == ColumnType::f32) fcols[j] = c.add_column<float>(cols_[j].spec.name);
      else dcols[j] = c.add_column<double>(cols_[j].spec.name);
    }
    std::vector<std::string> ids(id_col_ > 0 ? n : 0);
    // Rows are stored interleaved: read blocks of rows across all columns, so the file is
    // walked once, sequentially.
    int st = 0;
    long block = 0;
    fits_get_rowsize(file_.get(), &block, &st);
    const std::size_t step = static_cast<std::size_t>(std::max(block, 1L));
    std::vector<double> dbuf;
    std::vector<float> fbuf;
    std::vector<char> nulls;
    std::vector<unsigned int> ubuf;
    std::vector<char> sbuf;
    std::vector<char*> ptrs;
    for (std::size_t r0 = 0; r0 < n; r0 += step) {
      const std::size_t m = std::min(step, n - r0);
      const auto first = static_cast<LONGLONG>(next_ + r0 + 1);
      for (std::size_t j = 0; j < cols_.size(); ++j) {
        if (cols_[j].spec.type == ColumnType::f32)
          fill_block<float>(fcols[j], cols_[j], r0, m, status, fbuf, nulls);
        else
          fill_block<double>(dcols[j], cols_[j], r0, m, status, dbuf, nulls);
      }
      if (status_col_ > 0) {
        ubuf.assign(m, 0);
        int anynul = 0;
        unsigned int nul = 0;
        fits_read_col(file_.get(), TUINT, status_col_, first, 1, static_cast<LONGLONG>(m), &nul, ubuf.data(),
                      &anynul, &st);
        check(st, "column '" + opt_.status_column + "'", r0, m);
        for (std::size_t i = 0; i < m; ++i) status[r0 + i] |= static_cast<status_t>(ubuf[i]);
      }
      if (id_col_ > 0) {
        sbuf.assign(m * (id_width_ + 1), '\0');
        ptrs.resize(m);
        for (std::size_t i = 0; i < m; ++i) ptrs[i] = sbuf.data() + i * (id_width_ + 1);
        int anynul = 0;
        char empty[] = "";
        fits_read_col(file_.get(), TSTRING, id_col_, first, 1, static_cast<LONGLONG>(m), empty, ptrs.data(), &anynul,
                      &st);
        check(st, "column '" + opt_.id_column + "'", r0, m);
        // Trailing blanks are padding in FITS strings: "" is stored as blanks and reads back as "".
        for (std::size_t i = 0; i < m; ++i) {
          std::string_view s(ptrs[i]);
          while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
          ids[r0 + i] = s;
        }
      }
    }
    if (id_col_ > 0) c.set_ids(std::move(ids), opt_.id_column);
    next_ += n;
    return c;
  }

  bool next(Catalog& chunk, std::size_t max_rows) {
    chunk = read(max_rows);
    return chunk.rows() > 0;
  }
  // Passes over the next up to max_rows rows without reading them; returns how many there were.
  std::size_t skip(std::size_t max_rows) {
    const std::size_t n = std::min(max_rows, total_ - next_);
    next_ += n;
    return n;
  }

 private:
  struct Col {
    ColumnSpec spec;
    int fits_col = 0;      // 1-based FITS column number
    long repeat = 1;       // elements per row in the FITS column
    long element = 0;      // which element of a vector column
    bool floating = false;  // 'E' or 'D' in the file
  };

  void check(int st, const std::string& what, std::size_t r0, std::size_t m) const {
    if (st)
      throw FormatError("FITS file '" + path_.string() + "', " + what + ", rows " + std::to_string(next_ + r0 + 1) +
                        ".." + std::to_string(next_ + r0 + m) + ": " + detail::fits_message(st) + hint_);
  }

  void move_to_table() {
    int st = 0, nhdu = 0;
    fits_get_num_hdus(file_.get(), &nhdu, &st);
    for (int h = 1; h <= nhdu && !st; ++h) {
      int type = 0;
      fits_movabs_hdu(file_.get(), h, &type, &st);
      if (st || type != BINARY_TBL) continue;
      if (!opt_.extension.empty()) {
        char extname[FLEN_VALUE] = {};
        int kst = 0;
        fits_read_key(file_.get(), TSTRING, "EXTNAME", extname, nullptr, &kst);
        if (kst || opt_.extension != extname) continue;
      }
      long rows = 0;
      fits_get_num_rows(file_.get(), &rows, &st);
      total_ = static_cast<std::size_t>(rows);
      LONGLONG head = 0, data = 0, end = 0;
      fits_get_hduaddrll(file_.get(), &head, &data, &end, &st);
      std::error_code ec;
      const auto size = std::filesystem::file_size(path_, ec);
      if (!st && !ec && static_cast<std::uintmax_t>(end) > size && hint_.empty())
        hint_ = " (the table needs " + std::to_string(end) + " bytes but the file has " + std::to_string(size) +
                ": the file looks truncated)";
      if (!st) return;
    }
    if (st) throw FormatError("cannot read FITS file '" + path_.string() + "': " + detail::fits_message(st));
    throw FormatError("FITS file '" + path_.string() + "' has no binary table" +
                      (opt_.extension.empty() ? std::string() : " named '" + opt_.extension + "'"));
  }

  void plan_columns() {
    int st = 0, ncols = 0;
    fits_get_num_cols(file_.get(), &ncols, &st);
    if (st) throw FormatError("cannot read FITS file '" + path_.string() + "': " + detail::fits_message(st));
    std::unordered_map<std::string, const ColumnSpec*> listed;
    for (const auto& s : opt_.columns)
      if (!listed.emplace(s.name, &s).second)
        throw ConfigError("FitsReadOptions: column '" + s.name + "' is listed twice");
    std::unordered_map<std::string, bool> found;
    std::string all;
    for (int k = 1; k <= ncols; ++k) {
      char key[FLEN_KEYWORD], name[FLEN_VALUE] = {};
      int kst = 0;
      fits_make_keyn("TTYPE", k, key, &kst);
      fits_read_key(file_.get(), TSTRING, key, name, nullptr, &kst);
      std::string cname = kst ? "col" + std::to_string(k) : std::string(name);
      int typecode = 0;
      long repeat = 0, width = 0;
      fits_get_coltype(file_.get(), k, &typecode, &repeat, &width, &st);
      if (st) throw FormatError("FITS file '" + path_.string() + "', column '" + cname + "': " + detail::fits_message(st));
      all += (all.empty() ? "" : ",") + cname;
      if (!opt_.id_column.empty() && cname == opt_.id_column) {
        if (typecode != TSTRING)
          throw InputError("FITS file '" + path_.string() + "': id column '" + cname + "' does not hold strings");
        id_col_ = k;
        id_width_ = static_cast<std::size_t>(std::max(repeat, 1L));
        found[cname] = true;
        continue;
      }
      const bool numeric = typecode == TBYTE || typecode == TSBYTE || typecode == TSHORT || typecode == TUSHORT ||
                           typecode == TINT || typecode == TUINT || typecode == TLONG || typecode == TULONG ||
                           typecode == TINT32BIT || typecode == TLONGLONG || typecode == TULONGLONG ||
                           typecode == TFLOAT || typecode == TDOUBLE;
      if (!opt_.status_column.empty() && cname == opt_.status_column && numeric && repeat == 1) {
        status_col_ = k;
        continue;
      }
      const bool vector = numeric && repeat > 1;  // for strings, repeat is the width
      const bool expand = vector && opt_.expand_vectors;
      const long elements = expand ? repeat : 1;
      for (long e = 0; e < elements; ++e) {
        const std::string ename = expand ? cname + "_" + std::to_string(e) : cname;
        const auto it = listed.find(ename);
        if (!numeric || (vector && !expand) || repeat < 1) {
          if (it != listed.end())
            throw InputError("FITS file '" + path_.string() + "': column '" + ename +
                             "' is not a numeric scalar column and cannot be read as numbers");
          continue;
        }
        if (it == listed.end() && opt_.only_listed) continue;
        Col col;
        if (it != listed.end()) {
          col.spec = *it->second;
          found[ename] = true;
        } else {
          col.spec = opt_.defaults;
          col.spec.name = ename;
          col.spec.type = typecode == TFLOAT ? ColumnType::f32 : ColumnType::f64;
        }
        col.fits_col = k;
        col.repeat = repeat;
        col.element = e;
        col.floating = typecode == TFLOAT || typecode == TDOUBLE;
        cols_.push_back(std::move(col));
      }
    }
    for (const auto& s : opt_.columns)
      if (s.required && !found.count(s.name))
        throw InputError("FITS file '" + path_.string() + "': required column '" + s.name +
                         "' is missing (columns: " + all + ")");
    if (opt_.id_required && id_col_ == 0)
      throw InputError("FITS file '" + path_.string() + "': id column '" + opt_.id_column +
                       "' is missing (columns: " + all + ")");
  }

  // Reads rows [r0, r0 + m) of the chunk for one catalogue column and applies its policy.
  template <class T>
  void fill_block(std::span<T> out, const Col& col, std::size_t r0, std::size_t m, std::span<status_t> status,
                  std::vector<T>& buf, std::vector<char>& nulls) {
    constexpr int datatype = std::is_same_v<T, float> ? TFLOAT : TDOUBLE;
    const std::size_t count = m * static_cast<std::size_t>(col.repeat);
    buf.resize(count);
    nulls.assign(count, 0);
    int st = 0, anynul = 0;
    const auto first = static_cast<LONGLONG>(next_ + r0 + 1);
    // Floating-point columns are read without cfitsio's null checking, which would turn
    // subnormal numbers and -0 into +0; their undefined value is NaN, tested below.
    // Integer columns need it for TNULL.
    if (col.floating)
      fits_read_col(file_.get(), datatype, col.fits_col, first, 1, static_cast<LONGLONG>(count), nullptr, buf.data(),
                    &anynul, &st);
    else
      fits_read_colnull(file_.get(), datatype, col.fits_col, first, 1, static_cast<LONGLONG>(count), buf.data(),
                        nulls.data(), &anynul, &st);
    check(st, "column '" + col.spec.name + "'", r0, m);
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t src = i * static_cast<std::size_t>(col.repeat) + static_cast<std::size_t>(col.element);
      const T v = buf[src];
      if (!nulls[src] && !is_missing_value(v, col.spec)) {
        out[r0 + i] = v;
        continue;
      }
      if (col.spec.missing == Missing::error)
        throw InputError("FITS file '" + path_.string() + "', row " + std::to_string(next_ + r0 + i + 1) +
                         ", column '" + col.spec.name + "': missing value");
      if (col.spec.missing == Missing::flag) status[r0 + i] |= status::missing_value;
      out[r0 + i] = static_cast<T>(col.spec.fill);
    }
  }

  std::filesystem::path path_;
  FitsReadOptions opt_;
  detail::FitsHandle file_;
  std::vector<Col> cols_;
  int id_col_ = 0;
  std::size_t id_width_ = 1;
  int status_col_ = 0;
  std::size_t total_ = 0;
  std::size_t next_ = 0;
  std::string hint_;
};

// FitsWriter: streams Catalog chunks into one binary table, written atomically.
//
// Specification:
// - The table is written to a temporary file next to `path`; commit() closes it and renames
//   it to `path`. Destroying the writer without commit(), or any error, removes the
//   temporary file and leaves `path` untouched.
// - The first write() fixes the columns: the id column ('A', id_width wide), the numeric
//   columns ('E' for float, 'D' for double) in order, then the status column (unsigned 32-bit).
//   Later chunks must have the same names and types, else ConfigError.
// - NaN is stored as the IEEE NaN, the FITS undefined value for floating-point columns.
class FitsWriter {
 public:
  explicit FitsWriter(std::filesystem::path path, FitsWriteOptions options = {})
      : atomic_(std::move(path)), opt_(std::move(options)) {
    fitsfile* f = nullptr;
    int st = 0;
    fits_create_diskfile(&f, atomic_.temp_path().c_str(), &st);
    if (st)
      throw OutputError("cannot create FITS file '" + atomic_.target().string() + "': " + detail::fits_message(st));
    file_.reset(f);
  }
  FitsWriter(const FitsWriter&) = delete;
  FitsWriter& operator=(const FitsWriter&) = delete;
  ~FitsWriter() {
    if (!atomic_.committed()) {
      file_.reset();
      atomic_.discard();
    }
  }

  std::size_t rows_written() const noexcept { return rows_; }

  void write(const Catalog& c) {
    if (atomic_.committed()) throw ConfigError("FitsWriter: write() after commit()");
    if (!started_) start(c);
    else check_schema(c);
    const std::size_t n = c.rows();
    if (n == 0) return;
    if (ids_)
      for (const auto& id : c.ids())
        if (id.size() > id_width_)
          throw ConfigError("FitsWriter: id '" + id + "' is longer than the id column width " +
                            std::to_string(id_width_) + " fixed by the first chunk (set FitsWriteOptions::id_width)");
    // The table's layout is ours (A, E, D and J with TZERO), so rows are encoded here as
    // big-endian bytes and handed to cfitsio in large blocks; it writes those straight to
    // the file instead of through its 2880-byte record buffers.
    const std::size_t block = std::max<std::size_t>(1, (std::size_t{4} << 20) / row_bytes_);
    std::vector<unsigned char> bytes;
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
      const std::size_t m = std::min(block, n - r0);
      bytes.assign(m * row_bytes_, 0);
      std::size_t offset = 0;
      if (ids_) {
        const auto ids = c.ids();
        for (std::size_t i = 0; i < m; ++i) {
          unsigned char* dst = bytes.data() + i * row_bytes_;
          const std::string& id = ids[r0 + i];
          std::memcpy(dst, id.data(), id.size());
          std::memset(dst + id.size(), ' ', id_width_ - id.size());
        }
        offset += id_width_;
      }
      for (std::size_t j = 0; j < c.columns(); ++j) {
        c.visit_column(j, [&](auto col) {
          for (std::size_t i = 0; i < m; ++i) detail::store_big_endian(bytes.data() + i * row_bytes_ + offset, col[r0 + i]);
          offset += sizeof(typename decltype(col)::value_type);
        });
      }
      if (opt_.write_status) {
        const auto status = c.status();
        for (std::size_t i = 0; i < m; ++i)  // '1V' is stored as J with TZERO = 2^31
          detail::store_big_endian(bytes.data() + i * row_bytes_ + offset,
                           static_cast<std::uint32_t>(status[r0 + i] ^ 0x80000000u));
      }
      int st = 0;
      fits_write_tblbytes(file_.get(), static_cast<LONGLONG>(rows_ + r0 + 1), 1,
                          static_cast<LONGLONG>(bytes.size()), bytes.data(), &st);
      check(st);
    }
    rows_ += n;
  }

  void commit() {
    if (atomic_.committed()) return;
    if (!started_) throw ConfigError("FitsWriter: nothing was written to '" + atomic_.target().string() + "'");
    int st = 0;
    fitsfile* f = file_.release();
    fits_close_file(f, &st);
    if (st) {
      atomic_.discard();
      throw OutputError("cannot write FITS file '" + atomic_.target().string() + "': " + detail::fits_message(st));
    }
    atomic_.commit();
  }

 private:
  void check(int st) {
    if (!st) return;
    const std::string msg = detail::fits_message(st);
    file_.reset();
    atomic_.discard();
    throw OutputError("cannot write FITS file '" + atomic_.target().string() + "': " + msg);
  }

  void start(const Catalog& c) {
    started_ = true;
    ids_ = opt_.write_ids && c.has_ids();
    std::vector<std::string> ttype, tform;
    if (ids_) {
      id_width_ = opt_.id_width;
      if (id_width_ == 0) {
        id_width_ = 1;
        for (const auto& s : c.ids()) id_width_ = std::max(id_width_, s.size());
      }
      ttype.push_back(c.id_name());
      tform.push_back(std::to_string(id_width_) + "A");
    }
    for (std::size_t j = 0; j < c.columns(); ++j) {
      if (opt_.write_status && c.name(j) == opt_.status_column)
        throw ConfigError("FitsWriter: numeric column '" + c.name(j) + "' clashes with the status column name");
      ttype.push_back(c.name(j));
      tform.push_back(c.type(j) == ColumnType::f32 ? "1E" : "1D");
      names_.push_back(c.name(j));
      types_.push_back(c.type(j));
    }
    if (opt_.write_status) {
      ttype.push_back(opt_.status_column);
      tform.push_back("1V");
    }
    if (ttype.empty())
      throw ConfigError("FitsWriter: nothing to write to '" + atomic_.target().string() +
                        "': the catalogue has no columns and write_status is off");
    std::vector<char*> tt, tf;
    for (auto& s : ttype) tt.push_back(s.data());
    for (auto& s : tform) tf.push_back(s.data());
    std::string extname = opt_.extname;
    int st = 0;
    fits_create_tbl(file_.get(), BINARY_TBL, 0, static_cast<int>(tt.size()), tt.data(), tf.data(), nullptr,
                    extname.empty() ? nullptr : extname.data(), &st);
    check(st);
    long width = 0;
    fits_read_key(file_.get(), TLONG, "NAXIS1", &width, nullptr, &st);
    check(st);
    row_bytes_ = static_cast<std::size_t>(width);
    for (const auto& line : opt_.comments) {
      fits_write_comment(file_.get(), line.c_str(), &st);
      check(st);
    }
  }

  void check_schema(const Catalog& c) const {
    bool same = c.columns() == names_.size() && (opt_.write_ids && c.has_ids()) == ids_;
    for (std::size_t j = 0; same && j < names_.size(); ++j) same = c.name(j) == names_[j] && c.type(j) == types_[j];
    if (!same)
      throw ConfigError("FitsWriter: a chunk written to '" + atomic_.target().string() +
                        "' has different columns from the first chunk");
  }

  AtomicFile atomic_;
  FitsWriteOptions opt_;
  detail::FitsHandle file_;
  bool started_ = false;
  bool ids_ = false;
  std::size_t id_width_ = 0;
  std::size_t row_bytes_ = 0;
  std::vector<std::string> names_;
  std::vector<ColumnType> types_;
  std::size_t rows_ = 0;
};

// Reads a whole binary table (see FitsReader).
inline Catalog read_fits(const std::filesystem::path& path, const FitsReadOptions& options = {}) {
  FitsReader reader(path, options);
  return reader.read();
}

// Writes a catalogue as a FITS binary table, atomically (see FitsWriter).
inline void write_fits(const Catalog& catalog, const std::filesystem::path& path, const FitsWriteOptions& options = {}) {
  FitsWriter writer(path, options);
  writer.write(catalog);
  writer.commit();
}

#else  // no cfitsio: the same entry points, each explains how to get FITS support.

// The constructors throw ConfigError, so no object of these classes ever exists; the other
// members are there so code using them compiles without cfitsio.
class FitsReader {
 public:
  explicit FitsReader(std::filesystem::path path, FitsReadOptions = {}) { detail::fits_unavailable(path); }
  Catalog read(std::size_t = static_cast<std::size_t>(-1)) { return Catalog(); }
  bool next(Catalog&, std::size_t) { return false; }
  std::size_t skip(std::size_t) { return 0; }
  std::size_t total_rows() const noexcept { return 0; }
  std::size_t rows_read() const noexcept { return 0; }
};

class FitsWriter {
 public:
  explicit FitsWriter(std::filesystem::path path, FitsWriteOptions = {}) { detail::fits_unavailable(path); }
  void write(const Catalog&) {}
  void commit() {}
  std::size_t rows_written() const noexcept { return 0; }
};

inline Catalog read_fits(const std::filesystem::path& path, const FitsReadOptions& = {}) {
  detail::fits_unavailable(path);
}
inline void write_fits(const Catalog&, const std::filesystem::path& path, const FitsWriteOptions& = {}) {
  detail::fits_unavailable(path);
}

#endif

}  // namespace locus::io
