#pragma once
// Priors p(Mr, [Fe/H] | r-magnitude bin), as in photo-D (Palaversa et al. 2025).
//
// A sky patch is cut into 27 overlapping r bins (centres 14, 14.5, ..., 27, each taking stars
// with |r - centre| < 0.5). Each bin holds a 2-D density on a regular ([Fe/H], Mr) grid, from a
// Galaxy model (TRILEGAL in photo-D) smoothed with a Gaussian KDE. The extinction prior is flat
// on [0, 1.3 A_r(SFD) + 0.1]; it lives in GridOptions/ArPrior below because it depends on the
// star, not on the bin.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "locus/bayes/axis.hpp"
#include "locus/bayes/kde.hpp"
#include "locus/bayes/locus_model.hpp"
#include "locus/core/errors.hpp"
#include "locus/core/parallel_for.hpp"
#include "locus/core/rng.hpp"

namespace locus::bayes {

// PriorMap: one r bin's density on a regular ([Fe/H], Mr) grid.
//
// Specification: value(ifeh, imr) is the density at (feh.value(ifeh), mr.value(imr));
// density(mr, feh) interpolates bilinearly between the four surrounding grid values and is 0
// outside [feh.lo, feh.hi] x [mr.lo, mr.hi] or for NaN input (photo-D: linear interpolation,
// fill value 0). A map with `everywhere` set is the constant 1 for every finite (mr, feh),
// whatever its grid (PriorMaps::flat()).
struct PriorMap {
  Axis feh, mr;
  std::vector<double> values;  // mr-major: values[imr * feh.n + ifeh]
  bool everywhere = false;

  double value(std::size_t ifeh, std::size_t imr) const { return values[imr * feh.n + ifeh]; }
  double density(double m, double f) const {
    if (everywhere) return std::isfinite(m) && std::isfinite(f) ? 1.0 : 0.0;
    if (!(f >= feh.lo && f <= feh.hi() && m >= mr.lo && m <= mr.hi())) return 0.0;
    auto cell = [](const Axis& a, double x, std::size_t& i) {
      if (a.n == 1) {
        i = 0;
        return 0.0;
      }
      const double u = (x - a.lo) / a.step;
      i = std::min(static_cast<std::size_t>(std::max(0.0, std::floor(u))), a.n - 2);
      return std::clamp(u - static_cast<double>(i), 0.0, 1.0);
    };
    std::size_t i, j;
    const double fx = cell(feh, f, i), fy = cell(mr, m, j);
    const std::size_t i1 = std::min(i + 1, feh.n - 1), j1 = std::min(j + 1, mr.n - 1);
    return (1 - fx) * (1 - fy) * value(i, j) + fx * (1 - fy) * value(i1, j) + (1 - fx) * fy * value(i, j1) +
           fx * fy * value(i1, j1);
  }
};

// Options of PriorMaps::from_catalog.
struct KdeOptions {
  Axis feh = Axis::photod_feh();
  Axis mr = Axis::photod_mr();
  // binned: linear binning and a truncated kernel, O(n) per bin, within 3e-4 of the exact
  // KDE's peak (kde.hpp); exact: scipy's sum over every star at every node, O(n · nodes).
  KdeMethod method = KdeMethod::binned;
  // At most this many stars per bin (random, without replacement, drawn with
  // Rng(seed).split(bin) so it is reproducible); 0 = all. The binned KDE needs no cap: all
  // stars give the least noisy map. photo-D caps at 200000 to bound the exact KDE's cost.
  std::size_t max_rows = 0;
  std::uint64_t seed = 20250101;
  std::size_t threads = 0;
};

// PriorMaps: the 27 r-bin maps of one sky patch.
//
// Specification:
//  - bin_centre(k) = 14 + 0.5 k, k = 0..26; bin k takes stars with |r - centre| < 0.5.
//  - bin_index(r) is photo-D's rule int(interp(r, [14..27], [0..26]) + 0.5): the nearest
//    centre, r below 14 or above 27 clamped to the end bins; -1 for NaN r.
//  - load_csv(path) reads photo-D's "rmag,FeH,Mr,density" tables (one regular grid per bin);
//    from_catalog(r, Mr, FeH) builds the maps with scipy's gaussian_kde (Scott's rule: the data
//    covariance (ddof = 1) times n^(-1/3) in 2-D), computed by gaussian_kde_grid with
//    KdeOptions::method; stars with a non-finite Mr or [Fe/H] are left out; bins with fewer than
//    3 stars or a singular covariance get an all-zero map (count(k) tells how many stars were in
//    the bin, before any max_rows draw). The maps do not depend on the thread count.
//  - density(k, mr, feh) is map(k).density(mr, feh); on_nodes(model) tabulates it for every
//    node, bin-major: out[k * model.size() + n].
//  - depends_on_r() is false when all 27 maps are identical (flat() among them): the posterior
//    then needs no r magnitude, and a star with a missing r is fitted with any bin's map.
//  - flat() is 1 on every model node, whatever its Mr and [Fe/H] (no grid edge cuts it).
class PriorMaps {
 public:
  static constexpr std::size_t n_bins = 27;
  static constexpr double r_min = 14.0, r_max = 27.0, half_width = 0.5;

  static double bin_centre(std::size_t k) { return r_min + 0.5 * static_cast<double>(k); }
  static int bin_index(double r) {
    if (std::isnan(r)) return -1;
    const double step = (r_max - r_min) / static_cast<double>(n_bins - 1);
    double u = (r - r_min) / step;  // np.interp over linspace(14, 27, 27)
    u = std::clamp(u, 0.0, static_cast<double>(n_bins - 1));
    return static_cast<int>(u + 0.5);
  }

  PriorMaps() = default;
  explicit PriorMaps(std::vector<PriorMap> maps, std::vector<std::size_t> counts = {})
      : maps_(std::move(maps)), counts_(std::move(counts)) {
    if (maps_.size() != n_bins)
      throw ConfigError("PriorMaps: expected " + std::to_string(n_bins) + " maps, got " + std::to_string(maps_.size()));
    for (const auto& m : maps_)
      if (m.values.size() != m.feh.n * m.mr.n || !(m.feh.step > 0) || !(m.mr.step > 0))
        throw ConfigError("PriorMaps: map grid and values do not match");
    if (counts_.empty()) counts_.assign(n_bins, 0);
    for (std::size_t k = 1; k < n_bins && !depends_on_r_; ++k)
      depends_on_r_ = maps_[k].everywhere != maps_[0].everywhere || maps_[k].feh.lo != maps_[0].feh.lo ||
                      maps_[k].feh.step != maps_[0].feh.step || maps_[k].feh.n != maps_[0].feh.n ||
                      maps_[k].mr.lo != maps_[0].mr.lo || maps_[k].mr.step != maps_[0].mr.step ||
                      maps_[k].mr.n != maps_[0].mr.n || maps_[k].values != maps_[0].values;
  }

  // The constant 1 in every bin, on every (Mr, [Fe/H]): a flat prior over all model nodes.
  static PriorMaps flat() {
    PriorMap m{Axis::photod_feh(), Axis::photod_mr(), std::vector<double>(Axis::photod_feh().n * Axis::photod_mr().n, 1.0), true};
    return PriorMaps(std::vector<PriorMap>(n_bins, m));
  }

  bool depends_on_r() const { return depends_on_r_; }

  static PriorMaps load_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError("PriorMaps: cannot open '" + path + "'");
    return parse_csv(in, path);
  }
  static PriorMaps parse_csv(std::istream& in, const std::string& name);
  // photo-D's "rmag,FeH,Mr,density" text (numbers in their shortest exact form), which
  // load_csv() reads back to identical maps. A flat() prior has no such form: ConfigError.
  std::string to_csv() const;

  static PriorMaps from_catalog(std::span<const double> r, std::span<const double> mr, std::span<const double> feh,
                                const KdeOptions& opt = {});

  const PriorMap& map(std::size_t k) const { return maps_.at(k); }
  std::size_t count(std::size_t k) const { return counts_.at(k); }
  double density(std::size_t k, double mr, double feh) const { return maps_.at(k).density(mr, feh); }

  std::vector<double> on_nodes(const LocusModel& model) const {
    std::vector<double> out(n_bins * model.size());
    for (std::size_t k = 0; k < n_bins; ++k)
      for (std::size_t n = 0; n < model.size(); ++n) out[k * model.size() + n] = maps_[k].density(model.mr(n), model.feh(n));
    return out;
  }

 private:
  std::vector<PriorMap> maps_;
  std::vector<std::size_t> counts_;
  bool depends_on_r_ = false;
};

namespace detail {
// Regular axis from sorted unique values; throws unless they are evenly spaced.
inline Axis regular_axis(const std::vector<double>& v, const std::string& what) {
  Axis a;
  a.lo = v.front();
  a.n = v.size();
  a.step = v.size() > 1 ? (v.back() - v.front()) / static_cast<double>(v.size() - 1) : 1.0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::abs(v[i] - a.value(i)) > 1e-6 * std::max(1.0, std::abs(a.step)))
      throw FormatError(what + " values are not on a regular grid (value " + std::to_string(v[i]) + ")");
  return a;
}
}  // namespace detail

inline PriorMaps PriorMaps::parse_csv(std::istream& in, const std::string& name) {
  std::string line;
  std::size_t lineno = 0;
  if (!std::getline(in, line)) throw FormatError("PriorMaps: " + name + ": empty file");
  ++lineno;
  std::array<int, 4> col{-1, -1, -1, -1};  // rmag, FeH, Mr, density
  {
    std::stringstream ss(line);
    std::string tok;
    for (int k = 0; std::getline(ss, tok, ','); ++k) {
      while (!tok.empty() && (tok.back() == '\r' || tok.back() == ' ')) tok.pop_back();
      while (!tok.empty() && tok.front() == ' ') tok.erase(tok.begin());
      const char* names[] = {"rmag", "FeH", "Mr", "density"};
      for (int c = 0; c < 4; ++c)
        if (tok == names[c]) col[static_cast<std::size_t>(c)] = k;
    }
    if (*std::min_element(col.begin(), col.end()) < 0)
      throw FormatError("PriorMaps: " + name + ":1: header must contain rmag, FeH, Mr, density");
  }
  struct Cell {
    double feh, mr, d;
  };
  std::map<double, std::vector<Cell>> bins;
  std::vector<double> fields;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    fields.clear();
    const char* p = line.c_str();
    for (std::size_t k = 0;; ++k) {
      char* end = nullptr;
      const double v = std::strtod(p, &end);
      if (end == p || (*end != ',' && *end != '\0' && *end != '\r'))
        throw FormatError("PriorMaps: " + name + ":" + std::to_string(lineno) + " column " + std::to_string(k + 1) +
                          ": not a number");
      fields.push_back(v);
      if (*end != ',') break;
      p = end + 1;
    }
    const auto get = [&](std::size_t c) {
      const auto k = static_cast<std::size_t>(col[c]);
      if (k >= fields.size())
        throw FormatError("PriorMaps: " + name + ":" + std::to_string(lineno) + ": missing column " +
                          std::to_string(k + 1));
      if (!std::isfinite(fields[k]) || (c == 3 && fields[k] < 0))
        throw FormatError("PriorMaps: " + name + ":" + std::to_string(lineno) + " column " + std::to_string(k + 1) +
                          ": value must be finite" + (c == 3 ? " and >= 0" : ""));
      return fields[k];
    };
    bins[get(0)].push_back({get(1), get(2), get(3)});
  }
  if (bins.size() != n_bins)
    throw FormatError("PriorMaps: " + name + ": expected " + std::to_string(n_bins) + " r bins, found " +
                      std::to_string(bins.size()));
  std::vector<PriorMap> maps;
  std::size_t k = 0;
  for (const auto& [r, cells] : bins) {
    if (std::abs(r - bin_centre(k)) > 1e-9)
      throw FormatError("PriorMaps: " + name + ": r bin " + std::to_string(r) + " is not centre " +
                        std::to_string(bin_centre(k)));
    std::vector<double> fs, ms;
    for (const auto& c : cells) fs.push_back(c.feh), ms.push_back(c.mr);
    auto uniq = [](std::vector<double>& v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    };
    uniq(fs);
    uniq(ms);
    PriorMap m;
    m.feh = detail::regular_axis(fs, "PriorMaps: " + name + ": FeH");
    m.mr = detail::regular_axis(ms, "PriorMaps: " + name + ": Mr");
    if (cells.size() != m.feh.n * m.mr.n)
      throw FormatError("PriorMaps: " + name + ": bin r=" + std::to_string(r) + " has " + std::to_string(cells.size()) +
                        " rows, not the " + std::to_string(m.feh.n) + " x " + std::to_string(m.mr.n) + " grid");
    m.values.assign(cells.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& c : cells) {
      const auto i = static_cast<std::size_t>(std::llround((c.feh - m.feh.lo) / m.feh.step));
      const auto j = static_cast<std::size_t>(std::llround((c.mr - m.mr.lo) / m.mr.step));
      double& slot = m.values[j * m.feh.n + i];
      if (!std::isnan(slot))
        throw FormatError("PriorMaps: " + name + ": duplicate grid point in bin r=" + std::to_string(r));
      slot = c.d;
    }
    maps.push_back(std::move(m));
    ++k;
  }
  return PriorMaps(std::move(maps));
}

inline std::string PriorMaps::to_csv() const {
  std::string out = "rmag,FeH,Mr,density\n";
  char buf[64];
  auto put = [&](double v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  };
  for (std::size_t k = 0; k < maps_.size(); ++k) {
    const PriorMap& m = maps_[k];
    if (m.everywhere) throw ConfigError("PriorMaps::to_csv: a flat prior has no grid to write");
    for (std::size_t j = 0; j < m.mr.n; ++j)
      for (std::size_t i = 0; i < m.feh.n; ++i) {
        put(bin_centre(k));
        out += ',';
        put(m.feh.value(i));
        out += ',';
        put(m.mr.value(j));
        out += ',';
        put(m.value(i, j));
        out += '\n';
      }
  }
  return out;
}

inline PriorMaps PriorMaps::from_catalog(std::span<const double> r, std::span<const double> mr,
                                         std::span<const double> feh, const KdeOptions& opt) {
  if (r.size() != mr.size() || r.size() != feh.size())
    throw InputError("PriorMaps::from_catalog: r, Mr and FeH must have the same length");
  if (opt.feh.n < 1 || opt.mr.n < 1 || !(opt.feh.step > 0) || !(opt.mr.step > 0))
    throw ConfigError("PriorMaps::from_catalog: bad grid axes");
  // The rows of every bin, in one pass (a star lies in at most two bins), ascending.
  std::vector<std::vector<std::size_t>> rows(n_bins);
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!(r[i] > r_min - 2 * half_width && r[i] < r_max + 2 * half_width) || !std::isfinite(mr[i]) ||
        !std::isfinite(feh[i]))
      continue;
    const int near = bin_index(r[i]);
    for (int k = std::max(0, near - 1); k <= std::min<int>(n_bins - 1, near + 1); ++k) {
      const double centre = bin_centre(static_cast<std::size_t>(k));
      if (r[i] > centre - half_width && r[i] < centre + half_width) rows[static_cast<std::size_t>(k)].push_back(i);
    }
  }
  std::vector<PriorMap> maps(n_bins);
  std::vector<std::size_t> counts(n_bins);
  const Rng base(opt.seed);
  // One bin per task, each computed serially: the same maps whatever the thread count.
  parallel_for(
      n_bins, 1,
      [&](std::size_t k) {
        std::vector<std::size_t>& idx = rows[k];
        counts[k] = idx.size();
        if (opt.max_rows > 0 && idx.size() > opt.max_rows) {
          Rng rng = base.split(k);
          locus::shuffle(idx.begin(), idx.end(), rng);
          idx.resize(opt.max_rows);
          std::sort(idx.begin(), idx.end());
        }
        std::vector<double> x(idx.size()), y(idx.size());
        for (std::size_t a = 0; a < idx.size(); ++a) x[a] = feh[idx[a]], y[a] = mr[idx[a]];
        maps[k] = PriorMap{opt.feh, opt.mr, gaussian_kde_grid(x, y, opt.feh, opt.mr, opt.method, {}, 1)};
      },
      opt.threads);
  return PriorMaps(std::move(maps), std::move(counts));
}

}  // namespace locus::bayes
