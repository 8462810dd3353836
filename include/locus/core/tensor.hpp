#pragma once
// Tensor aliases. Public data is batch-major: rows are stars, columns are features.
#include <cstddef>
#include <xtensor/xtensor.hpp>

namespace locus {

template <class T>
using Matrix = xt::xtensor<T, 2>;  // row-major [rows × cols]
template <class T>
using Vector = xt::xtensor<T, 1>;

// A non-owning, strided view of a row-major block, used by kernels to avoid copies.
template <class T>
struct MatrixRef {
  T* data = nullptr;
  std::size_t rows = 0, cols = 0, ld = 0;  // ld: distance between consecutive rows
  T& operator()(std::size_t r, std::size_t c) const { return data[r * ld + c]; }
  T* row(std::size_t r) const { return data + r * ld; }
};

template <class T>
MatrixRef<T> ref(Matrix<T>& m) {
  return {m.data(), m.shape(0), m.shape(1), m.shape(1)};
}
template <class T>
MatrixRef<const T> ref(const Matrix<T>& m) {
  return {m.data(), m.shape(0), m.shape(1), m.shape(1)};
}

}  // namespace locus
