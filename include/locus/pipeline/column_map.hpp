#pragma once
// ColumnMap: which catalogue columns hold a star's photometry, its SFD extinction and (for
// mock catalogues) its true parameters. The defaults are the names of the shipped Stripe 82
// file (data/photod/s82/) and of sim::simulate_patch's catalogues, so the common case needs
// no map.
#include <array>
#include <string>
#include <vector>

#include "locus/bayes/colours.hpp"
#include "locus/bayes/parameters.hpp"
#include "locus/core/errors.hpp"
#include "locus/io/catalog.hpp"
#include "locus/io/column_spec.hpp"

namespace locus::pipeline {

// ColumnMap
//
// Specification:
// - r, r_err, colour[c], error[c], ar_sfd name the columns read into a bayes::Star. An empty
//   name means "not in this catalogue": the field stays NaN (fine for r with a prior that does
//   not depend on r, for ar_sfd with ArPrior::fixed, for r_err without networks).
// - truth[p] (Param order) names the true parameters; a truth column absent from a catalogue
//   is simply not there (the S82 file has none).
// - missing_sentinel: a value that means "missing" in the star columns (photo-D's files use
//   −99); the readers treat it like NaN.
// - id: the string id column of CSV/FITS files ("" for none).
struct ColumnMap {
  std::string r = "rmag";
  std::string r_err = "rErr";
  std::array<std::string, bayes::n_colours> colour{"ug", "gr", "ri", "iz"};
  std::array<std::string, bayes::n_colours> error{"ugErr", "grErr", "riErr", "izErr"};
  std::string ar_sfd = "Ar";
  std::array<std::string, bayes::n_params> truth{"Mr_true", "Ar_true", "FeH_true"};
  double missing_sentinel = -99.0;
  std::string id = "id";

  // The star columns that are mapped (non-empty names), in Star field order.
  std::vector<std::string> star_columns() const {
    std::vector<std::string> out;
    auto add = [&](const std::string& s) {
      if (!s.empty()) out.push_back(s);
    };
    add(r);
    add(r_err);
    for (const auto& c : colour) add(c);
    for (const auto& e : error) add(e);
    add(ar_sfd);
    return out;
  }

  // How a CSV/FITS reader should read the star columns: required, double, the sentinel as
  // missing, and `missing` as the policy (io::Missing::error names file, row and column of
  // the first NaN or placeholder; io::Missing::flag keeps the row and sets missing_value).
  // Truth columns are optional, with the same sentinel, and never an error when missing.
  std::vector<io::ColumnSpec> read_specs(io::Missing missing = io::Missing::flag) const {
    std::vector<io::ColumnSpec> specs;
    for (const auto& name : star_columns())
      specs.push_back(io::ColumnSpec(name).missing_sentinel(missing_sentinel).on_missing(missing));
    for (const auto& name : truth)
      if (!name.empty())
        specs.push_back(io::ColumnSpec(name).optional().missing_sentinel(missing_sentinel).on_missing(io::Missing::ignore));
    return specs;
  }

  // The column-name field behind a key (r, r_err, ar_sfd, ug, ug_err, ..., Mr_true, Ar_true,
  // FeH_true: the keys of `locus --col` and of the Python `columns=`); a ConfigError listing
  // the keys for any other.
  void set(const std::string& key, std::string column) {
    std::string keys;
    const std::pair<const char*, std::string*> fixed[] = {{"r", &r},                 {"r_err", &r_err},
                                                          {"ar_sfd", &ar_sfd},       {"Mr_true", &truth[0]},
                                                          {"Ar_true", &truth[1]},    {"FeH_true", &truth[2]}};
    for (const auto& [k, field] : fixed) {
      if (key == k) return void(*field = std::move(column));
      keys += std::string(" ") + k;
    }
    for (std::size_t c = 0; c < bayes::n_colours; ++c) {
      const std::string name(bayes::colour_names[c]);
      if (key == name) return void(colour[c] = std::move(column));
      if (key == name + "_err") return void(error[c] = std::move(column));
      keys += " " + name + " " + name + "_err";
    }
    throw ConfigError("unknown column key '" + key + "' (keys:" + keys + ")");
  }

  bool has_truth(const io::Catalog& cat, bayes::Param p) const {
    const auto& name = truth[bayes::index(p)];
    return !name.empty() && cat.has_column(name);
  }
};

}  // namespace locus::pipeline
