// Paper 000's activation question: which activation suits its moments network? Every hidden
// layer of the paper's architecture (10 → 45 → 45 → 42 → 33 → 36 → 6) uses one activation,
// for each of the twelve of paper_activations, plus the paper's own mixed choice (GELU,
// Softsign, Softsign, Sigmoid, GELU). Each is trained on the photometric task (true Mr, A_r,
// [Fe/H] in their own units) with the moments loss of Eq. 2 (weights 1/0.1², 1/0.02²,
// 1/0.1²), Adam 1e-3, batch 256, a fixed number of epochs, the best validation epoch kept.
//
//   activation_study [--train N] [--val N] [--test N] [--epochs E] [--seeds S] [--out DIR]
//
// Reported per variant: the Eq. 2 loss on the fixed test set, the MAE of each μ, the training
// time (÷ epochs = time per epoch) and the inference time; DIR/activation_study.{md,csv}.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include "photometric_task.hpp"

using namespace locus;
using namespace locus::nn;

int main(int argc, char** argv) {
  std::size_t n_train = 40000, n_val = 10000, n_test = 50000, epochs = 100, n_seeds = 5;
  std::string out = "activation_study_out";
  if (!example::parse_options(argc, argv,
                              {{"--train", &n_train}, {"--val", &n_val}, {"--test", &n_test}, {"--epochs", &epochs}, {"--seeds", &n_seeds}, {"--out", &out}}))
    return 2;

  const auto task = example::photometric_task(n_train, n_val, n_test, 2026, 23.0, false);
  AblationOptions options{.reference = "paper (mixed)"};
  options.seeds.clear();
  for (std::size_t s = 1; s <= n_seeds; ++s) options.seeds.push_back(s);
  Ablation study(options, paper_moments_loss(), Adam{}, Constant{},
                 FitOptions{.epochs = epochs, .batch_size = 256, .patience = 0});
  const std::vector<std::size_t> widths{45, 45, 42, 33, 36};
  auto architecture = [&](const std::vector<std::string>& acts) {
    std::vector<LayerSpec> specs;
    for (std::size_t i = 0; i < widths.size(); ++i) specs.push_back({widths[i], acts[i]});
    specs.push_back({6, "linear"});
    return specs;
  };
  const auto mixed = architecture({"gelu", "softsign", "softsign", "sigmoid", "gelu"});
  study.add("paper (mixed)", [=](Rng& rng) { return DynamicStack<paper_activations>(10, mixed, rng); });
  for_each_type(paper_activations{}, [&]<class A>() {
    const auto specs = architecture(std::vector<std::string>(widths.size(), std::string(A::name)));
    study.add(std::string(A::name), [=](Rng& rng) { return DynamicStack<paper_activations>(10, specs, rng); });
  });
  study.metric("Eq. 2 loss", ablation_metrics::loss(paper_moments_loss()));
  for (std::size_t k = 0; k < 3; ++k)
    study.metric(std::string("MAE ") + example::PhotometricTask::target_names[k], example::mae_in_units(task, k, k));
  const auto table = study.run({task.x_train, task.y_train}, {task.x_val, task.y_val}, {task.x_test, task.y_test});
  std::filesystem::create_directories(out);
  table.write_markdown(out + "/activation_study.md");
  table.write_csv(out + "/activation_study.csv");
  std::printf("%s\nEpochs per run: %zu (training time / %zu = time per epoch).\n", table.markdown().c_str(), epochs,
              epochs);
  return 0;
}
