#pragma once
// Independent references for the photo-D posterior, shared by the bayes tests: a locus model
// refined by bilinear interpolation and a brute-force grid posterior written without the
// library's engines.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include <locus/bayes/extinction.hpp>
#include <locus/bayes/locus_model.hpp>
#include <locus/bayes/prior.hpp>
#include <locus/bayes/star.hpp>

namespace locus::test {

using namespace locus::bayes;

// A main-sequence star of the S82 priors' r bin 9, with photo-D-like errors.
inline Star sample_star() {
  Star star;
  star.colour = {1.2, 0.45, 0.17, 0.08};
  star.error = {0.03, 0.02, 0.02, 0.025};
  star.r = 18.7;
  star.ar_sfd = 0.2;
  return star;
}

// A model refined by bilinear interpolation of `m` (rt × finer in t, rf × in [Fe/H]). Its
// nodes lie on the target's continuous density, so a grid posterior over it is a finer
// quadrature of that density.
inline LocusModel refine(const LocusModel& m, int rt, int rf) {
  std::vector<double> t, f, mr;
  std::array<std::vector<double>, n_colours> col;
  const auto& T = m.t_values();
  const auto& F = m.feh_values();
  for (std::size_t i = 0; i + 1 < T.size(); ++i)
    for (int k = 0; k < rt; ++k) t.push_back(T[i] + (T[i + 1] - T[i]) * k / rt);
  t.push_back(T.back());
  for (std::size_t i = 0; i + 1 < F.size(); ++i)
    for (int k = 0; k < rf; ++k) f.push_back(F[i] + (F[i + 1] - F[i]) * k / rf);
  f.push_back(F.back());
  for (double ff : f)
    for (double tt : t) {
      const auto p = m.interpolate(tt, ff);
      REQUIRE(p.has_value());
      mr.push_back(p->mr);
      for (std::size_t c = 0; c < n_colours; ++c) col[c].push_back(p->colour[c]);
    }
  return LocusModel(std::move(t), std::move(f), std::move(mr), std::move(col));
}

// Independent brute-force grid posterior: every node × a midpoint Ar grid of `na` points on
// [0, ar_max], posterior ∝ prior · exp(−χ²/2). Nodes whose best χ² over Ar is more than 80
// above the best node's are skipped (weight < e^−40 relative). Returns mean and σ of
// (Mr, Ar, [Fe/H]) (Param order): [0..2] means, [3..5] sigmas.
inline std::array<double, 6> brute_grid(const LocusModel& m, const PriorMap& pm, const Extinction& ext,
                                 const Star& s, double ar_max, int na) {
  std::array<double, n_colours> k{};
  for (std::size_t c = 0; c < n_colours; ++c) k[c] = ext.colour_coefficient(c);
  auto chi2 = [&](std::size_t n, double a) {
    double x = 0;
    for (std::size_t c = 0; c < n_colours; ++c) {
      const double d = (s.colour[c] - m.colour(c, n) - k[c] * a) / s.error[c];
      x += d * d;
    }
    return x;
  };
  std::vector<double> best(m.size(), -std::numeric_limits<double>::infinity());
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t n = 0; n < m.size(); ++n) {
    const double pr = pm.density(m.mr(n), m.feh(n));
    if (!(pr > 0)) continue;
    double b = std::numeric_limits<double>::infinity();
    for (int j = 0; j < na; j += 8) b = std::min(b, chi2(n, (j + 0.5) * ar_max / na));
    best[n] = std::log(pr) - 0.5 * b;
    top = std::max(top, best[n]);
  }
  double w_sum = 0;
  std::array<double, 3> s1{}, s2{};
  for (std::size_t n = 0; n < m.size(); ++n) {
    if (!(best[n] > top - 40)) continue;
    const double lp = std::log(pm.density(m.mr(n), m.feh(n)));
    for (int j = 0; j < na; ++j) {
      const double a = (j + 0.5) * ar_max / na;
      const double w = std::exp(lp - 0.5 * chi2(n, a) - top);
      const std::array<double, 3> v{m.mr(n), a, m.feh(n)};  // Param order
      w_sum += w;
      for (int d = 0; d < 3; ++d) s1[d] += w * v[d], s2[d] += w * v[d] * v[d];
    }
  }
  std::array<double, 6> r{};
  for (int d = 0; d < 3; ++d) {
    r[d] = s1[d] / w_sum;
    r[3 + d] = std::sqrt(std::max(0.0, s2[d] / w_sum - r[d] * r[d]));
  }
  return r;
}
}  // namespace locus::test
