#pragma once
// MomentsModel: paper 000's primary + secondary networks (sections 2.3-2.6, 3.2, Eq. 1-3).
//
//   MomentsModel model;
//   model.fit(x, theta_bayes, sigma_bayes, x_val, theta_val, sigma_val);   // paper defaults
//   auto p = model.predict(x_catalogue);   // p.mu, p.sigma_nn, p.sigma_b, p.sigma_total
//
// Specification.
//  - Inputs x: [n × 10] (r, four colours, their five errors) — any column count works.
//    Targets theta: [n × K] (Mr, Ar, [Fe/H], the Bayesian means); sigma_b: [n × K], the
//    Bayesian standard deviations. An empty sigma_b (0 columns) skips the secondary network
//    and predicts σ_B = 0.
//  - Primary network: 10 → 45 GELU → 45 Softsign → 42 Softsign → 33 Sigmoid → 36 GELU →
//    2K Linear outputs [μ, σ], trained with Weighted<Moments> and Eq. 2's weights 1/σ_k²
//    (σ = 0.1, 0.02, 0.1 by default).
//  - Secondary network: the same hidden layers, K outputs, trained with Weighted<Mse> and the
//    same weights to predict σ_B.
//  - Defaults (section 3.2): Adam with learning rate 1e-3, batch 1024, ReduceOnPlateau with
//    factor 0.9; primary at most 1024 epochs, patience 100, best of 2 runs on validation
//    loss; secondary at most 256 epochs, patience 100, 1 run.
//  - Inputs are standardised (StandardScaler fitted on the training inputs); targets are
//    used in physical units, as Eq. 2's weights assume.
//  - predict(): μ, σ_NN = |σ output|, σ_B = |secondary output| and
//    σ_total = sqrt(σ_NN² + σ_B²) (Eq. 3).
//  - Run r of a network is initialised from Rng(seed).split(r) (secondary: split(1000 + r))
//    and shuffled with seed + r, so a model is reproducible from its seed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "activations.hpp"
#include "dynamic_stack.hpp"
#include "losses.hpp"
#include "optimizers.hpp"
#include "scalers.hpp"
#include "schedules.hpp"
#include "serialization.hpp"
#include "stack.hpp"
#include "trainer.hpp"

namespace locus::nn {

// Paper 000's hidden layers (section 3.2) followed by a linear output layer.
inline std::vector<LayerSpec> paper_layers(std::size_t outputs) {
  return {{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {outputs, "linear"}};
}

// The same network as a compile-time Stack (for benchmarks and fixed pipelines).
using PaperNetwork = Stack<Dense<Gelu>, Dense<Softsign>, Dense<Softsign>, Dense<Sigmoid>, Dense<Gelu>, Dense<Linear>>;
inline PaperNetwork paper_network(std::size_t inputs, std::size_t outputs, Rng& rng) {
  return PaperNetwork(Dense<Gelu>(inputs, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Softsign>(45, 42, rng),
                      Dense<Sigmoid>(42, 33, rng), Dense<Gelu>(33, 36, rng), Dense<Linear>(36, outputs, rng));
}

struct MomentsModelOptions {
  std::vector<double> target_sigmas{0.1, 0.02, 0.1};  // Eq. 2: weights 1/σ²
  // Hidden layers of both networks; empty: the paper's (paper_layers). The linear output layer
  // (2K units for the primary, K for the secondary) is added after them.
  std::vector<LayerSpec> hidden{};
  std::uint64_t seed = 42;
  Adam optimizer{.learning_rate = 1e-3};
  ReduceOnPlateau schedule{.factor = 0.9};
  FitOptions primary{.epochs = 1024, .batch_size = 1024, .patience = 100};
  std::size_t primary_runs = 2;
  FitOptions secondary{.epochs = 256, .batch_size = 1024, .patience = 100};
  std::size_t secondary_runs = 1;
  bool scale_inputs = true;
};

template <class T>
struct MomentsPrediction {
  Matrix<T> mu, sigma_nn, sigma_b, sigma_total;  // each [n × K]
};

class MomentsModel {
 public:
  using Network = DynamicStack<paper_activations, float>;
  using T = float;

  // Trains the primary and (if sigma_b has columns) the secondary network.
  template <class... Callbacks>
  void fit(const Matrix<T>& x, const Matrix<T>& theta, const Matrix<T>& sigma_b, const Matrix<T>& x_val,
           const Matrix<T>& theta_val, const Matrix<T>& sigma_b_val, const MomentsModelOptions& o = {},
           Callbacks&&... callbacks) {
    const std::size_t K = theta.shape(1);
    if (K == 0) throw InputError("MomentsModel::fit: no targets");
    if (o.target_sigmas.size() != K)
      throw ConfigError("MomentsModel::fit: " + std::to_string(o.target_sigmas.size()) + " target sigmas for " +
                        std::to_string(K) + " targets");
    if (o.primary_runs == 0) throw ConfigError("MomentsModel::fit: primary_runs must be at least 1");
    const bool with_secondary = sigma_b.shape(1) > 0;
    if (with_secondary && (sigma_b.shape(1) != K || sigma_b.shape(0) != theta.shape(0) ||
                           sigma_b_val.shape(1) != K || sigma_b_val.shape(0) != theta_val.shape(0)))
      throw InputError("MomentsModel::fit: sigma_b must have the shape of theta (training and validation)");
    check_finite_inputs(x, "MomentsModel::fit: training input");
    check_finite_inputs(x_val, "MomentsModel::fit: validation input");
    input_scaler_ = StandardScaler{};
    if (o.scale_inputs) {
      StandardScaler s;
      s.fit(x);
      input_scaler_ = s;
    } else {
      input_scaler_.center.assign(x.shape(1), 0.0);
      input_scaler_.scale.assign(x.shape(1), 1.0);
      input_scaler_.kind = "identity";
    }
    const Matrix<T> xs = input_scaler_.transform(x), xvs = input_scaler_.transform(x_val);
    const auto weights = inverse_variance_weights(o.target_sigmas);
    const Rng base(o.seed);

    const Weighted<Moments> moments(weights);
    primary_history_ = train_best(o.primary_runs, 0, xs.shape(1), 2 * K, moments, xs, theta, xvs, theta_val, o,
                                  o.primary, base, primary_, callbacks...);
    primary_meta_ = meta(o, o.primary, moments, primary_history_);
    has_secondary_ = with_secondary && o.secondary_runs > 0;
    if (has_secondary_) {
      const Weighted<Mse> mse(weights);
      secondary_history_ = train_best(o.secondary_runs, 1000, xs.shape(1), K, mse, xs, sigma_b, xvs, sigma_b_val, o,
                                      o.secondary, base, secondary_, callbacks...);
      secondary_meta_ = meta(o, o.secondary, mse, secondary_history_);
    }
    targets_ = K;
  }

  MomentsPrediction<T> predict(const Matrix<T>& x, std::size_t threads = 1) const {
    if (targets_ == 0) throw ConfigError("MomentsModel::predict: the model has not been trained or loaded");
    const Matrix<T> xs = input_scaler_.transform(x);
    const auto p = primary_.predict(xs, threads);
    const std::size_t n = x.shape(0), K = targets_;
    MomentsPrediction<T> out{Matrix<T>({n, K}), Matrix<T>({n, K}), Matrix<T>({n, K}), Matrix<T>({n, K})};
    Matrix<T> s;
    if (has_secondary_) s = secondary_.predict(xs, threads);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < K; ++k) {
        const double snn = std::abs(double(p(r, K + k))), sb = has_secondary_ ? std::abs(double(s(r, k))) : 0.0;
        out.mu(r, k) = p(r, k);
        out.sigma_nn(r, k) = T(snn);
        out.sigma_b(r, k) = T(sb);
        out.sigma_total(r, k) = T(std::sqrt(snn * snn + sb * sb));
      }
    return out;
  }

  // Two model files; the secondary path is ignored without a secondary network. Both files
  // carry the same pair id (from their contents), so that load() refuses a σ_B network from
  // another training, e.g. when a run was killed between writing the two.
  void save(const std::string& primary_path, const std::string& secondary_path = "") const {
    if (targets_ == 0) throw ConfigError("MomentsModel::save: nothing to save");
    if (!has_secondary_) return nn::save(primary_, primary_path, info(primary_meta_, "primary"));
    if (secondary_path.empty()) throw ConfigError("MomentsModel::save: the secondary network needs a path");
    auto pi = info(primary_meta_, "primary"), si = info(secondary_meta_, "secondary");
    char id[24];
    std::snprintf(id, sizeof id, "%08x%08x", detail::crc32(model_to_string(primary_, pi)),
                  detail::crc32(model_to_string(secondary_, si)));
    pi.training["pair"] = si.training["pair"] = std::string(id);
    nn::save(primary_, primary_path, pi);
    nn::save(secondary_, secondary_path, si);
  }
  // secondary_path "": the moments network alone (σ_B not predicted), even if it was trained with
  // a σ_B network (expects_secondary() says so). A σ_B file whose pair id differs from the
  // primary's is a FormatError.
  static MomentsModel load(const std::string& primary_path, const std::string& secondary_path = "") {
    MomentsModel m;
    ModelInfo pi;
    load_into(primary_path, m.primary_, &pi);
    if (!pi.input_scaler) throw FormatError(primary_path + ": the model file has no input scaler");
    m.input_scaler_ = *pi.input_scaler;
    m.primary_meta_ = pi.training;
    m.targets_ = m.primary_.outputs() / 2;
    if (!secondary_path.empty()) {
      ModelInfo si;
      load_into(secondary_path, m.secondary_, &si);
      if (m.secondary_.outputs() != m.targets_ || m.secondary_.inputs() != m.primary_.inputs())
        throw FormatError(secondary_path + ": the secondary network does not match the primary's shape");
      if (pair_of(si.training) != pair_of(pi.training))
        throw FormatError(secondary_path + ": this sigma_B network was not saved with the moments network in " +
                          primary_path + " (pair ids '" + pair_of(si.training) + "' and '" + pair_of(pi.training) +
                          "'; was a training interrupted between the two files, or one replaced?); train again");
      m.secondary_meta_ = si.training;
      m.has_secondary_ = true;
    }
    return m;
  }
  // Whether the moments network was saved with a σ_B network (files written before pair ids
  // were kept say no).
  bool expects_secondary() const { return !pair_of(primary_meta_).empty(); }

  const Network& primary() const { return primary_; }
  const Network& secondary() const { return secondary_; }
  bool has_secondary() const { return has_secondary_; }
  const History& primary_history() const { return primary_history_; }
  const History& secondary_history() const { return secondary_history_; }
  const Scaler& input_scaler() const { return input_scaler_; }
  std::size_t targets() const { return targets_; }

 private:
  template <class LossT, class... Callbacks>
  static History train_best(std::size_t runs, std::uint64_t stream0, std::size_t inputs, std::size_t outputs,
                            const LossT& loss, const Matrix<T>& x, const Matrix<T>& y, const Matrix<T>& xv,
                            const Matrix<T>& yv, const MomentsModelOptions& o, const FitOptions& fo, const Rng& base,
                            Network& best_net, Callbacks&... callbacks) {
    History best;
    bool have = false;
    for (std::size_t r = 0; r < runs; ++r) {
      auto layers = o.hidden.empty() ? paper_layers(outputs) : o.hidden;
      if (!o.hidden.empty()) layers.push_back({outputs, "linear"});
      Network net(inputs, layers, base.split(stream0 + r));
      Adam adam = o.optimizer;
      ReduceOnPlateau plateau = o.schedule;
      FitOptions f = fo;
      f.seed = o.seed + stream0 + r;
      auto h = nn::fit(net, loss, adam, plateau, {x, y}, {xv, yv}, f, callbacks...);
      if (!have || h.best_loss < best.best_loss) {
        best = std::move(h);
        best_net = std::move(net);
        have = true;
      }
    }
    return best;
  }
  template <class LossT>
  static nlohmann::json meta(const MomentsModelOptions& o, const FitOptions& fo, const LossT& loss, const History& h) {
    FitOptions f = fo;
    f.seed = o.seed;
    return training_metadata(f, loss, o.optimizer, o.schedule, h);
  }
  static std::string pair_of(const nlohmann::json& training) {
    const auto it = training.find("pair");
    return it != training.end() && it->is_string() ? it->template get<std::string>() : std::string();
  }
  ModelInfo info(const nlohmann::json& training, const char* role) const {
    ModelInfo i;
    i.input_scaler = input_scaler_;
    i.training = training;
    i.training["role"] = role;
    return i;
  }

  Network primary_, secondary_;
  Scaler input_scaler_;
  History primary_history_, secondary_history_;
  nlohmann::json primary_meta_, secondary_meta_;
  bool has_secondary_ = false;
  std::size_t targets_ = 0;
};

}  // namespace locus::nn
