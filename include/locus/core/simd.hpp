#pragma once
// xsimd glue shared by the kernels: batch types, lane counts and helpers that let one
// templated formula serve both scalars (float/double) and xsimd batches.
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <xsimd/xsimd.hpp>

namespace locus::simd {

template <class T>
using batch = xsimd::batch<T>;  // widest instruction set enabled at compile time
template <class T>
inline constexpr std::size_t lanes = batch<T>::size;

template <class V>
struct scalar_of {
  using type = typename V::value_type;
};
template <class V>
  requires std::is_arithmetic_v<V>
struct scalar_of<V> {
  using type = V;
};
template <class V>
using scalar_t = typename scalar_of<V>::type;

// select(mask, a, b) for scalars; batches use xsimd::select, found by ADL.
template <class T>
  requires std::is_arithmetic_v<T>
inline T select(bool c, T a, T b) {
  return c ? a : b;
}
using xsimd::select;

template <class V>
inline V load(const scalar_t<V>* p) {
  if constexpr (std::is_arithmetic_v<V>)
    return *p;
  else
    return V::load_unaligned(p);
}
template <class V>
inline void store(scalar_t<V>* p, V v) {
  if constexpr (std::is_arithmetic_v<V>)
    *p = v;
  else
    v.store_unaligned(p);
}

// Round n up to a multiple of the lane count.
template <class T>
constexpr std::size_t round_up(std::size_t n) {
  return (n + lanes<T> - 1) / lanes<T> * lanes<T>;
}

}  // namespace locus::simd
