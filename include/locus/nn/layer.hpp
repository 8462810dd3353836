#pragma once
// The layer contract: what Stack, DynamicStack and the composite layers (Chain, Residual,
// Heads) need from a layer type L with scalar type T = L::value_type. It is the concept
// NetworkLayer below; Stack, Chain and Heads check it member by member, so a compiler error
// names the missing member.
//
// Buffers are feature-major: feature q of row r lives at p[q*ld + r]; n is the row count
// rounded up to the SIMD lane width, and rows beyond TrainPass::rows are zero padding.
//
//   std::size_t inputs() const, outputs() const;
//   void initialize(Rng&);                               // fresh parameters
//   std::size_t parameter_blocks() const;                // how many parameter spans
//   void collect_parameters(std::vector<std::span<T>>&);           // appends them, in order
//   void collect_parameters(std::vector<std::span<const T>>&) const;
//   std::size_t scratch_size(std::size_t ld) const;      // inference scratch, in T
//   void infer_fm(const T* x, ldx, n, T* a, ld, T* scratch) const;  // inference mode
//   std::size_t cache_size(std::size_t ld) const;        // training cache, in T
//   void forward_train_fm(const T* x, ldx, n, T* a, ld, T* cache, const TrainPass&) const;
//   void backward_train_fm(const T* x, ldx, T* cache, const T* a, T* da, ld, n,
//                          std::vector<T>* grads, bool accumulate, T* dx, lddx,
//                          const TrainPass&) const;
// backward_train_fm receives dL/da in da (which it may overwrite) and writes the gradients
// of its parameter blocks to grads[0 .. parameter_blocks()) (added to them if accumulate)
// and dL/dx to dx unless dx is null. It must leave dx zero in padding rows, so that the
// layers below never see gradient from rows that do not exist.
//
// Optional members, for layers with non-trained state (BatchNorm's running statistics):
//   void collect_state(std::vector<std::span<T>>&) [const];   // saved with the weights
//   std::size_t statistics_size() const;                        // per-chunk batch statistics
//   void export_statistics(const T* cache, std::size_t ld, T* out) const;
//   void update_statistics(const std::vector<std::vector<T>>& chunks, std::size_t offset,
//                          const std::vector<std::size_t>& rows);
// The trainer exports each chunk's statistics after the forward pass and, once the batch's
// gradients are summed, calls update_statistics with every chunk in chunk order, so the
// state does not depend on the thread count.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>
#include "../core/rng.hpp"

namespace locus::nn {

// What a training pass tells each layer: the real row count, a seed for the layer's
// randomness (dropout masks, sampled weights) and the rows of the whole mini-batch the pass
// is a chunk of (0: the chunk is the batch), for terms counted once per batch (a KL term).
// Composite layers give each child its own stream.
struct TrainPass {
  std::size_t rows = 0;
  std::uint64_t seed = 0;
  std::size_t batch_rows = 0;
  TrainPass child(std::size_t i) const { return {rows, stream_seed(i), batch_rows}; }
  // This chunk's share of the batch.
  double batch_share() const { return batch_rows == 0 ? 1.0 : double(rows) / double(batch_rows); }
  // The seed of Rng(seed).split(i), without seeding a generator.
  std::uint64_t stream_seed(std::uint64_t i) const {
    return locus::detail::splitmix64(seed ^ locus::detail::splitmix64(i + 0x632BE59BD9B4E019ull));
  }
};

template <class L>
concept NetworkLayer = requires(const L& c, L& m, const typename L::value_type* x, typename L::value_type* y,
                                std::size_t n, std::vector<std::span<typename L::value_type>>& ps,
                                std::vector<std::span<const typename L::value_type>>& cps,
                                std::vector<typename L::value_type>* g, const TrainPass& pass, Rng& rng) {
  { c.inputs() } -> std::convertible_to<std::size_t>;
  { c.outputs() } -> std::convertible_to<std::size_t>;
  m.initialize(rng);
  { c.parameter_blocks() } -> std::convertible_to<std::size_t>;
  m.collect_parameters(ps);
  c.collect_parameters(cps);
  { c.scratch_size(n) } -> std::convertible_to<std::size_t>;
  c.infer_fm(x, n, n, y, n, y);
  { c.cache_size(n) } -> std::convertible_to<std::size_t>;
  c.forward_train_fm(x, n, n, y, n, y, pass);
  c.backward_train_fm(x, n, y, x, y, n, n, g, true, y, n, pass);
};

namespace detail {
// NetworkLayer one member at a time, so that the message names the missing one.
template <class L>
consteval bool check_layer() {
  static_assert(requires { typename L::value_type; }, "a layer needs `using value_type = T` (its scalar type)");
  if constexpr (requires { typename L::value_type; }) {
    using T = typename L::value_type;
    static_assert(requires(const L& c) { { c.inputs() } -> std::convertible_to<std::size_t>; },
                  "a layer needs `std::size_t inputs() const`");
    static_assert(requires(const L& c) { { c.outputs() } -> std::convertible_to<std::size_t>; },
                  "a layer needs `std::size_t outputs() const`");
    static_assert(requires(L& m, Rng& rng) { m.initialize(rng); }, "a layer needs `void initialize(Rng&)`");
    static_assert(requires(const L& c) { { c.parameter_blocks() } -> std::convertible_to<std::size_t>; },
                  "a layer needs `std::size_t parameter_blocks() const`");
    static_assert(requires(L& m, std::vector<std::span<T>>& ps) { m.collect_parameters(ps); },
                  "a layer needs `void collect_parameters(std::vector<std::span<T>>&)`");
    static_assert(requires(const L& c, std::vector<std::span<const T>>& ps) { c.collect_parameters(ps); },
                  "a layer needs `void collect_parameters(std::vector<std::span<const T>>&) const`");
    static_assert(requires(const L& c, std::size_t n) { { c.scratch_size(n) } -> std::convertible_to<std::size_t>; },
                  "a layer needs `std::size_t scratch_size(std::size_t ld) const`");
    static_assert(requires(const L& c, std::size_t n) { { c.cache_size(n) } -> std::convertible_to<std::size_t>; },
                  "a layer needs `std::size_t cache_size(std::size_t ld) const`");
    static_assert(requires(const L& c, const T* x, T* y, std::size_t n) { c.infer_fm(x, n, n, y, n, y); },
                  "a layer needs `void infer_fm(const T* x, size_t ldx, size_t n, T* a, size_t ld, T* scratch) const`");
    static_assert(requires(const L& c, const T* x, T* y, std::size_t n, const TrainPass& pass) {
      c.forward_train_fm(x, n, n, y, n, y, pass);
    }, "a layer needs `void forward_train_fm(const T* x, size_t ldx, size_t n, T* a, size_t ld, T* cache, "
       "const TrainPass&) const`");
    static_assert(requires(const L& c, const T* x, T* y, std::size_t n, std::vector<T>* g, const TrainPass& pass) {
      c.backward_train_fm(x, n, y, x, y, n, n, g, true, y, n, pass);
    }, "a layer needs `void backward_train_fm(const T* x, size_t ldx, T* cache, const T* a, T* da, size_t ld, "
       "size_t n, std::vector<T>* grads, bool accumulate, T* dx, size_t lddx, const TrainPass&) const`");
  }
  return NetworkLayer<L>;
}
}  // namespace detail

namespace layer_ops {
// The optional members, with their defaults for stateless layers.
template <class L>
void collect_state(L& l, auto& out) {
  if constexpr (requires { l.collect_state(out); }) l.collect_state(out);
}
template <class L>
std::size_t statistics_size(const L& l) {
  if constexpr (requires { l.statistics_size(); })
    return l.statistics_size();
  else
    return 0;
}
template <class L, class T>
void export_statistics(const L& l, const T* cache, std::size_t ld, T* out) {
  if constexpr (requires { l.export_statistics(cache, ld, out); }) l.export_statistics(cache, ld, out);
}
template <class L, class T>
void update_statistics(L& l, const std::vector<std::vector<T>>& chunks, std::size_t offset,
                       const std::vector<std::size_t>& rows) {
  if constexpr (requires { l.update_statistics(chunks, offset, rows); }) l.update_statistics(chunks, offset, rows);
}
}  // namespace layer_ops

}  // namespace locus::nn
