#pragma once
// Shared by the tuner examples (hyperband_paper, bayes_opt_paper): the synthetic star
// problem of the training issue. (The mapping from a configuration to the layers of a
// moments network is the library's tune::moments_layers.)
#include <cmath>
#include <cstddef>
#include <locus/core/rng.hpp>
#include <locus/core/tensor.hpp>

namespace paper_search {

// Five colours c ~ U(-1,1) observed with per-star errors (10 inputs: colours and errors)
// and three targets with heteroscedastic scatter:
//   t0 = 4 + 3 sin(1.5 c0) + c1 c2        σ0 = 0.1 + 0.2 |c3|
//   t1 = 0.5 + 0.3 c1² + 0.2 c4           σ1 = 0.01 + 0.03 (1 + c0)
//   t2 = -1 + tanh(2 c2) + 0.3 c3 c4      σ2 = 0.15 (1.2 + c4)
struct Problem {
  locus::Matrix<float> x, y;
};

inline Problem make(std::size_t n, locus::Rng& rng) {
  Problem p{locus::Matrix<float>({n, 10}), locus::Matrix<float>({n, 3})};
  for (std::size_t r = 0; r < n; ++r) {
    double c[5];
    for (int i = 0; i < 5; ++i) {
      c[i] = rng.uniform(-1, 1);
      const double e = 0.02 + 0.1 * rng.uniform() * rng.uniform();
      p.x(r, i) = float(c[i] + e * rng.normal());
      p.x(r, 5 + i) = float(e);
    }
    const double s[3] = {0.1 + 0.2 * std::abs(c[3]), 0.01 + 0.03 * (1 + c[0]), 0.15 * (1.2 + c[4])};
    const double m[3] = {4 + 3 * std::sin(1.5 * c[0]) + c[1] * c[2], 0.5 + 0.3 * c[1] * c[1] + 0.2 * c[4],
                         -1 + std::tanh(2 * c[2]) + 0.3 * c[3] * c[4]};
    for (int k = 0; k < 3; ++k) p.y(r, k) = float(m[k] + s[k] * rng.normal());
  }
  return p;
}

// The training and validation sets both tuner examples use (fixed seed 2025).
struct Split {
  Problem train, val;
};
inline Split make_split(std::size_t n_train, std::size_t n_val) {
  locus::Rng data_rng(2025);
  locus::Rng r1 = data_rng.split(1), r2 = data_rng.split(2);
  Problem train = make(n_train, r1);
  return {std::move(train), make(n_val, r2)};
}

}  // namespace paper_search
