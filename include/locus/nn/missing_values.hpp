#pragma once
// Missing input values (NaN): the policy fit() applies, and the imputer behind it.
//
// Specification.
//  - MissingPolicy::reject (the default): any NaN input is an error; fit() throws
//    InputError naming the data set, row and column. Use it whenever a missing value means
//    a broken catalogue row (the paper 000 inputs: every star has r, four colours and their
//    errors), so a bad row is found instead of silently learnt around.
//  - MissingPolicy::impute_and_mask: MissingValues replaces each NaN by its column's mean
//    over the training rows (NaNs ignored) and appends one 0/1 indicator column per input
//    column (1 = was missing), so the network can learn what a missing band means. The
//    network then takes 2 × columns inputs. Use it when values are missing for a physical
//    reason that carries information (a band not observed, a star too faint in u; paper 002),
//    and apply the same fitted MissingValues to every catalogue the network is run on.
// Infinite inputs are always an error: they are not missing, they are wrong.
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>
#include "../core/errors.hpp"
#include "../core/tensor.hpp"

namespace locus::nn {

enum class MissingPolicy { reject, impute_and_mask };

// Throws InputError for the first NaN (unless allow_nan) or infinite value in x.
template <class T>
void check_finite_inputs(const Matrix<T>& x, std::string_view what, bool allow_nan = false) {
  const std::size_t n = x.shape(0), c = x.shape(1);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t k = 0; k < c; ++k) {
      const double v = static_cast<double>(x(r, k));
      if (std::isfinite(v) || (allow_nan && std::isnan(v))) continue;
      if (std::isnan(v))
        throw InputError(std::string(what) + " row " + std::to_string(r) + ", column " + std::to_string(k) +
                         " is NaN; missing inputs are rejected by default (MissingPolicy::impute_and_mask "
                         "imputes them and adds indicator columns)");
      throw InputError(std::string(what) + " row " + std::to_string(r) + ", column " + std::to_string(k) +
                       " is infinite");
    }
}

class MissingValues {
 public:
  MissingValues() = default;
  explicit MissingValues(std::vector<double> fill) : fill_(std::move(fill)) {}

  // Column means over the non-missing training values.
  template <class T>
  void fit(const Matrix<T>& x) {
    check_finite_inputs(x, "MissingValues::fit: input", true);
    const std::size_t n = x.shape(0), c = x.shape(1);
    fill_.assign(c, 0.0);
    for (std::size_t k = 0; k < c; ++k) {
      double s = 0;
      std::size_t m = 0;
      for (std::size_t r = 0; r < n; ++r)
        if (!std::isnan(static_cast<double>(x(r, k)))) {
          s += static_cast<double>(x(r, k));
          ++m;
        }
      if (m == 0) throw InputError("MissingValues::fit: column " + std::to_string(k) + " has no values at all");
      fill_[k] = s / double(m);
    }
  }

  // [n × 2c]: the inputs with NaNs replaced, then one indicator column per input column.
  template <class T>
  Matrix<T> transform(const Matrix<T>& x) const {
    const std::size_t n = x.shape(0), c = x.shape(1);
    if (c != fill_.size())
      throw InputError("MissingValues: input has " + std::to_string(c) + " columns, fitted on " +
                       std::to_string(fill_.size()));
    check_finite_inputs(x, "MissingValues: input", true);
    Matrix<T> out({n, 2 * c});
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < c; ++k) {
        const bool missing = std::isnan(static_cast<double>(x(r, k)));
        out(r, k) = missing ? static_cast<T>(fill_[k]) : x(r, k);
        out(r, c + k) = missing ? T(1) : T(0);
      }
    return out;
  }

  std::size_t columns() const { return fill_.size(); }
  const std::vector<double>& fill_values() const { return fill_; }

 private:
  std::vector<double> fill_;
};

}  // namespace locus::nn
