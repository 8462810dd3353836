#include <doctest/doctest.h>
#include <locus/tune/space.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

using namespace locus;
using namespace locus::tune;

TEST_CASE("architecture space: conditional parameters follow the number of layers") {
  const SearchSpace s = architecture_space();
  CHECK(s.size() == 21);
  CHECK(s.encoded_dim() == 1 + 10 * (1 + 12));
  Rng rng(1);
  std::vector<int> layer_counts(11, 0);
  for (int k = 0; k < 2000; ++k) {
    const Configuration c = s.sample(rng);
    s.validate(c);
    const auto layers = c.get_int("layers");
    REQUIRE(layers >= 1);
    REQUIRE(layers <= 10);
    ++layer_counts[static_cast<std::size_t>(layers)];
    CHECK(c.size() == static_cast<std::size_t>(1 + 2 * layers));
    for (int l = 1; l <= 10; ++l) {
      CHECK(c.contains("units_" + std::to_string(l)) == (l <= layers));
      CHECK(c.contains("activation_" + std::to_string(l)) == (l <= layers));
    }
  }
  // Uniform over 1..10: each count is 200 +- 4.5 sigma (sigma = sqrt(2000 * 0.1 * 0.9) = 13.4).
  for (int l = 1; l <= 10; ++l) CHECK(std::abs(layer_counts[static_cast<std::size_t>(l)] - 200) < 60);
}

TEST_CASE("encoding: one-hot categoricals, inactive parameters are zero, decode inverts encode") {
  const SearchSpace s = architecture_space(3, 50, {"relu", "gelu", "tanh"});
  CHECK(s.encoded_dim() == 1 + 3 * 4);
  Configuration c{{"layers", std::int64_t{2}}, {"units_1", std::int64_t{50}}, {"activation_1", std::string("tanh")},
                  {"units_2", std::int64_t{1}}, {"activation_2", std::string("relu")}};
  s.validate(c);
  const auto x = s.encode(c);
  // layers=2 of [1,3]: cell centre (2-1+0.5)/3
  CHECK(x[0] == doctest::Approx(1.5 / 3).epsilon(1e-15));
  CHECK(x[1] == doctest::Approx(49.5 / 50).epsilon(1e-15));
  CHECK(x[2] == 0.0);
  CHECK(x[3] == 0.0);
  CHECK(x[4] == 1.0);  // tanh
  CHECK(x[5] == doctest::Approx(0.5 / 50).epsilon(1e-15));
  CHECK(x[6] == 1.0);  // relu
  CHECK(x[7] == 0.0);
  CHECK(x[8] == 0.0);
  for (std::size_t i = 9; i < 13; ++i) CHECK(x[i] == 0.0);  // layer 3 inactive
  CHECK(s.decode(x) == c);

  Rng rng(5);
  for (int k = 0; k < 500; ++k) {
    const Configuration d = s.sample(rng);
    const auto e = s.encode(d);
    for (double v : e) CHECK((v >= 0.0 && v <= 1.0));
    CHECK(s.decode(e) == d);
    CHECK(s.from_unit(s.to_unit(d)) == d);
  }
  // Distinct activations are equidistant in the encoding (no spurious order).
  Configuration a = c, b = c, g = c;
  a.set("activation_1", std::string("relu"));
  b.set("activation_1", std::string("gelu"));
  g.set("activation_1", std::string("tanh"));
  auto dist = [&](const Configuration& p, const Configuration& q) {
    const auto u = s.encode(p), v = s.encode(q);
    double d2 = 0;
    for (std::size_t i = 0; i < u.size(); ++i) d2 += (u[i] - v[i]) * (u[i] - v[i]);
    return d2;
  };
  CHECK(dist(a, b) == dist(a, g));
  CHECK(dist(b, g) == dist(a, g));
}

TEST_CASE("encode_units is encode(from_unit(u)) without building configurations") {
  SearchSpace mixed;
  mixed.add_int("layers", 1, 4)
      .add_categorical("optimizer", {"adam", "sgd", "adamw"})
      .add_float("lr", 1e-4, 1e-1, Scale::log)
      .add_int("batch", 16, 1024, Scale::log)
      .add_float("momentum", 0.0, 0.99, Scale::linear, Condition::one_of("optimizer", {"sgd"}))
      .add_float("weight_decay", 1e-6, 1e-2, Scale::log, Condition::one_of("optimizer", {"adamw", "sgd"}))
      .add_int("units_3", 1, 64, Scale::linear, Condition::at_least("layers", 3))
      .add_categorical("act_3", {"relu", "tanh"}, Condition::at_least("layers", 3))
      .add_categorical("norm_3", {"none", "layer", "batch"}, Condition::one_of("act_3", {"tanh"}));
  for (const SearchSpace& space : {mixed, architecture_space()}) {
    const std::size_t p = space.size(), D = space.encoded_dim(), n = 400;
    Rng rng(9);
    std::vector<double> u(n * p), fast(n * D);
    for (std::size_t i = 0; i < n * p; ++i) {
      u[i] = rng.uniform();
      if (i % 37 == 0) u[i] = 0.0;  // the edges
      if (i % 41 == 0) u[i] = 1.0 - 1e-12;
    }
    space.encode_units(u.data(), n, fast.data());
    for (std::size_t i = 0; i < n; ++i) {
      const auto want = space.encode(space.from_unit(std::span<const double>(u.data() + i * p, p)));
      for (std::size_t k = 0; k < D; ++k) REQUIRE(fast[i * D + k] == want[k]);  // exactly
    }
  }
}

TEST_CASE("log scales sample log-uniformly; integers uniformly") {
  SearchSpace s;
  s.add_float("lr", 1e-4, 1e-1, Scale::log).add_int("batch", 16, 1023, Scale::log).add_int("k", 1, 5);
  Rng rng(11);
  const int n = 6000;
  int lr_low = 0, batch_low = 0;
  std::vector<int> k_count(6, 0);
  for (int i = 0; i < n; ++i) {
    const auto c = s.sample(rng);
    s.validate(c);
    lr_low += c.get_float("lr") < 1e-3;
    batch_low += c.get_int("batch") < 128;
    ++k_count[static_cast<std::size_t>(c.get_int("k"))];
  }
  // P(lr < 1e-3) = 1/3, P(batch < 128) = log(128/16)/log(1024/16) = 1/2; 4.5 sigma bounds.
  CHECK(std::abs(lr_low / double(n) - 1.0 / 3) < 4.5 * std::sqrt(2.0 / 9 / n));
  CHECK(std::abs(batch_low / double(n) - 0.5) < 4.5 * std::sqrt(0.25 / n));
  for (int k = 1; k <= 5; ++k) CHECK(std::abs(k_count[static_cast<std::size_t>(k)] / double(n) - 0.2) < 4.5 * std::sqrt(0.16 / n));
  // Bounds are reachable.
  std::vector<double> lo(3, 0.0), hi(3, 1.0);
  CHECK(s.from_unit(lo).get_float("lr") == doctest::Approx(1e-4));
  CHECK(s.from_unit(hi).get_float("lr") == doctest::Approx(1e-1));
  CHECK(s.from_unit(lo).get_int("batch") == 16);
  CHECK(s.from_unit(hi).get_int("batch") == 1023);
  CHECK(s.from_unit(hi).get_int("k") == 5);
}

TEST_CASE("one_of conditions, readable printing and exact JSON round trip") {
  SearchSpace s;
  s.add_categorical("optimizer", {"sgd", "adam"})
      .add_float("momentum", 0.0, 0.99, Scale::linear, Condition::one_of("optimizer", {"sgd"}))
      .add_float("lr", 1e-5, 1.0, Scale::log);
  Rng rng(3);
  int with_momentum = 0;
  for (int i = 0; i < 400; ++i) {
    const auto c = s.sample(rng);
    s.validate(c);
    CHECK(c.contains("momentum") == (c.get_string("optimizer") == "sgd"));
    with_momentum += c.contains("momentum");
    const std::string text = c.to_json().dump();
    const Configuration back = s.canonical(Configuration::from_json(nlohmann::json::parse(text)));
    CHECK(back == c);
    CHECK(back.hash() == c.hash());
    CHECK(back.to_string() == c.to_string());
    // doubles survive bit for bit
    CHECK(back.get_float("lr") == c.get_float("lr"));
  }
  CHECK(with_momentum > 100);
  CHECK(with_momentum < 300);
  Configuration c{{"optimizer", std::string("sgd")}, {"momentum", 0.9}, {"lr", 0.001}};
  CHECK(c.to_string() == "optimizer=sgd, momentum=0.9, lr=0.001");
  CHECK(s.to_string() ==
        "optimizer: categorical {sgd, adam}\nmomentum: float [0, 0.99] linear, if optimizer in {sgd}\n"
        "lr: float [1e-05, 1] log\n");
}

TEST_CASE("hashing detects duplicates independently of item order") {
  const SearchSpace s = architecture_space(2, 3, {"relu", "tanh"});
  // A small space: hashes are equal exactly when configurations are.
  Rng rng(9);
  std::vector<Configuration> seen;
  for (int i = 0; i < 1500; ++i) seen.push_back(s.sample(rng));
  std::size_t equal_pairs = 0, mismatches = 0;
  for (std::size_t i = 0; i < seen.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const bool same = seen[i] == seen[j];
      mismatches += same != (seen[i].hash() == seen[j].hash());
      equal_pairs += same;
    }
  CHECK(mismatches == 0);
  CHECK(equal_pairs > 0);  // the space has 6 + 36 = 42 points, so 1500 draws repeat
  std::set<std::uint64_t> distinct;
  for (const auto& c : seen) distinct.insert(c.hash());
  CHECK(distinct.size() == 42);
  Configuration a{{"x", std::int64_t{1}}, {"y", std::string("b")}};
  Configuration b{{"y", std::string("b")}, {"x", std::int64_t{1}}};
  Configuration d{{"x", 1.0}, {"y", std::string("b")}};
  CHECK(a.hash() == b.hash());
  CHECK(a.hash() != d.hash());  // an integer 1 and a float 1.0 are different values
}

TEST_CASE("bad spaces and configurations throw ConfigError naming the parameter") {
  SearchSpace s;
  CHECK_THROWS_AS(s.add_int("a", 5, 1), ConfigError);
  CHECK_THROWS_AS(s.add_float("a", 0.0, 1.0, Scale::log), ConfigError);
  CHECK_THROWS_AS(s.add_categorical("a", {}), ConfigError);
  CHECK_THROWS_AS(s.add_int("b", 1, 2, Scale::linear, Condition::at_least("missing", 1)), ConfigError);
  s.add_int("layers", 1, 3).add_int("units_2", 1, 9, Scale::linear, Condition::at_least("layers", 2));
  CHECK_THROWS_AS(s.add_int("layers", 1, 2), ConfigError);
  CHECK_THROWS_WITH_AS(s.validate(Configuration{{"layers", std::int64_t{1}}, {"units_2", std::int64_t{3}}}),
                       doctest::Contains("units_2"), ConfigError);
  CHECK_THROWS_WITH_AS(s.validate(Configuration{{"layers", std::int64_t{2}}}), doctest::Contains("units_2"), ConfigError);
  CHECK_THROWS_WITH_AS(s.validate(Configuration{{"layers", std::int64_t{4}}, {"units_2", std::int64_t{3}}}),
                       doctest::Contains("layers"), ConfigError);
  CHECK_THROWS_AS(s.validate(Configuration{{"layers", 2.0}, {"units_2", std::int64_t{3}}}), ConfigError);
  CHECK_THROWS_AS(s.validate(Configuration{{"layers", std::int64_t{1}}, {"other", std::int64_t{3}}}), ConfigError);
  CHECK_THROWS_AS(Configuration::from_json(nlohmann::json::array()), FormatError);
  CHECK_THROWS_AS(Configuration{}.get_int("nope"), ConfigError);
}

TEST_CASE("search space JSON: the explicit form and the architecture shorthand round-trip") {
  const auto j = nlohmann::json::parse(R"({
    "architecture": {"max_layers": 2, "max_units": 12, "activations": ["gelu", "tanh"]},
    "parameters": [
      {"name": "optimizer", "type": "categorical", "choices": ["sgd", "adam"]},
      {"name": "momentum", "type": "float", "low": 0.0, "high": 0.99, "condition": {"parent": "optimizer", "one_of": ["sgd"]}},
      {"name": "learning_rate", "type": "float", "low": 1e-4, "high": 1e-2, "log": true},
      {"name": "batch_size", "type": "int", "low": 16, "high": 1024, "log": true}
    ]})");
  const SearchSpace s = SearchSpace::from_json(j, "space.json");
  CHECK(s.size() == 5 + 4);
  CHECK(s.to_string() ==
        "layers: int [1, 2] linear\nunits_1: int [1, 12] linear, if layers >= 1\n"
        "activation_1: categorical {gelu, tanh}, if layers >= 1\nunits_2: int [1, 12] linear, if layers >= 2\n"
        "activation_2: categorical {gelu, tanh}, if layers >= 2\noptimizer: categorical {sgd, adam}\n"
        "momentum: float [0, 0.99] linear, if optimizer in {sgd}\nlearning_rate: float [0.0001, 0.01] log\n"
        "batch_size: int [16, 1024] log\n");
  // to_json is the explicit form; reading it back gives the same space, and the same samples
  const nlohmann::json out = s.to_json();
  CHECK(out.size() == 1);
  CHECK(out.at("parameters").size() == s.size());
  CHECK(out["parameters"][1] == nlohmann::json::parse(
                                    R"({"name": "units_1", "type": "int", "low": 1, "high": 12,
                                        "condition": {"parent": "layers", "at_least": 1}})"));
  CHECK(out["parameters"][7] == nlohmann::json::parse(
                                    R"({"name": "learning_rate", "type": "float", "low": 0.0001, "high": 0.01, "log": true})"));
  const SearchSpace back = SearchSpace::from_json(nlohmann::json::parse(out.dump()));
  CHECK(back.to_json() == out);
  CHECK(back.to_string() == s.to_string());
  CHECK(back.encoded_dim() == s.encoded_dim());
  Rng r1(4), r2(4);
  for (int i = 0; i < 50; ++i) CHECK(s.sample(r1) == back.sample(r2));
  // the shorthand alone is architecture_space()
  const auto arch = SearchSpace::from_json(nlohmann::json::parse(R"({"architecture": {}})"));
  CHECK(arch.to_json() == architecture_space().to_json());
  CHECK(SearchSpace::from_json(nlohmann::json::parse(R"({"architecture": {"max_layers": 3, "max_units": 7}})")).to_json() ==
        architecture_space(3, 7).to_json());
}

TEST_CASE("search space JSON: mistakes are ConfigErrors naming the file and the parameter") {
  auto fails = [](const char* text, std::vector<std::string> parts) {
    CAPTURE(text);
    try {
      SearchSpace::from_json(nlohmann::json::parse(text), "my_space.json");
      FAIL("no ConfigError");
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      CAPTURE(what);
      CHECK(what.rfind("my_space.json: ", 0) == 0);
      for (const auto& p : parts) CHECK(what.find(p) != std::string::npos);
    }
  };
  fails(R"([])", {"JSON object"});
  fails(R"({})", {"no parameters"});
  fails(R"({"parameter": []})", {"unknown key \"parameter\"", "allowed: architecture, parameters"});
  fails(R"({"parameters": {}})", {"\"parameters\" must be an array"});
  fails(R"({"architecture": {"layers": 3}})", {"architecture", "unknown key \"layers\""});
  fails(R"({"architecture": {"max_layers": 0}})", {"at least 1"});
  fails(R"({"parameters": [{"type": "int", "low": 1, "high": 2}]})", {"parameters[0]", "\"name\""});
  fails(R"({"parameters": [{"name": "a", "low": 1, "high": 2}]})", {"parameters[0] (\"a\")", "\"type\""});
  fails(R"({"parameters": [{"name": "a", "type": "integer", "low": 1, "high": 2}]})", {"\"a\"", "unknown type \"integer\""});
  fails(R"({"parameters": [{"name": "a", "type": "int", "lo": 1, "high": 2}]})", {"\"a\"", "unknown key \"lo\""});
  fails(R"({"parameters": [{"name": "a", "type": "int", "high": 2}]})", {"\"a\"", "needs \"low\""});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 1.5, "high": 2}]})", {"\"a\"", "\"low\" must be an integer"});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 5, "high": 2}]})", {"parameters[0]", "\"a\"", "lower bound 5 > upper bound 2"});
  fails(R"({"parameters": [{"name": "a", "type": "float", "low": 0, "high": 1, "log": true}]})", {"\"a\"", "lo > 0"});
  fails(R"({"parameters": [{"name": "a", "type": "float", "low": "0", "high": 1}]})", {"\"a\"", "must be a number"});
  fails(R"({"parameters": [{"name": "a", "type": "float", "low": 0, "high": 1, "log": "yes"}]})", {"\"a\"", "true or false"});
  fails(R"({"parameters": [{"name": "a", "type": "categorical", "choices": []}]})", {"\"a\"", "at least one choice"});
  fails(R"({"parameters": [{"name": "a", "type": "categorical", "choices": ["x", 1]}]})", {"\"a\"", "array of strings"});
  fails(R"({"parameters": [{"name": "a", "type": "categorical", "choices": ["x"], "low": 1}]})", {"\"a\"", "unknown key \"low\""});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 1, "high": 2},
                           {"name": "a", "type": "int", "low": 1, "high": 2}]})", {"parameters[1]", "declared twice"});
  fails(R"({"parameters": [{"name": "b", "type": "int", "low": 1, "high": 2, "condition": {"parent": "a", "at_least": 1}}]})",
        {"\"b\"", "\"a\" must be declared before it"});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 1, "high": 2},
                           {"name": "b", "type": "int", "low": 1, "high": 2, "condition": {"parent": "a"}}]})",
        {"parameters[1] (\"b\")", "exactly one of"});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 1, "high": 2},
                           {"name": "b", "type": "int", "low": 1, "high": 2, "condition": {"parent": "a", "one_of": ["x"]}}]})",
        {"\"b\"", "one_of needs a categorical parent"});
  fails(R"({"parameters": [{"name": "a", "type": "int", "low": 1, "high": 2},
                           {"name": "b", "type": "int", "low": 1, "high": 2, "condition": {"parent": "a", "at_least": 1, "x": 0}}]})",
        {"\"b\"", "unknown key \"x\""});
}

TEST_CASE("search space JSON: load names the file when it is missing or not JSON") {
  const auto dir = std::filesystem::temp_directory_path() / ("locus_space_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  CHECK_THROWS_WITH_AS(SearchSpace::load(dir / "nope.json"), doctest::Contains("nope.json"), ConfigError);
  std::ofstream(dir / "bad.json") << "{\"parameters\": [\n  {\"name\": \"a\",}\n]}";
  CHECK_THROWS_WITH_AS(SearchSpace::load(dir / "bad.json"), doctest::Contains("bad.json: not valid JSON"), ConfigError);
  // a number beyond double's range is nlohmann's out_of_range, not a parse_error (found by fuzz_space)
  std::ofstream(dir / "huge.json") << "{\"architecture\": {\"max_layers\": 1e999}}";
  CHECK_THROWS_WITH_AS(SearchSpace::load(dir / "huge.json"), doctest::Contains("huge.json: not valid JSON"), ConfigError);
  std::ofstream(dir / "ok.json") << architecture_space(2, 5).to_json().dump(2);
  CHECK(SearchSpace::load(dir / "ok.json").to_string() == architecture_space(2, 5).to_string());
  std::filesystem::remove_all(dir);
}
