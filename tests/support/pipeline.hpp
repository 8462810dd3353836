#pragma once
// Test support for the pipeline tests: a small mock patch (made once per process), training
// options that keep a test fast, and a guard that leaves no interruption request behind.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <locus/core/interrupt.hpp>
#include <locus/core/rng.hpp>
#include <locus/io/catalog.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/sim/mock_patch.hpp>

namespace locus::test {

// A mock patch of `area_deg2` at the default sight line (about 44,000 stars per deg²), made
// once per (area, seed) and shared; catalogues are bit-identical for a seed.
inline std::shared_ptr<const io::Catalog> small_patch(double area_deg2 = 0.2, std::uint64_t seed = 7) {
  static std::mutex m;
  static std::map<std::pair<double, std::uint64_t>, std::shared_ptr<const io::Catalog>> cache;
  std::lock_guard lock(m);
  auto& slot = cache[{area_deg2, seed}];
  if (!slot) {
    sim::PatchSpec spec;
    spec.area_deg2 = area_deg2;
    spec.threads = 1;
    Rng rng(seed);
    slot = std::make_shared<const io::Catalog>(sim::simulate_patch(spec, rng));
  }
  return slot;
}

// Paper 000's networks with a short recipe: one run, a few epochs, small batches.
inline nn::MomentsModelOptions quick_training(std::size_t epochs = 12) {
  nn::MomentsModelOptions o;
  o.primary.epochs = epochs;
  o.primary.batch_size = 64;
  o.primary.patience = 0;
  o.primary_runs = 1;
  o.secondary.epochs = epochs / 2 + 1;
  o.secondary.batch_size = 64;
  o.secondary.patience = 0;
  return o;
}

// Clears any interruption request on entry and on exit, so a failing test cannot leave one
// behind for the next.
struct InterruptGuard {
  InterruptGuard() { interrupt::clear(); }
  ~InterruptGuard() { interrupt::clear(); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

}  // namespace locus::test
