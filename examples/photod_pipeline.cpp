// The hybrid Bayes → NN pipeline of paper 000 as a library call, on a simulated patch:
//
//   1. simulate a mock LSST patch (default 10 deg², about 440,000 stars with true Mr, A_r, [Fe/H]);
//   2. HybridPipeline: Bayes (grid posterior, KDE priors of the patch) on 10,000 + 2,000 stars,
//      the moments and σ_B networks trained on them, the networks on every star, residuals.
//
//   photod_pipeline [--area DEG2] [--train N] [--check N] [--epochs N] [--runs N] [--seed S]
//
// The `locus pipeline` command does the same with a run record, any input catalogue and every
// option; this shows the library API it is built on.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <locus/pipeline/hybrid_pipeline.hpp>
#include <locus/sim/mock_patch.hpp>

using namespace locus;

int main(int argc, char** argv) {
  sim::PatchSpec spec;
  pipeline::PipelineOptions o;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--area") spec.area_deg2 = std::atof(v);
    else if (k == "--train") o.sample.train = std::strtoull(v, nullptr, 10);
    else if (k == "--check") o.sample.check = std::strtoull(v, nullptr, 10);
    else if (k == "--epochs") o.training.primary.epochs = std::strtoull(v, nullptr, 10);
    else if (k == "--runs") o.training.primary_runs = std::strtoull(v, nullptr, 10);
    else if (k == "--seed") seed = std::strtoull(v, nullptr, 10);
    else return std::fprintf(stderr, "unknown option %s\n", k.c_str()), 2;
  }
  try {
    Rng rng(seed);
    auto patch = std::make_shared<const io::Catalog>(sim::simulate_patch(spec, rng));
    o.log = [](const std::string& s) { std::printf("%s\n", s.c_str()); };
    o.keep_predictions = false;  // the evaluation is what this example prints
    const auto res = pipeline::HybridPipeline(o).run(pipeline::CatalogSource::memory(patch, "example patch, seed " + std::to_string(seed)));
    std::printf("\n%s\ntotal %.1f s for %zu stars\n", pipeline::format_table(res.evaluation).c_str(), res.total_seconds(), res.rows);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
