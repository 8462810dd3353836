#pragma once
// Losses: value and gradient with respect to the predictions, batch-major [n × cols].
//
// Every loss is a per-target term averaged over rows, L_k = mean_r ℓ(pred_r, target_r, k),
// combined over the K targets as Σ_k w_k L_k. The default weights follow the usual
// conventions: 1/K for Mse, Mae, Huber and Smape (the mean over all elements, as Keras and
// PyTorch compute it) and 1 for Moments (paper 000, Eq. 1-2, a sum over parameters).
// Weighted<L>{w1, ..., wK} replaces them, so paper 000's Eq. 2 is
//   Weighted<Moments>{1/0.1², 1/0.02², 1/0.1²}
// and Weighted<Mse>{...} is the secondary network's loss.
// A NaN or infinite target throws InputError naming its row and column.
// The contract fit() needs is the concept LossFunction below; a loss built on Loss<Derived>
// has its term and dterm checked member by member where they are first used.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>
#include "../core/errors.hpp"
#include "../core/tensor.hpp"

namespace locus::nn {

template <class Derived>
struct Loss;

namespace detail {
// What Loss<D> needs of D for scalar type T (the per-target term ℓ and its gradient).
template <class D, class T>
concept LossTerms = requires(const D& d, const T* p, T* g, std::size_t k, double w) {
  { D::name } -> std::convertible_to<std::string_view>;
  { D::pred_per_target } -> std::convertible_to<std::size_t>;
  { D::default_weight(k) } -> std::convertible_to<double>;
  { d.term(p, p, k, k) } -> std::convertible_to<double>;
  d.dterm(p, p, k, k, w, g);
};

// LossTerms one member at a time, so the message names the missing one rather than
// printing the xtensor types of the call site.
template <class D, class T>
consteval bool check_loss_terms() {
  static_assert(requires { { D::name } -> std::convertible_to<std::string_view>; },
                "a Loss needs `static constexpr std::string_view name` (see docs/extending.md)");
  static_assert(requires { { D::pred_per_target } -> std::convertible_to<std::size_t>; },
                "a Loss needs `static constexpr std::size_t pred_per_target` (prediction columns per target)");
  static_assert(requires(std::size_t K) { { D::default_weight(K) } -> std::convertible_to<double>; },
                "a Loss needs `static double default_weight(std::size_t K)`");
  static_assert(requires(const D& d, const T* p, std::size_t k) { { d.term(p, p, k, k) } -> std::convertible_to<double>; },
                "a Loss needs `template <class T> double term(const T* pred, const T* target, size_t k, size_t K) "
                "const`");
  static_assert(requires(const D& d, const T* p, T* g, std::size_t k, double w) { d.dterm(p, p, k, k, w, g); },
                "a Loss needs `template <class T> void dterm(const T* pred, const T* target, size_t k, size_t K, "
                "double w, T* grad) const` (adds w·dℓ/dpred to grad)");
  return LossTerms<D, T>;
}
}  // namespace detail

// The loss contract of fit() for scalar type T: a name, the prediction columns for K targets,
// the (weighted) value and its gradient with respect to the predictions. A loss derived from
// Loss<L> must also provide the per-target term and dterm the base class builds these from.
template <class L, class T = float>
concept LossFunction =
    requires(const L& l, const Matrix<T>& pred, Matrix<T>& grad, std::size_t K) {
      { L::name } -> std::convertible_to<std::string_view>;
      { L::prediction_columns(K) } -> std::convertible_to<std::size_t>;
      { l.value(pred, pred) } -> std::convertible_to<double>;
      { l.gradient(pred, pred, grad) } -> std::convertible_to<double>;
    } &&
    (!std::derived_from<L, Loss<L>> || detail::LossTerms<L, T>);

namespace detail {
// LossFunction, member by member: for a Loss<L>, its term and dterm; otherwise the members
// fit() calls.
template <class L, class T>
consteval bool check_loss() {
  if constexpr (std::derived_from<L, Loss<L>>) {
    return check_loss_terms<L, T>();
  } else {
    static_assert(requires { { L::name } -> std::convertible_to<std::string_view>; },
                  "a loss needs `static constexpr std::string_view name` (see docs/extending.md)");
    static_assert(requires(std::size_t K) { { L::prediction_columns(K) } -> std::convertible_to<std::size_t>; },
                  "a loss needs `static std::size_t prediction_columns(std::size_t K)`");
    static_assert(requires(const L& l, const Matrix<T>& m) { { l.value(m, m) } -> std::convertible_to<double>; },
                  "a loss needs `double value(const Matrix<T>& pred, const Matrix<T>& target) const`");
    static_assert(requires(const L& l, const Matrix<T>& m, Matrix<T>& g) {
      { l.gradient(m, m, g) } -> std::convertible_to<double>;
    }, "a loss needs `double gradient(const Matrix<T>& pred, const Matrix<T>& target, Matrix<T>& grad) const`");
    return LossFunction<L, T>;
  }
}
}  // namespace detail

template <class Derived>
struct Loss {
  // Number of prediction columns the loss expects for K targets.
  static constexpr std::size_t prediction_columns(std::size_t k) { return Derived::pred_per_target * k; }

  // Per-target terms L_k (mean over rows), unweighted.
  template <class T>
  std::vector<double> terms(const Matrix<T>& pred, const Matrix<T>& target) const {
    constexpr bool valid = detail::check_loss_terms<Derived, T>();  // names a missing member
    const std::size_t n = pred.shape(0), K = check(pred, target);
    std::vector<double> L(K, 0.0);
    if constexpr (valid)  // no second error from the call below
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t k = 0; k < K; ++k)
          L[k] += self().term(pred.data() + r * pred.shape(1), target.data() + r * K, k, K);
    for (auto& v : L) v /= double(n);
    return L;
  }

  // Σ_k w_k L_k with the default or given weights (empty = default).
  template <class T>
  double value(const Matrix<T>& pred, const Matrix<T>& target, const std::vector<double>& w = {}) const {
    const auto L = terms(pred, target);
    double s = 0;
    for (std::size_t k = 0; k < L.size(); ++k) s += weight(w, k, L.size()) * L[k];
    return s;
  }

  // grad = d value / d pred (same shape as pred). Returns the value.
  template <class T>
  double gradient(const Matrix<T>& pred, const Matrix<T>& target, Matrix<T>& grad,
                  const std::vector<double>& w = {}) const {
    constexpr bool valid = detail::check_loss_terms<Derived, T>();  // names a missing member
    const std::size_t n = pred.shape(0), K = check(pred, target), C = pred.shape(1);
    grad.resize({n, C});
    grad.fill(T(0));
    double s = 0;
    if constexpr (valid)
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t k = 0; k < K; ++k) {
          const double wk = weight(w, k, K) / double(n);
          s += wk * self().term(pred.data() + r * C, target.data() + r * K, k, K);
          self().dterm(pred.data() + r * C, target.data() + r * K, k, K, wk, grad.data() + r * C);
        }
    return s;
  }

  double weight(const std::vector<double>& w, std::size_t k, std::size_t K) const {
    return w.empty() ? self().default_weight(K) : w[k];
  }

 protected:
  template <class T>
  std::size_t check(const Matrix<T>& pred, const Matrix<T>& target) const {
    const std::size_t n = target.shape(0), K = target.shape(1);
    if (pred.shape(0) != n || pred.shape(1) != prediction_columns(K))
      throw InputError(std::string(Derived::name) + ": predictions are " + std::to_string(pred.shape(0)) + "x" +
                       std::to_string(pred.shape(1)) + " but " + std::to_string(n) + " rows x " +
                       std::to_string(prediction_columns(K)) + " columns are needed for " + std::to_string(K) +
                       " targets");
    if (n == 0) throw InputError(std::string(Derived::name) + ": empty batch");
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < K; ++k)
        if (!std::isfinite(static_cast<double>(target(r, k))))
          throw InputError(std::string(Derived::name) + ": target at row " + std::to_string(r) + ", column " +
                           std::to_string(k) + " is " + (std::isnan(static_cast<double>(target(r, k))) ? "NaN" : "infinite"));
    return K;
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

struct Mse : Loss<Mse> {
  static constexpr std::string_view name = "mse";
  static constexpr std::size_t pred_per_target = 1;
  static double default_weight(std::size_t K) { return 1.0 / double(K); }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    const double e = double(p[k]) - double(t[k]);
    return e * e;
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double s, T* g) const {
    g[k] += T(s * 2.0 * (double(p[k]) - double(t[k])));
  }
};

struct Mae : Loss<Mae> {
  static constexpr std::string_view name = "mae";
  static constexpr std::size_t pred_per_target = 1;
  static double default_weight(std::size_t K) { return 1.0 / double(K); }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    return std::abs(double(p[k]) - double(t[k]));
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double s, T* g) const {
    const double e = double(p[k]) - double(t[k]);
    g[k] += T(s * double((e > 0) - (e < 0)));
  }
};

// Huber loss (PyTorch HuberLoss): ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond.
struct Huber : Loss<Huber> {
  static constexpr std::string_view name = "huber";
  static constexpr std::size_t pred_per_target = 1;
  double delta = 1.0;
  Huber() = default;
  explicit Huber(double d) : delta(d) {
    if (!(d > 0)) throw ConfigError("Huber: delta must be positive");
  }
  static double default_weight(std::size_t K) { return 1.0 / double(K); }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    const double e = std::abs(double(p[k]) - double(t[k]));
    return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double s, T* g) const {
    const double e = double(p[k]) - double(t[k]);
    g[k] += T(s * std::max(-delta, std::min(delta, e)));
  }
};

// Symmetric mean absolute percentage error (paper 002): 2|p − t| / (|p| + |t| + ε).
struct Smape : Loss<Smape> {
  static constexpr std::string_view name = "smape";
  static constexpr std::size_t pred_per_target = 1;
  double eps = 1e-3;
  Smape() = default;
  explicit Smape(double e) : eps(e) {
    if (!(e > 0)) throw ConfigError("Smape: eps must be positive");
  }
  static double default_weight(std::size_t K) { return 1.0 / double(K); }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    const double pv = p[k], tv = t[k];
    return 2.0 * std::abs(pv - tv) / (std::abs(pv) + std::abs(tv) + eps);
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double s, T* g) const {
    const double pv = p[k], tv = t[k], e = pv - tv, a = std::abs(pv) + std::abs(tv) + eps;
    const double de = double((e > 0) - (e < 0)), dp = double((pv > 0) - (pv < 0));
    g[k] += T(s * (2.0 * de / a - 2.0 * std::abs(e) * dp / (a * a)));
  }
};

// Moments loss (paper 000, Eq. 1). Predictions are [μ_1..μ_K, σ_1..σ_K];
// ℓ_k = (θ−μ)² + ((θ−μ)² − σ²)², so μ learns the mean and σ the rms scatter.
struct Moments : Loss<Moments> {
  static constexpr std::string_view name = "moments";
  static constexpr std::size_t pred_per_target = 2;
  static double default_weight(std::size_t) { return 1.0; }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t K) const {
    const double e = double(t[k]) - double(p[k]), s = p[K + k], v = e * e - s * s;
    return e * e + v * v;
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t K, double w, T* g) const {
    const double e = double(t[k]) - double(p[k]), s = p[K + k], v = e * e - s * s;
    g[k] += T(w * (-2.0 * e * (1.0 + 2.0 * v)));
    g[K + k] += T(w * (-4.0 * s * v));
  }
};

// Categorical cross-entropy over class probabilities (paper 001's classifier, on Softmax
// outputs): targets are one-hot (or soft) class memberships [n × C], predictions the C
// probabilities, ℓ = −Σ_c t_c log p_c per row (weight 1 per class: the sum over classes, the
// mean over rows, as torch.nn.CrossEntropyLoss and Keras). Probabilities are clipped to
// [1e-7, 1] as Keras does; the clipped ones get no gradient. class_targets() builds the
// one-hot matrix from integer labels.
struct CrossEntropy : Loss<CrossEntropy> {
  static constexpr std::string_view name = "cross_entropy";
  static constexpr std::size_t pred_per_target = 1;
  static constexpr double clip = 1e-7;
  static double default_weight(std::size_t) { return 1.0; }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    return t[k] == T(0) ? 0.0 : -double(t[k]) * std::log(std::max(double(p[k]), clip));
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double s, T* g) const {
    if (t[k] != T(0) && double(p[k]) > clip) g[k] += T(-s * double(t[k]) / double(p[k]));
  }
};

// One-hot targets [n × classes] from labels in [0, classes).
template <class T = float, class Label>
Matrix<T> class_targets(const std::vector<Label>& labels, std::size_t classes) {
  if (classes < 2) throw ConfigError("class_targets: at least two classes are needed");
  Matrix<T> y({labels.size(), classes}, T(0));
  for (std::size_t r = 0; r < labels.size(); ++r) {
    bool negative = false;
    if constexpr (std::is_signed_v<Label>) negative = labels[r] < 0;
    if (negative || std::size_t(labels[r]) >= classes)
      throw InputError("class_targets: label " + std::to_string(labels[r]) + " at row " + std::to_string(r) +
                       " is outside [0, " + std::to_string(classes) + ")");
    y(r, std::size_t(labels[r])) = T(1);
  }
  return y;
}

// A loss with explicit per-target weights: Weighted<Moments>{1/0.01, 1/0.0004, 1/0.01}.
template <class L>
struct Weighted {
  L base{};
  std::vector<double> weights;

  Weighted(std::initializer_list<double> w) : weights(w) { validate(); }
  explicit Weighted(std::vector<double> w, L l = {}) : base(std::move(l)), weights(std::move(w)) { validate(); }

  static constexpr std::string_view name = L::name;
  static constexpr std::size_t prediction_columns(std::size_t k) { return L::prediction_columns(k); }

  template <class T>
  std::vector<double> terms(const Matrix<T>& pred, const Matrix<T>& target) const {
    check_targets(target.shape(1));
    return base.terms(pred, target);
  }
  template <class T>
  double value(const Matrix<T>& pred, const Matrix<T>& target) const {
    check_targets(target.shape(1));
    return base.value(pred, target, weights);
  }
  template <class T>
  double gradient(const Matrix<T>& pred, const Matrix<T>& target, Matrix<T>& grad) const {
    check_targets(target.shape(1));
    return base.gradient(pred, target, grad, weights);
  }

 private:
  void validate() const {
    if (weights.empty()) throw ConfigError("Weighted: no weights given");
    for (double v : weights)
      if (!(v >= 0) || !std::isfinite(v)) throw ConfigError("Weighted: weights must be finite and non-negative");
  }
  void check_targets(std::size_t K) const {
    if (K != weights.size())
      throw InputError("Weighted " + std::string(L::name) + ": " + std::to_string(weights.size()) +
                       " weights for " + std::to_string(K) + " targets");
  }
};

// Inverse-variance weights 1/σ_k² (paper 000 Eq. 2 uses σ = 0.1, 0.02, 0.1; paper 004 uses
// the training-set variances of the targets).
inline std::vector<double> inverse_variance_weights(const std::vector<double>& sigmas) {
  std::vector<double> w;
  for (double s : sigmas) {
    if (!(s > 0)) throw ConfigError("inverse_variance_weights: sigmas must be positive");
    w.push_back(1.0 / (s * s));
  }
  return w;
}
template <class T>
std::vector<double> inverse_variance_weights(const Matrix<T>& targets) {
  std::vector<double> s;
  const std::size_t n = targets.shape(0), K = targets.shape(1);
  for (std::size_t k = 0; k < K; ++k) {
    double m = 0, m2 = 0;
    for (std::size_t r = 0; r < n; ++r) m += targets(r, k);
    m /= double(n);
    for (std::size_t r = 0; r < n; ++r) m2 += (targets(r, k) - m) * (targets(r, k) - m);
    s.push_back(std::sqrt(m2 / double(n)));
  }
  return inverse_variance_weights(s);
}

// Paper 000, Eq. 2: Weighted<Moments> with σ = 0.1 mag (Mr), 0.02 mag (Ar), 0.1 dex ([Fe/H]).
inline Weighted<Moments> paper_moments_loss() { return Weighted<Moments>(inverse_variance_weights({0.1, 0.02, 0.1})); }

}  // namespace locus::nn
