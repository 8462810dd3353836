#pragma once
// Residual<Layers...>: a block with a skip connection, y = body(x) + shortcut(x), where the
// body is Chain<Layers...>. When the body keeps the width the shortcut is the identity;
// otherwise it is a projection, LayerNorm followed by a learned linear map, as paper 004's
// Figure 4 draws it:
//   Residual(Dense<Linear>(128, 64, rng), LayerNorm(64), Activate<Gelu>(64), Dropout(64, 0.4))
// Parameter blocks: the body's, then (with a projection) LayerNorm's γ, β and the map's W, b.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/simd.hpp"
#include "activations.hpp"
#include "chain.hpp"
#include "dense.hpp"
#include "layer.hpp"
#include "layer_norm.hpp"

namespace locus::nn {

template <class... Layers>
class Residual {
 public:
  using body_type = Chain<Layers...>;
  using value_type = typename body_type::value_type;
  using T = value_type;
  static constexpr std::string_view kind = "residual";

  Residual() = default;
  explicit Residual(Layers... layers) : body_(std::move(layers)...) {
    if (projects()) {
      norm_ = LayerNorm<T>(inputs());
      proj_ = Dense<Linear, T>(inputs(), outputs());
    }
  }

  const body_type& body() const { return body_; }
  body_type& body() { return body_; }
  bool projects() const { return body_.inputs() != body_.outputs(); }
  const LayerNorm<T>& projection_norm() const { return norm_; }
  const Dense<Linear, T>& projection() const { return proj_; }

  void initialize(Rng& rng) {
    Rng rb = rng.split(0);
    body_.initialize(rb);
    if (projects()) {
      Rng rp = rng.split(1);
      norm_.initialize(rp);
      proj_.initialize(rp);
    }
  }
  std::size_t inputs() const { return body_.inputs(); }
  std::size_t outputs() const { return body_.outputs(); }

  std::size_t parameter_blocks() const { return body_.parameter_blocks() + (projects() ? 4 : 0); }
  void collect_parameters(std::vector<std::span<T>>& p) {
    body_.collect_parameters(p);
    if (projects()) {
      norm_.collect_parameters(p);
      proj_.collect_parameters(p);
    }
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    body_.collect_parameters(p);
    if (projects()) {
      norm_.collect_parameters(p);
      proj_.collect_parameters(p);
    }
  }
  void collect_state(std::vector<std::span<T>>& s) { body_.collect_state(s); }
  void collect_state(std::vector<std::span<const T>>& s) const { body_.collect_state(s); }

  // Inference scratch: the body's, reused afterwards for the projection's two buffers.
  std::size_t scratch_size(std::size_t ld) const {
    return std::max(body_.scratch_size(ld), projects() ? (inputs() + outputs()) * ld : 0);
  }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* scratch) const {
    using B = simd::batch<T>;
    body_.infer_fm(x, ldx, n, a, ld, scratch);
    const T* s = x;
    std::size_t lds = ldx;
    if (projects()) {
      T* normed = scratch;
      T* projected = scratch + inputs() * ld;
      norm_.infer_fm(x, ldx, n, normed, ld, nullptr);
      proj_.infer_fm(normed, ld, n, projected, ld, nullptr);
      s = projected;
      lds = ld;
    }
    for (std::size_t q = 0; q < outputs(); ++q)
      for (std::size_t r = 0; r < n; r += simd::lanes<T>)
        (B::load_unaligned(a + q * ld + r) + B::load_unaligned(s + q * lds + r)).store_unaligned(a + q * ld + r);
  }

  // Training cache: body cache | body output | copy of dL/dy | [norm cache | normed |
  // map cache | projected | dL/d normed | dL/dx of the shortcut]
  std::size_t cache_size(std::size_t ld) const {
    std::size_t s = body_.cache_size(ld) + 2 * outputs() * ld;
    if (projects()) s += norm_.cache_size(ld) + proj_.cache_size(ld) + 3 * inputs() * ld + outputs() * ld;
    return s;
  }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass& pass) const {
    const Parts p = parts(cache, ld);
    body_.forward_train_fm(x, ldx, n, p.body_out, ld, p.body, pass.child(0));
    const T* s = x;
    std::size_t lds = ldx;
    if (projects()) {
      norm_.forward_train_fm(x, ldx, n, p.normed, ld, p.norm, pass.child(1));
      proj_.forward_train_fm(p.normed, ld, n, p.projected, ld, p.proj, pass.child(2));
      s = p.projected;
      lds = ld;
    }
    for (std::size_t q = 0; q < outputs(); ++q)
      for (std::size_t r = 0; r < n; ++r) a[q * ld + r] = p.body_out[q * ld + r] + s[q * lds + r];
  }
  void backward_train_fm(const T* x, std::size_t ldx, T* cache, const T*, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    const Parts p = parts(cache, ld);
    const std::size_t out = outputs(), in = inputs(), bb = body_.parameter_blocks();
    for (std::size_t q = 0; q < out; ++q) std::copy_n(da + q * ld, n, p.dcopy + q * ld);
    body_.backward_train_fm(x, ldx, p.body, p.body_out, da, ld, n, grads, accumulate, dx, lddx, pass.child(0));
    if (projects()) {
      proj_.backward_train_fm(p.normed, ld, p.proj, p.projected, p.dcopy, ld, n, grads + bb + 2, accumulate, p.dnormed,
                              ld, pass.child(2));
      norm_.backward_train_fm(x, ldx, p.norm, p.normed, p.dnormed, ld, n, grads + bb, accumulate,
                              dx ? p.dshort : nullptr, ld, pass.child(1));
    }
    if (!dx) return;
    const T* s = projects() ? p.dshort : p.dcopy;
    for (std::size_t q = 0; q < in; ++q)
      for (std::size_t r = 0; r < n; ++r) dx[q * lddx + r] += s[q * ld + r];
  }

  std::size_t statistics_size() const { return body_.statistics_size(); }
  void export_statistics(const T* cache, std::size_t ld, T* out) const { body_.export_statistics(cache, ld, out); }
  void update_statistics(const std::vector<std::vector<T>>& chunks, std::size_t offset,
                         const std::vector<std::size_t>& rows) {
    body_.update_statistics(chunks, offset, rows);
  }

 private:
  struct Parts {
    T *body, *body_out, *dcopy, *norm, *normed, *proj, *projected, *dnormed, *dshort;
  };
  Parts parts(T* c, std::size_t ld) const {
    Parts p{};
    const std::size_t in = inputs(), out = outputs();
    p.body = c;
    c += body_.cache_size(ld);
    p.body_out = c;
    c += out * ld;
    p.dcopy = c;
    c += out * ld;
    if (projects()) {
      p.norm = c;
      c += norm_.cache_size(ld);
      p.normed = c;
      c += in * ld;
      p.proj = c;
      c += proj_.cache_size(ld);
      p.projected = c;
      c += out * ld;
      p.dnormed = c;
      c += in * ld;
      p.dshort = c;
    }
    return p;
  }

  body_type body_;
  LayerNorm<T> norm_;
  Dense<Linear, T> proj_;
};

}  // namespace locus::nn
