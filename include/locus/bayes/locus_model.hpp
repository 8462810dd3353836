#pragma once
// The stellar-locus model: colour tracks c(t, [Fe/H]) with absolute magnitude Mr(t, [Fe/H]).
//
// photo-D (Palaversa et al. 2025) fits the SDSS stellar locus of Ivezic et al. (2008),
// augmented with Dartmouth (DSED) isochrones for the bright evolved part. Each [Fe/H] track is
// parametrised by t (tLoc), a position along the track; Mr is not monotonic in t because the
// giant branch turns back, so the model is a regular (t, [Fe/H]) grid of nodes, not a regular
// (Mr, [Fe/H]) grid. Tables on a regular Mr grid are the special case t = Mr.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "locus/bayes/extinction.hpp"
#include "locus/core/errors.hpp"

namespace locus::bayes {

// Mr and the four colours (u-g, g-r, r-i, i-z) at one point of the model.
struct LocusPoint {
  double mr = 0.0;
  std::array<double, n_colours> colour{};
};

// Thinning when loading: keep every t_step-th t value and every feh_step-th [Fe/H] track,
// counted from the first, and always the last one of each axis (as photo-D's
// subsampleLocusData does, so the thinned model keeps both ends of every track).
struct LocusLoadOptions {
  std::size_t t_step = 1;
  std::size_t feh_step = 1;
};

// LocusModel: nodes on a regular grid over (t, [Fe/H]).
//
// Specification:
//  - n_t() positions t_values() (strictly increasing) times n_feh() tracks feh_values()
//    (strictly increasing); node n = index(it, ifeh) = ifeh * n_t() + it holds mr(n) and
//    colour(c, n) for c in 0..3 (u-g, g-r, r-i, i-z). Storage is one contiguous array per
//    quantity (mr_data(), colour_data(c)) so the posterior loops over nodes with SIMD.
//  - interpolate(t, feh): bilinear in (t, [Fe/H]) between the four surrounding nodes, giving
//    continuous Mr and colours (used by the MCMC target); std::nullopt outside the grid.
//  - nearest_node(mr, feh): the node closest in the (Mr, [Fe/H]) plane, Euclidean with unit
//    weights (photo-D's KD-tree rule for colouring mock stars).
//  - plateau(n): true when node n repeats the next node of its track exactly (tracks that end
//    early are padded with copies of their last point to fill the rectangle).
//  - Built by load() from a text table (photo-D SDSSDSEDlocus_*Gyr.txt tracks, or a table on
//    a regular Mr grid), by builtin() (the shipped 10 Gyr photo-D table), or from arrays.
//    Malformed input throws FormatError naming the file, line and column.
class LocusModel {
 public:
  LocusModel() = default;

  // From arrays: t (n_t), feh (n_feh), and per node (feh-major, n_feh * n_t) Mr and colours.
  LocusModel(std::vector<double> t, std::vector<double> feh, std::vector<double> mr,
             std::array<std::vector<double>, n_colours> colours, bool t_is_mr = false)
      : t_(std::move(t)), feh_(std::move(feh)), mr_(std::move(mr)), col_(std::move(colours)), t_is_mr_(t_is_mr) {
    validate();
  }

  // Reads a whitespace-separated table. Lines starting with '#' are comments. The first other
  // line may name the columns: it must contain Mr, FeH, ug, gr, ri, iz and optionally tLoc (the
  // track position; without it t = Mr, i.e. a table on a regular Mr grid). Without a header the
  // table must have photo-D's 7 columns "tLoc Mr FeH ug gr ri iz". Every (t, [Fe/H]) pair must
  // occur exactly once.
  static LocusModel load(const std::string& path, LocusLoadOptions opt = {}) {
    std::ifstream in(path);
    if (!in) throw InputError("LocusModel: cannot open '" + path + "'");
    return parse(in, path, opt);
  }
  static LocusModel parse(std::istream& in, const std::string& name, LocusLoadOptions opt = {});

  // The built-in model: photo-D's SDSSDSEDlocus_10Gyr.txt with every 10th tLoc (4,557 nodes),
  // shipped in locus/bayes/data/sdss_dsed_locus_10gyr.hpp (BSD-3-Clause, see LICENSE.photoD).
  static LocusModel builtin();

  // Keeps every t_step-th t and every feh_step-th track, plus the last of each.
  LocusModel thinned(std::size_t t_step, std::size_t feh_step = 1) const {
    const auto it = keep(t_.size(), t_step), jf = keep(feh_.size(), feh_step);
    std::vector<double> t, feh, mr;
    std::array<std::vector<double>, n_colours> col;
    for (auto i : it) t.push_back(t_[i]);
    for (auto j : jf) feh.push_back(feh_[j]);
    for (auto j : jf)
      for (auto i : it) {
        const std::size_t n = index(i, j);
        mr.push_back(mr_[n]);
        for (std::size_t c = 0; c < n_colours; ++c) col[c].push_back(col_[c][n]);
      }
    return LocusModel(std::move(t), std::move(feh), std::move(mr), std::move(col), t_is_mr_);
  }

  // The model refined rt times in t and rf times in [Fe/H]: every cell split into rt x rf, the
  // new nodes on the bilinear interpolation (so the refined model interpolates to the same
  // continuous model). A grid posterior over it is a finer quadrature of the same density.
  LocusModel refined(std::size_t rt, std::size_t rf) const {
    if (rt < 1 || rf < 1) throw ConfigError("LocusModel::refined: factors must be >= 1");
    auto split = [](const std::vector<double>& a, std::size_t r) {
      std::vector<double> out;
      for (std::size_t i = 0; i + 1 < a.size(); ++i)
        for (std::size_t k = 0; k < r; ++k) out.push_back(a[i] + (a[i + 1] - a[i]) * static_cast<double>(k) / static_cast<double>(r));
      out.push_back(a.back());
      return out;
    };
    std::vector<double> t = split(t_, rt), feh = split(feh_, rf), mr;
    std::array<std::vector<double>, n_colours> col;
    for (std::size_t j = 0; j < feh.size(); ++j)
      for (std::size_t i = 0; i < t.size(); ++i) {
        // cell and fraction from the indices, so that the new nodes do not depend on rounding
        const std::size_t ci = std::min(i / rt, t_.size() - 1), cj = std::min(j / rf, feh_.size() - 1);
        const double u = static_cast<double>(i - ci * rt) / static_cast<double>(rt);
        const double v = static_cast<double>(j - cj * rf) / static_cast<double>(rf);
        const std::size_t i1 = std::min(ci + 1, t_.size() - 1), j1 = std::min(cj + 1, feh_.size() - 1);
        const std::size_t q[4] = {index(ci, cj), index(i1, cj), index(ci, j1), index(i1, j1)};
        const double a[4] = {(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v};
        auto at = [&](const std::vector<double>& x) { return a[0] * x[q[0]] + a[1] * x[q[1]] + a[2] * x[q[2]] + a[3] * x[q[3]]; };
        mr.push_back(at(mr_));
        for (std::size_t c = 0; c < n_colours; ++c) col[c].push_back(at(col_[c]));
      }
    return LocusModel(std::move(t), std::move(feh), std::move(mr), std::move(col), t_is_mr_);
  }

  std::size_t n_t() const { return t_.size(); }
  std::size_t n_feh() const { return feh_.size(); }
  std::size_t size() const { return mr_.size(); }
  bool t_is_mr() const { return t_is_mr_; }
  const std::vector<double>& t_values() const { return t_; }
  const std::vector<double>& feh_values() const { return feh_; }

  std::size_t index(std::size_t it, std::size_t ifeh) const { return ifeh * t_.size() + it; }
  std::size_t t_index(std::size_t n) const { return n % t_.size(); }
  std::size_t feh_index(std::size_t n) const { return n / t_.size(); }
  double t(std::size_t n) const { return t_[t_index(n)]; }
  double feh(std::size_t n) const { return feh_[feh_index(n)]; }
  double mr(std::size_t n) const { return mr_[n]; }
  double colour(std::size_t c, std::size_t n) const { return col_[c][n]; }
  LocusPoint node(std::size_t n) const {
    LocusPoint p;
    p.mr = mr_[n];
    for (std::size_t c = 0; c < n_colours; ++c) p.colour[c] = col_[c][n];
    return p;
  }
  const double* mr_data() const { return mr_.data(); }
  const double* colour_data(std::size_t c) const { return col_[c].data(); }

  bool plateau(std::size_t n) const {
    const std::size_t it = t_index(n);
    if (it + 1 >= t_.size()) return false;
    if (mr_[n] != mr_[n + 1]) return false;
    for (std::size_t c = 0; c < n_colours; ++c)
      if (col_[c][n] != col_[c][n + 1]) return false;
    return true;
  }

  bool contains(double t, double feh) const {
    return !t_.empty() && t >= t_.front() && t <= t_.back() && feh >= feh_.front() && feh <= feh_.back();
  }

  // Bilinear interpolation in (t, [Fe/H]); std::nullopt outside the grid or for NaN input.
  std::optional<LocusPoint> interpolate(double t, double feh) const {
    if (!contains(t, feh)) return std::nullopt;
    const auto [i, ft] = cell(t_, t);
    const auto [j, ff] = cell(feh_, feh);
    const std::size_t n00 = index(i, j), n10 = index(i + 1, j), n01 = index(i, j + 1), n11 = index(i + 1, j + 1);
    const double w00 = (1 - ft) * (1 - ff), w10 = ft * (1 - ff), w01 = (1 - ft) * ff, w11 = ft * ff;
    LocusPoint p;
    p.mr = w00 * mr_[n00] + w10 * mr_[n10] + w01 * mr_[n01] + w11 * mr_[n11];
    for (std::size_t c = 0; c < n_colours; ++c) {
      const auto& v = col_[c];
      p.colour[c] = w00 * v[n00] + w10 * v[n10] + w01 * v[n01] + w11 * v[n11];
    }
    return p;
  }

  // Node nearest to (mr, feh) in the (Mr, [Fe/H]) plane; InputError for NaN input.
  std::size_t nearest_node(double mr, double feh) const {
    if (!std::isfinite(mr) || !std::isfinite(feh))
      throw InputError("LocusModel::nearest_node: Mr and [Fe/H] must be finite");
    // Nodes sorted by Mr: scan outwards from Mr until |dMr| alone exceeds the best distance.
    const auto& order = by_mr();
    auto pos = std::lower_bound(order.begin(), order.end(), mr,
                                [&](std::size_t n, double v) { return mr_[n] < v; }) -
               order.begin();
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_n = 0;
    auto visit = [&](std::size_t n) {
      const double dm = mr_[n] - mr, df = feh_[feh_index(n)] - feh;
      const double d = dm * dm + df * df;
      if (d < best || (d == best && n < best_n)) best = d, best_n = n;
    };
    for (std::ptrdiff_t k = pos; k < static_cast<std::ptrdiff_t>(order.size()); ++k) {
      const double dm = mr_[order[k]] - mr;
      if (dm * dm > best) break;
      visit(order[k]);
    }
    for (std::ptrdiff_t k = pos - 1; k >= 0; --k) {
      const double dm = mr_[order[k]] - mr;
      if (dm * dm > best) break;
      visit(order[k]);
    }
    return best_n;
  }

 private:
  static std::vector<std::size_t> keep(std::size_t n, std::size_t step) {
    if (step == 0) throw ConfigError("LocusModel: thinning step must be >= 1");
    std::vector<std::size_t> k;
    for (std::size_t i = 0; i < n; i += step) k.push_back(i);
    if (n > 0 && k.back() != n - 1) k.push_back(n - 1);
    return k;
  }
  // Cell index i (so that axis[i] <= x <= axis[i+1]) and the fraction within it.
  static std::pair<std::size_t, double> cell(const std::vector<double>& axis, double x) {
    if (axis.size() == 1) return {0, 0.0};
    std::size_t i = static_cast<std::size_t>(std::upper_bound(axis.begin(), axis.end(), x) - axis.begin());
    i = std::min<std::size_t>(i == 0 ? 0 : i - 1, axis.size() - 2);
    return {i, (x - axis[i]) / (axis[i + 1] - axis[i])};
  }
  const std::vector<std::size_t>& by_mr() const {
    if (by_mr_.size() != mr_.size()) {
      std::vector<std::size_t> o(mr_.size());
      std::iota(o.begin(), o.end(), std::size_t{0});
      std::stable_sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return mr_[a] < mr_[b]; });
      by_mr_ = std::move(o);
    }
    return by_mr_;
  }
  void validate() {
    if (t_.empty() || feh_.empty()) throw ConfigError("LocusModel: empty t or [Fe/H] axis");
    for (std::size_t i = 1; i < t_.size(); ++i)
      if (!(t_[i] > t_[i - 1])) throw ConfigError("LocusModel: t values must be strictly increasing");
    for (std::size_t i = 1; i < feh_.size(); ++i)
      if (!(feh_[i] > feh_[i - 1])) throw ConfigError("LocusModel: [Fe/H] values must be strictly increasing");
    const std::size_t n = t_.size() * feh_.size();
    if (mr_.size() != n) throw ConfigError("LocusModel: Mr array size does not match n_t * n_feh");
    for (std::size_t c = 0; c < n_colours; ++c)
      if (col_[c].size() != n) throw ConfigError("LocusModel: colour array size does not match n_t * n_feh");
    for (std::size_t k = 0; k < n; ++k) {
      bool ok = std::isfinite(mr_[k]);
      for (std::size_t c = 0; c < n_colours; ++c) ok = ok && std::isfinite(col_[c][k]);
      if (!ok) throw ConfigError("LocusModel: non-finite Mr or colour at node " + std::to_string(k));
    }
    // Built eagerly so that const queries from several threads never write.
    by_mr_.clear();
    (void)by_mr();
  }

  std::vector<double> t_, feh_, mr_;
  std::array<std::vector<double>, n_colours> col_;
  bool t_is_mr_ = false;
  mutable std::vector<std::size_t> by_mr_;
};

inline LocusModel LocusModel::parse(std::istream& in, const std::string& name, LocusLoadOptions opt) {
  // Column positions: t, Mr, FeH, ug, gr, ri, iz (-1 for t means t = Mr).
  int col_t = 0, col_mr = 1, col_feh = 2;
  std::array<int, n_colours> col_c{3, 4, 5, 6};
  std::size_t min_cols = 7;
  bool header_seen = false, t_is_mr = false;
  struct Row {
    double t, feh, mr;
    std::array<double, n_colours> c;
  };
  std::vector<Row> rows;
  std::string line;
  std::size_t lineno = 0;
  auto where = [&](std::size_t col) {
    return name + ":" + std::to_string(lineno) + (col ? " column " + std::to_string(col) : std::string());
  };
  while (std::getline(in, line)) {
    ++lineno;
    std::istringstream ss(line);
    std::vector<std::string> tok;
    for (std::string s; ss >> s;) tok.push_back(s);
    if (tok.empty() || tok[0][0] == '#') continue;
    auto numeric = [](const std::string& s, double& v) {
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      return end != s.c_str() && *end == '\0';
    };
    double probe;
    if (!header_seen && rows.empty() && !numeric(tok[0], probe)) {
      header_seen = true;
      auto find = [&](const char* key) -> int {
        for (std::size_t k = 0; k < tok.size(); ++k)
          if (tok[k] == key) return static_cast<int>(k);
        return -1;
      };
      col_t = find("tLoc");
      col_mr = find("Mr");
      col_feh = find("FeH");
      for (std::size_t c = 0; c < n_colours; ++c) col_c[c] = find(std::string(colour_names[c]).c_str());
      if (col_mr < 0 || col_feh < 0 || *std::min_element(col_c.begin(), col_c.end()) < 0)
        throw FormatError("LocusModel: " + where(0) +
                          ": header must name the columns Mr, FeH, ug, gr, ri, iz (and optionally tLoc)");
      t_is_mr = col_t < 0;
      if (t_is_mr) col_t = col_mr;
      min_cols = 0;
      for (int k : {col_t, col_mr, col_feh, col_c[0], col_c[1], col_c[2], col_c[3]})
        min_cols = std::max<std::size_t>(min_cols, static_cast<std::size_t>(k) + 1);
      continue;
    }
    if (tok.size() < min_cols)
      throw FormatError("LocusModel: " + where(0) + ": expected at least " + std::to_string(min_cols) +
                        " columns, found " + std::to_string(tok.size()));
    auto get = [&](int k) {
      double v;
      if (!numeric(tok[static_cast<std::size_t>(k)], v) || !std::isfinite(v))
        throw FormatError("LocusModel: " + where(static_cast<std::size_t>(k) + 1) + ": not a finite number: '" +
                          tok[static_cast<std::size_t>(k)] + "'");
      return v;
    };
    Row r{get(col_t), get(col_feh), get(col_mr), {}};
    for (std::size_t c = 0; c < n_colours; ++c) r.c[c] = get(col_c[c]);
    rows.push_back(r);
  }
  if (rows.empty()) throw FormatError("LocusModel: " + name + ": no data rows");
  auto uniq = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  std::vector<double> ts, fs;
  for (const auto& r : rows) ts.push_back(r.t), fs.push_back(r.feh);
  ts = uniq(std::move(ts));
  fs = uniq(std::move(fs));
  const std::size_t n = ts.size() * fs.size();
  if (rows.size() != n)
    throw FormatError("LocusModel: " + name + ": " + std::to_string(rows.size()) + " rows do not fill the " +
                      std::to_string(ts.size()) + " x " + std::to_string(fs.size()) + " (t, [Fe/H]) grid");
  std::vector<double> mr(n, std::numeric_limits<double>::quiet_NaN());
  std::array<std::vector<double>, n_colours> col;
  for (auto& v : col) v.assign(n, 0.0);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    const std::size_t it = static_cast<std::size_t>(std::lower_bound(ts.begin(), ts.end(), r.t) - ts.begin());
    const std::size_t jf = static_cast<std::size_t>(std::lower_bound(fs.begin(), fs.end(), r.feh) - fs.begin());
    const std::size_t node = jf * ts.size() + it;
    if (!std::isnan(mr[node]))
      throw FormatError("LocusModel: " + name + ": duplicate node t=" + std::to_string(r.t) +
                        " [Fe/H]=" + std::to_string(r.feh) + " (data row " + std::to_string(k + 1) + ")");
    mr[node] = r.mr;
    for (std::size_t c = 0; c < n_colours; ++c) col[c][node] = r.c[c];
  }
  LocusModel full(std::move(ts), std::move(fs), std::move(mr), std::move(col), t_is_mr);
  if (opt.t_step == 1 && opt.feh_step == 1) return full;
  return full.thinned(opt.t_step, opt.feh_step);
}

}  // namespace locus::bayes

#include "locus/bayes/data/sdss_dsed_locus_10gyr.hpp"

namespace locus::bayes {
namespace detail {
// A model from an embedded table (locus/bayes/data/): t, [Fe/H] and per node Mr and the colours.
template <std::size_t NT, std::size_t NF, std::size_t NN>
LocusModel locus_from_table(const std::array<double, NT>& t, const std::array<double, NF>& feh, const double (&nodes)[NN][5]) {
  std::vector<double> mr(NN);
  std::array<std::vector<double>, n_colours> col;
  for (auto& v : col) v.resize(NN);
  for (std::size_t k = 0; k < NN; ++k) {
    mr[k] = nodes[k][0];
    for (std::size_t c = 0; c < n_colours; ++c) col[c][k] = nodes[k][c + 1];
  }
  return LocusModel(std::vector<double>(t.begin(), t.end()), std::vector<double>(feh.begin(), feh.end()), std::move(mr),
                    std::move(col), false);
}
}  // namespace detail

inline LocusModel LocusModel::builtin() {
  namespace d = data::sdss_dsed_10gyr;
  return detail::locus_from_table(d::t, d::feh, d::nodes);
}
}  // namespace locus::bayes
