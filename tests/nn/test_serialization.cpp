#include <doctest/doctest.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <locus/core/rng.hpp>
#include <locus/nn/dense_variational.hpp>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/serialization.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;
using locus::Rng;

namespace {
using PaperStack = Stack<Dense<Gelu>, Dense<Softsign>, Dense<Softsign>, Dense<Sigmoid>, Dense<Gelu>, Dense<Linear>>;
PaperStack paper_network(Rng& rng) {
  return PaperStack(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Softsign>(45, 42, rng),
                    Dense<Sigmoid>(42, 33, rng), Dense<Gelu>(33, 36, rng), Dense<Linear>(36, 6, rng));
}
void randomise_biases(PaperStack& net, Rng& rng) {
  for (auto p : net.parameters())
    if (p.size() <= 45)
      for (auto& v : p) v = float(rng.normal(0, 0.3));
}
std::string temp_path(const std::string& name) { return "locus_test_serialization_" + name + ".model"; }
std::string expect_format_error(const std::string& text) {
  try {
    PaperStack net;
    load_from_string(text, net, nullptr, "m.model");
  } catch (const locus::FormatError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("serialization: weights, scalers and metadata round-trip exactly through a file") {
  Rng rng(1);
  auto net = paper_network(rng);
  randomise_biases(net, rng);
  ModelInfo info;
  StandardScaler in;
  in.center = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  in.scale = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  RobustScaler out;
  out.center = {4.5, 0.3, -1.2};
  out.scale = {2.0, 0.25, 0.6};
  info.input_scaler = in;
  info.target_scaler = out;
  info.training = {{"seed", 42}, {"loss", {{"name", "moments"}}}, {"optimizer", {{"name", "adam"}}}, {"epochs", 17}};
  const auto path = temp_path("roundtrip");
  save(net, path, info);
  ModelInfo got;
  const auto back = load<PaperStack>(path, &got);
  const auto a = std::as_const(net).parameters();
  const auto b = back.parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(std::equal(a[i].begin(), a[i].end(), b[i].begin(), b[i].end()));
  REQUIRE(got.input_scaler);
  CHECK(*got.input_scaler == static_cast<const Scaler&>(in));
  CHECK(got.target_scaler->kind == "robust");
  CHECK(got.target_scaler->scale == out.scale);
  CHECK(got.training["epochs"] == 17);
  // the same file into a DynamicStack: same architecture, bit-identical predictions
  const auto dyn = load(path);
  CHECK(dyn.specs() == std::vector<LayerSpec>{{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}});
  Matrix<float> x({37, 10});
  for (auto& v : x) v = float(rng.normal());
  const auto y1 = net.predict(x), y2 = dyn.predict(x);
  CHECK(std::equal(y1.begin(), y1.end(), y2.begin()));
  std::remove(path.c_str());
}

TEST_CASE("serialization: double networks round-trip exactly; awkward floats too") {
  Rng rng(2);
  DynamicStack<paper_activations, double> net(3, {{5, "selu"}, {2, "tanh"}}, rng);
  auto p = net.parameters();
  p[0][0] = 0.1;                        // not representable
  p[0][1] = 1e-310;                     // subnormal
  p[0][2] = -3.141592653589793238;
  p[1][0] = 5e-324;                     // smallest subnormal
  const auto text = model_to_string(net);
  DynamicStack<paper_activations, double> back;
  load_from_string(text, back);
  const auto q = back.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(std::equal(p[i].begin(), p[i].end(), q[i].begin(), q[i].end()));
}

TEST_CASE("serialization: every truncation and every flipped byte is a FormatError") {
  Rng rng(3);
  DynamicStack<paper_activations, float> small(4, {{3, "relu"}, {2, "linear"}}, rng);
  const auto text = model_to_string(small);
  // truncated at every length
  for (std::size_t len = 0; len < text.size(); ++len) {
    DynamicStack<paper_activations, float> net;
    CHECK_THROWS_AS(load_from_string(text.substr(0, len), net), locus::FormatError);
  }
  // one byte changed, at every position (xor with a fixed pattern and with 0x01)
  for (unsigned char pattern : {0x01, 0x20, 0x80}) {
    std::size_t errors = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      std::string bad = text;
      bad[i] = char(static_cast<unsigned char>(bad[i]) ^ pattern);
      DynamicStack<paper_activations, float> net;
      try {
        load_from_string(bad, net);
      } catch (const locus::FormatError&) {
        ++errors;
      }
    }
    CHECK(errors == text.size());
  }
  // messages say what is wrong
  const auto big = model_to_string(paper_network(rng));
  CHECK(expect_format_error(big.substr(0, big.size() / 2)).find("truncated") != std::string::npos);
  std::string flipped = big;
  flipped[big.size() / 3] ^= 0x04;
  CHECK(expect_format_error(flipped).find("corrupt: CRC-32 mismatch") != std::string::npos);
  CHECK(expect_format_error("hello\n").find("not a locus model file") != std::string::npos);
}

TEST_CASE("serialization: a wrong version is reported as such, even with a valid checksum") {
  Rng rng(4);
  const auto text = model_to_string(paper_network(rng));
  const std::size_t eol = text.find('\n'), end = text.rfind("checksum crc32");
  const std::string json = text.substr(eol + 1, end - eol - 2);
  const auto v2 = detail::seal(2, json);
  const auto msg = expect_format_error(v2);
  CHECK(msg.find("format version 2 is not supported") != std::string::npos);
  CHECK(msg.find("m.model") != std::string::npos);
  // resealing the original version loads fine (the test's surgery is sound)
  CHECK(expect_format_error(detail::seal(1, json)) == "no error");
}

TEST_CASE("serialization: loading into a Stack of another architecture fails clearly") {
  Rng rng(5);
  DynamicStack<paper_activations, float> other(10, {{45, "gelu"}, {45, "softsign"}, {42, "tanh"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}}, rng);
  const auto msg = expect_format_error(model_to_string(other));
  CHECK(msg.find("layer 2: activation tanh in the file where the type has softsign") != std::string::npos);
  DynamicStack<paper_activations, float> shallow(10, {{45, "gelu"}, {6, "linear"}}, rng);
  CHECK(expect_format_error(model_to_string(shallow)).find("the file has 2 layers, the Stack 6") != std::string::npos);
  // same activations, different sizes, into an already-sized Stack
  DynamicStack<paper_activations, float> wider(10, {{50, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}}, rng);
  auto sized = paper_network(rng);
  CHECK_THROWS_WITH_AS(load_from_string(model_to_string(wider), sized), doctest::Contains("layer 0: the file has 50 gelu, the Stack 45 gelu"),
                       locus::FormatError);
  // a DynamicStack over fewer activations cannot hold a gelu layer
  DynamicStack<locus::type_list<Relu, Linear>, float> limited;
  CHECK_THROWS_WITH_AS(load_from_string(model_to_string(other), limited), doctest::Contains("unknown activation \"gelu\""),
                       locus::FormatError);
}

TEST_CASE("serialization: the self-test vector catches a network that does not reproduce") {
  Rng rng(6);
  DynamicStack<paper_activations, float> net(4, {{3, "gelu"}, {2, "linear"}}, rng);
  auto text = model_to_string(net);
  // change one weight consistently (valid JSON, valid checksum): only the self-test can notice
  const std::size_t eol = text.find('\n'), end = text.rfind("checksum crc32");
  auto j = nlohmann::json::parse(text.substr(eol + 1, end - eol - 2));
  j["weights"][0][0] = j["weights"][0][0].get<double>() + 0.5;
  DynamicStack<paper_activations, float> back;
  CHECK_THROWS_WITH_AS(load_from_string(detail::seal(1, j.dump(1)), back), doctest::Contains("self-test failed"),
                       locus::FormatError);
  CHECK_THROWS_WITH_AS(load<PaperStack>("/nonexistent/dir/x.model"), doctest::Contains("cannot open"), locus::FormatError);
}

TEST_CASE("serialization: a Stack of every layer kind round-trips, running statistics included") {
  Rng rng(21);
  using Net = Stack<Dense<Linear>, LayerNorm<float>, Activate<LeakyRelu>, BatchNorm<float>,
                    Residual<Dense<Linear>, LayerNorm<float>, Activate<Gelu>, Dropout<float>>,
                    Heads<Chain<Dense<Gelu>, Dense<Linear>>, Dense<Linear>>>;
  Net net(Dense<Linear>(5, 8, rng), LayerNorm<float>(8, 1e-3), Activate<LeakyRelu>(8, LeakyRelu{0.2}),
          BatchNorm<float>(8, 0.05),
          Residual<Dense<Linear>, LayerNorm<float>, Activate<Gelu>, Dropout<float>>(
              Dense<Linear>(8, 6, rng), LayerNorm<float>(6), Activate<Gelu>(6), Dropout<float>(6, 0.3)),
          Heads<Chain<Dense<Gelu>, Dense<Linear>>, Dense<Linear>>(
              Chain<Dense<Gelu>, Dense<Linear>>(Dense<Gelu>(6, 4, rng), Dense<Linear>(4, 1, rng)),
              Dense<Linear>(6, 2, rng)));
  for (auto p : net.parameters())
    for (auto& v : p) v += float(rng.normal(0, 0.1));
  for (auto s : net.state())
    for (auto& v : s) v = float(rng.uniform(0.5, 1.5));
  const std::string path = temp_path("layers");
  save(net, path);
  Net loaded;  // sizes come from the file
  load_into(path, loaded);
  std::remove(path.c_str());
  Matrix<float> x({9, 5});
  for (auto& v : x) v = float(rng.normal());
  const auto a = net.predict(x), b = loaded.predict(x);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
  auto sa = net.state(), sb = loaded.state();
  REQUIRE(sa.size() == 2);
  for (std::size_t i = 0; i < sa.size(); ++i) CHECK(std::equal(sa[i].begin(), sa[i].end(), sb[i].begin()));
  CHECK(loaded.layer<2>().activation().slope == 0.2);
  CHECK(loaded.layer<1>().eps() == 1e-3);
  CHECK(loaded.layer<4>().body().layer<3>().rate() == doctest::Approx(0.3));
  CHECK(loaded.layer<4>().projects());

  // a type that differs in one nested layer names it; a DynamicStack refuses politely
  using Other = Stack<Dense<Linear>, LayerNorm<float>, Activate<LeakyRelu>, BatchNorm<float>,
                      Residual<Dense<Linear>, LayerNorm<float>, Activate<Tanh>, Dropout<float>>,
                      Heads<Chain<Dense<Gelu>, Dense<Linear>>, Dense<Linear>>>;
  Other other;
  CHECK_THROWS_WITH_AS(load_from_string(model_to_string(net), other),
                       doctest::Contains("layer 4: activation gelu in the file where the type has tanh"),
                       locus::FormatError);
  DynamicStack<paper_activations, float> dyn;
  CHECK_THROWS_WITH_AS(load_from_string(model_to_string(net), dyn), doctest::Contains("cannot hold"), locus::FormatError);
  auto text = model_to_string(net);
  CHECK(text.find("\"state\"") != std::string::npos);
}

TEST_CASE("serialization: a variational layer keeps μ, ρ and its KL settings") {
  Rng rng(22);
  using Net = Stack<Dense<Tanh>, DenseVariational<Linear>>;
  Net net(Dense<Tanh>(3, 5, rng), DenseVariational<Linear>(5, 2, rng, 0.01, 0.5, -3.0));
  Net loaded;
  load_from_string(model_to_string(net), loaded);
  CHECK(loaded.layer<1>().kl_weight() == 0.01);
  CHECK(loaded.layer<1>().prior_sigma() == 0.5);
  auto a = net.parameters(), b = loaded.parameters();
  REQUIRE(a.size() == 6);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(std::equal(a[i].begin(), a[i].end(), b[i].begin()));
}
