#pragma once
// Network<Derived, T>: the algorithms shared by Stack (compile-time layers) and
// DynamicStack (run-time layers). Both only say how to reach their i-th layer as a concrete
// Dense<Act, T>; everything below (predict, streaming, training passes, parameter access)
// is written once, so the two run exactly the same kernels.
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

namespace locus::nn {

// Per-batch buffers for training passes; sized once, reused for every batch.
template <class T>
struct Workspace {
  std::size_t capacity = 0;               // leading dimension: rows rounded up to the lane width (+ padding)
  std::vector<T> x;                       // input, feature-major [in × capacity]
  std::vector<std::vector<T>> z, a;       // per layer pre-activation and activation
  std::vector<T> d0, d1;                  // back-propagated gradients (ping-pong)
  T* input() { return x.data(); }
  T* output() { return a.back().data(); }
  // dL/d(output), feature-major [out × capacity]; filled by the caller before backward().
  T* output_grad() { return d0.data(); }
};

// Gradients of all parameters, in the order of Network::parameters(): W0, b0, W1, b1, ...
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
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) { n += l.inputs() * l.outputs() + l.outputs(); });
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
    std::vector<std::vector<T>> buffers(nt);
    for (auto& b : buffers) b.resize(2 * width * ld);
    parallel_for_static(chunks, nt, [&](std::size_t t, std::size_t c) {
      const std::size_t r0 = c * chunk, rows = std::min(chunk, n - r0), np = simd::round_up<T>(rows);
      T* cur = buffers[t].data();
      T* nxt = cur + width * ld;
      kernels::to_feature_major(x + r0 * in, in, rows, in, cur, ld, np);
      for (std::size_t i = 0; i < self().depth(); ++i) {
        self().visit(i, [&](const auto& l) { l.forward_fm(cur, ld, np, nxt, ld); });
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
        ws.z.emplace_back(l.outputs() * ws.capacity, T(0));
        ws.a.emplace_back(l.outputs() * ws.capacity, T(0));
      });
    ws.d0.assign(max_width() * ws.capacity, T(0));
    ws.d1.assign(max_width() * ws.capacity, T(0));
    return ws;
  }

  Gradients<T> make_gradients() const {
    Gradients<T> g;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) {
        g.emplace_back(l.inputs() * l.outputs(), T(0));
        g.emplace_back(l.outputs(), T(0));
      });
    return g;
  }

  // Forward pass keeping what backward() needs. ws.input() holds the batch feature-major
  // with leading dimension ws.capacity; n_pad is the row count rounded up to lanes, with
  // padding rows zero.
  void forward_train(Workspace<T>& ws, std::size_t n_pad) const {
    const T* cur = ws.x.data();
    for (std::size_t i = 0; i < self().depth(); ++i) {
      self().visit(i, [&](const auto& l) { l.forward_fm(cur, ws.capacity, n_pad, ws.a[i].data(), ws.capacity, ws.z[i].data()); });
      cur = ws.a[i].data();
    }
  }

  // Back-propagates ws.output_grad() (dL/d output; zero in padding rows) and writes (or
  // adds, if accumulate) the parameter gradients into g. If dx is non-null it receives
  // dL/d input, feature-major with leading dimension ws.capacity.
  void backward(Workspace<T>& ws, std::size_t n_pad, Gradients<T>& g, bool accumulate = false, T* dx = nullptr) const {
    T* d = ws.d0.data();
    T* other = ws.d1.data();
    for (std::size_t k = self().depth(); k-- > 0;) {
      const T* xin = k == 0 ? ws.x.data() : ws.a[k - 1].data();
      T* dprev = k == 0 ? dx : other;
      self().visit(k, [&](const auto& l) {
        l.backward_fm(xin, ws.capacity, ws.z[k].data(), ws.a[k].data(), d, ws.capacity, n_pad, g[2 * k].data(),
                      g[2 * k + 1].data(), accumulate, dprev, ws.capacity);
      });
      std::swap(d, other);
    }
  }

  // Spans over all parameters: W0, b0, W1, b1, ... (what optimizers update).
  std::vector<std::span<T>> parameters() {
    std::vector<std::span<T>> p;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](auto& l) {
        p.emplace_back(l.weights().data(), l.weights().size());
        p.emplace_back(l.bias().data(), l.bias().size());
      });
    return p;
  }
  std::vector<std::span<const T>> parameters() const {
    std::vector<std::span<const T>> p;
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](const auto& l) {
        p.emplace_back(l.weights().data(), l.weights().size());
        p.emplace_back(l.bias().data(), l.bias().size());
      });
    return p;
  }

  // Re-initialise every layer from independent streams of rng.
  void initialize(Rng& rng) {
    for (std::size_t i = 0; i < self().depth(); ++i)
      self().visit(i, [&](auto& l) {
        Rng r = rng.split(i);
        l.initialize(r);
      });
  }

  // Copy all weights from another network of the same shape (any Network type).
  template <class Other>
  void copy_weights_from(const Other& other) {
    auto src = other.parameters();
    auto dst = parameters();
    if (src.size() != dst.size()) throw ConfigError("copy_weights_from: networks differ in depth");
    for (std::size_t i = 0; i < dst.size(); ++i) {
      if (src[i].size() != dst[i].size()) throw ConfigError("copy_weights_from: layer shapes differ");
      std::copy(src[i].begin(), src[i].end(), dst[i].begin());
    }
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
