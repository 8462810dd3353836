#pragma once
// The photometric task the ablation studies share: paper 000's 10 network inputs (r, four
// colours and their errors) of a mock LSST patch, and the true Mr, A_r and [Fe/H] as targets.
// Inputs and targets are standardised on the training rows; metrics are reported in the
// targets' own units (mag, mag, dex) through the target scaler.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <variant>
#include <vector>
#include <locus/core/rng.hpp>
#include <locus/nn/ablation.hpp>
#include <locus/nn/scalers.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/sim/mock_patch.hpp>

namespace example {

// "--name value" options of the example programs; false (after a message) on an unknown
// option, a missing value, or a value that is not a number where one is needed.
using OptionTarget = std::variant<std::size_t*, double*, std::string*>;
inline bool parse_options(int argc, char** argv, const std::map<std::string, OptionTarget>& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto it = options.find(a);
    if (it == options.end()) {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return false;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value after %s\n", a.c_str());
      return false;
    }
    const char* v = argv[++i];
    char* end = nullptr;
    if (auto* n = std::get_if<std::size_t*>(&it->second))
      **n = std::strtoull(v, &end, 10);
    else if (auto* d = std::get_if<double*>(&it->second))
      **d = std::strtod(v, &end);
    else
      *std::get<std::string*>(it->second) = v;
    if (end && (end == v || *end)) {
      std::fprintf(stderr, "%s needs a number, got \"%s\"\n", a.c_str(), v);
      return false;
    }
  }
  return true;
}

struct PhotometricTask {
  locus::Matrix<float> x_train, y_train, x_val, y_val, x_test, y_test;
  locus::nn::StandardScaler inputs, targets;
  bool targets_standardised = true;
  static constexpr const char* target_names[3] = {"Mr", "Ar", "FeH"};
};

// A patch at (l, b) = (35°, 30°) with LSST co-add errors, stars brighter than r_max; its
// rows are shuffled with `seed` and cut into the three sets. Targets stay in their own units
// when standardise_targets is false (paper 000's moments loss and paper 002's SMAPE want them
// so).
inline PhotometricTask photometric_task(std::size_t n_train, std::size_t n_val, std::size_t n_test,
                                        std::uint64_t seed = 2026, double r_max = 23.0,
                                        bool standardise_targets = true) {
  using namespace locus;
  sim::PatchSpec spec;
  spec.r_max = r_max;
  const std::size_t need = n_train + n_val + n_test;
  std::vector<bayes::Star> stars;
  Matrix<double> truth;
  for (double area = 1.0;; area *= 2) {
    spec.area_deg2 = area;
    Rng rng(seed);
    const auto cat = sim::simulate_patch(spec, rng);
    if (cat.rows() >= need || area > 4096) {
      stars = pipeline::read_stars(cat);
      truth = pipeline::read_truth(cat);
      break;
    }
  }
  if (stars.size() < need)
    throw InputError("photometric_task: the mock has " + std::to_string(stars.size()) + " stars, " +
                     std::to_string(need) + " are needed");
  std::vector<std::size_t> order(stars.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng rng(seed + 1);
  locus::shuffle(order.begin(), order.end(), rng);
  auto take = [&](std::size_t from, std::size_t n, Matrix<float>& x, Matrix<float>& y) {
    std::vector<bayes::Star> s;
    y = Matrix<float>({n, 3});
    for (std::size_t k = 0; k < n; ++k) {
      s.push_back(stars[order[from + k]]);
      for (std::size_t p = 0; p < 3; ++p) y(k, p) = static_cast<float>(truth(order[from + k], p));
    }
    x = pipeline::network_inputs(s);
  };
  PhotometricTask t;
  take(0, n_train, t.x_train, t.y_train);
  take(n_train, n_val, t.x_val, t.y_val);
  take(n_train + n_val, n_test, t.x_test, t.y_test);
  t.inputs.fit(t.x_train);
  t.targets.fit(t.y_train);
  for (auto* m : {&t.x_train, &t.x_val, &t.x_test}) *m = t.inputs.transform(*m);
  t.targets_standardised = standardise_targets;
  if (standardise_targets)
    for (auto* m : {&t.y_train, &t.y_val, &t.y_test}) *m = t.targets.transform(*m);
  return t;
}

// MAE of target k in its own units: the standardised error times the target's scale.
inline locus::nn::AblationMetric mae_in_units(const PhotometricTask& t, std::size_t k, std::size_t column) {
  const double s = t.targets_standardised ? t.targets.scale[k] : 1.0;
  return [s, k, column](const locus::Matrix<float>& p, const locus::Matrix<float>& y) {
    return s * locus::nn::ablation_metrics::mae(column, std::ptrdiff_t(k))(p, y);
  };
}

}  // namespace example
