#pragma once
// SearchSpace and Configuration: what a tuner searches over.
//
// A SearchSpace is an ordered list of named parameters: integers and floats on a linear or
// log scale, categoricals, and conditional parameters that exist only when an earlier
// parameter allows them (the units of layer k exist only when layers >= k). A Configuration
// holds the values of the *active* parameters only, in declaration order.
//
// Three coordinate systems are used:
// - values: what the objective sees (int64, double, string);
// - unit coordinates u in [0,1), one per parameter: sampling, Latin-hypercube designs and
//   local moves work here, the scale (linear/log) is folded in;
// - the encoding in [0,1]^d used by the Gaussian process (see encode()).
//
// Encoding choice (documented in docs/tuning.md): numeric parameters are encoded by their
// unit coordinate; a categorical with k choices is ONE-HOT encoded in k coordinates. An
// ordinal encoding (Keras Tuner's) would place "elu" next to "gelu" and far from "tanh"
// only because of the order of a list; with one-hot every pair of distinct choices is at the
// same distance, so the GP learns nothing that is not in the data. An inactive parameter
// encodes as 0 in all its coordinates: a categorical block of zeros is at the same distance
// from every choice, and a numeric 0 is its lower edge (for "units of an absent layer" the
// closest active value is the smallest layer, which is a sensible neighbour).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>
#include <nlohmann/json.hpp>
#include <locus/core/errors.hpp>
#include <locus/core/rng.hpp>

namespace locus::tune {

// A parameter value: integer, float or categorical choice.
using Value = std::variant<std::int64_t, double, std::string>;

namespace detail {
inline void fnv1a(std::uint64_t& h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001B3ull;
  }
}
inline std::string format_double(double v) {
  std::ostringstream os;
  os << std::setprecision(6) << v;
  return os.str();
}
}  // namespace detail

// Configuration: the active parameters of one point of a SearchSpace, as (name, value)
// pairs in declaration order. Prints as "layers=3, units_1=45, activation_1=gelu";
// to_json()/from_json() round-trip exactly (doubles are written with 17 significant digits
// by nlohmann_json's shortest round-trip formatting). hash() identifies a configuration
// independently of insertion order, so tuners never train the same configuration twice.
class Configuration {
 public:
  using Item = std::pair<std::string, Value>;

  Configuration() = default;
  Configuration(std::initializer_list<Item> items) : items_(items) {}

  // Sets `name` (replacing an existing value, else appending).
  void set(const std::string& name, Value v) {
    for (auto& it : items_)
      if (it.first == name) {
        it.second = std::move(v);
        return;
      }
    items_.emplace_back(name, std::move(v));
  }
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  const Value& at(const std::string& name) const {
    if (const Value* v = find(name)) return *v;
    throw ConfigError("configuration has no parameter \"" + name + "\" (it is unknown or inactive): " + to_string());
  }
  std::int64_t get_int(const std::string& name) const {
    const Value& v = at(name);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    throw ConfigError("parameter \"" + name + "\" is not an integer");
  }
  double get_float(const std::string& name) const {
    const Value& v = at(name);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    throw ConfigError("parameter \"" + name + "\" is not numeric");
  }
  const std::string& get_string(const std::string& name) const {
    const Value& v = at(name);
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    throw ConfigError("parameter \"" + name + "\" is not categorical");
  }
  const std::vector<Item>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }

  std::string to_string() const {
    std::string out;
    for (const auto& [name, v] : items_) {
      if (!out.empty()) out += ", ";
      out += name + "=" + value_string(v);
    }
    return out;
  }
  static std::string value_string(const Value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return detail::format_double(*d);
    return std::get<std::string>(v);
  }

  nlohmann::json to_json() const {
    nlohmann::json j = nlohmann::json::object();
    // (no structured binding: clang before 16 cannot capture one in the lambda)
    for (const auto& item : items_)
      std::visit([&](const auto& x) { j[item.first] = x; }, item.second);
    return j;
  }
  // JSON integers become int64, other numbers double, strings categorical choices.
  // Member order follows the JSON object (nlohmann sorts keys); SearchSpace::canonical()
  // restores declaration order.
  static Configuration from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw FormatError("configuration JSON must be an object, got: " + j.dump());
    Configuration c;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& v = it.value();
      if (v.is_number_integer())
        c.items_.emplace_back(it.key(), v.get<std::int64_t>());
      else if (v.is_number())
        c.items_.emplace_back(it.key(), v.get<double>());
      else if (v.is_string())
        c.items_.emplace_back(it.key(), v.get<std::string>());
      else
        throw FormatError("configuration JSON: parameter \"" + it.key() + "\" has unsupported value " + v.dump());
    }
    return c;
  }

  // 64-bit FNV-1a over the (name, kind, value) triples sorted by name.
  std::uint64_t hash() const {
    std::vector<const Item*> sorted;
    for (const auto& it : items_) sorted.push_back(&it);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (const Item* it : sorted) {
      detail::fnv1a(h, it->first.data(), it->first.size());
      const unsigned char kind = static_cast<unsigned char>(it->second.index());
      detail::fnv1a(h, &kind, 1);
      if (const auto* i = std::get_if<std::int64_t>(&it->second)) {
        detail::fnv1a(h, i, sizeof *i);
      } else if (const auto* d = std::get_if<double>(&it->second)) {
        const double x = *d == 0.0 ? 0.0 : *d;  // +0 and -0 are the same configuration
        detail::fnv1a(h, &x, sizeof x);
      } else {
        const auto& s = std::get<std::string>(it->second);
        detail::fnv1a(h, s.data(), s.size());
      }
      const unsigned char sep = 0xFF;
      detail::fnv1a(h, &sep, 1);
    }
    return h;
  }

  // Same parameters with the same values, in any order.
  friend bool operator==(const Configuration& a, const Configuration& b) {
    if (a.items_.size() != b.items_.size()) return false;
    for (const auto& [name, v] : a.items_) {
      const Value* w = b.find(name);
      if (!w || *w != v) return false;
    }
    return true;
  }
  friend std::ostream& operator<<(std::ostream& os, const Configuration& c) { return os << c.to_string(); }

 private:
  const Value* find(const std::string& name) const {
    for (const auto& it : items_)
      if (it.first == name) return &it.second;
    return nullptr;
  }
  std::vector<Item> items_;
};

inline std::string hash_hex(std::uint64_t h) {
  char buf[17];
  static const char* digits = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, h >>= 4) buf[i] = digits[h & 15];
  buf[16] = 0;
  return buf;
}

enum class Scale { linear, log };
enum class Kind { integer, real, categorical };

// Condition: a parameter is active only when an earlier parameter satisfies it.
//   Condition::at_least("layers", 3)   — an integer parent >= 3
//   Condition::one_of("optimizer", {"adam", "adamw"}) — a categorical parent in a set
// A parameter whose parent is inactive is inactive too.
struct Condition {
  enum class Op { at_least, one_of };
  std::string parent;
  Op op = Op::at_least;
  std::int64_t threshold = 0;
  std::vector<std::string> values;

  static Condition at_least(std::string parent, std::int64_t k) { return {std::move(parent), Op::at_least, k, {}}; }
  static Condition one_of(std::string parent, std::vector<std::string> values) {
    return {std::move(parent), Op::one_of, 0, std::move(values)};
  }
};

// Parameter: one dimension of a SearchSpace. For integers and floats [lo, hi] is inclusive;
// a log scale needs lo > 0. `offset`/`width` locate it in the GP encoding.
struct Parameter {
  std::string name;
  Kind kind = Kind::real;
  Scale scale = Scale::linear;
  double lo = 0, hi = 1;
  std::vector<std::string> choices;
  std::optional<Condition> condition;
  std::size_t parent_index = 0;  // valid when condition is set
  std::size_t offset = 0, width = 1;
};

// SearchSpace: an ordered set of parameters. Build it with add_int/add_float/
// add_categorical (each returns *this for chaining); a condition's parent must be declared
// before the parameter it controls. Names are unique. All methods are const after building
// and safe to call from several threads.
class SearchSpace {
 public:
  SearchSpace& add_int(const std::string& name, std::int64_t lo, std::int64_t hi, Scale scale = Scale::linear,
                       std::optional<Condition> condition = std::nullopt) {
    if (lo > hi) throw ConfigError("parameter \"" + name + "\": lower bound " + std::to_string(lo) + " > upper bound " + std::to_string(hi));
    if (scale == Scale::log && lo < 1) throw ConfigError("parameter \"" + name + "\": a log-scale integer needs lo >= 1");
    Parameter p;
    p.name = name;
    p.kind = Kind::integer;
    p.scale = scale;
    p.lo = static_cast<double>(lo);
    p.hi = static_cast<double>(hi);
    return add(std::move(p), std::move(condition));
  }
  SearchSpace& add_float(const std::string& name, double lo, double hi, Scale scale = Scale::linear,
                         std::optional<Condition> condition = std::nullopt) {
    if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
      throw ConfigError("parameter \"" + name + "\": need finite lo < hi, got [" + detail::format_double(lo) + ", " + detail::format_double(hi) + "]");
    if (scale == Scale::log && lo <= 0) throw ConfigError("parameter \"" + name + "\": a log-scale float needs lo > 0");
    Parameter p;
    p.name = name;
    p.kind = Kind::real;
    p.scale = scale;
    p.lo = lo;
    p.hi = hi;
    return add(std::move(p), std::move(condition));
  }
  SearchSpace& add_categorical(const std::string& name, std::vector<std::string> choices,
                               std::optional<Condition> condition = std::nullopt) {
    if (choices.empty()) throw ConfigError("parameter \"" + name + "\": a categorical needs at least one choice");
    for (std::size_t i = 0; i < choices.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (choices[i] == choices[j]) throw ConfigError("parameter \"" + name + "\": choice \"" + choices[i] + "\" is listed twice");
    Parameter p;
    p.name = name;
    p.kind = Kind::categorical;
    p.choices = std::move(choices);
    return add(std::move(p), std::move(condition));
  }

  const std::vector<Parameter>& parameters() const { return params_; }
  std::size_t size() const { return params_.size(); }
  // Dimension of the GP encoding (numeric: 1, categorical: number of choices).
  std::size_t encoded_dim() const { return encoded_dim_; }
  std::size_t index_of(const std::string& name) const {
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (params_[i].name == name) return i;
    throw ConfigError("search space has no parameter \"" + name + "\"");
  }

  // A configuration drawn uniformly in unit coordinates (log-uniform on log scales). One
  // uniform is drawn per parameter, active or not, so the stream does not depend on values.
  Configuration sample(Rng& rng) const {
    std::vector<double> u(params_.size());
    sample_unit(rng, u.data());
    return from_unit(u);
  }
  // The unit coordinates sample() draws (size() values into u): sample(rng) is
  // from_unit of them, so tuners that score points before building configurations draw the
  // same stream.
  void sample_unit(Rng& rng, double* u) const {
    for (std::size_t i = 0; i < params_.size(); ++i) u[i] = rng.uniform();
  }

  // Configuration from unit coordinates u (one per parameter, clamped to [0,1]).
  Configuration from_unit(std::span<const double> u) const {
    check_size(u.size(), params_.size(), "from_unit");
    Configuration c;
    std::vector<const Value*> values(params_.size(), nullptr);
    std::vector<Value> store(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!active(i, values)) continue;
      store[i] = value_from_unit(params_[i], u[i]);
      values[i] = &store[i];
      c.set(params_[i].name, store[i]);
    }
    return c;
  }

  // Unit coordinates of a configuration (cell centres for integers and categoricals);
  // inactive parameters get 0.5. Inverse of from_unit on valid configurations.
  std::vector<double> to_unit(const Configuration& c) const {
    std::vector<double> u(params_.size(), 0.5);
    for (std::size_t i = 0; i < params_.size(); ++i)
      if (c.contains(params_[i].name)) u[i] = unit_of(params_[i], c.at(params_[i].name));
    return u;
  }

  // GP encoding in [0,1]^encoded_dim() (see the header comment).
  std::vector<double> encode(const Configuration& c) const {
    std::vector<double> x(encoded_dim_, 0.0);
    encode(c, x.data());
    return x;
  }
  void encode(const Configuration& c, double* out) const {
    std::fill(out, out + encoded_dim_, 0.0);
    for (const auto& p : params_) {
      if (!c.contains(p.name)) continue;
      const Value& v = c.at(p.name);
      if (p.kind == Kind::categorical)
        out[p.offset + choice_index(p, v)] = 1.0;
      else
        out[p.offset] = unit_of(p, v);
    }
  }
  // encode(from_unit(u)) for n points at once, without building the configurations: u is
  // n x size() (row-major), out n x encoded_dim(). The tuners score thousands of candidates
  // per step this way and decode only the one they keep.
  void encode_units(const double* u, std::size_t n, double* out) const {
    const std::size_t p = params_.size();
    std::vector<double> num(p);
    std::vector<std::size_t> choice(p);
    std::vector<char> on(p);
    for (std::size_t r = 0; r < n; ++r, u += p, out += encoded_dim_) {
      std::fill(out, out + encoded_dim_, 0.0);
      for (std::size_t i = 0; i < p; ++i) {
        const auto& par = params_[i];
        bool a = true;
        if (par.condition) {
          const std::size_t q = par.parent_index;
          a = on[q] && (par.condition->op == Condition::Op::at_least ? num[q] >= static_cast<double>(par.condition->threshold)
                                                                      : one_of_allowed_[i][choice[q]] != 0);
        }
        on[i] = a;
        if (!a) continue;
        if (par.kind == Kind::categorical) {
          choice[i] = choice_from_unit(par, u[i]);
          out[par.offset + choice[i]] = 1.0;
        } else {
          num[i] = numeric_from_unit(par, u[i]);
          out[par.offset] = unit_of_numeric(par, num[i]);
        }
      }
    }
  }
  // Nearest configuration to an encoded point: numeric coordinates are clamped and rounded,
  // a categorical takes the arg-max of its block (first on ties); activity follows the
  // decoded parents.
  Configuration decode(std::span<const double> x) const {
    check_size(x.size(), encoded_dim_, "decode");
    std::vector<double> u(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const auto& p = params_[i];
      if (p.kind == Kind::categorical) {
        const auto b = x.begin() + static_cast<std::ptrdiff_t>(p.offset);
        const auto k = static_cast<std::size_t>(std::max_element(b, b + static_cast<std::ptrdiff_t>(p.width)) - b);
        u[i] = (static_cast<double>(k) + 0.5) / static_cast<double>(p.width);
      } else {
        u[i] = x[p.offset];
      }
    }
    return from_unit(u);
  }

  // Throws ConfigError naming the parameter when c is not a valid point of this space:
  // unknown or inactive parameter present, active parameter missing, wrong type, value out
  // of range or not a listed choice.
  void validate(const Configuration& c) const {
    for (const auto& [name, v] : c.items()) index_of(name);
    std::vector<const Value*> values(params_.size(), nullptr);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const auto& p = params_[i];
      const bool is_active = active(i, values);
      if (!is_active) {
        if (c.contains(p.name)) throw ConfigError("parameter \"" + p.name + "\" is inactive (its condition on \"" + p.condition->parent + "\" does not hold) but has a value");
        continue;
      }
      if (!c.contains(p.name)) throw ConfigError("parameter \"" + p.name + "\" is active but missing");
      const Value& v = c.at(p.name);
      if (p.kind == Kind::integer) {
        const auto* i64 = std::get_if<std::int64_t>(&v);
        if (!i64) throw ConfigError("parameter \"" + p.name + "\" must be an integer");
        if (*i64 < static_cast<std::int64_t>(p.lo) || *i64 > static_cast<std::int64_t>(p.hi))
          throw ConfigError("parameter \"" + p.name + "\" = " + std::to_string(*i64) + " is outside [" + detail::format_double(p.lo) + ", " + detail::format_double(p.hi) + "]");
      } else if (p.kind == Kind::real) {
        const auto* d = std::get_if<double>(&v);
        if (!d) throw ConfigError("parameter \"" + p.name + "\" must be a float");
        if (!(*d >= p.lo && *d <= p.hi))
          throw ConfigError("parameter \"" + p.name + "\" = " + detail::format_double(*d) + " is outside [" + detail::format_double(p.lo) + ", " + detail::format_double(p.hi) + "]");
      } else {
        const auto* s = std::get_if<std::string>(&v);
        if (!s || std::find(p.choices.begin(), p.choices.end(), *s) == p.choices.end())
          throw ConfigError("parameter \"" + p.name + "\" = " + Configuration::value_string(v) + " is not one of its choices");
      }
      values[i] = &v;
    }
  }
  bool contains(const Configuration& c) const {
    try {
      validate(c);
      return true;
    } catch (const ConfigError&) {
      return false;
    }
  }
  // The same configuration with its items in declaration order (e.g. after from_json).
  Configuration canonical(const Configuration& c) const {
    validate(c);
    Configuration out;
    for (const auto& p : params_)
      if (c.contains(p.name)) out.set(p.name, c.at(p.name));
    return out;
  }

  /* JSON form (docs/tuning.md, "Search spaces as JSON"):
       {"architecture": {"max_layers": 10, "max_units": 50, "activations": [...]},   optional
        "parameters": [                                                                optional
          {"name": "layers", "type": "int", "low": 1, "high": 10},
          {"name": "units_2", "type": "int", "low": 1, "high": 50, "log": true,
           "condition": {"parent": "layers", "at_least": 2}},
          {"name": "act", "type": "categorical", "choices": ["gelu", "tanh"],
           "condition": {"parent": "optimizer", "one_of": ["adam"]}},
          {"name": "learning_rate", "type": "float", "low": 1e-4, "high": 1e-2, "log": true}]}
     "architecture" adds architecture_space(max_layers, max_units[, activations]) first (every
     key optional, defaults 10, 50 and the 12 paper activations); "parameters" are appended
     after it in order. At least one parameter is needed. An int's bounds must be JSON
     integers; "log" defaults to false; a condition has "parent" and exactly one of
     "at_least" (an integer parent) or "one_of" (a categorical parent). Any unknown key, a
     missing or mistyped field and every error add_* reports throw ConfigError whose message
     starts with `source` (a file name) and names the parameter. */
  static SearchSpace from_json(const nlohmann::json& j, const std::string& source = "search space");
  // The explicit "parameters" form (the architecture shorthand expanded); from_json of it
  // gives the same space, parameter for parameter.
  nlohmann::json to_json() const;
  // from_json of a file; an unreadable file or invalid JSON is a ConfigError naming it.
  static SearchSpace load(const std::filesystem::path& path);

  // One line per parameter: "units_2: int [1, 50] linear, if layers >= 2".
  std::string to_string() const {
    std::string out;
    for (const auto& p : params_) {
      out += p.name + ": ";
      if (p.kind == Kind::categorical) {
        out += "categorical {";
        for (std::size_t k = 0; k < p.choices.size(); ++k) out += (k ? ", " : "") + p.choices[k];
        out += "}";
      } else {
        out += std::string(p.kind == Kind::integer ? "int" : "float") + " [" + detail::format_double(p.lo) + ", " +
               detail::format_double(p.hi) + "] " + (p.scale == Scale::log ? "log" : "linear");
      }
      if (p.condition) {
        out += ", if " + p.condition->parent;
        if (p.condition->op == Condition::Op::at_least) {
          out += " >= " + std::to_string(p.condition->threshold);
        } else {
          out += " in {";
          for (std::size_t k = 0; k < p.condition->values.size(); ++k) out += (k ? ", " : "") + p.condition->values[k];
          out += "}";
        }
      }
      out += "\n";
    }
    return out;
  }

 private:
  SearchSpace& add(Parameter p, std::optional<Condition> condition) {
    for (const auto& q : params_)
      if (q.name == p.name) throw ConfigError("parameter \"" + p.name + "\" is declared twice");
    if (condition) {
      std::size_t parent = params_.size();
      for (std::size_t i = 0; i < params_.size(); ++i)
        if (params_[i].name == condition->parent) parent = i;
      if (parent == params_.size())
        throw ConfigError("parameter \"" + p.name + "\": condition parent \"" + condition->parent + "\" must be declared before it");
      const Kind pk = params_[parent].kind;
      if (condition->op == Condition::Op::at_least && pk != Kind::integer)
        throw ConfigError("parameter \"" + p.name + "\": at_least needs an integer parent, \"" + condition->parent + "\" is not");
      if (condition->op == Condition::Op::one_of) {
        if (pk != Kind::categorical)
          throw ConfigError("parameter \"" + p.name + "\": one_of needs a categorical parent, \"" + condition->parent + "\" is not");
        for (const auto& v : condition->values)
          if (std::find(params_[parent].choices.begin(), params_[parent].choices.end(), v) == params_[parent].choices.end())
            throw ConfigError("parameter \"" + p.name + "\": \"" + v + "\" is not a choice of \"" + condition->parent + "\"");
      }
      p.parent_index = parent;
      p.condition = std::move(condition);
    }
    std::vector<char> allowed;
    if (p.condition && p.condition->op == Condition::Op::one_of)
      for (const auto& choice : params_[p.parent_index].choices)
        allowed.push_back(std::find(p.condition->values.begin(), p.condition->values.end(), choice) != p.condition->values.end());
    one_of_allowed_.push_back(std::move(allowed));
    p.offset = encoded_dim_;
    p.width = p.kind == Kind::categorical ? p.choices.size() : 1;
    encoded_dim_ += p.width;
    params_.push_back(std::move(p));
    return *this;
  }

  // Whether parameter i is active given the values (nullptr = inactive) of earlier ones.
  bool active(std::size_t i, const std::vector<const Value*>& values) const {
    const auto& p = params_[i];
    if (!p.condition) return true;
    const Value* pv = values[p.parent_index];
    if (!pv) return false;
    if (p.condition->op == Condition::Op::at_least) return std::get<std::int64_t>(*pv) >= p.condition->threshold;
    return one_of_allowed_[i][choice_index(params_[p.parent_index], *pv)] != 0;  // as encode_units decides
  }
  static Value value_from_unit(const Parameter& p, double u) {
    if (p.kind == Kind::categorical) return p.choices[choice_from_unit(p, u)];
    const double v = numeric_from_unit(p, u);
    if (p.kind == Kind::integer) return static_cast<std::int64_t>(v);
    return v;
  }
  // The value of a numeric parameter at u (an integer's value as an exact double).
  static double numeric_from_unit(const Parameter& p, double u) {
    u = std::clamp(u, 0.0, 1.0);
    if (p.kind == Kind::integer) {
      double v;
      if (p.scale == Scale::linear)
        v = std::floor(p.lo + u * (p.hi - p.lo + 1));
      else
        v = std::floor(std::exp(std::log(p.lo) + u * (std::log(p.hi + 1) - std::log(p.lo))));
      return std::clamp(v, p.lo, p.hi);
    }
    const double v = p.scale == Scale::linear ? p.lo + u * (p.hi - p.lo)
                                              : std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo)));
    return std::clamp(v, p.lo, p.hi);
  }
  static std::size_t choice_from_unit(const Parameter& p, double u) {
    u = std::clamp(u, 0.0, 1.0);
    return std::min(p.choices.size() - 1, static_cast<std::size_t>(u * static_cast<double>(p.choices.size())));
  }
  static std::size_t choice_index(const Parameter& p, const Value& v) {
    const auto* s = std::get_if<std::string>(&v);
    if (s)
      for (std::size_t k = 0; k < p.choices.size(); ++k)
        if (p.choices[k] == *s) return k;
    throw ConfigError("parameter \"" + p.name + "\" = " + Configuration::value_string(v) + " is not one of its choices");
  }
  static double unit_of(const Parameter& p, const Value& v) {
    switch (p.kind) {
      case Kind::integer: {
        const auto* i = std::get_if<std::int64_t>(&v);
        if (!i) throw ConfigError("parameter \"" + p.name + "\" must be an integer");
        return unit_of_numeric(p, static_cast<double>(*i));
      }
      case Kind::real: {
        if (const auto* d = std::get_if<double>(&v)) return unit_of_numeric(p, *d);
        if (const auto* i = std::get_if<std::int64_t>(&v)) return unit_of_numeric(p, static_cast<double>(*i));
        throw ConfigError("parameter \"" + p.name + "\" must be a float");
      }
      case Kind::categorical:
      default:
        return (static_cast<double>(choice_index(p, v)) + 0.5) / static_cast<double>(p.choices.size());
    }
  }
  // Unit coordinate of a numeric value x (an integer's: the centre of its cell).
  static double unit_of_numeric(const Parameter& p, double x) {
    if (p.kind == Kind::integer) {
      if (p.scale == Scale::linear) return std::clamp((x - p.lo + 0.5) / (p.hi - p.lo + 1), 0.0, 1.0);
      // centre of the cell [x, x+1) in log space
      const double c = 0.5 * (std::log(x) + std::log(x + 1));
      return std::clamp((c - std::log(p.lo)) / (std::log(p.hi + 1) - std::log(p.lo)), 0.0, 1.0);
    }
    const double u = p.scale == Scale::linear ? (x - p.lo) / (p.hi - p.lo)
                                              : (std::log(x) - std::log(p.lo)) / (std::log(p.hi) - std::log(p.lo));
    return std::clamp(u, 0.0, 1.0);
  }
  static void check_size(std::size_t got, std::size_t want, const char* what) {
    if (got != want)
      throw InputError(std::string("SearchSpace::") + what + ": expected " + std::to_string(want) + " coordinates, got " + std::to_string(got));
  }

  std::vector<Parameter> params_;
  std::vector<std::vector<char>> one_of_allowed_;  // per parameter: which parent choices activate it (one_of)
  std::size_t encoded_dim_ = 0;
};

// The architecture space of paper 000 (Mrakovčić et al. 2025): `layers` in [1, max_layers],
// and for each layer k (1-based) units_k in [1, max_units] and activation_k from
// `activations`, both active only when layers >= k. The default activation names are those
// of nn::paper_activations (Keras spelling).
inline SearchSpace architecture_space(std::int64_t max_layers = 10, std::int64_t max_units = 50,
                                      std::vector<std::string> activations = {"elu", "gelu", "hard_sigmoid", "linear",
                                                                              "relu", "selu", "sigmoid", "softmax",
                                                                              "softplus", "softsign", "swish", "tanh"}) {
  SearchSpace s;
  s.add_int("layers", 1, max_layers);
  for (std::int64_t k = 1; k <= max_layers; ++k) {
    s.add_int("units_" + std::to_string(k), 1, max_units, Scale::linear, Condition::at_least("layers", k));
    s.add_categorical("activation_" + std::to_string(k), activations, Condition::at_least("layers", k));
  }
  return s;
}

namespace detail {
// A readable JSON value for error messages (long values cut).
inline std::string json_excerpt(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
inline void check_keys(const nlohmann::json& obj, std::initializer_list<const char*> allowed, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (ok) continue;
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    throw ConfigError(where + ": unknown key \"" + it.key() + "\" (allowed: " + list + ")");
  }
}
inline std::vector<std::string> string_list(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) throw ConfigError(where + " must be an array of strings, got " + json_excerpt(j));
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) throw ConfigError(where + " must be an array of strings, got " + json_excerpt(j));
    out.push_back(v.get<std::string>());
  }
  return out;
}
inline std::int64_t json_int(const nlohmann::json& j, const std::string& where) {
  if (!j.is_number_integer()) throw ConfigError(where + " must be an integer, got " + json_excerpt(j));
  return j.get<std::int64_t>();
}

// One element of "parameters" added to s; `where` names it for error messages.
inline void add_json_parameter(SearchSpace& s, const nlohmann::json& p, const std::string& where) {
  if (!p.is_object()) throw ConfigError(where + " must be an object, got " + json_excerpt(p));
  if (!p.contains("name") || !p["name"].is_string())
    throw ConfigError(where + ": needs a string \"name\"");
  const std::string name = p["name"].get<std::string>();
  const std::string at = where + " (\"" + name + "\")";
  if (!p.contains("type") || !p["type"].is_string())
    throw ConfigError(at + ": needs \"type\": \"int\", \"float\" or \"categorical\"");
  const std::string type = p["type"].get<std::string>();
  std::optional<Condition> cond;
  if (p.contains("condition")) {
    const auto& c = p["condition"];
    const std::string cw = at + ": condition";
    if (!c.is_object()) throw ConfigError(cw + " must be an object, got " + json_excerpt(c));
    check_keys(c, {"parent", "at_least", "one_of"}, cw);
    if (!c.contains("parent") || !c["parent"].is_string()) throw ConfigError(cw + " needs a string \"parent\"");
    if (c.contains("at_least") == c.contains("one_of"))
      throw ConfigError(cw + " needs exactly one of \"at_least\" (an integer) or \"one_of\" (a list of choices)");
    const std::string parent = c["parent"].get<std::string>();
    cond = c.contains("at_least") ? Condition::at_least(parent, json_int(c["at_least"], cw + " at_least"))
                                  : Condition::one_of(parent, string_list(c["one_of"], cw + " one_of"));
  }
  bool log = false;
  if (p.contains("log")) {
    if (!p["log"].is_boolean()) throw ConfigError(at + ": \"log\" must be true or false, got " + json_excerpt(p["log"]));
    log = p["log"].get<bool>();
  }
  const Scale scale = log ? Scale::log : Scale::linear;
  auto need = [&](const char* key) -> const nlohmann::json& {
    if (!p.contains(key)) throw ConfigError(at + ": a " + type + " parameter needs \"" + key + "\"");
    return p[key];
  };
  try {
    if (type == "int") {
      check_keys(p, {"name", "type", "low", "high", "log", "condition"}, at);
      s.add_int(name, json_int(need("low"), at + ": \"low\""), json_int(need("high"), at + ": \"high\""), scale, std::move(cond));
    } else if (type == "float") {
      check_keys(p, {"name", "type", "low", "high", "log", "condition"}, at);
      auto number = [&](const char* key) {
        const auto& v = need(key);
        if (!v.is_number()) throw ConfigError(at + ": \"" + key + "\" must be a number, got " + json_excerpt(v));
        return v.get<double>();
      };
      const double lo = number("low"), hi = number("high");
      s.add_float(name, lo, hi, scale, std::move(cond));
    } else if (type == "categorical") {
      check_keys(p, {"name", "type", "choices", "condition"}, at);
      s.add_categorical(name, string_list(need("choices"), at + ": \"choices\""), std::move(cond));
    } else {
      throw ConfigError(at + ": unknown type \"" + type + "\" (int, float or categorical)");
    }
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.rfind(where, 0) == 0) throw;  // already names the place
    throw ConfigError(where + ": " + what);
  }
}
}  // namespace detail

inline SearchSpace SearchSpace::from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object())
    throw ConfigError(source + ": a search space is a JSON object with \"parameters\" and/or \"architecture\", got " +
                      detail::json_excerpt(j));
  detail::check_keys(j, {"architecture", "parameters"}, source);
  SearchSpace s;
  if (j.contains("architecture")) {
    const auto& a = j["architecture"];
    const std::string at = source + ": \"architecture\"";
    if (!a.is_object()) throw ConfigError(at + " must be an object, got " + detail::json_excerpt(a));
    detail::check_keys(a, {"max_layers", "max_units", "activations"}, at);
    const std::int64_t layers = a.contains("max_layers") ? detail::json_int(a["max_layers"], at + " max_layers") : 10;
    const std::int64_t units = a.contains("max_units") ? detail::json_int(a["max_units"], at + " max_units") : 50;
    if (layers < 1 || units < 1) throw ConfigError(at + ": max_layers and max_units must be at least 1");
    try {
      s = a.contains("activations")
              ? architecture_space(layers, units, detail::string_list(a["activations"], at + " activations"))
              : architecture_space(layers, units);
    } catch (const ConfigError& e) {
      throw ConfigError(at + ": " + e.what());
    }
  }
  if (j.contains("parameters")) {
    const auto& ps = j["parameters"];
    if (!ps.is_array()) throw ConfigError(source + ": \"parameters\" must be an array, got " + detail::json_excerpt(ps));
    for (std::size_t i = 0; i < ps.size(); ++i)
      detail::add_json_parameter(s, ps[i], source + ": parameters[" + std::to_string(i) + "]");
  }
  if (s.size() == 0) throw ConfigError(source + ": the search space has no parameters");
  return s;
}

inline nlohmann::json SearchSpace::to_json() const {
  nlohmann::json ps = nlohmann::json::array();
  for (const auto& p : params_) {
    nlohmann::json o = {{"name", p.name}};
    if (p.kind == Kind::categorical) {
      o["type"] = "categorical";
      o["choices"] = p.choices;
    } else if (p.kind == Kind::integer) {
      o["type"] = "int";
      o["low"] = static_cast<std::int64_t>(p.lo);
      o["high"] = static_cast<std::int64_t>(p.hi);
    } else {
      o["type"] = "float";
      o["low"] = p.lo;
      o["high"] = p.hi;
    }
    if (p.kind != Kind::categorical && p.scale == Scale::log) o["log"] = true;
    if (p.condition) {
      o["condition"] = {{"parent", p.condition->parent}};
      if (p.condition->op == Condition::Op::at_least) o["condition"]["at_least"] = p.condition->threshold;
      else o["condition"]["one_of"] = p.condition->values;
    }
    ps.push_back(std::move(o));
  }
  return {{"parameters", std::move(ps)}};
}

inline SearchSpace SearchSpace::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("search space " + path.string() + ": cannot be read (does the file exist?)");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number too large
    throw ConfigError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  return from_json(j, path.string());
}

}  // namespace locus::tune
