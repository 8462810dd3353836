#pragma once
// Partition: one share of a streamed run (posterior_catalog, predict_catalog) when several
// processes (MPI ranks, cluster jobs) split a catalogue. Blocks are dealt round-robin — block b
// goes to part b mod count — so the parts stay balanced without knowing the number of rows in
// advance. Each part writes its blocks, in order, to part_path(out, part); merge_parts then
// deals them back into one catalogue that is byte for byte what one process writes, because
// every star's result depends only on its global row (MCMC seeds included), not on the split.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "locus/core/errors.hpp"
#include "locus/io/catalog_file.hpp"

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

// Deals the `count` parts of `out` (written with blocks of `block_rows` rows) back into `out`,
// atomically, and calls on_block(block) for each block in order (to count flags, say).
// id_column: the name of the parts' id column ("" when they have none; StreamResult::id_column
// of part 0 says). Values are read back as written (no missing-value policy), so the merged
// file is the bytes one process writes. A part with no rows may be absent. Parts are removed
// after the merge when `remove` is set. A part that is missing a block or has one too many is a
// FormatError, and `out` is not written.
template <class F>
std::size_t merge_parts(const std::filesystem::path& out, std::size_t count, std::size_t block_rows,
                        const io::CatalogWriteOptions& write, const std::string& id_column, F&& on_block,
                        bool remove = true) {
  if (count == 0 || block_rows == 0) throw ConfigError("merge_parts: count and block_rows must be positive");
  io::CatalogReadOptions ro;
  ro.id_column = write.write_ids ? id_column : std::string();
  ro.defaults = io::ColumnSpec().optional().on_missing(io::Missing::ignore);
  std::vector<std::unique_ptr<io::CatalogReader>> parts(count);
  std::vector<std::filesystem::path> paths(count);
  for (std::size_t k = 0; k < count; ++k) {
    paths[k] = part_path(out, {k, count}, block_rows);
    if (std::filesystem::exists(paths[k])) parts[k] = std::make_unique<io::CatalogReader>(paths[k], ro);
  }
  io::CatalogWriter writer(out, write);
  io::Catalog block;
  std::size_t rows = 0, b = 0;
  for (;; ++b) {
    auto& r = parts[b % count];
    if (!r || !r->next(block, block_rows)) break;
    rows += block.rows();
    on_block(static_cast<const io::Catalog&>(block));
    writer.write(block);
    if (block.rows() < block_rows) {  // only the catalogue's last block is short
      ++b;
      break;
    }
  }
  // every part must be used up now: a part with blocks left was written by another split
  for (std::size_t k = 0; k < count; ++k)
    if (parts[k] && parts[k]->next(block, 1))
      throw FormatError("merging '" + out.string() + "': part '" + paths[k].string() + "' has rows past block " +
                        std::to_string(b) + " of the catalogue (is a part missing?)");
  if (rows == 0) throw InputError("no part of '" + out.string() + "' has data rows");
  writer.commit();
  if (remove)
    for (const auto& p : paths) std::filesystem::remove(p);
  return rows;
}

}  // namespace locus::pipeline
