#pragma once
// Keyword options from Python: each is taken once, converted, and checked; keys nobody took are
// a ValueError that lists the valid ones (a typo must not be silently ignored).
#include <pybind11/pybind11.h>

#include <set>
#include <string>
#include <utility>

namespace locus_py {

namespace py = pybind11;

class Options {
 public:
  Options(py::dict d, std::string where) : d_(std::move(d)), where_(std::move(where)) {}

  template <class T>
  T get(const std::string& key, T fallback) {
    known_.insert(key);
    if (!d_.contains(key) || d_[py::str(key)].is_none()) return fallback;
    try {
      return d_[py::str(key)].cast<T>();
    } catch (const py::cast_error&) {
      throw py::type_error(where_ + ": option '" + key + "' has type " +
                           std::string(py::str(py::type::of(d_[py::str(key)]).attr("__name__"))));
    }
  }
  bool has(const std::string& key) {
    known_.insert(key);
    return d_.contains(key) && !d_[py::str(key)].is_none();
  }
  py::object object(const std::string& key) {
    known_.insert(key);
    return d_.contains(key) ? py::reinterpret_borrow<py::object>(d_[py::str(key)]) : py::none();
  }
  // A number that must lie in [lo, hi].
  template <class T>
  T number(const std::string& key, T fallback, T lo, T hi) {
    const T v = get<T>(key, fallback);
    if (!(v >= lo && v <= hi))
      throw py::value_error(where_ + ": option '" + key + "' = " + std::to_string(v) + " is outside [" + std::to_string(lo) +
                            ", " + std::to_string(hi) + "]");
    return v;
  }
  std::string choice(const std::string& key, std::string fallback, std::initializer_list<const char*> allowed) {
    const auto v = get<std::string>(key, std::move(fallback));
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return v;
      list += std::string(list.empty() ? "" : ", ") + "'" + a + "'";
    }
    throw py::value_error(where_ + ": option '" + key + "' = '" + v + "' is not one of " + list);
  }
  // Throws for keys no get() asked about.
  void finish() const {
    for (auto item : d_) {
      const std::string k = py::str(item.first);
      if (known_.count(k)) continue;
      std::string list;
      for (const auto& s : known_) list += (list.empty() ? "" : ", ") + s;
      throw py::value_error(where_ + ": unknown option '" + k + "' (options: " + list + ")");
    }
  }

 private:
  py::dict d_;
  std::string where_;
  std::set<std::string> known_;
};

}  // namespace locus_py
