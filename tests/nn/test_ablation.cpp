#include <doctest/doctest.h>
#include <cmath>
#include <locus/nn/ablation.hpp>
#include <locus/nn/activate.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/residual.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>

using namespace locus::nn;
using locus::Matrix;

namespace {
struct Problem {
  Matrix<float> x, y;
};
Problem make(std::size_t n, std::uint64_t seed) {
  locus::Rng rng(seed);
  Problem p{Matrix<float>({n, 3}), Matrix<float>({n, 2})};
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < 3; ++c) p.x(r, c) = float(rng.uniform(-1, 1));
    p.y(r, 0) = std::sin(2 * p.x(r, 0)) + p.x(r, 1) * p.x(r, 2);
    p.y(r, 1) = p.x(r, 0) - p.x(r, 2) * p.x(r, 2);
  }
  return p;
}
const FitOptions fit_options{.epochs = 6, .batch_size = 64, .patience = 0};

auto residual_net(locus::Rng& rng) {
  return Stack(Dense<Linear>(3, 16, rng), LayerNorm<float>(16),
               Residual(Dense<Linear>(16, 16, rng), LayerNorm<float>(16), Activate<Gelu>(16)), Dense<Linear>(16, 2, rng));
}
auto plain_net(locus::Rng& rng) { return Stack(Dense<Tanh>(3, 16, rng), Dense<Linear>(16, 2, rng)); }

AblationTable study(std::size_t threads, const Problem& tr, const Problem& te) {
  Ablation ab(AblationOptions{.seeds = {3, 4, 5}, .reference = "residual", .threads = threads, .timing_repeats = 1,
                              .progress = false},
              Mse{}, Adam{}, Constant{}, fit_options);
  ab.add("plain", plain_net).add("residual", residual_net);
  ab.metric("MAE 0", ablation_metrics::mae(0)).metric("MAE 1", ablation_metrics::mae(1));
  return ab.run({tr.x, tr.y}, {}, {te.x, te.y});
}
}  // namespace

TEST_CASE("Ablation: results are the pairs' own, do not depend on threads, and relative to the reference") {
  const auto tr = make(600, 1), te = make(300, 2);
  const auto t1 = study(1, tr, te), t2 = study(2, tr, te);
  REQUIRE(t1.rows.size() == 2);
  for (std::size_t v = 0; v < 2; ++v)
    for (std::size_t m = 0; m < 2; ++m) CHECK(t1.rows[v].per_seed[m] == t2.rows[v].per_seed[m]);

  // seed 4 of "plain", trained by hand, gives the table's value exactly
  locus::Rng rng(4);
  auto net = plain_net(rng);
  Adam opt;
  Constant sched;
  FitOptions o = fit_options;
  o.seed = 4;
  fit(net, Mse{}, opt, sched, {tr.x, tr.y}, {}, o);
  const auto pred = net.predict(te.x);
  CHECK(ablation_metrics::mae(1)(pred, te.y) == t1.row("plain").per_seed[1][1]);

  const auto& ref = t1.row("residual");
  CHECK(ref.metrics[0].rel_mean == 1.0);
  const auto& plain = t1.row("plain");
  CHECK(plain.metrics[1].rel_mean == doctest::Approx(plain.metrics[1].mean / ref.metrics[1].mean));
  const auto& v = plain.per_seed[0];
  const double mean = (v[0] + v[1] + v[2]) / 3;
  CHECK(plain.metrics[0].mean == doctest::Approx(mean));
  CHECK(plain.metrics[0].std ==
        doctest::Approx(std::sqrt(((v[0] - mean) * (v[0] - mean) + (v[1] - mean) * (v[1] - mean) +
                                   (v[2] - mean) * (v[2] - mean)) / 2)));
  CHECK(plain.parameters == 3 * 16 + 16 + 16 * 2 + 2);
  CHECK(ref.inference_us.mean > 0);
  const auto md = t1.markdown();
  CHECK(md.find("| plain | 98 |") != std::string::npos);
  CHECK(md.find("Relative to \"residual\"") != std::string::npos);
  CHECK(t1.csv().find("plain,MAE 1,") != std::string::npos);
  // names with commas or quotes are quoted, so every line keeps its fields
  AblationTable quoted = t1;
  for (auto& r : quoted.rows)
    if (r.variant == "plain") r.variant = "a, \"b\"";
  CHECK(quoted.csv().find("\n\"a, \"\"b\"\"\",parameters,") != std::string::npos);
}

TEST_CASE("Ablation: a variant with its own training, and configuration errors") {
  const auto tr = make(200, 5), te = make(100, 6);
  Ablation ab(AblationOptions{.seeds = {1}, .reference = "missing", .progress = false}, Mse{}, Adam{}, Constant{},
              fit_options);
  bool called = false;
  ab.add("custom", plain_net, [&](auto& net, const Data<float>& t, const Data<float>& v, std::uint64_t seed) {
    called = seed == 1;
    Adam opt;
    Constant sched;
    fit(net, Mae{}, opt, sched, t, v, FitOptions{.epochs = 1, .patience = 0, .seed = seed});
  });
  ab.metric("MAE 0", ablation_metrics::mae(0));
  CHECK_THROWS_WITH_AS(ab.run({tr.x, tr.y}, {}, {te.x, te.y}), doctest::Contains("\"missing\" was not added"),
                       locus::ConfigError);
  CHECK_THROWS_AS(ab.add("custom", plain_net), locus::ConfigError);
  Ablation ok(AblationOptions{.seeds = {1}, .progress = false}, Mse{}, Adam{}, Constant{}, fit_options);
  ok.add("custom", plain_net, [&](auto& net, const Data<float>& t, const Data<float>& v, std::uint64_t seed) {
    called = seed == 1;
    Adam opt;
    Constant sched;
    fit(net, Mae{}, opt, sched, t, v, FitOptions{.epochs = 1, .patience = 0, .seed = seed});
  });
  CHECK_THROWS_WITH_AS(ok.run({tr.x, tr.y}, {}, {te.x, te.y}), doctest::Contains("no metrics"), locus::ConfigError);
  ok.metric("MAE 0", ablation_metrics::mae(0));
  const auto t = ok.run({tr.x, tr.y}, {}, {te.x, te.y});
  CHECK(called);
  CHECK(t.rows[0].metrics[0].rel_mean == 1.0);
}
