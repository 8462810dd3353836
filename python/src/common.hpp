#pragma once
// What every part of the module shares: columns from Python into an io::Catalog and back out
// as numpy arrays, the GIL while C++ loops run, and Ctrl-C.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/io/catalog.hpp>
#include <locus/io/status.hpp>
#include <locus/pipeline/column_map.hpp>

namespace locus_py {

namespace py = pybind11;

// A numpy array that owns a C++ vector: the values change owner, they are not copied.
template <class T>
py::array_t<T> adopt(std::vector<T>&& v) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_it(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owner->size())}, {static_cast<py::ssize_t>(sizeof(T))}, owner->data(),
                        free_it);
}

// One catalogue column from a Python object: a 1-D float32 or float64 array (anything numpy
// can view as one, such as a pandas Series). Integer columns (pandas reads whole numbers as
// int64) are widened to float64; other dtypes (strings, objects, complex, bool) are a
// TypeError and other shapes a ValueError, naming the column.
inline py::array column_array(const std::string& name, py::handle value) {
  py::array a = py::array::ensure(value);
  if (!a) throw py::type_error("column '" + name + "' is not an array");
  const char kind = a.dtype().kind();
  if (kind == 'i' || kind == 'u') a = a.attr("astype")("float64");
  else if (kind != 'f' || (a.itemsize() != 4 && a.itemsize() != 8))
    throw py::type_error("column '" + name + "' has dtype " + std::string(py::str(a.dtype())) +
                         "; locus reads float32 or float64 (or integer) columns");
  if (a.ndim() != 1)
    throw py::value_error("column '" + name + "' has " + std::to_string(a.ndim()) + " dimensions; a column has 1");
  return a;
}

// How a missing star input (NaN, or the map's sentinel) is treated: flagged as the catalogue
// readers do (status missing_value, value NaN), or a ValueError naming the column and row.
enum class OnMissing { flag, error };

// A catalogue from a mapping of names to columns (a dict, or the dict the Python layer makes of
// a DataFrame). `required` columns must be there and be float; `optional` ones are taken when
// present. Values are copied once, into the catalogue's own columns, keeping their dtype;
// strided arrays are fine. In the `inputs` columns a missing value is handled as `on_missing`
// says, with the same status bits the file readers set.
inline locus::io::Catalog to_catalog(const py::dict& data, const std::vector<std::string>& required,
                                     const std::vector<std::string>& optional = {},
                                     const std::vector<std::string>& inputs = {}, double sentinel = -99.0,
                                     OnMissing on_missing = OnMissing::flag) {
  std::vector<std::pair<std::string, py::array>> cols;
  for (const auto& name : required) {
    if (!data.contains(name)) {
      std::string have;
      for (auto item : data) have += (have.empty() ? "" : ", ") + std::string(py::str(item.first));
      throw py::value_error("missing column '" + name + "' (the data has: " + have + ")");
    }
    cols.emplace_back(name, column_array(name, data[py::str(name)]));
  }
  for (const auto& name : optional)
    if (data.contains(name) && std::find(required.begin(), required.end(), name) == required.end())
      cols.emplace_back(name, column_array(name, data[py::str(name)]));
  const std::size_t n = cols.empty() ? 0 : static_cast<std::size_t>(cols.front().second.shape(0));
  for (const auto& [name, a] : cols)
    if (static_cast<std::size_t>(a.shape(0)) != n)
      throw py::value_error("column '" + name + "' has " + std::to_string(a.shape(0)) + " rows but column '" +
                            cols.front().first + "' has " + std::to_string(n));
  locus::io::Catalog cat(n);
  // an earlier run's status column (the posterior's, say) carries over, as the file readers do
  if (data.contains("status")) {
    py::array st = py::array::ensure(data["status"]);
    if (st && (st.dtype().kind() == 'u' || st.dtype().kind() == 'i') && st.ndim() == 1 && static_cast<std::size_t>(st.shape(0)) == n) {
      py::array_t<std::int64_t> v = st.attr("astype")("int64");
      auto r = v.unchecked<1>();
      for (std::size_t i = 0; i < n; ++i) cat.flag(i, static_cast<locus::io::status_t>(r(static_cast<py::ssize_t>(i))));
    }
  }
  for (const auto& [name, a] : cols) {
    const bool input = std::find(inputs.begin(), inputs.end(), name) != inputs.end();
    auto copy = [&](auto tag) {
      using T = decltype(tag);
      auto v = a.unchecked<T, 1>();
      std::vector<T> out(n);
      for (std::size_t i = 0; i < n; ++i) {
        T x = v(static_cast<py::ssize_t>(i));
        if (input && (std::isnan(x) || x == static_cast<T>(sentinel))) {
          if (on_missing == OnMissing::error)
            throw py::value_error("column '" + name + "', row " + std::to_string(i) +
                                  ": missing value (NaN or the sentinel); pass on_missing='flag' to fit the other stars");
          x = std::numeric_limits<T>::quiet_NaN();
          cat.flag(i, locus::io::status::missing_value);
        }
        out[i] = x;
      }
      cat.add_column<T>(name, std::move(out));
    };
    if (a.itemsize() == 4) copy(float{});
    else copy(double{});
  }
  return cat;
}

// The truth columns a ColumnMap names (empty names mean none).
inline std::vector<std::string> truth_columns(const locus::pipeline::ColumnMap& map) {
  std::vector<std::string> out;
  for (const auto& t : map.truth)
    if (!t.empty()) out.push_back(t);
  return out;
}

// A JSON value as the Python object json.loads makes of it (configurations, tables).
inline py::object json_to_py(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

// The named status bits of each row ("ok", or names joined by '|').
inline py::list status_names(std::span<const locus::io::status_t> s) {
  py::list out;
  for (auto v : s) out.append(locus::io::describe_status(v));
  return out;
}

// A catalogue's numeric columns (moved out), its status column and the decoded status, as a
// dict of numpy arrays in column order. `skip` columns are left out (the caller's own input).
inline py::dict from_catalog(locus::io::Catalog&& cat, const std::vector<std::string>& skip = {}) {
  py::dict out;
  for (const auto& name : cat.names()) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    auto data = cat.release_column(name);
    std::visit([&](auto& v) { out[py::str(name)] = adopt(std::move(v)); }, data);
  }
  std::vector<std::uint32_t> st(cat.status().begin(), cat.status().end());
  py::list names = status_names(st);
  out["status"] = adopt(std::move(st));
  out["status_names"] = names;
  return out;
}

// Runs f with the GIL released (C++ loops then run beside Python threads and Dask's threaded
// scheduler).
template <class F>
decltype(auto) without_gil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

// Called from C++ while the GIL is released: if Python has a pending signal (Ctrl-C), ask the
// running locus loop to stop (it throws locus::Interrupted, which becomes KeyboardInterrupt).
inline void poll_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    PyErr_Clear();
    locus::interrupt::request();
  }
}

// Reads a ColumnMap's overrides from a dict: keys r, r_err, ar_sfd, ug, gr, ri, iz (colours),
// ugErr ... (errors: key + "_err"), and truth_Mr, truth_Ar, truth_FeH.
locus::pipeline::ColumnMap column_map(const py::object& columns, double sentinel = -99.0);

}  // namespace locus_py
