#pragma once
// Whole catalogues, block by block: the posterior of every star (posterior_catalog) and the
// networks on every star (predict_catalog). Memory is bounded by the block, not the catalogue;
// the output is written atomically, with every input row and column in order.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/core/interrupt.hpp"
#include "locus/core/progress.hpp"
#include "locus/io/catalog_file.hpp"
#include "locus/io/status.hpp"
#include "locus/nn/moments_model.hpp"
#include "locus/pipeline/adapters.hpp"
#include "locus/pipeline/catalog_source.hpp"
#include "locus/pipeline/column_map.hpp"
#include "locus/pipeline/partition.hpp"
#include "locus/pipeline/posterior_engine.hpp"

namespace locus::pipeline {

struct StreamOptions {
  ColumnMap columns{};
  std::size_t block_rows = 1 << 16;
  std::size_t threads = 0;
  Progress::Show progress = Progress::Show::never;
  io::CatalogWriteOptions write{};
  // One share of a split run: only the blocks it owns are computed, written to
  // part_path(out, partition, block_rows); merge_parts makes the whole output of the parts.
  Partition partition{};
};

// How a streamed run went: rows in and out, how many got a result, and how many rows carry
// each status bit (by name) in the output.
struct StreamResult {
  std::size_t rows = 0, fitted = 0;
  double seconds = 0;
  std::map<std::string, std::size_t> flags;
  std::string id_column;  // the output's id column ("" when the input has no ids)
  std::size_t input_rows = 0;  // rows of the whole input: a part reads (or passes over) them all

  nlohmann::json to_json() const { return {{"rows", rows}, {"fitted", fitted}, {"seconds", seconds}, {"flags", flags}}; }
  void count_flags(std::span<const std::uint32_t> status) {
    for (const auto s : status)
      for (const auto& [bit, name] : io::status_names)
        if (s & bit) ++flags[name];
  }
  void count_flags(const io::Catalog& c) { count_flags(c.status()); }
};

namespace detail {
// Predictions of no star (three parameters).
inline nn::MomentsPrediction<float> no_predictions() {
  return {Matrix<float>({0, bayes::n_params}), Matrix<float>({0, bayes::n_params}), Matrix<float>({0, bayes::n_params}),
          Matrix<float>({0, bayes::n_params})};
}

// A command's new columns (those of `added`, an empty catalogue it appended them to) must not be
// in its input already (it is the output of an earlier run, say): an InputError naming both,
// before anything is computed.
inline void check_new_columns(const std::string& input, const io::Catalog& block, const io::Catalog& added) {
  for (const auto& name : added.names())
    if (block.has_column(name))
      throw InputError(input + " already has a column '" + name +
                       "', which this command writes (is it the output of an earlier run?); give it the catalogue without it");
}

template <class F>
StreamResult stream_blocks(const CatalogSource& in, const std::filesystem::path& out, const StreamOptions& o,
                           const std::string& label, F&& transform) {
  const auto t0 = std::chrono::steady_clock::now();
  o.partition.check();
  io::CatalogWriter writer(o.partition.whole() ? out : part_path(out, o.partition, o.block_rows), o.write);
  StreamResult res;
  res.input_rows = in.for_each_block_of(o.block_rows, [&](std::size_t b) { return o.partition.owns(b); },
                       [&](const io::Catalog& in_block, std::size_t first) {
    io::Catalog block = in_block;
    res.fitted += transform(block, first);
    if (res.rows == 0 && block.has_ids()) res.id_column = block.id_name();
    res.rows += block.rows();
    res.count_flags(block);
    writer.write(block);
  }, label, o.progress);
  interrupt::check(label);
  // a header without rows: no block reached the writer, which then knows no columns. A part
  // may own no block of a small catalogue: it writes no file, which merge_parts allows.
  if (res.rows == 0 && o.partition.whole()) throw InputError(in.describe() + " has no data rows");
  if (res.rows > 0) writer.commit();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}
}  // namespace detail

/* The posterior of every row: the input columns, then the summary columns of append_summaries
   (bayes_*), and for MCMC the diagnostics (bayes_acceptance, bayes_tau_*). Stars the posterior
   cannot fit keep their row with NaN summaries and status bits. Deterministic for a seed with
   any thread count and block size. */
inline StreamResult posterior_catalog(const CatalogSource& in, const PosteriorEngine& engine, const std::filesystem::path& out,
                                      const StreamOptions& o = {}) {
  std::vector<bayes::McmcDiagnostics> diag;
  const bool mcmc = engine.options().engine == Engine::mcmc;
  io::Catalog added;
  append_summaries(added, {});
  if (mcmc) append_diagnostics(added, {});
  return detail::stream_blocks(in, out, o, "posterior", [&](io::Catalog& block, std::size_t first) {
    detail::check_new_columns(in.describe(), block, added);
    const auto stars = read_stars(block, o.columns);
    // MCMC blocks are cut further so Ctrl-C is answered within a second or so
    std::vector<bayes::Summary> sums;
    const std::size_t step = mcmc ? 1024 : stars.size() + 1;
    std::vector<bayes::McmcDiagnostics> all_diag, d;
    for (std::size_t b = 0; b < stars.size(); b += step) {
      interrupt::check("posterior");
      const std::size_t e = std::min(stars.size(), b + step);
      const auto s = engine.fit(std::span(stars).subspan(b, e - b), first + b, o.threads, mcmc ? &d : nullptr);
      sums.insert(sums.end(), s.begin(), s.end());
      all_diag.insert(all_diag.end(), d.begin(), d.end());
    }
    append_summaries(block, sums);
    if (mcmc) append_diagnostics(block, all_diag);
    std::size_t ok = 0;
    for (const auto& s : sums) ok += s.ok();
    return ok;
  });
}

// The networks on one block: appends nn_* columns (NaN and status no_fit for rows without all
// ten inputs) and returns which rows were predicted, with the predictions in that order.
struct BlockPrediction {
  std::vector<std::size_t> ready;
  nn::MomentsPrediction<float> pred;
};
inline BlockPrediction predict_block(const nn::MomentsModel& model, io::Catalog& block, std::span<const bayes::Star> stars,
                                     std::size_t threads) {
  BlockPrediction out{{}, detail::no_predictions()};
  std::vector<bayes::Star> rs;
  for (std::size_t i = 0; i < stars.size(); ++i)
    if (network_ready(stars[i])) out.ready.push_back(i), rs.push_back(stars[i]);
    else block.flag(i, io::status::no_fit);
  if (!rs.empty()) out.pred = model.predict(network_inputs(rs), threads ? threads : num_threads());
  append_predictions(block, out.pred, "nn_", out.ready);
  return out;
}

/* The networks on every row: the input columns, then nn_{Mr,Ar,FeH} with _sigma (σ_total),
   _sigma_nn and _sigma_b. A row without all ten network inputs gets NaN and status no_fit. */
inline StreamResult predict_catalog(const CatalogSource& in, const nn::MomentsModel& model, const std::filesystem::path& out,
                                    const StreamOptions& o = {}) {
  if (model.targets() != bayes::n_params)
    throw InputError("predict: the model predicts " + std::to_string(model.targets()) + " parameters, not Mr, Ar and [Fe/H]");
  io::Catalog added;
  append_predictions(added, detail::no_predictions());
  return detail::stream_blocks(in, out, o, "predict", [&](io::Catalog& block, std::size_t) {
    detail::check_new_columns(in.describe(), block, added);
    const auto stars = read_stars(block, o.columns);
    const auto ready = predict_block(model, block, stars, o.threads).ready;
    return ready.size();
  });
}

}  // namespace locus::pipeline
