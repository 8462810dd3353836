#pragma once
// CatalogSource: a catalogue the pipeline reads in blocks, one or more times — a file (CSV or
// FITS, streamed, never held whole) or a catalogue already in memory (a simulated patch).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "locus/core/errors.hpp"
#include "locus/core/interrupt.hpp"
#include "locus/core/progress.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/pipeline/run_record.hpp"

namespace locus::pipeline {

// CatalogSource
//
// Specification:
// - file(path, options): each pass opens the file anew and reads it in blocks; identity() is
//   the path, size and modification time (a changed file changes every fingerprint).
// - memory(catalog, identity): blocks are copies of row ranges; identity() is what the
//   caller says identifies the catalogue (e.g. the simulation's options and seed).
// - for_each_block(rows, f, label) calls f(block, first_row) for consecutive blocks of at most
//   `rows` rows and returns the number of rows. Between blocks it checks for an interruption
//   (Ctrl-C), and it shows a progress bar labelled `label` when progress is enabled.
// - rows(): the number of rows when known without reading (memory; FITS), else 0.
class CatalogSource {
 public:
  static CatalogSource file(std::filesystem::path path, io::CatalogReadOptions options = {}) {
    CatalogSource s;
    s.path_ = std::move(path);
    s.read_ = std::move(options);
    std::error_code ec;
    if (!std::filesystem::exists(s.path_, ec)) throw InputError("cannot open catalogue '" + s.path_.string() + "': no such file");
    return s;
  }
  static CatalogSource memory(std::shared_ptr<const io::Catalog> catalog, std::string identity) {
    if (!catalog) throw ConfigError("CatalogSource::memory: no catalogue");
    CatalogSource s;
    s.memory_ = std::move(catalog);
    s.identity_ = std::move(identity);
    return s;
  }

  bool in_memory() const { return memory_ != nullptr; }
  const std::filesystem::path& path() const { return path_; }
  const io::Catalog* catalog() const { return memory_.get(); }
  const io::CatalogReadOptions& read_options() const { return read_; }
  void set_read_options(io::CatalogReadOptions o) { read_ = std::move(o); }

  std::size_t rows() const { return memory_ ? memory_->rows() : 0; }

  std::string identity() const { return memory_ ? identity_ : "file:" + file_identity(path_, "catalogue"); }
  std::string describe() const { return memory_ ? "catalogue in memory (" + identity_ + ")" : "'" + path_.string() + "'"; }

  template <class F>
  std::size_t for_each_block(std::size_t block_rows, F&& f, const std::string& label = "",
                             Progress::Show show = Progress::Show::never) const {
    return for_each_block_of(block_rows, [](std::size_t) { return true; }, std::forward<F>(f), label, show);
  }

  // The same for the blocks whose index `wanted(index)` accepts; the others are passed over
  // without being converted (nor checked), as another process reads them.
  template <class W, class F>
  std::size_t for_each_block_of(std::size_t block_rows, W&& wanted, F&& f, const std::string& label = "",
                                Progress::Show show = Progress::Show::never) const {
    if (block_rows == 0) throw ConfigError("CatalogSource: blocks need at least one row");
    std::size_t first = 0;
    if (memory_) {
      const std::size_t n = memory_->rows();
      Progress progress(n, label, show);
      for (std::size_t b = 0; b < n; b += block_rows) {
        interrupt::check(label.empty() ? "reading" : label);
        const std::size_t e = std::min(n, b + block_rows);
        if (wanted(b / block_rows)) f(io::slice(*memory_, b, e), b);
        progress.advance(e - b);
      }
      return n;
    }
    io::CatalogReader reader(path_, read_);
    constexpr std::size_t units = 1000;  // progress in thousandths of the file
    Progress progress(units, label, show);
    std::size_t shown = 0;
    io::Catalog block;
    for (std::size_t index = 0;; ++index) {
      interrupt::check(label.empty() ? "reading" : label);
      if (!wanted(index)) {
        const std::size_t n = reader.skip(block_rows);
        if (n == 0) break;
        first += n;
      } else {
        if (!reader.next(block, block_rows)) break;
        f(static_cast<const io::Catalog&>(block), first);
        first += block.rows();
      }
      const auto now = static_cast<std::size_t>(reader.fraction_done() * units);
      if (now > shown) progress.advance(now - shown), shown = now;
    }
    if (shown < units) progress.advance(units - shown);
    return first;
  }

 private:
  std::filesystem::path path_;
  io::CatalogReadOptions read_;
  std::shared_ptr<const io::Catalog> memory_;
  std::string identity_;
};

}  // namespace locus::pipeline
