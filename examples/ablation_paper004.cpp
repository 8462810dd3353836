// Paper 004's ablation (its Table 5) on the photometric task: does a residual multitask
// network beat its ablations when the inputs are ugriz photometry instead of spectra?
//
//   ablation_paper004 [--train N] [--val N] [--test N] [--epochs E] [--seeds S] [--out DIR]
//
// Variants, all with paper 004's recipe (Huber loss on standardised targets, AdamW with
// weight decay 0.01, 5 % linear warm-up then cosine decay, batch 256, best epoch kept):
//   proposed          stem 128 (Dense → LayerNorm → GELU), one residual block of 64 with a
//                     LayerNorm + linear projection shortcut and dropout 0.4, LayerNorm, and
//                     three heads: Mr 48-32, A_r 48, [Fe/H] 16 (paper 004's Teff, log g and
//                     [Fe/H] heads)
//   no skip           the block without its shortcut
//   no skip + no LN   and without any LayerNorm
//   no multitask      three separate single-output networks of the proposed design
// It writes DIR/ablation_paper004.{md,csv}; ablation tables are relative to "proposed".
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <locus/nn/activate.hpp>
#include <locus/nn/chain.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/residual.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/stack.hpp>
#include "photometric_task.hpp"

using namespace locus;
using namespace locus::nn;

namespace {
using LN = LayerNorm<float>;
// Three heads: Mr 48-32, A_r 48, [Fe/H] 16, each ending in one linear unit.
auto heads(Rng& rng, std::size_t in) {
  return Heads(Chain(Dense<Gelu>(in, 48, rng), Dense<Gelu>(48, 32, rng), Dense<Linear>(32, 1, rng)),
               Chain(Dense<Gelu>(in, 48, rng), Dense<Linear>(48, 1, rng)),
               Chain(Dense<Gelu>(in, 16, rng), Dense<Linear>(16, 1, rng)));
}
auto proposed(Rng& rng) {
  return Stack(Dense<Linear>(10, 128, rng), LN(128), Activate<Gelu>(128),
               Residual(Dense<Linear>(128, 64, rng), LN(64), Activate<Gelu>(64), Dropout<float>(64, 0.4)), LN(64),
               heads(rng, 64));
}
auto no_skip(Rng& rng) {
  return Stack(Dense<Linear>(10, 128, rng), LN(128), Activate<Gelu>(128),
               Chain(Dense<Linear>(128, 64, rng), LN(64), Activate<Gelu>(64), Dropout<float>(64, 0.4)), LN(64),
               heads(rng, 64));
}
auto no_skip_no_ln(Rng& rng) {
  return Stack(Dense<Gelu>(10, 128, rng), Chain(Dense<Gelu>(128, 64, rng), Dropout<float>(64, 0.4)), heads(rng, 64));
}
// One single-task network per target: the proposed stem and trunk with that target's head.
template <class Head>
auto single_task(Rng& rng, Head head) {
  return Chain(Dense<Linear>(10, 128, rng), LN(128), Activate<Gelu>(128),
               Residual(Dense<Linear>(128, 64, rng), LN(64), Activate<Gelu>(64), Dropout<float>(64, 0.4)), LN(64),
               std::move(head));
}
auto no_multitask(Rng& rng) {
  // separate streams for each network's trunk and head, whatever the argument order
  Rng r0 = rng.split(0), r1 = rng.split(1), r2 = rng.split(2), h0 = rng.split(3), h1 = rng.split(4), h2 = rng.split(5);
  return Stack(Heads(single_task(r0, Chain(Dense<Gelu>(64, 48, h0), Dense<Gelu>(48, 32, h0), Dense<Linear>(32, 1, h0))),
                     single_task(r1, Chain(Dense<Gelu>(64, 48, h1), Dense<Linear>(48, 1, h1))),
                     single_task(r2, Chain(Dense<Gelu>(64, 16, h2), Dense<Linear>(16, 1, h2)))));
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t n_train = 40000, n_val = 10000, n_test = 50000, epochs = 30, n_seeds = 5;
  std::string out = "ablation_paper004_out";
  if (!example::parse_options(argc, argv,
                              {{"--train", &n_train}, {"--val", &n_val}, {"--test", &n_test}, {"--epochs", &epochs}, {"--seeds", &n_seeds}, {"--out", &out}}))
    return 2;

  const auto task = example::photometric_task(n_train, n_val, n_test);
  AblationOptions options{.reference = "proposed"};
  options.seeds.clear();
  for (std::size_t s = 1; s <= n_seeds; ++s) options.seeds.push_back(s);
  Ablation study(options, Huber{}, AdamW{.weight_decay = 0.01}, WarmupCosine{},
                 FitOptions{.epochs = epochs, .batch_size = 256, .patience = 0});
  study.add("proposed", proposed).add("no skip", no_skip).add("no skip + no LN", no_skip_no_ln)
      .add("no multitask", no_multitask);
  for (std::size_t k = 0; k < 3; ++k)
    study.metric(std::string("MAE ") + example::PhotometricTask::target_names[k], example::mae_in_units(task, k, k));
  const auto table = study.run({task.x_train, task.y_train}, {task.x_val, task.y_val}, {task.x_test, task.y_test});
  std::filesystem::create_directories(out);
  table.write_markdown(out + "/ablation_paper004.md");
  table.write_csv(out + "/ablation_paper004.csv");
  std::printf("%s", table.markdown().c_str());
  return 0;
}
