#pragma once
// LuminosityFunction: the number density of stars per unit absolute magnitude, Φ(Mr) in
// stars / pc³ / mag, tabulated and linear between nodes, with exact sampling.
//
// The default is galfast's MrLF.MSandRGB_v1.0.dat (Ivezić 2009; main sequence and red giants,
// −1 ≤ Mr ≤ 28 in 0.01 mag steps), embedded in locus/sim/data/mrlf_msandrgb_v1_0.hpp so that it
// works without any data directory. That table comes from galfast (M. Jurić,
// github.com/mjuric/galfast, GPL-2); see locus/sim/data/COPYING and README.md.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>
#include <locus/sim/data/mrlf_msandrgb_v1_0.hpp>
#include <locus/sim/tabulated_density.hpp>

namespace locus::sim {

// Specification:
// - LuminosityFunction() is the embedded galfast table; LuminosityFunction(mr, phi) any table
//   (Mr strictly increasing, Φ ≥ 0; ConfigError otherwise); from_file(path) reads a galfast-style
//   two-column text file ('#' comments, blank lines skipped; FormatError names file, line and
//   column of a bad field).
// - operator()(Mr) = Φ(Mr), linear between nodes, 0 outside [mr_min(), mr_max()].
// - integral(a, b) = ∫_a^b Φ dMr (stars / pc³), exact for the piecewise-linear table.
// - sample(rng, a, b) draws Mr from Φ restricted to [a, b].
class LuminosityFunction {
 public:
  LuminosityFunction() : table_(builtin_table()) {}
  LuminosityFunction(std::vector<double> mr, std::vector<double> phi)
      : table_(std::move(mr), std::move(phi), "LuminosityFunction") {}

  static LuminosityFunction from_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError("LuminosityFunction: cannot open '" + path + "'");
    std::vector<double> mr, phi;
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      std::istringstream ss(line);
      std::string a, b;
      ss >> a >> b;
      auto parse = [&](const std::string& s, int column) {
        std::size_t used = 0;
        double v = 0;
        try {
          v = std::stod(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (s.empty() || used != s.size() || !std::isfinite(v))
          throw FormatError(path + ":" + std::to_string(lineno) + ": column " + std::to_string(column) +
                            ": not a number: '" + s + "'");
        return v;
      };
      mr.push_back(parse(a, 1));
      phi.push_back(parse(b, 2));
    }
    if (mr.size() < 2) throw FormatError(path + ": fewer than two rows of (Mr, LF)");
    return LuminosityFunction(std::move(mr), std::move(phi));
  }

  double operator()(double mr) const { return table_(mr); }
  double mr_min() const { return table_.x_min(); }
  double mr_max() const { return table_.x_max(); }
  double integral(double a, double b) const { return table_.integrate(a, b); }
  double sample(Rng& rng, double a, double b) const { return table_.sample(rng, a, b); }
  const TabulatedDensity& table() const { return table_; }

 private:
  static TabulatedDensity builtin_table() {
    namespace d = data;
    std::vector<double> mr(d::mrlf_msandrgb_v1_0_size), phi(d::mrlf_msandrgb_v1_0_size);
    for (std::size_t i = 0; i < mr.size(); ++i) {
      // Rounded to the table's two decimals, so nodes are the file's Mr values exactly.
      mr[i] = std::round((d::mrlf_msandrgb_v1_0_mr_min + static_cast<double>(i) * d::mrlf_msandrgb_v1_0_mr_step) *
                         100.0) / 100.0;
      phi[i] = d::mrlf_msandrgb_v1_0_lf[i];
    }
    return TabulatedDensity(std::move(mr), std::move(phi), "LuminosityFunction");
  }

  TabulatedDensity table_;
};

}  // namespace locus::sim
