#pragma once
// PriorSource: where the priors p(Mr, [Fe/H] | r) of a run come from — a photo-D prior file,
// a KDE of the catalogue's own true Mr and [Fe/H] (a mock patch, as a TRILEGAL patch provides
// them), or flat — and load_priors(), which makes them.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "locus/bayes/parameters.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/core/errors.hpp"
#include "locus/pipeline/adapters.hpp"
#include "locus/pipeline/catalog_source.hpp"
#include "locus/pipeline/column_map.hpp"
#include "locus/pipeline/run_record.hpp"

namespace locus::pipeline {

struct PriorSource {
  enum class Kind { file, kde, flat };
  Kind kind = Kind::kde;
  std::string path;      // file
  bayes::KdeOptions kde{};  // kde

  // "flat", "kde", or a file path.
  static PriorSource parse(const std::string& s) {
    PriorSource p;
    if (s == "flat") p.kind = Kind::flat;
    else if (s == "kde") p.kind = Kind::kde;
    else p.kind = Kind::file, p.path = s;
    return p;
  }
  bool needs_r() const { return kind != Kind::flat; }
};

inline const char* to_string(PriorSource::Kind k) {
  return k == PriorSource::Kind::file ? "file" : k == PriorSource::Kind::kde ? "kde" : "flat";
}

// What identifies the priors a source gives (for run fingerprints).
inline nlohmann::json to_json(const PriorSource& p) {
  nlohmann::json j{{"kind", to_string(p.kind)}};
  if (p.kind == PriorSource::Kind::file) j["file"] = file_identity(p.path, "prior file");
  if (p.kind == PriorSource::Kind::kde)
    j["kde"] = {{"method", p.kde.method == bayes::KdeMethod::binned ? "binned" : "exact"},
                {"max_rows", p.kde.max_rows},
                {"seed", p.kde.seed},
                {"feh", {p.kde.feh.lo, p.kde.feh.step, p.kde.feh.n}},
                {"mr", {p.kde.mr.lo, p.kde.mr.step, p.kde.mr.n}}};
  return j;
}

// The priors of a source. kde reads the catalogue once (r and the true Mr and [Fe/H] of every
// row); without those truth columns it is an InputError that says what to do instead.
inline bayes::PriorMaps load_priors(const PriorSource& p, const CatalogSource* catalogue = nullptr, const ColumnMap& map = {},
                                    std::size_t block_rows = 1 << 16, std::size_t threads = 0,
                                    Progress::Show show = Progress::Show::never) {
  switch (p.kind) {
    case PriorSource::Kind::file:
      return bayes::PriorMaps::load_csv(p.path);
    case PriorSource::Kind::flat:
      return bayes::PriorMaps::flat();
    case PriorSource::Kind::kde:
      break;
  }
  if (!catalogue) throw ConfigError("KDE priors need a catalogue with the true Mr and [Fe/H]");
  std::vector<double> r, mr, feh;
  bool truth = true;
  catalogue->for_each_block(block_rows, [&](const io::Catalog& block, std::size_t) {
    if (!map.has_truth(block, bayes::Param::mr) || !map.has_truth(block, bayes::Param::feh)) {
      truth = false;
      return;
    }
    const auto t = read_truth(block, map);
    const auto rb = detail::star_field(block, map.r, "the r magnitude", map.missing_sentinel);
    for (std::size_t i = 0; i < block.rows(); ++i) {
      r.push_back(rb[i]);
      mr.push_back(t(i, bayes::index(bayes::Param::mr)));
      feh.push_back(t(i, bayes::index(bayes::Param::feh)));
    }
  }, "KDE priors", show);
  if (!truth)
    throw InputError("KDE priors need the true Mr and [Fe/H] columns ('" + map.truth[bayes::index(bayes::Param::mr)] + "', '" +
                     map.truth[bayes::index(bayes::Param::feh)] + "'), which " + catalogue->describe() +
                     " does not have; give a photo-D prior file or use flat priors");
  auto opt = p.kde;
  if (opt.threads == 0) opt.threads = threads;
  return bayes::PriorMaps::from_catalog(r, mr, feh, opt);
}

}  // namespace locus::pipeline
