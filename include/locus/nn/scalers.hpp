#pragma once
// Scalers: per-column affine maps x' = (x − center) / scale, fitted on training data and
// applied unchanged to validation, test and catalogue data.
//
// Specification.
//  - StandardScaler: center = mean, scale = population standard deviation (ddof 0, as
//    scikit-learn).
//  - RobustScaler: center = median, scale = interquartile range q75 − q25 (quantiles by
//    linear interpolation, numpy's default; paper 004 scales its targets this way). It is
//    the right choice when a column has outliers (faint stars with huge errors).
//  - fit() ignores NaNs (so missing values can be imputed after scaling) and needs at least
//    one value per column; a constant column gets scale 1, as in scikit-learn.
//  - transform / inverse_transform map whole matrices (NaN stays NaN);
//    inverse_transform_sigma multiplies by the scale only (a standard deviation has no
//    offset); inverse_transform_moments maps moments-network outputs [μ_1..μ_K, σ_1..σ_K]
//    predicted in scaled target units back to physical units (σ reported as |σ|).
//  - to_json / from_json: the form saved inside model files (serialization.hpp).
// Both scalers are a Scaler (kind, center, scale), so a loaded model's scalers need no type.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include "../core/errors.hpp"
#include "../core/tensor.hpp"

namespace locus::nn {

class Scaler {
 public:
  std::string kind = "identity";
  std::vector<double> center, scale;

  bool fitted() const { return !center.empty(); }
  std::size_t columns() const { return center.size(); }

  template <class T>
  Matrix<T> transform(const Matrix<T>& x) const {
    check(x.shape(1), "transform");
    Matrix<T> y(x.shape());
    const std::size_t n = x.shape(0), c = x.shape(1);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < c; ++k) y(r, k) = static_cast<T>((double(x(r, k)) - center[k]) / scale[k]);
    return y;
  }
  template <class T>
  Matrix<T> inverse_transform(const Matrix<T>& x) const {
    check(x.shape(1), "inverse_transform");
    Matrix<T> y(x.shape());
    const std::size_t n = x.shape(0), c = x.shape(1);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < c; ++k) y(r, k) = static_cast<T>(double(x(r, k)) * scale[k] + center[k]);
    return y;
  }
  template <class T>
  Matrix<T> inverse_transform_sigma(const Matrix<T>& s) const {
    check(s.shape(1), "inverse_transform_sigma");
    Matrix<T> y(s.shape());
    const std::size_t n = s.shape(0), c = s.shape(1);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < c; ++k) y(r, k) = static_cast<T>(std::abs(double(s(r, k))) * scale[k]);
    return y;
  }
  template <class T>
  Matrix<T> inverse_transform_moments(const Matrix<T>& pred) const {
    const std::size_t K = columns();
    if (pred.shape(1) != 2 * K)
      throw InputError("Scaler: moments predictions have " + std::to_string(pred.shape(1)) + " columns, expected " +
                       std::to_string(2 * K) + " (μ and σ of " + std::to_string(K) + " targets)");
    Matrix<T> y(pred.shape());
    for (std::size_t r = 0; r < pred.shape(0); ++r)
      for (std::size_t k = 0; k < K; ++k) {
        y(r, k) = static_cast<T>(double(pred(r, k)) * scale[k] + center[k]);
        y(r, K + k) = static_cast<T>(std::abs(double(pred(r, K + k))) * scale[k]);
      }
    return y;
  }

  nlohmann::json to_json() const { return {{"kind", kind}, {"center", center}, {"scale", scale}}; }
  static Scaler from_json(const nlohmann::json& j) {
    Scaler s;
    s.kind = j.at("kind").get<std::string>();
    s.center = j.at("center").get<std::vector<double>>();
    s.scale = j.at("scale").get<std::vector<double>>();
    if (s.center.size() != s.scale.size()) throw FormatError("scaler: center and scale differ in length");
    for (double v : s.scale)
      if (!(v > 0) || !std::isfinite(v)) throw FormatError("scaler: scales must be finite and positive");
    return s;
  }
  bool operator==(const Scaler&) const = default;

 protected:
  void check(std::size_t cols, const char* what) const {
    if (!fitted()) throw ConfigError(std::string("Scaler::") + what + ": the scaler has not been fitted");
    if (cols != columns())
      throw InputError(std::string("Scaler::") + what + ": data has " + std::to_string(cols) +
                       " columns, the scaler was fitted on " + std::to_string(columns()));
  }
  // Finite values of column k (NaNs skipped); InputError for infinities or an empty column.
  template <class T>
  static std::vector<double> column(const Matrix<T>& x, std::size_t k, const char* who) {
    std::vector<double> v;
    v.reserve(x.shape(0));
    for (std::size_t r = 0; r < x.shape(0); ++r) {
      const double a = double(x(r, k));
      if (std::isnan(a)) continue;
      if (!std::isfinite(a))
        throw InputError(std::string(who) + "::fit: row " + std::to_string(r) + ", column " + std::to_string(k) +
                         " is infinite");
      v.push_back(a);
    }
    if (v.empty()) throw InputError(std::string(who) + "::fit: column " + std::to_string(k) + " has no values");
    return v;
  }
};

struct StandardScaler : Scaler {
  StandardScaler() { kind = "standard"; }
  template <class T>
  StandardScaler& fit(const Matrix<T>& x) {
    const std::size_t c = x.shape(1);
    center.assign(c, 0.0);
    scale.assign(c, 1.0);
    for (std::size_t k = 0; k < c; ++k) {
      const auto v = column(x, k, "StandardScaler");
      double m = 0;
      for (double a : v) m += a;
      m /= double(v.size());
      double s2 = 0;
      for (double a : v) s2 += (a - m) * (a - m);
      const double s = std::sqrt(s2 / double(v.size()));
      center[k] = m;
      scale[k] = s > 0 ? s : 1.0;
    }
    return *this;
  }
};

// Quantile q in [0, 1] of sorted values by linear interpolation (numpy's "linear").
inline double quantile_sorted(const std::vector<double>& v, double q) {
  const double pos = q * double(v.size() - 1);
  const std::size_t i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  const double f = pos - double(i);
  return v[i] + f * (v[i + 1] - v[i]);
}

struct RobustScaler : Scaler {
  RobustScaler() { kind = "robust"; }
  template <class T>
  RobustScaler& fit(const Matrix<T>& x) {
    const std::size_t c = x.shape(1);
    center.assign(c, 0.0);
    scale.assign(c, 1.0);
    for (std::size_t k = 0; k < c; ++k) {
      auto v = column(x, k, "RobustScaler");
      std::sort(v.begin(), v.end());
      center[k] = quantile_sorted(v, 0.5);
      const double iqr = quantile_sorted(v, 0.75) - quantile_sorted(v, 0.25);
      scale[k] = iqr > 0 ? iqr : 1.0;
    }
    return *this;
  }
};

}  // namespace locus::nn
