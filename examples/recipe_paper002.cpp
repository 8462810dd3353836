// Paper 002's MLP recipe against paper 000's moments network, on the same photometric data.
//
//   recipe_paper002 [--train N] [--val N] [--test N] [--epochs E] [--seeds S]
//                   [--missing F] [--out DIR]
//
// Data: the photometric task (true Mr, A_r, [Fe/H] in their own units) with the u band
// removed from a fraction F (default 0.1) of the stars (u − g and its error set to NaN), so
// both networks take paper 002's missing-value treatment: NaNs imputed with the training
// mean plus one indicator column per input (nn::MissingValues, 20 inputs).
// Variants:
//   paper 000           10 → 45 → 45 → 42 → 33 → 36 → 6 (GELU, Softsign, Softsign, Sigmoid,
//                       GELU, linear), moments loss of Eq. 2, Adam, batch 256
//   paper 002           one network per target, as paper 002 trains them: 18 hidden blocks of
//                       Dense → LeakyReLU (0.3, Keras's default) → BatchNorm → Dropout (0.1),
//                       widths 80 → 160 → 80 in steps of 10 (the "diamond"), one linear output;
//                       E epochs on MAE, then E on SMAPE (Adam 1e-3, batch 256)
//   paper 002 (MAE only) the same networks, 2E epochs on MAE (is the SMAPE phase worth it?)
// Metrics: MAE and SMAPE of each target on the test set. Writes DIR/recipe_paper002.{md,csv}.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <locus/nn/batch_norm.hpp>
#include <locus/nn/chain.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/missing_values.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include "photometric_task.hpp"

using namespace locus;
using namespace locus::nn;

namespace {
constexpr std::array<std::size_t, 19> diamond_widths{20,  80,  90,  100, 110, 120, 130, 140, 150, 160,
                                                     160, 150, 140, 130, 120, 110, 100, 90,  80};
auto block(std::size_t in, std::size_t out, Rng& rng) {
  return Chain(Dense<LeakyRelu>(in, out, rng, LeakyRelu{0.3}), BatchNorm<float>(out), Dropout<float>(out, 0.1));
}
// Braced initialisation: the blocks draw their weights from rng in order.
template <std::size_t... I>
auto diamond(Rng& rng, std::index_sequence<I...>) {
  return Chain{block(diamond_widths[I], diamond_widths[I + 1], rng)..., Dense<Linear>(80, 1, rng)};
}
auto paper002(Rng& rng) {
  Rng r0 = rng.split(0), r1 = rng.split(1), r2 = rng.split(2);
  constexpr auto blocks = std::make_index_sequence<diamond_widths.size() - 1>{};
  return Stack(Heads(diamond(r0, blocks), diamond(r1, blocks), diamond(r2, blocks)));
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t n_train = 20000, n_val = 5000, n_test = 50000, epochs = 20, n_seeds = 3;
  double missing = 0.1;
  std::string out = "recipe_paper002_out";
  if (!example::parse_options(argc, argv,
                              {{"--train", &n_train}, {"--val", &n_val}, {"--test", &n_test}, {"--epochs", &epochs}, {"--seeds", &n_seeds}, {"--out", &out}, {"--missing", &missing}}))
    return 2;

  if (!(missing >= 0 && missing < 1)) {
    std::fprintf(stderr, "--missing must lie in [0, 1)\n");
    return 2;
  }
  auto task = example::photometric_task(n_train, n_val, n_test, 2026, 23.0, false);
  // Remove u for a fraction of the stars, then impute with indicators (paper 002).
  Rng drop(77);
  for (auto* x : {&task.x_train, &task.x_val, &task.x_test})
    for (std::size_t r = 0; r < x->shape(0); ++r)
      if (drop.uniform() < missing) (*x)(r, 1) = (*x)(r, 6) = std::numeric_limits<float>::quiet_NaN();
  MissingValues imputer;
  imputer.fit(task.x_train);
  const auto x_train = imputer.transform(task.x_train), x_val = imputer.transform(task.x_val),
             x_test = imputer.transform(task.x_test);

  AblationOptions options{.reference = "paper 000"};
  options.seeds.clear();
  for (std::size_t s = 1; s <= n_seeds; ++s) options.seeds.push_back(s);
  Ablation study(options, paper_moments_loss(), Adam{}, Constant{},
                 FitOptions{.epochs = 2 * epochs, .batch_size = 256, .patience = 0});
  const std::vector<LayerSpec> paper000{{45, "gelu"}, {45, "softsign"}, {42, "softsign"}, {33, "sigmoid"}, {36, "gelu"},
                                        {6, "linear"}};
  study.add("paper 000", [&](Rng& rng) { return DynamicStack<paper_activations>(20, paper000, rng); });
  auto phase = [&](auto& net, const auto& loss, const Data<float>& t, const Data<float>& v, std::uint64_t seed) {
    Adam opt;
    Constant sched;
    fit(net, loss, opt, sched, t, v, FitOptions{.epochs = epochs, .batch_size = 256, .patience = 0, .seed = seed});
  };
  study.add("paper 002", paper002, [&](auto& net, const Data<float>& t, const Data<float>& v, std::uint64_t seed) {
    phase(net, Mae{}, t, v, seed);
    phase(net, Smape{}, t, v, seed + 1000);
  });
  study.add("paper 002 (MAE only)", paper002, [&](auto& net, const Data<float>& t, const Data<float>& v, std::uint64_t seed) {
    phase(net, Mae{}, t, v, seed);
    phase(net, Mae{}, t, v, seed + 1000);
  });
  for (std::size_t k = 0; k < 3; ++k)
    study.metric(std::string("MAE ") + example::PhotometricTask::target_names[k], ablation_metrics::mae(k));
  for (std::size_t k = 0; k < 3; ++k)
    study.metric(std::string("SMAPE ") + example::PhotometricTask::target_names[k] + " (%)", ablation_metrics::smape(k));
  const auto table = study.run({x_train, task.y_train}, {x_val, task.y_val}, {x_test, task.y_test});
  std::filesystem::create_directories(out);
  table.write_markdown(out + "/recipe_paper002.md");
  table.write_csv(out + "/recipe_paper002.csv");
  std::printf("%s\nu band removed from %.0f %% of the stars; %zu + %zu epochs per run.\n", table.markdown().c_str(),
              100 * missing, epochs, epochs);
  return 0;
}
