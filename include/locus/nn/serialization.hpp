#pragma once
// Model files: save(net, path, info) and load(path) for Stack and DynamicStack networks.
//
// Specification. A model file is versioned, self-describing text:
//     locus-model 1
//     { JSON: format, version, dtype, inputs, layers [{units, activation}], weights, state,
//       input_scaler, target_scaler, imputer, training metadata, self_test }
//     checksum crc32 <8 hex digits> bytes <content length>
// - weights: one array per parameter block in Network::parameters() order (W0 [in×out]
//   row-major, b0, W1, ...). Numbers are written with the shortest decimal form that reads
//   back to the same double, so float and double weights round-trip exactly.
// - layers: a Dense layer is {units, activation[, slope]}; every other layer names its kind:
//   {kind: "activation", units, activation}, {kind: "layer_norm", units, eps},
//   {kind: "batch_norm", units, momentum, eps}, {kind: "dropout", units, rate},
//   {kind: "dense_variational", units, activation, kl_weight, prior_sigma},
//   {kind: "chain" | "residual", units, layers: [...]}, {kind: "heads", units, heads: [...]}.
//   A residual block's projection shortcut is implied by its widths.
// - state: non-trained blocks in Network::state() order (BatchNorm's running mean and
//   variance); absent when the network has none.
// - self_test: a few fixed input rows and the network's outputs for them at save time;
//   load() re-runs them and fails if the outputs do not reproduce (relative 1e-4 in float,
//   1e-10 in double: a different SIMD instruction set may round transcendental functions
//   differently, nothing more).
// - The CRC-32 covers every byte before the trailer. CRC-32 detects every error confined
//   to 32 consecutive bits, so any flipped byte anywhere in the file is detected (a flip in
//   the trailer itself breaks the trailer or its checksum).
// Failures raise FormatError naming the file and what is wrong: not a model file, truncated
// (trailer missing or length mismatch), corrupt (checksum mismatch), unsupported version,
// invalid JSON, weights of the wrong size, a self-test mismatch, or an architecture that
// does not match the network type it is loaded into. A static Stack must match the file's
// depth and activations (and layer sizes, if the Stack already has them); a DynamicStack
// loads any architecture whose activations are in its type list.
// Files are written atomically (io::write_file_atomically: a temporary file, then renamed), so
// a crash while saving a checkpoint never leaves a damaged file behind; a failed write (a full
// disk, a file-size limit) leaves no temporary file either.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>
#include <nlohmann/json.hpp>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../io/atomic_file.hpp"
#include "activate.hpp"
#include "activations.hpp"
#include "batch_norm.hpp"
#include "chain.hpp"
#include "dense.hpp"
#include "dense_variational.hpp"
#include "dropout.hpp"
#include "heads.hpp"
#include "layer_norm.hpp"
#include "dynamic_stack.hpp"
#include "missing_values.hpp"
#include "network.hpp"
#include "residual.hpp"
#include "scalers.hpp"
#include "stack.hpp"

namespace locus::nn {

inline constexpr int model_format_version = 1;

// What a model file holds besides the network.
struct ModelInfo {
  std::optional<Scaler> input_scaler{}, target_scaler{};
  std::optional<MissingValues> imputer{};
  nlohmann::json training = nlohmann::json::object();  // seed, loss, optimizer, schedule, epochs...
};

namespace detail {
inline std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// Header line + JSON, followed by the checksum trailer.
inline std::string seal(int version, const std::string& json_text) {
  std::string content = "locus-model " + std::to_string(version) + "\n" + json_text + "\n";
  char trailer[80];
  std::snprintf(trailer, sizeof trailer, "checksum crc32 %08x bytes %zu\n", crc32(content), content.size());
  return content + trailer;
}

// Checks header, trailer, length and checksum; returns the version and the JSON text.
inline std::pair<int, std::string> unseal(const std::string& text, const std::string& where) {
  const std::string magic = "locus-model ";
  if (text.compare(0, magic.size(), magic) != 0)
    throw FormatError(where + ": not a locus model file (it does not start with \"locus-model\")");
  const std::size_t eol = text.find('\n');
  if (eol == std::string::npos) throw FormatError(where + ": truncated: the file ends inside its first line");
  if (text.size() < 2 || text.back() != '\n')
    throw FormatError(where + ": truncated or corrupt: the checksum trailer at the end of the file is missing");
  const std::size_t start = text.rfind('\n', text.size() - 2) + 1;
  const std::string trailer = text.substr(start, text.size() - 1 - start);
  unsigned stored = 0;
  std::size_t length = 0;
  char rest = 0;
  if (start <= eol || trailer.rfind("checksum crc32 ", 0) != 0 ||
      std::sscanf(trailer.c_str(), "checksum crc32 %8x bytes %zu%c", &stored, &length, &rest) != 2)
    throw FormatError(where + ": truncated or corrupt: the checksum trailer at the end of the file is missing or damaged");
  char canonical[80];  // the trailer must be exactly as written (rejects e.g. upper-case hex)
  std::snprintf(canonical, sizeof canonical, "checksum crc32 %08x bytes %zu", stored, length);
  if (trailer != canonical)
    throw FormatError(where + ": corrupt: the checksum trailer at the end of the file is damaged");
  if (length != start)
    throw FormatError(where + ": truncated or corrupt: the trailer records " + std::to_string(length) +
                      " bytes of content but the file has " + std::to_string(start));
  const std::uint32_t computed = crc32(std::string_view(text).substr(0, start));
  if (computed != stored) {
    char msg[160];
    std::snprintf(msg, sizeof msg, ": corrupt: CRC-32 mismatch (file records %08x, content gives %08x)", stored,
                  computed);
    throw FormatError(where + msg + "; the file was damaged or edited");
  }
  const std::string vtext = text.substr(magic.size(), eol - magic.size());
  int version = 0;
  try {
    std::size_t used = 0;
    version = std::stoi(vtext, &used);
    if (used != vtext.size()) throw std::invalid_argument("junk");
  } catch (const std::exception&) {
    throw FormatError(where + ": bad format version \"" + vtext + "\"");
  }
  if (version != model_format_version)
    throw FormatError(where + ": format version " + std::to_string(version) +
                      " is not supported; this build of locus reads version " + std::to_string(model_format_version));
  return {version, text.substr(eol + 1, start - eol - 2)};
}

template <class T>
constexpr const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

inline std::string describe_layer(const nlohmann::json& l) {
  const std::string kind = l.is_object() ? l.value("kind", std::string("dense")) : std::string("?");
  const std::string units = l.is_object() && l.contains("units") ? l["units"].dump() : std::string("?");
  if (kind == "dense" || kind == "activation")
    return units + " " +
           (l.contains("activation") && l["activation"].is_string() ? l["activation"].get<std::string>()
                                                                   : std::string("?")) +
           (kind == "activation" ? " (activation)" : "");
  std::string s = kind + "(";
  const char* key = kind == "heads" ? "heads" : "layers";
  if (l.contains(key) && l[key].is_array())
    for (std::size_t k = 0; k < l[key].size(); ++k) s += (k ? ", " : "") + describe_layer(l[key][k]);
  return s + ") → " + units;
}

template <class Net>
std::string describe(std::size_t inputs, const nlohmann::json& layers) {
  std::string s = std::to_string(inputs);
  for (const auto& l : layers) s += " → " + describe_layer(l);
  return s;
}

template <class Fail>
void expect_kind(const nlohmann::json& j, const std::string& kind, Fail&& fail) {
  const std::string have = j.value("kind", std::string("dense"));
  if (have != kind) fail("a " + have + " layer in the file where the type has a " + kind + " layer");
}
template <class Fail>
void expect_activation(const nlohmann::json& j, std::string_view name, Fail&& fail) {
  const std::string have = j.at("activation").get<std::string>();
  if (have != name) fail("activation " + have + " in the file where the type has " + std::string(name));
}

// Reading and writing each layer type's description (see the file format above).
template <class L>
struct layer_io;

template <class A, class T>
struct layer_io<Dense<A, T>> {
  static nlohmann::json describe(const Dense<A, T>& l) {
    nlohmann::json j{{"units", l.outputs()}, {"activation", std::string(A::name)}};
    if constexpr (requires { l.activation().slope; }) j["slope"] = l.activation().slope;
    return j;
  }
  template <class Fail>
  static Dense<A, T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "dense", fail);
    expect_activation(j, A::name, fail);
    A act{};
    if constexpr (requires { act.slope; })
      if (j.contains("slope")) act.slope = j["slope"].get<double>();
    return Dense<A, T>(in, j.at("units").get<std::size_t>(), act);
  }
};
template <class A, class T>
struct layer_io<Activate<A, T>> {
  static nlohmann::json describe(const Activate<A, T>& l) {
    nlohmann::json j{{"kind", "activation"}, {"units", l.outputs()}, {"activation", std::string(A::name)}};
    if constexpr (requires { l.activation().slope; }) j["slope"] = l.activation().slope;
    return j;
  }
  template <class Fail>
  static Activate<A, T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "activation", fail);
    expect_activation(j, A::name, fail);
    A act{};
    if constexpr (requires { act.slope; })
      if (j.contains("slope")) act.slope = j["slope"].get<double>();
    return Activate<A, T>(in, act);
  }
};
template <class A, class T>
struct layer_io<DenseVariational<A, T>> {
  static nlohmann::json describe(const DenseVariational<A, T>& l) {
    return {{"kind", "dense_variational"}, {"units", l.outputs()}, {"activation", std::string(A::name)},
            {"kl_weight", l.kl_weight()}, {"prior_sigma", l.prior_sigma()}};
  }
  template <class Fail>
  static DenseVariational<A, T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "dense_variational", fail);
    expect_activation(j, A::name, fail);
    Rng rng;  // the file's weights replace the draws
    return DenseVariational<A, T>(in, j.at("units").get<std::size_t>(), rng, j.at("kl_weight").get<double>(),
                                  j.at("prior_sigma").get<double>());
  }
};
template <class T>
struct layer_io<LayerNorm<T>> {
  static nlohmann::json describe(const LayerNorm<T>& l) {
    return {{"kind", "layer_norm"}, {"units", l.outputs()}, {"eps", l.eps()}};
  }
  template <class Fail>
  static LayerNorm<T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "layer_norm", fail);
    return LayerNorm<T>(in, j.at("eps").get<double>());
  }
};
template <class T>
struct layer_io<BatchNorm<T>> {
  static nlohmann::json describe(const BatchNorm<T>& l) {
    return {{"kind", "batch_norm"}, {"units", l.outputs()}, {"momentum", l.momentum()}, {"eps", l.eps()}};
  }
  template <class Fail>
  static BatchNorm<T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "batch_norm", fail);
    return BatchNorm<T>(in, j.at("momentum").get<double>(), j.at("eps").get<double>());
  }
};
template <class T>
struct layer_io<Dropout<T>> {
  static nlohmann::json describe(const Dropout<T>& l) {
    return {{"kind", "dropout"}, {"units", l.outputs()}, {"rate", l.rate()}};
  }
  template <class Fail>
  static Dropout<T> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "dropout", fail);
    return Dropout<T>(in, j.at("rate").get<double>());
  }
};

// Builds the layers of a sequence from j[key], each reading the previous one's width (or,
// for heads, all reading `in`), left to right (braced initialisation fixes the order).
template <class Out, class... Ls, class Fail>
Out build_sequence(const nlohmann::json& j, const char* key, std::size_t in, bool parallel, Fail&& fail) {
  const auto& arr = j.at(key);
  if (!arr.is_array() || arr.size() != sizeof...(Ls))
    fail(std::string(j.value("kind", "")) + " has " + (arr.is_array() ? std::to_string(arr.size()) : "no") +
         " elements in the file, " + std::to_string(sizeof...(Ls)) + " in the type");
  std::size_t w = in, k = 0;
  auto next = [&]<class L>() {
    L l = layer_io<L>::build(arr[k++], parallel ? in : w, fail);
    w = l.outputs();
    return l;
  };
  return Out{next.template operator()<Ls>()...};
}
template <class... Ls>
struct layer_io<Chain<Ls...>> {
  static nlohmann::json describe(const Chain<Ls...>& c) {
    nlohmann::json layers = nlohmann::json::array();
    c.for_each([&](const auto& l) { layers.push_back(layer_io<std::decay_t<decltype(l)>>::describe(l)); });
    return {{"kind", "chain"}, {"units", c.outputs()}, {"layers", layers}};
  }
  template <class Fail>
  static Chain<Ls...> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "chain", fail);
    return build_sequence<Chain<Ls...>, Ls...>(j, "layers", in, false, fail);
  }
};
template <class... Ls>
struct layer_io<Residual<Ls...>> {
  static nlohmann::json describe(const Residual<Ls...>& r) {
    auto j = layer_io<Chain<Ls...>>::describe(r.body());
    j["kind"] = "residual";
    return j;
  }
  template <class Fail>
  static Residual<Ls...> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "residual", fail);
    return build_sequence<Residual<Ls...>, Ls...>(j, "layers", in, false, fail);
  }
};
template <class... Ls>
struct layer_io<Heads<Ls...>> {
  static nlohmann::json describe(const Heads<Ls...>& h) {
    nlohmann::json heads = nlohmann::json::array();
    h.for_each([&](const auto& l) { heads.push_back(layer_io<std::decay_t<decltype(l)>>::describe(l)); });
    return {{"kind", "heads"}, {"units", h.outputs()}, {"heads", heads}};
  }
  template <class Fail>
  static Heads<Ls...> build(const nlohmann::json& j, std::size_t in, Fail&& fail) {
    expect_kind(j, "heads", fail);
    return build_sequence<Heads<Ls...>, Ls...>(j, "heads", in, true, fail);
  }
};


inline Matrix<double> self_test_inputs(std::size_t inputs) {
  Rng rng(0x5E1F7E57ull);
  Matrix<double> x({4, inputs});
  for (auto& v : x) v = rng.normal();
  return x;
}

template <class Net>
nlohmann::json architecture(const Net& net) {
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < net.depth(); ++i)
    net.visit(i, [&](const auto& l) { layers.push_back(layer_io<std::decay_t<decltype(l)>>::describe(l)); });
  return layers;
}

template <class T>
Matrix<T> to_matrix(const nlohmann::json& rows, std::size_t cols, const std::string& where, const char* what) {
  Matrix<T> m({rows.size(), cols});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto v = rows[r].get<std::vector<double>>();
    if (v.size() != cols) throw FormatError(where + ": " + what + " row " + std::to_string(r) + " has the wrong length");
    for (std::size_t c = 0; c < cols; ++c) m(r, c) = static_cast<T>(v[c]);
  }
  return m;
}
}  // namespace detail

// The model file's text (what save() writes).
template <class Net>
std::string model_to_string(const Net& net, const ModelInfo& info = {}) {
  using T = typename Net::value_type;
  nlohmann::json j;
  j["format"] = "locus-model";
  j["version"] = model_format_version;
  j["dtype"] = detail::dtype_name<T>();
  j["inputs"] = net.inputs();
  j["layers"] = detail::architecture(net);
  nlohmann::json weights = nlohmann::json::array();
  std::size_t block = 0;
  for (auto p : net.parameters()) {
    std::vector<double> v(p.begin(), p.end());
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!std::isfinite(v[k]))
        throw InputError("save: parameter block " + std::to_string(block) + ", element " + std::to_string(k) +
                         " is not finite; refusing to save a broken network");
    weights.push_back(v);
    ++block;
  }
  j["weights"] = weights;
  const auto state = net.state();
  if (!state.empty()) {
    nlohmann::json sj = nlohmann::json::array();
    for (auto s : state) sj.push_back(std::vector<double>(s.begin(), s.end()));
    j["state"] = sj;
  }
  if (info.input_scaler) j["input_scaler"] = info.input_scaler->to_json();
  if (info.target_scaler) j["target_scaler"] = info.target_scaler->to_json();
  if (info.imputer) j["imputer"] = {{"fill", info.imputer->fill_values()}};
  j["training"] = info.training;
  const auto x = detail::self_test_inputs(net.inputs());
  const Matrix<T> xt = xt::cast<T>(x);
  const auto y = net.predict(xt);
  nlohmann::json in = nlohmann::json::array(), out = nlohmann::json::array();
  for (std::size_t r = 0; r < x.shape(0); ++r) {
    std::vector<double> a, b;
    for (std::size_t c = 0; c < x.shape(1); ++c) a.push_back(double(xt(r, c)));
    for (std::size_t c = 0; c < y.shape(1); ++c) b.push_back(double(y(r, c)));
    in.push_back(a);
    out.push_back(b);
  }
  j["self_test"] = {{"input", in}, {"output", out}};
  return detail::seal(model_format_version, j.dump(1));
}

template <class Net>
void save(const Net& net, const std::string& path, const ModelInfo& info = {}) {
  io::write_file_atomically(path, model_to_string(net, info));
}

// Loads the model in `text` into `net`. `where` names the source in error messages.
template <class Net>
void load_from_string(const std::string& text, Net& net, ModelInfo* info = nullptr, const std::string& where = "model") {
  using T = typename Net::value_type;
  const auto [version, json_text] = detail::unseal(text, where);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": the model description is not valid JSON (" + e.what() + ")");
  }
  try {
    if (j.at("format") != "locus-model" || j.at("version") != version)
      throw FormatError(where + ": header and description disagree about format or version");
    const std::size_t inputs = j.at("inputs").get<std::size_t>();
    const auto& layers = j.at("layers");
    const auto file_arch = detail::describe<Net>(inputs, layers);
    if (layers.empty() || inputs == 0) throw FormatError(where + ": the file describes an empty network");
    if constexpr (requires { net.specs(); }) {  // DynamicStack: build what the file says
      std::vector<LayerSpec> specs;
      for (const auto& l : layers) {
        if (l.value("kind", std::string("dense")) != "dense")
          throw FormatError(where + ": the file holds the network " + file_arch + ", whose " + l["kind"].dump() +
                            " layer a DynamicStack (Dense layers only) cannot hold; load it into the Stack type "
                            "that wrote it");
        specs.push_back({l.at("units").get<std::size_t>(), l.at("activation").get<std::string>()});
      }
      try {
        net = Net(inputs, specs);
      } catch (const ConfigError& e) {
        throw FormatError(where + ": cannot build the network " + file_arch + ": " + e.what());
      }
    } else {  // static Stack: the file must match the type
      const nlohmann::json have = detail::architecture(net);
      std::size_t i = 0;
      auto mismatch = [&](const std::string& why) {
        throw FormatError(where + ": the file holds the network " + file_arch +
                          ", which does not fit this Stack (" + detail::describe<Net>(net.inputs(), have) +
                          "): " + (i == std::size_t(-1) ? "" : "layer " + std::to_string(i) + ": ") + why);
      };
      if (have.size() != layers.size()) {
        i = std::size_t(-1);
        mismatch("the file has " + std::to_string(layers.size()) + " layers, the Stack " + std::to_string(have.size()));
      }
      std::size_t in = inputs;
      for (i = 0; i < layers.size(); ++i) {
        const std::size_t units = layers[i].at("units").get<std::size_t>();
        net.visit(i, [&](auto& l) {
          using L = std::decay_t<decltype(l)>;
          const bool sized = l.inputs() != 0;  // a default-constructed Stack takes the file's sizes
          if (sized && i == 0 && l.inputs() != inputs)
            mismatch("the Stack takes " + std::to_string(l.inputs()) + " inputs, the file " + std::to_string(inputs));
          L built = detail::layer_io<L>::build(layers[i], in, mismatch);
          if (sized && detail::layer_io<L>::describe(l) != detail::layer_io<L>::describe(built))
            mismatch("the file has " + detail::describe_layer(layers[i]) + ", the Stack " +
                     detail::describe_layer(detail::layer_io<L>::describe(l)));
          if (built.outputs() != units) mismatch("its units disagree with its own layers");
          l = std::move(built);
        });
        in = units;
      }
    }
    // activation parameters a DynamicStack cannot take from the file must be the defaults
    const nlohmann::json built = detail::architecture(net);
    for (std::size_t k = 0; k < layers.size(); ++k)
      if (layers[k].contains("slope") && (!built[k].contains("slope") || built[k]["slope"] != layers[k]["slope"]))
        throw FormatError(where + ": layer " + std::to_string(k) + " has a " + layers[k]["activation"].get<std::string>() +
                          " slope this network type cannot represent");
    // weights
    auto params = net.parameters();
    const auto& weights = j.at("weights");
    if (weights.size() != params.size())
      throw FormatError(where + ": " + std::to_string(weights.size()) + " weight blocks for a network with " +
                        std::to_string(params.size()));
    for (std::size_t b = 0; b < params.size(); ++b) {
      const auto v = weights[b].get<std::vector<double>>();
      if (v.size() != params[b].size())
        throw FormatError(where + ": weight block " + std::to_string(b) + " has " + std::to_string(v.size()) +
                          " values, the architecture needs " + std::to_string(params[b].size()));
      for (std::size_t k = 0; k < v.size(); ++k) params[b][k] = static_cast<T>(v[k]);
    }
    auto state = net.state();
    const std::size_t state_blocks = j.contains("state") ? j["state"].size() : 0;
    if (state_blocks != state.size())
      throw FormatError(where + ": " + std::to_string(state_blocks) + " state blocks for a network with " +
                        std::to_string(state.size()));
    for (std::size_t b = 0; b < state.size(); ++b) {
      const auto v = j["state"][b].get<std::vector<double>>();
      if (v.size() != state[b].size())
        throw FormatError(where + ": state block " + std::to_string(b) + " has " + std::to_string(v.size()) +
                          " values, the architecture needs " + std::to_string(state[b].size()));
      for (std::size_t k = 0; k < v.size(); ++k) state[b][k] = static_cast<T>(v[k]);
    }
    // self-test
    const auto& st = j.at("self_test");
    const auto xin = detail::to_matrix<T>(st.at("input"), inputs, where, "self-test input");
    const auto yref = detail::to_matrix<double>(st.at("output"), net.outputs(), where, "self-test output");
    if (yref.shape(0) != xin.shape(0))
      throw FormatError(where + ": the self-test has " + std::to_string(xin.shape(0)) + " input rows but " +
                        std::to_string(yref.shape(0)) + " output rows");
    const auto y = net.predict(xin);
    const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-10;
    for (std::size_t r = 0; r < y.shape(0); ++r)
      for (std::size_t c = 0; c < y.shape(1); ++c)
        if (!(std::abs(double(y(r, c)) - yref(r, c)) <= tol * (1 + std::abs(yref(r, c)))))
          throw FormatError(where + ": self-test failed: output (" + std::to_string(r) + ", " + std::to_string(c) +
                            ") is " + std::to_string(double(y(r, c))) + " but the file records " +
                            std::to_string(yref(r, c)) + "; the weights do not reproduce the saved network");
    if (info) {
      *info = ModelInfo{};
      if (j.contains("input_scaler")) info->input_scaler = Scaler::from_json(j["input_scaler"]);
      if (j.contains("target_scaler")) info->target_scaler = Scaler::from_json(j["target_scaler"]);
      if (j.contains("imputer")) info->imputer = MissingValues(j["imputer"].at("fill").get<std::vector<double>>());
      if (j.contains("training")) info->training = j["training"];
    }
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": the model description is incomplete or has wrong types (" + e.what() + ")");
  }
}

inline std::string read_model_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw FormatError(path + ": cannot open the model file");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

template <class Net>
void load_into(const std::string& path, Net& net, ModelInfo* info = nullptr) {
  load_from_string(read_model_file(path), net, info, path);
}

// load<Net>(path): a Stack type (must match the file) or, by default, a DynamicStack over
// the paper's activations (any saved architecture).
template <class Net = DynamicStack<paper_activations, float>>
Net load(const std::string& path, ModelInfo* info = nullptr) {
  Net net;
  load_into(path, net, info);
  return net;
}

}  // namespace locus::nn
