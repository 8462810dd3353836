#pragma once
// fit(): mini-batch training with validation, early stopping and callbacks.
//
//   auto history = fit(net, paper_moments_loss(), Adam{}, ReduceOnPlateau{}, {x_train, y_train},
//                      {x_val, y_val}, FitOptions{.epochs = 1024, .patience = 100}, ProgressBar{});
//
// Specification.
//  - net: a Stack or DynamicStack (anything deriving from Network). Its current weights are
//    the starting point; fit() does not re-initialise them.
//  - loss: any LossFunction (losses.hpp: gradient(pred, target, grad), value(pred, target)).
//  - optimizer / schedule: an Optimizer / Schedule (optimizers.hpp / schedules.hpp; a type
//    missing a member is a compile error naming it, docs/extending.md). fit() resets the
//    optimizer (unless options.reset_optimizer is false), starts the schedule from
//    optimizer.learning_rate and asks it for the rate of every step; the schedule sees the
//    monitored loss after every epoch.
//  - train / validation: Data{inputs, targets}, batch-major, not copied (they must outlive
//    the call). An empty validation Data means the training loss is monitored instead.
//  - Each epoch visits the training rows in an order shuffled by Rng(seed).split(epoch),
//    in mini-batches of batch_size rows (the last one smaller). A batch is cut into fixed
//    chunks of chunk_rows rows; each chunk's gradient is computed separately (on any of
//    `threads` threads) and the chunk gradients are summed in chunk order, so the result is
//    bit-identical for every thread count. It does depend on chunk_rows.
//  - Early stopping: the monitored loss improves when it drops below best − min_delta.
//    After `patience` epochs without improvement (0 = never stop early) training ends. At
//    the end — whatever ended it: epoch limit, early stopping, a callback, a non-finite
//    loss — the weights of the best epoch are restored (the starting weights, if no epoch
//    ever gave a finite loss).
//  - Input noise (paper 004's augmentation): input_noise[c] is the standard deviation of
//    Gaussian noise added to input column c of every training row each time it is used
//    (one value applies to all columns; empty = off). Validation data is never perturbed.
//  - Missing inputs: see missing_values.hpp. With MissingPolicy::reject (default) a NaN input
//    throws InputError naming the data set, row and column. With impute_and_mask the network
//    must take 2 × columns inputs; the fitted MissingValues is stored in `imputer` of the
//    options' output (FitOptions::imputer_out) so it can be applied at prediction time.
//  - NaN or infinite targets always throw InputError naming the row and column.
//  - Layers with randomness (Dropout) draw it from a stream of the seed fixed by the step and
//    the chunk; layers with batch statistics (BatchNorm) normalise each chunk by its own
//    statistics and update their running statistics from all chunks of the batch, in chunk
//    order, after each step. Both are therefore independent of the thread count. The
//    weights restored at the end come with the running statistics of the same epoch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>
#include "../core/errors.hpp"
#include "../core/parallel_for.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "callbacks.hpp"
#include "history.hpp"
#include "losses.hpp"
#include "missing_values.hpp"
#include "network.hpp"
#include "optimizers.hpp"
#include "schedules.hpp"

namespace locus::nn {

// A non-owning pair of batch-major matrices: inputs [n × inputs] and targets [n × K].
template <class T>
struct Data {
  const Matrix<T>* x = nullptr;
  const Matrix<T>* y = nullptr;
  Data() = default;
  Data(const Matrix<T>& inputs, const Matrix<T>& targets) : x(&inputs), y(&targets) {}
  Data(Matrix<T>&&, const Matrix<T>&) = delete;  // would dangle
  Data(const Matrix<T>&, Matrix<T>&&) = delete;
  bool empty() const { return x == nullptr; }
  std::size_t rows() const { return x ? x->shape(0) : 0; }
};

struct FitOptions {
  std::size_t epochs = 1024;      // paper 000: at most 1024 epochs
  std::size_t batch_size = 1024;  // paper 000: 1024
  std::size_t patience = 100;     // paper 000: 100 (0 = no early stopping)
  double min_delta = 0.0;         // required improvement of the monitored loss
  std::uint64_t seed = 42;        // shuffling and noise
  std::size_t threads = 1;        // 0 = locus::num_threads(); results do not depend on it
  std::size_t chunk_rows = 512;   // rows per gradient chunk (results do depend on it)
  bool shuffle = true;
  std::vector<double> input_noise{};  // per-column σ of the augmentation noise
  MissingPolicy missing = MissingPolicy::reject;
  MissingValues* imputer_out = nullptr;  // receives the imputer under impute_and_mask
  // false: keep the optimizer's state (Adam's moments and step count) from an earlier call,
  // e.g. when a Hyperband trial promoted to a larger budget continues training.
  bool reset_optimizer = true;
};

namespace detail {
template <class T>
void check_targets(const Matrix<T>& y, std::string_view what) {
  for (std::size_t r = 0; r < y.shape(0); ++r)
    for (std::size_t k = 0; k < y.shape(1); ++k) {
      const double v = static_cast<double>(y(r, k));
      if (!std::isfinite(v))
        throw InputError(std::string(what) + " target row " + std::to_string(r) + ", column " + std::to_string(k) +
                         " is " + (std::isnan(v) ? "NaN" : "infinite"));
    }
}

template <class T>
struct LossBuffers {
  Matrix<T> pred, target, grad;
};

template <class Net, class LossT, class Opt, class Sched, class... Callbacks>
History fit_unchecked(Net& net, const LossT& loss, Opt& optimizer, Sched& schedule,
                      const Data<typename Net::value_type>& train, const Data<typename Net::value_type>& validation,
                      const FitOptions& options, Callbacks&&... callbacks) {
  using T = typename Net::value_type;
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };

  // ---- validate the configuration and the data ------------------------------------------
  if (train.empty() || train.rows() == 0) throw InputError("fit: the training set is empty");
  if (!train.y || train.y->shape(0) != train.rows())
    throw InputError("fit: training inputs have " + std::to_string(train.rows()) + " rows but targets have " +
                     std::to_string(train.y ? train.y->shape(0) : 0));
  if (!validation.empty() && (!validation.y || validation.y->shape(0) != validation.rows()))
    throw InputError("fit: validation inputs and targets differ in row count");
  if (options.batch_size == 0) throw ConfigError("fit: batch_size must be positive");
  if (options.chunk_rows == 0) throw ConfigError("fit: chunk_rows must be positive");
  if (options.epochs == 0) throw ConfigError("fit: epochs must be positive");
  const std::size_t cols = train.x->shape(1), K = train.y->shape(1);
  if (!validation.empty() && (validation.x->shape(1) != cols || validation.y->shape(1) != K))
    throw InputError("fit: validation data has " + std::to_string(validation.x->shape(1)) + " input and " +
                     std::to_string(validation.y->shape(1)) + " target columns, training data has " +
                     std::to_string(cols) + " and " + std::to_string(K));
  const bool impute = options.missing == MissingPolicy::impute_and_mask;
  const std::size_t net_inputs = impute ? 2 * cols : cols;
  if (net.inputs() != net_inputs)
    throw ConfigError("fit: the network takes " + std::to_string(net.inputs()) + " inputs but the data gives " +
                      std::to_string(net_inputs) + (impute ? " (columns plus missing-value indicators)" : ""));
  if (net.outputs() != std::decay_t<LossT>::prediction_columns(K))
    throw ConfigError("fit: the network has " + std::to_string(net.outputs()) + " outputs but " +
                      std::string(std::decay_t<LossT>::name) + " needs " +
                      std::to_string(std::decay_t<LossT>::prediction_columns(K)) + " for " + std::to_string(K) +
                      " targets");
  std::vector<double> noise = options.input_noise;
  if (noise.size() == 1) noise.assign(cols, noise[0]);
  if (!noise.empty() && noise.size() != cols)
    throw ConfigError("fit: input_noise has " + std::to_string(noise.size()) + " values for " + std::to_string(cols) +
                      " input columns");
  for (double s : noise)
    if (!(s >= 0) || !std::isfinite(s)) throw ConfigError("fit: input_noise values must be finite and non-negative");
  bool any_noise = false;
  for (double s : noise) any_noise = any_noise || s > 0;

  detail::check_targets(*train.y, "fit: training");
  if (!validation.empty()) detail::check_targets(*validation.y, "fit: validation");
  Matrix<T> train_imputed, val_imputed;
  const Matrix<T>* X = train.x;
  const Matrix<T>* XV = validation.x;
  if (impute) {
    MissingValues mv;
    mv.fit(*train.x);
    train_imputed = mv.transform(*train.x);
    X = &train_imputed;
    if (XV) {
      val_imputed = mv.transform(*validation.x);
      XV = &val_imputed;
    }
    if (options.imputer_out) *options.imputer_out = mv;
  } else {
    check_finite_inputs(*train.x, "fit: training input");
    if (XV) check_finite_inputs(*XV, "fit: validation input");
  }
  const Matrix<T>& Y = *train.y;

  // ---- buffers, sized once ----------------------------------------------------------------
  const std::size_t n = train.rows(), B = std::min(options.batch_size, n);
  const std::size_t batches = (n + B - 1) / B;
  const std::size_t chunk = std::min(options.chunk_rows, B), max_chunks = (B + chunk - 1) / chunk;
  const std::size_t nt = threads_for(max_chunks, options.threads);
  std::vector<Workspace<T>> ws;
  for (std::size_t t = 0; t < nt; ++t) ws.push_back(net.workspace(chunk));
  const std::size_t cap = ws[0].capacity, in = net.inputs(), out = net.outputs();
  std::vector<Gradients<T>> chunk_grads;
  for (std::size_t c = 0; c < max_chunks; ++c) chunk_grads.push_back(net.make_gradients());
  Gradients<T> total = net.make_gradients();
  std::vector<std::vector<std::optional<detail::LossBuffers<T>>>> lbuf(nt);
  for (auto& v : lbuf) v.resize(chunk + 1);
  std::vector<double> chunk_loss(max_chunks);
  std::vector<TrainingTiming> chunk_time(max_chunks);
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  Matrix<T> val_pred;
  if (XV) val_pred = Matrix<T>({XV->shape(0), out});

  // Trained parameters, then non-trained state (running statistics): both are kept for the
  // best epoch.
  auto params = net.parameters();
  auto saved = params;
  for (auto s : net.state()) saved.push_back(s);
  std::vector<std::vector<T>> best;
  for (auto p : saved) best.emplace_back(p.begin(), p.end());
  const std::size_t stats = net.statistics_size();
  std::vector<std::vector<T>> chunk_stats(stats ? max_chunks : 0, std::vector<T>(stats));
  std::vector<std::size_t> stat_rows;
  const TrainPass layer_base{0, Rng(options.seed).split(~std::uint64_t(0)).seed()};

  History h;
  if (options.reset_optimizer) optimizer.reset();
  schedule.start(optimizer.learning_rate, options.epochs * batches);
  const Rng base(options.seed);
  if (detail::notify_all(TrainBegin{options.epochs, batches, n, validation.rows()}, callbacks...)) {
    h.stop_reason = "stopped by callback";
    detail::notify_all(TrainEnd{h}, callbacks...);
    return h;
  }

  std::size_t step = 0, wait = 0;
  bool stop = false;
  for (std::size_t epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    const auto t_epoch = clock::now();
    if (options.shuffle) {
      Rng r = base.split(2 * epoch);
      locus::shuffle(order.begin(), order.end(), r);
    }
    const Rng noise_rng = base.split(2 * epoch + 1);
    if (detail::notify_all(EpochBegin{epoch, schedule.rate(step)}, callbacks...)) {
      h.stop_reason = "stopped by callback";
      break;
    }
    double loss_sum = 0, lr = schedule.rate(step);
    std::size_t rows_seen = 0;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t b0 = b * B, nb = std::min(B, n - b0), nc = (nb + chunk - 1) / chunk;
      parallel_for_static(nc, nt, [&](std::size_t t, std::size_t c) {
        auto t0 = clock::now();
        Workspace<T>& w = ws[t];
        const std::size_t r0 = b0 + c * chunk, rows = std::min(chunk, b0 + nb - r0), np = simd::round_up<T>(rows);
        T* xin = w.input();
        std::optional<Rng> nr;
        if (any_noise) nr.emplace(noise_rng.split(b * max_chunks + c));
        for (std::size_t r = 0; r < rows; ++r) {
          const std::size_t row = order[r0 + r];
          const T* src = X->data() + row * in;
          for (std::size_t f = 0; f < in; ++f) xin[f * cap + r] = src[f];
          if (nr)
            for (std::size_t f = 0; f < noise.size(); ++f)
              if (noise[f] > 0) xin[f * cap + r] += static_cast<T>(noise[f] * nr->normal());
        }
        for (std::size_t f = 0; f < in; ++f) std::fill(xin + f * cap + rows, xin + f * cap + np, T(0));
        net.forward_train(w, np, TrainPass{rows, layer_base.stream_seed(step * max_chunks + c), nb});
        if (stats) net.export_statistics(w, chunk_stats[c].data());
        auto t1 = clock::now();
        auto& slot = lbuf[t][rows];
        if (!slot) slot.emplace(detail::LossBuffers<T>{Matrix<T>({rows, out}), Matrix<T>({rows, K}), Matrix<T>({rows, out})});
        kernels::to_batch_major(w.output(), cap, rows, out, slot->pred.data(), out);
        for (std::size_t r = 0; r < rows; ++r)
          std::copy_n(Y.data() + order[r0 + r] * K, K, slot->target.data() + r * K);
        const double v = loss.gradient(slot->pred, slot->target, slot->grad);
        // gradient of the batch mean = (rows / nb) · gradient of this chunk's mean
        const double share = double(rows) / double(nb);
        if (rows != nb)
          for (auto& g : slot->grad) g = static_cast<T>(double(g) * share);
        chunk_loss[c] = v * share;
        kernels::to_feature_major(slot->grad.data(), out, rows, out, w.output_grad(), cap, np);
        auto t2 = clock::now();
        net.backward(w, np, chunk_grads[c], false);
        auto t3 = clock::now();
        chunk_time[c].forward = seconds(t0, t1);
        chunk_time[c].loss = seconds(t1, t2);
        chunk_time[c].backward = seconds(t2, t3);
      });
      const auto t_red = clock::now();
      double batch_loss = 0;
      for (std::size_t c = 0; c < nc; ++c) {
        batch_loss += chunk_loss[c];
        h.timing.forward += chunk_time[c].forward;
        h.timing.loss += chunk_time[c].loss;
        h.timing.backward += chunk_time[c].backward;
      }
      Gradients<T>* g = &chunk_grads[0];
      if (nc > 1) {
        for (std::size_t i = 0; i < total.size(); ++i) {
          T* dst = total[i].data();
          const std::size_t m = total[i].size();
          std::copy_n(chunk_grads[0][i].data(), m, dst);
          for (std::size_t c = 1; c < nc; ++c) {
            const T* src = chunk_grads[c][i].data();
            for (std::size_t j = 0; j < m; ++j) dst[j] += src[j];
          }
        }
        g = &total;
      }
      const auto t_opt = clock::now();
      lr = schedule.rate(step);
      optimizer.step(params, *g, lr);
      if (stats) {
        stat_rows.clear();
        for (std::size_t c = 0; c < nc; ++c) stat_rows.push_back(std::min(chunk, b0 + nb - (b0 + c * chunk)));
        net.update_statistics(chunk_stats, stat_rows);
      }
      ++step;
      const auto t_done = clock::now();
      h.timing.reduce += seconds(t_red, t_opt);
      h.timing.optimizer += seconds(t_opt, t_done);
      loss_sum += batch_loss * double(nb);
      rows_seen += nb;
      if (detail::notify_all(BatchEnd{epoch, b, nb, batch_loss, lr}, callbacks...)) {
        stop = true;
        h.stop_reason = "stopped by callback";
        break;
      }
    }
    const double train_loss = loss_sum / double(rows_seen);
    double val_loss = std::numeric_limits<double>::quiet_NaN();
    if (XV) {
      const auto t0 = clock::now();
      net.predict_into(XV->data(), XV->shape(0), val_pred.data(), options.threads == 0 ? num_threads() : options.threads);
      val_loss = loss.value(val_pred, *validation.y);
      h.timing.validation += seconds(t0, clock::now());
    }
    const double monitored = XV ? val_loss : train_loss;
    const bool improved = std::isfinite(monitored) && monitored < h.best_loss - options.min_delta;
    if (improved) {
      h.best_loss = monitored;
      h.best_epoch = epoch;
      for (std::size_t i = 0; i < saved.size(); ++i) std::copy(saved[i].begin(), saved[i].end(), best[i].begin());
      wait = 0;
    } else {
      ++wait;
    }
    schedule.end_epoch(monitored);
    h.train_loss.push_back(train_loss);
    h.val_loss.push_back(val_loss);
    h.learning_rate.push_back(lr);
    h.seconds.push_back(seconds(t_epoch, clock::now()));
    h.steps = step;
    if (detail::notify_all(EpochEnd{epoch, train_loss, val_loss, lr, h.seconds.back(), improved, h}, callbacks...) &&
        !stop) {
      stop = true;
      h.stop_reason = "stopped by callback";
    }
    if (stop) break;
    if (!std::isfinite(train_loss) || (XV && !std::isfinite(val_loss))) {
      h.stop_reason = "non-finite loss";
      break;
    }
    if (options.patience > 0 && wait >= options.patience) {
      h.stop_reason = "early stopping";
      break;
    }
  }
  if (h.stop_reason.empty()) h.stop_reason = "epoch limit";
  for (std::size_t i = 0; i < saved.size(); ++i) std::copy(best[i].begin(), best[i].end(), saved[i].begin());
  detail::notify_all(TrainEnd{h}, callbacks...);
  return h;
}
}  // namespace detail

// Checks the contracts first, so a missing member gives one message naming it rather than
// errors from deep inside the training loop.
template <class Net, class LossT, class Opt, class Sched, class... Callbacks>
History fit(Net& net, const LossT& loss, Opt& optimizer, Sched& schedule, const Data<typename Net::value_type>& train,
            const Data<typename Net::value_type>& validation, const FitOptions& options, Callbacks&&... callbacks) {
  using T = typename Net::value_type;
  constexpr bool valid_loss = detail::check_loss<LossT, T>();
  constexpr bool valid_optimizer = detail::check_optimizer<Opt, T>();
  constexpr bool valid_schedule = detail::check_schedule<Sched>();
  if constexpr (valid_loss && valid_optimizer && valid_schedule)
    return detail::fit_unchecked(net, loss, optimizer, schedule, train, validation, options,
                                 std::forward<Callbacks>(callbacks)...);
  else
    return {};
}

// Mean loss of the network's predictions on a data set (threads as in predict()).
template <class Net, class LossT>
double evaluate(const Net& net, const LossT& loss, const Data<typename Net::value_type>& data, std::size_t threads = 1) {
  if (data.empty()) throw InputError("evaluate: empty data set");
  return loss.value(net.predict(*data.x, threads), *data.y);
}

}  // namespace locus::nn

namespace locus::nn {

// Training metadata for model files (serialization.hpp): seed, loss (name and target
// weights), optimizer and schedule settings, epochs run and the best epoch.
template <class LossT, class Opt, class Sched>
nlohmann::json training_metadata(const FitOptions& o, const LossT& loss, const Opt& opt, const Sched& sched,
                                 const History& h) {
  nlohmann::json l{{"name", std::string(std::decay_t<LossT>::name)}};
  if constexpr (requires { loss.weights; }) l["weights"] = loss.weights;
  return {{"seed", o.seed},
          {"loss", l},
          {"optimizer", opt.config()},
          {"schedule", sched.config()},
          {"batch_size", o.batch_size},
          {"max_epochs", o.epochs},
          {"patience", o.patience},
          {"epochs", h.epochs()},
          {"best_epoch", h.best_epoch},
          {"best_loss", std::isfinite(h.best_loss) ? nlohmann::json(h.best_loss) : nlohmann::json()},
          {"stop_reason", h.stop_reason}};
}

}  // namespace locus::nn
