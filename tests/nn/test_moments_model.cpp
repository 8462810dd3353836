#include <doctest/doctest.h>
#include <cmath>
#include <cstdio>
#include <locus/core/rng.hpp>
#include <locus/nn/moments_model.hpp>

using namespace locus::nn;
using locus::Matrix;
using locus::Rng;

TEST_CASE("MomentsModel: defaults follow paper 000, section 3.2") {
  const MomentsModelOptions o;
  CHECK(o.optimizer.learning_rate == 1e-3);
  CHECK(o.optimizer.epsilon == 1e-7);
  CHECK(o.schedule.factor == 0.9);
  CHECK(o.primary.batch_size == 1024);
  CHECK(o.primary.epochs == 1024);
  CHECK(o.primary.patience == 100);
  CHECK(o.primary_runs == 2);
  CHECK(o.secondary.epochs == 256);
  CHECK(o.secondary_runs == 1);
  CHECK(o.target_sigmas == std::vector<double>{0.1, 0.02, 0.1});
  CHECK(paper_layers(6) == std::vector<LayerSpec>{{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"}, {6, "linear"}});
  Rng rng(0);
  CHECK(paper_network(10, 6, rng).parameter_count() == 7362);
}

TEST_CASE("MomentsModel: trains both networks; sigma_total is Eq. 3; save/load reproduces predictions") {
  Rng rng(1);
  auto make = [&](std::size_t n, Matrix<float>& x, Matrix<float>& t, Matrix<float>& s) {
    x = Matrix<float>({n, 10});
    t = Matrix<float>({n, 3});
    s = Matrix<float>({n, 3});
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t c = 0; c < 10; ++c) x(r, c) = float(rng.normal());
      for (std::size_t k = 0; k < 3; ++k) {
        s(r, k) = float(0.2 + 0.1 * std::abs(x(r, k)));
        t(r, k) = float(x(r, k) + x(r, k + 3) + s(r, k) * rng.normal());
      }
    }
  };
  Matrix<float> x, t, s, xv, tv, sv;
  make(800, x, t, s);
  make(200, xv, tv, sv);
  MomentsModelOptions o;
  o.primary.epochs = 6;
  o.secondary.epochs = 3;
  o.primary.batch_size = o.secondary.batch_size = 128;
  MomentsModel m;
  m.fit(x, t, s, xv, tv, sv, o);
  CHECK(m.primary_history().epochs() == 6);
  CHECK(m.secondary_history().epochs() == 3);
  CHECK(m.has_secondary());
  const auto p = m.predict(xv);
  REQUIRE(p.mu.shape(1) == 3);
  for (std::size_t r = 0; r < 200; ++r)
    for (std::size_t k = 0; k < 3; ++k) {
      const double a = p.sigma_nn(r, k), b = p.sigma_b(r, k);
      CHECK(a >= 0);
      CHECK(p.sigma_total(r, k) == doctest::Approx(std::sqrt(a * a + b * b)).epsilon(1e-6));
    }
  // the primary's best validation run is what predict() uses
  const auto raw = m.primary().predict(m.input_scaler().transform(xv));
  CHECK(raw(7, 1) == p.mu(7, 1));
  m.save("locus_test_mm_primary.model", "locus_test_mm_secondary.model");
  const auto back = MomentsModel::load("locus_test_mm_primary.model", "locus_test_mm_secondary.model");
  const auto q = back.predict(xv);
  CHECK(std::equal(q.mu.begin(), q.mu.end(), p.mu.begin()));
  CHECK(std::equal(q.sigma_total.begin(), q.sigma_total.end(), p.sigma_total.begin()));
  std::remove("locus_test_mm_primary.model");
  std::remove("locus_test_mm_secondary.model");
  // without sigma_b: no secondary network, sigma_total = sigma_nn
  MomentsModel only;
  o.primary_runs = 1;
  only.fit(x, t, Matrix<float>({800, 0}), xv, tv, Matrix<float>({200, 0}), o);
  CHECK_FALSE(only.has_secondary());
  const auto r = only.predict(xv);
  CHECK(std::equal(r.sigma_total.begin(), r.sigma_total.end(), r.sigma_nn.begin()));
  CHECK_THROWS_AS(MomentsModel{}.predict(xv), locus::ConfigError);
}

namespace {
// Targets equal to the first three inputs, sigma_B 0.1: data any network learns in an epoch.
struct IdentityData {
  Matrix<float> x, t, s;
};
IdentityData identity_data(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  IdentityData d{Matrix<float>({n, 10}), Matrix<float>({n, 3}), Matrix<float>({n, 3})};
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < 10; ++c) d.x(r, c) = float(rng.normal());
    for (std::size_t k = 0; k < 3; ++k) d.t(r, k) = float(d.x(r, k)), d.s(r, k) = 0.1f;
  }
  return d;
}
}  // namespace

TEST_CASE("MomentsModel: the two files are a pair; a sigma_B network saved with another model is refused") {
  const std::size_t n = 200;
  const auto [x, t, s] = identity_data(n, 5);
  MomentsModelOptions o;
  o.hidden = {{6, "relu"}};
  o.primary.epochs = 1, o.secondary.epochs = 1, o.primary_runs = 1;
  MomentsModel a, b;
  a.fit(x, t, s, x, t, s, o);
  o.seed += 1;
  b.fit(x, t, s, x, t, s, o);
  a.save("locus_test_pair_a.primary.model", "locus_test_pair_a.secondary.model");
  b.save("locus_test_pair_b.primary.model", "locus_test_pair_b.secondary.model");
  const auto back = MomentsModel::load("locus_test_pair_a.primary.model", "locus_test_pair_a.secondary.model");
  CHECK(back.has_secondary());
  CHECK(back.expects_secondary());
  std::string message;
  try {
    MomentsModel::load("locus_test_pair_a.primary.model", "locus_test_pair_b.secondary.model");
  } catch (const locus::FormatError& e) {
    message = e.what();
  }
  CHECK(message.find("was not saved with the moments network") != std::string::npos);
  // the moments network alone still loads, and knows it had a partner
  const auto alone = MomentsModel::load("locus_test_pair_a.primary.model");
  CHECK_FALSE(alone.has_secondary());
  CHECK(alone.expects_secondary());
  // a model trained without sigma_B expects none
  MomentsModel c;
  c.fit(x, t, Matrix<float>({n, 0}), x, t, Matrix<float>({n, 0}), o);
  c.save("locus_test_pair_c.primary.model");
  CHECK_FALSE(MomentsModel::load("locus_test_pair_c.primary.model").expects_secondary());
  for (const char* f : {"locus_test_pair_a.primary.model", "locus_test_pair_a.secondary.model", "locus_test_pair_b.primary.model",
                        "locus_test_pair_b.secondary.model", "locus_test_pair_c.primary.model"})
    std::remove(f);
}

TEST_CASE("MomentsModel: hidden layers other than the paper's, for both networks, kept by save/load") {
  const std::size_t n = 300;
  const auto [x, t, s] = identity_data(n, 3);
  MomentsModelOptions o;
  o.hidden = {{7, "relu"}, {5, "tanh"}};
  o.primary.epochs = 2, o.secondary.epochs = 1, o.primary_runs = 1;
  MomentsModel m;
  m.fit(x, t, s, x, t, s, o);
  CHECK(m.primary().specs() == std::vector<LayerSpec>{{7, "relu"}, {5, "tanh"}, {6, "linear"}});
  CHECK(m.secondary().specs() == std::vector<LayerSpec>{{7, "relu"}, {5, "tanh"}, {3, "linear"}});
  const std::string pp = "moments_hidden_test.primary.model", sp = "moments_hidden_test.secondary.model";
  m.save(pp, sp);
  const auto l = MomentsModel::load(pp, sp);
  CHECK(l.primary().specs() == m.primary().specs());
  const auto a = m.predict(x), b = l.predict(x);
  for (std::size_t r = 0; r < n; ++r) CHECK(a.mu(r, 0) == b.mu(r, 0));
  std::remove(pp.c_str());
  std::remove(sp.c_str());
  // the default is the paper's network
  MomentsModel d;
  MomentsModelOptions od;
  od.primary.epochs = 1, od.secondary.epochs = 1, od.primary_runs = 1;
  d.fit(x, t, s, x, t, s, od);
  CHECK(d.primary().specs() == paper_layers(6));
}
