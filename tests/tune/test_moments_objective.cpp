#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <locus/core/interrupt.hpp>
#include <locus/core/rng.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/trainer.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/moments_objective.hpp>

using namespace locus;
using namespace locus::tune;

namespace {
// 4 inputs, 3 targets that depend smoothly on them.
struct Toy {
  Matrix<float> x, y, xv, yv;
};
Toy toy(std::size_t n, std::size_t nv) {
  Rng rng(3);
  auto make = [&](std::size_t rows, Matrix<float>& x, Matrix<float>& y) {
    x = Matrix<float>({rows, 4});
    y = Matrix<float>({rows, 3});
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < 4; ++c) x(r, c) = float(rng.uniform(-1, 1));
      y(r, 0) = float(4 + std::sin(2 * x(r, 0)) + 0.1 * rng.normal());
      y(r, 1) = float(0.3 + 0.1 * x(r, 1) + 0.02 * rng.normal());
      y(r, 2) = float(-1 + x(r, 2) * x(r, 3) + 0.1 * rng.normal());
    }
  };
  Toy t;
  make(n, t.x, t.y);
  make(nv, t.xv, t.yv);
  return t;
}
const Configuration two_layers{{"layers", std::int64_t{2}},          {"units_1", std::int64_t{7}},
                               {"activation_1", std::string("gelu")}, {"units_2", std::int64_t{5}},
                               {"activation_2", std::string("tanh")}};
}  // namespace

TEST_CASE("moments_layers: the configuration's hidden layers, then the linear output") {
  const auto l = moments_layers(two_layers, 6);
  REQUIRE(l.size() == 3);
  CHECK(l[0] == nn::LayerSpec{7, "gelu"});
  CHECK(l[1] == nn::LayerSpec{5, "tanh"});
  CHECK(l[2] == nn::LayerSpec{6, "linear"});
  CHECK(moments_layers(Configuration{{"layers", std::int64_t{0}}}, 4) == std::vector<nn::LayerSpec>{{4, "linear"}});
  CHECK_THROWS_AS(moments_layers(Configuration{{"layers", std::int64_t{1}}}, 6), ConfigError);
}

TEST_CASE("check_moments_space: the spaces the objective can train, and the ones it cannot") {
  check_moments_space(architecture_space());
  SearchSpace with_rates = architecture_space(2, 8, {"gelu", "relu"});
  with_rates.add_float("learning_rate", 1e-4, 1e-2, Scale::log).add_int("batch_size", 32, 1024, Scale::log);
  check_moments_space(with_rates);

  auto fails = [](const SearchSpace& s, const char* part) {
    CHECK_THROWS_WITH_AS(check_moments_space(s), doctest::Contains(part), ConfigError);
  };
  fails(SearchSpace().add_float("learning_rate", 1e-4, 1e-2), "\"layers\"");
  fails(architecture_space(2, 8, {"gelu", "mish"}), "unknown activation \"mish\"");
  fails(SearchSpace(architecture_space(2, 8)).add_float("momentum", 0, 1), "\"momentum\" is not used");
  fails(SearchSpace(architecture_space(2, 8)).add_categorical("learning_rate", {"a"}), "\"learning_rate\"");
  fails(SearchSpace(architecture_space(2, 8)).add_int("batch_size", 0, 8), "\"batch_size\"");
  fails(SearchSpace().add_int("layers", 1, 2).add_int("units_1", 1, 4).add_categorical("activation_1", {"gelu"}),
        "\"units_2\"");
  fails(SearchSpace()
            .add_int("layers", 1, 2)
            .add_int("units_1", 1, 4)
            .add_categorical("activation_1", {"gelu"})
            .add_int("units_2", 1, 4, Scale::linear, Condition::at_least("layers", 3))
            .add_categorical("activation_2", {"gelu"}),
        "\"units_2\": its condition");
  fails(SearchSpace().add_int("layers", 0, 1).add_int("units_1", 0, 4).add_categorical("activation_1", {"gelu"}),
        "\"units_1\"");
}

TEST_CASE("MomentsObjective, Bayesian-optimisation form: a fresh network trained with the documented streams") {
  const Toy t = toy(300, 100);
  const nn::Data<float> train(t.x, t.y), val(t.xv, t.yv);
  const MomentsObjective objective(train, val, {.learning_rate = 0.01, .batch_size = 64, .epochs = 12, .patience = 3});
  Rng rng(17);
  const double loss = objective(two_layers, rng);
  CHECK(std::isfinite(loss));
  CHECK(objective.models() == 1);
  CHECK(objective.epochs() >= 4);
  CHECK(objective.epochs() <= 12);

  // The same training written out by hand gives the same loss bit for bit.
  Rng again(17);
  nn::DynamicStack<nn::paper_activations> net(4, moments_layers(two_layers, 6), again.split(1));
  nn::Adam adam{.learning_rate = 0.01};
  nn::ReduceOnPlateau plateau{.factor = 0.9};
  nn::FitOptions fo;
  fo.epochs = 12, fo.batch_size = 64, fo.patience = 3, fo.seed = again.split(2)(), fo.threads = 1;
  const auto h = nn::fit(net, nn::paper_moments_loss(), adam, plateau, train, val, fo);
  CHECK(h.best_loss == loss);
  CHECK(h.epochs() == objective.epochs());

  // learning_rate and batch_size in the configuration override the options
  Configuration fast = two_layers;
  fast.set("learning_rate", 0.05);
  fast.set("batch_size", std::int64_t{300});
  Rng r2(17);
  CHECK(objective(fast, r2) != loss);
}

TEST_CASE("MomentsObjective, Hyperband form: promoted trials resume and train only the extra epochs") {
  const Toy t = toy(200, 80);
  const nn::Data<float> train(t.x, t.y), val(t.xv, t.yv);
  const MomentsObjective objective(train, val, {.learning_rate = 0.01, .batch_size = 50});
  ResumeState st;
  st.rng = Rng(5);
  const double l3 = objective(two_layers, 3, st);
  CHECK(objective.epochs() == 3);
  st.previous_budget = 3;
  const double l9 = objective(two_layers, 9, st);
  CHECK(objective.epochs() == 9);  // 3 + 6, not 3 + 9
  CHECK(objective.models() == 1);  // the same network continued
  CHECK(std::isfinite(l3));
  CHECK(l9 <= l3 * 1.5);

  // Hyperband drives it; with R = 9, eta = 3 the schedule trains 17 models.
  HyperbandOptions ho;
  ho.max_budget = 9, ho.eta = 3, ho.threads = 2, ho.seed = 1, ho.progress = Progress::Show::never;
  const Hyperband hb(architecture_space(2, 6, {"gelu", "tanh"}), ho);
  const MomentsObjective fresh(train, val, {.learning_rate = 0.01, .batch_size = 50});
  const auto res = hb.run(fresh);
  CHECK(res.trials == 17);
  CHECK(fresh.models() == 17);
  CHECK(fresh.epochs() == 69);  // 9·1 + 3·2 + 1·6, 5·3 + 1·6, 3·9: promoted trials resume
  CHECK(std::isfinite(res.best().loss));
}

TEST_CASE("MomentsObjective, Hyperband form: a restarted trial continues from its checkpoint file") {
  const Toy t = toy(200, 80);
  const nn::Data<float> train(t.x, t.y), val(t.xv, t.yv);
  const auto dir = std::filesystem::temp_directory_path() / ("locus_moments_ckpt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const MomentsObjective objective(train, val, {.learning_rate = 0.01, .batch_size = 50});
  // What a trial's state is in a new process: stream 5, no network in memory, a file.
  auto restarted = [&](const char* file) {
    ResumeState st;
    st.rng = Rng(5);
    st.checkpoint_file = dir / file;
    return st;
  };
  ResumeState a = restarted("a.ckpt");
  objective(two_layers, 3, a);
  std::filesystem::copy_file(dir / "a.ckpt", dir / "b.ckpt");  // the file a kill after rung 0 leaves
  a.previous_budget = 3;
  const double l9 = objective(two_layers, 9, a);
  CHECK(objective.epochs() == 9);

  // It trains only the 6 missing epochs and gets the uninterrupted loss bit for bit.
  ResumeState b = restarted("b.ckpt");
  CHECK(objective(two_layers, 9, b) == l9);
  CHECK(objective.epochs() == 15);
  CHECK(objective.models() == 1);
  // A rung whose file is complete but whose journal line was lost is not trained again.
  ResumeState c = restarted("a.ckpt");
  CHECK(objective(two_layers, 9, c) == l9);
  CHECK(objective.epochs() == 15);
  // The file of another configuration is ignored: a fresh network.
  Configuration other = two_layers;
  other.set("units_1", std::int64_t{3});
  ResumeState d = restarted("a.ckpt");
  objective(other, 9, d);
  CHECK(objective.models() == 2);
  CHECK(objective.epochs() == 24);
  std::filesystem::remove_all(dir);
}

TEST_CASE("MomentsObjective stops on an interrupt request and checks its targets") {
  const Toy t = toy(100, 40);
  const nn::Data<float> train(t.x, t.y), val(t.xv, t.yv);
  const MomentsObjective objective(train, val);
  interrupt::request(2);
  Rng rng(1);
  CHECK_THROWS_AS(objective(two_layers, rng), Interrupted);
  interrupt::clear();
  CHECK(objective.models() == 0);
  CHECK_THROWS_AS(MomentsObjective(train, val, {.target_sigmas = {0.1, 0.1}}), ConfigError);
}
