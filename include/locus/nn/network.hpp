#pragma once
// Network<Derived, T>: the algorithms shared by Stack (compile-time layers) and
// DynamicStack (run-time layers). Both only say how to reach their i-th layer as a concrete
// layer type (the contract is in layer.hpp: Dense, LayerNorm, BatchNorm, Dropout, Activate,
// Residual, Heads, ...); everything below (predict, streaming, training passes, parameter
// access) is written once, so the two run exactly the same kernels.
//
// Derived provides:  std::size_t depth() const;
//                    template <class F> void visit(std::size_t i, F&& f) [const];  // f(layer)
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/kernels.hpp"
#include "../core/parallel_for.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "layer.hpp"

namespace locus::nn {

// Per-batch buffers for training passes; sized once, reused for every batch.
template <class T>
struct Workspace {
  std::size_t capacity = 0;               // leading dimension: rows rounded up to the lane width (+ padding)
  std::vector<T> x;                       // input, feature-major [in × capacity]
  std::vector<std::vector<T>> z, a;       // per layer training cache (Dense: pre-activation) and output
  std::vector<T> d0, d1;                  // back-propagated gradients (ping-pong)
  TrainPass pass;                         // of the last forward_train, for backward
  T* input() { return x.data(); }
  T* output() { return a.back().data(); }
  // dL/d(output), feature-major [out × capacity]; filled by the caller before backward().
  T* output_grad() { return d0.data(); }
};

// Gradients of all parameters, in the order of Network::parameters(): W0, b0, W1, b1, ...
// for Dense layers; other layers give their own blocks in their own order.
template <class T>
using Gradients = std::vector<std::vector<T>>;

template <class Derived, class T>
class Network {
 public:
  using value_type = T;

  std::size_t inputs() const {
    std::size_t n = 0;
    self().visit(0, [&](const auto& l) { n = l.inputs(); });
    return n;
  }
  std::size_t outputs() const {
    std::size_t n = 0;
    self().visit(self().depth() - 1, [&](const auto& l) { n = l.outputs(); });
    return n;
  }
  std::size_t max_width() const {
    std::size_t w = inputs();
    for (std::size_t i = 0; i < self().depth(); ++i) self().visit(i, [&](const auto& l) { w = std::max(w, l.outputs()); });
    return w;
  }
  std::size_t parameter_count() const {
    std::size_t n = 0;
    for (auto p : parameters()) n += p.size();
    return n;
  }

  // Same as predict().
  Matrix<T> forward(const Matrix<T>& x) const { return predict(x); }

  // Batched inference: rows are processed in chunks of `chunk` rows, each chunk through all
  // layers while it is in cache, spread over `threads` threads (0 = locus::num_threads()).
  // Results are bit-identical for any chunk size and thread count.
  template <class S>
  Matrix<T> predict(const xt::xtensor<S, 2>& x, std::size_t threads = 1, std::size_t chunk = 512) const {
    check_columns(x.shape(1));
    Matrix<T> y({x.shape(0), outputs()});
    predict_into(x.data(), x.shape(0), y.data(), threads, chunk);
    return y;
  }

  // Raw form of predict: x is [n × inputs()] and y [n × outputs()], both row-major.
  template <class S>
  void predict_into(const S* x, std::size_t n, T* y, std::size_t threads = 1, std::size_t chunk = 512) const {
    chunk = simd::round_up<T>(std::clamp<std::size_t>(chunk, 1, std::max<std::size_t>(n, 1)));
    const std::size_t chunks = (n + chunk - 1) / chunk, nt = threads_for(chunks, threads);
    const std::size_t width = max_width(), in = inputs(), out = outputs(), ld = padded_ld(chunk);
    std::size_t scratch = 0;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) { scratch = std::max(scratch, l.scratch_size(ld)); });
    std::vector<std::vector<T>> buffers(nt);
    for (auto& b : buffers) b.resize(2 * width * ld + scratch);
    parallel_for_static(chunks, nt, [&](std::size_t t, std::size_t c) {
      const std::size_t r0 = c * chunk, rows = std::min(chunk, n - r0), np = simd::round_up<T>(rows);
      T* cur = buffers[t].data();
      T* nxt = cur + width * ld;
      T* scr = cur + 2 * width * ld;
      kernels::to_feature_major(x + r0 * in, in, rows, in, cur, ld, np);
      for (std::size_t i = 0; i < self().depth(); ++i) {
        self().visit(i, [&](const auto& l) { l.infer_fm(cur, ld, np, nxt, ld, scr); });
        std::swap(cur, nxt);
      }
      kernels::to_batch_major(cur, ld, rows, out, y + r0 * out, out);
    });
  }

  // Streaming inference for inputs larger than memory. `source(buffer)` fills a
  // [block × inputs()] matrix and returns how many rows it wrote (0 at the end);
  // `sink(output, rows)` receives the first `rows` rows of a [block × outputs()] matrix.
  // Only one block of input and output is held at a time. Returns the total row count.
  template <class Source, class Sink>
  std::size_t predict_stream(Source&& source, Sink&& sink, std::size_t block = 65536, std::size_t threads = 1) const {
    Matrix<T> in({block, inputs()}), out({block, outputs()});
    std::size_t total = 0;
    for (;;) {
      const std::size_t rows = source(in);
      if (rows == 0) break;
      if (rows > block) throw InputError("predict_stream: source returned more rows than the block holds");
      predict_into(in.data(), rows, out.data(), threads);
      sink(static_cast<const Matrix<T>&>(out), rows);
      total += rows;
    }
    return total;
  }

  // Leading dimension of feature-major buffers for `rows` rows: rounded up to the lane width
  // and, when that is a multiple of 128 bytes, one cache line more, so that successive
  // features of a chunk do not all fall into the same few L1 sets (a 2 KiB or 4 KiB stride
  // would leave most of the cache unused and cause conflict misses).
  static std::size_t padded_ld(std::size_t rows) {
    std::size_t ld = simd::round_up<T>(rows);
    if ((ld * sizeof(T)) % 128 == 0) ld += 64 / sizeof(T) > simd::lanes<T> ? 64 / sizeof(T) : simd::lanes<T>;
    return ld;
  }

  // ---- training passes ------------------------------------------------------------------
  Workspace<T> workspace(std::size_t rows) const {
    Workspace<T> ws;
    ws.capacity = padded_ld(rows);
    ws.x.assign(inputs() * ws.capacity, T(0));
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) {
        ws.z.emplace_back(l.cache_size(ws.capacity), T(0));
        ws.a.emplace_back(l.outputs() * ws.capacity, T(0));
      });
    ws.d0.assign(max_width() * ws.capacity, T(0));
    ws.d1.assign(max_width() * ws.capacity, T(0));
    return ws;
  }

  Gradients<T> make_gradients() const {
    Gradients<T> g;
    for (auto p : parameters()) g.emplace_back(p.size(), T(0));
    return g;
  }

  // Forward pass in training mode (dropout active, batch statistics), keeping what
  // backward() needs. ws.input() holds the batch feature-major with leading dimension
  // ws.capacity; n_pad is the row count rounded up to lanes, with padding rows zero.
  // pass.rows is the real row count (0: n_pad) and pass.seed seeds the layers' randomness;
  // layer i gets stream i of it.
  void forward_train(Workspace<T>& ws, std::size_t n_pad, TrainPass pass = {}) const {
    if (pass.rows == 0) pass.rows = n_pad;
    ws.pass = pass;
    const T* cur = ws.x.data();
    for (std::size_t i = 0; i < self().depth(); ++i) {
      self().visit(i, [&](const auto& l) {
        l.forward_train_fm(cur, ws.capacity, n_pad, ws.a[i].data(), ws.capacity, ws.z[i].data(), pass.child(i));
      });
      cur = ws.a[i].data();
    }
  }

  // Back-propagates ws.output_grad() (dL/d output; zero in padding rows) and writes (or
  // adds, if accumulate) the parameter gradients into g. If dx is non-null it receives
  // dL/d input, feature-major with leading dimension ws.capacity.
  void backward(Workspace<T>& ws, std::size_t n_pad, Gradients<T>& g, bool accumulate = false, T* dx = nullptr) const {
    T* d = ws.d0.data();
    T* other = ws.d1.data();
    std::size_t block = 0;
    for (std::size_t k = 0; k < self().depth(); ++k) self().visit(k, [&](const auto& l) { block += l.parameter_blocks(); });
    for (std::size_t k = self().depth(); k-- > 0;) {
      const T* xin = k == 0 ? ws.x.data() : ws.a[k - 1].data();
      T* dprev = k == 0 ? dx : other;
      self().visit(k, [&](const auto& l) {
        block -= l.parameter_blocks();
        l.backward_train_fm(xin, ws.capacity, ws.z[k].data(), ws.a[k].data(), d, ws.capacity, n_pad, g.data() + block,
                            accumulate, dprev, ws.capacity, ws.pass.child(k));
      });
      std::swap(d, other);
    }
  }

  // Spans over all parameters: W0, b0, W1, b1, ... (what optimizers update).
  std::vector<std::span<T>> parameters() {
    std::vector<std::span<T>> p;
    for (std::size_t i = 0; i < self().depth(); ++i) self().visit(i, [&](auto& l) { l.collect_parameters(p); });
    return p;
  }
  std::vector<std::span<const T>> parameters() const {
    std::vector<std::span<const T>> p;
    for (std::size_t i = 0; i < self().depth(); ++i) self().visit(i, [&](const auto& l) { l.collect_parameters(p); });
    return p;
  }

  // Non-trained state saved with the weights (BatchNorm's running mean and variance).
  std::vector<std::span<T>> state() {
    std::vector<std::span<T>> s;
    for (std::size_t i = 0; i < self().depth(); ++i) self().visit(i, [&](auto& l) { layer_ops::collect_state(l, s); });
    return s;
  }
  std::vector<std::span<const T>> state() const {
    std::vector<std::span<const T>> s;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) { layer_ops::collect_state(l, s); });
    return s;
  }

  // Batch statistics (see layer.hpp): size of one chunk's export, the export after
  // forward_train, and the update from every chunk of a batch, in chunk order.
  std::size_t statistics_size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < self().depth(); ++i) self().visit(i, [&](const auto& l) { n += layer_ops::statistics_size(l); });
    return n;
  }
  void export_statistics(const Workspace<T>& ws, T* out) const {
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) {
        layer_ops::export_statistics(l, ws.z[i].data(), ws.capacity, out);
        out += layer_ops::statistics_size(l);
      });
  }
  void update_statistics(const std::vector<std::vector<T>>& chunks, const std::vector<std::size_t>& rows) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](auto& l) {
        layer_ops::update_statistics(l, chunks, offset, rows);
        offset += layer_ops::statistics_size(l);
      });
  }

  // Re-initialise every layer from independent streams of rng.
  void initialize(Rng& rng) {
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](auto& l) {
        Rng r = rng.split(i);
        l.initialize(r);
      });
  }

  // Copy all weights (and state) from another network of the same shape (any Network type).
  template <class Other>
  void copy_weights_from(const Other& other) {
    auto copy = [](auto src, auto dst) {
      if (src.size() != dst.size()) throw ConfigError("copy_weights_from: networks differ in depth");
      for (std::size_t i = 0; i < dst.size(); ++i)
        if (src[i].size() != dst[i].size()) throw ConfigError("copy_weights_from: layer shapes differ");
      for (std::size_t i = 0; i < dst.size(); ++i) std::copy(src[i].begin(), src[i].end(), dst[i].begin());
    };
    copy(other.parameters(), parameters());
    copy(other.state(), state());
  }

 protected:
  void check_columns(std::size_t cols) const {
    if (cols != inputs())
      throw InputError("network input has " + std::to_string(cols) + " columns, the network expects " +
                       std::to_string(inputs()));
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace locus::nn
