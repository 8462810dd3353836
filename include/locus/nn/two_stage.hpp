#pragma once
// TwoStage<Classifier, Regressor>: paper 001's two-stage route. A classifier (Softmax
// outputs over C classes, trained with CrossEntropy) sorts each row into a class; the
// regressor of that class then estimates the targets. Paper 001 sorts stars into giants and
// dwarfs by log g before estimating it; examples/two_stage_mr.cpp does the same with Mr on the
// mock catalogue.
//
//   TwoStage route(classifier, {dwarf_regressor, giant_regressor});
//   route.fit_classifier(x, labels, Adam{}, Constant{}, options);
//   route.fit_regressors(x, labels, y, Mse{}, Adam{}, Constant{}, options);  // each on its class
//   const auto r = route.predict(x);   // r.values [n × K], r.label[i], r.probability [n × C]
//
// Regressors are trained on the rows of their true class; at prediction time each row goes to
// the regressor of its predicted class (the highest probability, the first on ties).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>
#include "../core/errors.hpp"
#include "../core/tensor.hpp"
#include "losses.hpp"
#include "trainer.hpp"

namespace locus::nn {

template <class T>
struct TwoStagePrediction {
  Matrix<T> values;                  // [n × K] from each row's regressor
  std::vector<std::size_t> label;    // predicted class of each row
  Matrix<T> probability;             // [n × C] the classifier's output
};

template <class Classifier, class Regressor>
class TwoStage {
 public:
  using value_type = typename Classifier::value_type;
  using T = value_type;

  TwoStage(Classifier classifier, std::vector<Regressor> regressors)
      : classifier_(std::move(classifier)), regressors_(std::move(regressors)) {
    if (regressors_.size() != classifier_.outputs())
      throw ConfigError("TwoStage: the classifier has " + std::to_string(classifier_.outputs()) + " classes but " +
                        std::to_string(regressors_.size()) + " regressors were given");
    for (std::size_t c = 0; c < regressors_.size(); ++c)
      if (regressors_[c].inputs() != classifier_.inputs() || regressors_[c].outputs() != regressors_[0].outputs())
        throw ConfigError("TwoStage: regressor " + std::to_string(c) +
                          " differs from the classifier in inputs or from regressor 0 in outputs");
  }

  std::size_t classes() const { return regressors_.size(); }
  Classifier& classifier() { return classifier_; }
  const Classifier& classifier() const { return classifier_; }
  Regressor& regressor(std::size_t c) { return regressors_.at(c); }
  const Regressor& regressor(std::size_t c) const { return regressors_.at(c); }

  // Trains the classifier with CrossEntropy on the labels (validation: optional rows and labels).
  template <class Label, class Opt, class Sched, class... Callbacks>
  History fit_classifier(const Matrix<T>& x, const std::vector<Label>& labels, Opt optimizer, Sched schedule,
                         const FitOptions& options, const Matrix<T>* x_val = nullptr,
                         const std::vector<Label>* labels_val = nullptr, Callbacks&&... callbacks) {
    check_labels(x, labels, "training");
    const auto y = class_targets<T>(labels, classes());
    Matrix<T> yv;
    Data<T> val;
    if (x_val && labels_val) {
      check_labels(*x_val, *labels_val, "validation");
      yv = class_targets<T>(*labels_val, classes());
      val = Data<T>(*x_val, yv);
    }
    return fit(classifier_, CrossEntropy{}, optimizer, schedule, Data<T>(x, y), val, options,
               std::forward<Callbacks>(callbacks)...);
  }

  // Trains regressor c on the rows whose true label is c (each with a fresh copy of the
  // optimizer and schedule). Returns the histories in class order.
  template <class Label, class LossT, class Opt, class Sched>
  std::vector<History> fit_regressors(const Matrix<T>& x, const std::vector<Label>& labels, const Matrix<T>& y,
                                      const LossT& loss, const Opt& optimizer, const Sched& schedule,
                                      const FitOptions& options) {
    check_labels(x, labels, "training");
    if (y.shape(0) != x.shape(0)) throw InputError("TwoStage: targets and inputs differ in row count");
    std::vector<History> out;
    for (std::size_t c = 0; c < classes(); ++c) {
      std::vector<std::size_t> rows;
      for (std::size_t r = 0; r < labels.size(); ++r)
        if (std::size_t(labels[r]) == c) rows.push_back(r);
      if (rows.empty()) throw InputError("TwoStage: class " + std::to_string(c) + " has no training rows");
      const auto xc = take(x, rows), yc = take(y, rows);
      Opt opt = optimizer;
      Sched sched = schedule;
      out.push_back(fit(regressors_[c], loss, opt, sched, Data<T>(xc, yc), Data<T>(), options));
    }
    return out;
  }

  TwoStagePrediction<T> predict(const Matrix<T>& x, std::size_t threads = 1) const {
    TwoStagePrediction<T> p;
    p.probability = classifier_.predict(x, threads);
    const std::size_t n = x.shape(0), C = classes(), K = regressors_[0].outputs();
    p.label.resize(n);
    std::vector<std::vector<std::size_t>> rows(C);
    for (std::size_t r = 0; r < n; ++r) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < C; ++c)
        if (p.probability(r, c) > p.probability(r, best)) best = c;
      p.label[r] = best;
      rows[best].push_back(r);
    }
    p.values = Matrix<T>({n, K});
    for (std::size_t c = 0; c < C; ++c) {
      if (rows[c].empty()) continue;
      const auto v = regressors_[c].predict(take(x, rows[c]), threads);
      for (std::size_t i = 0; i < rows[c].size(); ++i)
        for (std::size_t k = 0; k < K; ++k) p.values(rows[c][i], k) = v(i, k);
    }
    return p;
  }

 private:
  static Matrix<T> take(const Matrix<T>& m, const std::vector<std::size_t>& rows) {
    Matrix<T> out({rows.size(), m.shape(1)});
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::copy_n(m.data() + rows[i] * m.shape(1), m.shape(1), out.data() + i * m.shape(1));
    return out;
  }
  template <class Label>
  void check_labels(const Matrix<T>& x, const std::vector<Label>& labels, const char* what) const {
    if (labels.size() != x.shape(0))
      throw InputError(std::string("TwoStage: ") + what + " inputs have " + std::to_string(x.shape(0)) + " rows but " +
                       std::to_string(labels.size()) + " labels");
  }

  Classifier classifier_;
  std::vector<Regressor> regressors_;
};

}  // namespace locus::nn
