#pragma once
// Partition: one share of a streamed run (posterior_catalog, predict_catalog) when several
// processes (MPI ranks, cluster jobs) split a catalogue. Blocks are dealt round-robin — block b
// goes to part b mod count — so the parts stay balanced without knowing the number of rows in
// advance. Each part writes its blocks, in order, to part_path(out, part); merge_parts then
// deals them back into one catalogue that is byte for byte what one process writes, because
// every star's result depends only on its global row (MCMC seeds included), not on the split.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/io/atomic_file.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/io/csv.hpp"

namespace locus::pipeline {

struct Partition {
  std::size_t index = 0, count = 1;

  bool whole() const noexcept { return count == 1; }
  bool owns(std::size_t block) const noexcept { return block % count == index; }
  void check() const {
    if (count == 0 || index >= count)
      throw ConfigError("partition " + std::to_string(index) + " of " + std::to_string(count) + " does not exist");
  }
};

// Where part `p` of output `out`, written in blocks of `block_rows` rows, goes: beside it,
// "<stem>.part-<index>-of-<count>.block-<block_rows><ext>", so the format (by extension) is the
// output's, and parts of runs with another split or block size are never taken for this one's.
inline std::filesystem::path part_path(const std::filesystem::path& out, const Partition& p, std::size_t block_rows) {
  auto name = out.stem().string() + ".part-" + std::to_string(p.index) + "-of-" + std::to_string(p.count) + ".block-" +
              std::to_string(block_rows) + out.extension().string();
  return out.has_parent_path() ? out.parent_path() / name : std::filesystem::path(name);
}

namespace detail {

// A part file open for merging: its records one block at a time, as text (CSV: the records are
// copied, never parsed or formatted again) or as a catalogue (FITS). `status` receives each
// row's status flags (empty when the parts carry none).
class PartReader {
 public:
  PartReader(const std::filesystem::path& path, const std::string& id_column, bool first)
      : path_(path), csv_(io::format_of(path) == io::CatalogFormat::csv) {
    if (!csv_) {
      io::CatalogReadOptions ro;
      ro.id_column = id_column;
      ro.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
      reader_ = std::make_unique<io::CatalogReader>(path, ro);
      return;
    }
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw InputError("cannot open part '" + path.string() + "': " + std::strerror(errno));
    scanner_ = std::make_unique<io::detail::RecordScanner>(file_, path.string(), ',', '#', std::size_t{1} << 20);
    // the comment lines and the header (kept from the first part only), as CsvWriter wrote them
    std::string_view raw;
    bool quoted = false, comment = false;
    for (;;) {
      if (!scanner_->next(fields_, raw, quoted, comment)) throw FormatError("part '" + path.string() + "' has no header");
      if (first) preamble_.append(raw).push_back('\n');
      if (!comment) break;
    }
    for (std::size_t k = 0; k < fields_.size(); ++k)
      if (fields_[k] == "status") status_field_ = k;
  }
  PartReader(const PartReader&) = delete;
  PartReader& operator=(const PartReader&) = delete;
  ~PartReader() {
    if (file_) std::fclose(file_);
  }

  const std::string& preamble() const { return preamble_; }

  // Appends the next block (up to `rows` rows) to `text` (CSV) or `block` (FITS); its rows' status
  // to `status`. Returns the number of rows.
  std::size_t next(std::size_t rows, std::string& text, io::Catalog& block, std::vector<std::uint32_t>& status) {
    status.clear();
    if (!csv_) {
      if (!reader_->next(block, rows)) return 0;
      status.assign(block.status().begin(), block.status().end());
      return block.rows();
    }
    std::string_view raw;
    bool quoted = false, comment = false;
    std::size_t n = 0;
    while (n < rows && scanner_->next(fields_, raw, quoted, comment)) {
      text.append(raw).push_back('\n');
      if (status_field_ < fields_.size()) {
        std::uint32_t v = 0;
        std::from_chars(fields_[status_field_].data(), fields_[status_field_].data() + fields_[status_field_].size(), v);
        status.push_back(v);
      }
      ++n;
    }
    return n;
  }

 private:
  std::filesystem::path path_;
  bool csv_;
  std::unique_ptr<io::CatalogReader> reader_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<io::detail::RecordScanner> scanner_;
  std::vector<std::string_view> fields_;
  std::string preamble_;
  std::size_t status_field_ = static_cast<std::size_t>(-1);
};

}  // namespace detail

// Deals the `count` parts of `out` (written with blocks of `block_rows` rows) back into `out`,
// atomically, and calls on_status(std::span<const std::uint32_t>) with each block's status
// flags in order (to count them, say; empty when the parts have no status column).
// total_rows: the rows of the whole catalogue (StreamResult::input_rows of any part: each part
// reads every row), so a missing or short part is found even when it holds only the last block.
// id_column: the name of the parts' id column ("" when they have none; StreamResult::id_column
// of part 0 says). CSV parts are merged as text, FITS parts read back as written (no
// missing-value policy), so the merged file is the bytes one process writes. A part that owns
// no block (more parts than blocks) writes no file. Parts are removed after the merge when
// `remove` is set. A part that is missing, short of a block or has rows past the catalogue's end
// is a FormatError, and `out` is not written.
template <class F>
std::size_t merge_parts(const std::filesystem::path& out, std::size_t count, std::size_t block_rows,
                        std::size_t total_rows, const io::CatalogWriteOptions& write, const std::string& id_column, F&& on_status,
                        bool remove = true) {
  if (count == 0 || block_rows == 0) throw ConfigError("merge_parts: count and block_rows must be positive");
  if (total_rows == 0) throw InputError("nothing to merge into '" + out.string() + "': the catalogue has no data rows");
  std::vector<std::unique_ptr<detail::PartReader>> parts(count);
  std::vector<std::filesystem::path> paths(count);
  for (std::size_t k = 0; k < count; ++k) {
    paths[k] = part_path(out, {k, count}, block_rows);
    if (std::filesystem::exists(paths[k]))
      parts[k] = std::make_unique<detail::PartReader>(paths[k], write.write_ids ? id_column : std::string(), k == 0);
  }
  const bool csv = io::format_of(out) == io::CatalogFormat::csv;
  std::optional<io::CatalogWriter> writer;
  std::optional<io::AtomicFile> text_file;
  // declared after text_file, so it is closed before an uncommitted temporary is removed
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(nullptr, &std::fclose);
  auto fail = [&](int err) { throw OutputError("cannot write '" + out.string() + "': " + std::strerror(err)); };
  if (csv) {
    io::CatalogWriter::check_target(out);
    text_file.emplace(out);
    f.reset(std::fopen(text_file->temp_path().c_str(), "wb"));
    if (!f) fail(errno);
    if (parts[0] && std::fwrite(parts[0]->preamble().data(), 1, parts[0]->preamble().size(), f.get()) != parts[0]->preamble().size())
      fail(errno);
  } else {
    writer.emplace(out, write);
  }
  io::Catalog block;
  std::string text;
  std::vector<std::uint32_t> status;
  const std::size_t blocks = (total_rows + block_rows - 1) / block_rows;
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t k = b % count, want = std::min(block_rows, total_rows - b * block_rows);
    if (!parts[k])
      throw FormatError("merging '" + out.string() + "': part '" + paths[k].string() + "', which holds block " +
                        std::to_string(b) + " of the catalogue, is missing");
    text.clear();
    const std::size_t n = parts[k]->next(want, text, block, status);
    if (n != want)
      throw FormatError("merging '" + out.string() + "': part '" + paths[k].string() + "' ends inside block " +
                        std::to_string(b) + " (" + std::to_string(n) + " of its " + std::to_string(want) +
                        " rows; is it from another run?)");
    on_status(std::span<const std::uint32_t>(status));
    if (csv) {
      if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size()) fail(errno);
    } else {
      writer->write(block);
    }
  }
  // every part must be used up now: a part with rows left does not belong to this split
  for (std::size_t k = 0; k < count; ++k)
    if (parts[k] && parts[k]->next(1, text, block, status))
      throw FormatError("merging '" + out.string() + "': part '" + paths[k].string() + "' has rows past the catalogue's " +
                        std::to_string(total_rows) + " (is it from another run?)");
  if (csv) {
    if (std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0) fail(errno);
    if (std::fclose(f.release()) != 0) fail(errno);
    text_file->commit();
  } else {
    writer->commit();
  }
  if (remove)
    for (const auto& p : paths) std::filesystem::remove(p);
  return total_rows;
}

}  // namespace locus::pipeline
