#pragma once
// Learning-rate schedules: Constant, ReduceOnPlateau and WarmupCosine.
//
// Specification. A schedule is a small policy type with
//   void   start(double base_rate, std::size_t total_steps);  // at the start of a run
//   double rate(std::size_t step) const;                       // rate for optimizer step `step`
//   void   end_epoch(double monitored);                        // after each epoch (val. loss)
// fit() calls start() with the optimizer's learning_rate and the largest possible number of
// steps (max epochs × batches per epoch), rate() before every optimizer step and end_epoch()
// with the monitored loss (validation loss, or training loss without validation data).
// Schedules are deterministic functions of these calls. This contract is the concept Schedule
// below; config() (for training_metadata) is optional.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <numbers>
#include <string_view>
#include <nlohmann/json.hpp>
#include "../core/errors.hpp"

namespace locus::nn {

template <class S>
concept Schedule = requires(S& s, const S& c, double x, std::size_t step) {
  s.start(x, step);
  { c.rate(step) } -> std::convertible_to<double>;
  s.end_epoch(x);
};

namespace detail {
// Schedule one member at a time, so that the message names the missing one.
template <class S>
consteval bool check_schedule() {
  static_assert(requires(S& s, double b, std::size_t n) { s.start(b, n); },
                "a Schedule needs `void start(double base_rate, std::size_t total_steps)`");
  static_assert(requires(const S& s, std::size_t n) { { s.rate(n) } -> std::convertible_to<double>; },
                "a Schedule needs `double rate(std::size_t step) const`");
  static_assert(requires(S& s, double loss) { s.end_epoch(loss); },
                "a Schedule needs `void end_epoch(double monitored_loss)`");
  return Schedule<S>;
}
}  // namespace detail

// The base rate throughout.
struct Constant {
  static constexpr std::string_view name = "constant";
  double current = 0;
  void start(double base, std::size_t) { current = base; }
  double rate(std::size_t) const { return current; }
  void end_epoch(double) {}
  nlohmann::json config() const { return {{"name", name}}; }
};

// Multiply the rate by `factor` when the monitored loss has not improved for `patience`
// epochs, then wait `cooldown` epochs before counting again; never go below min_lr.
// "Improved" means loss < best·(1 − min_delta) (a relative threshold, as torch's default
// threshold_mode "rel", so it does not depend on the loss's scale). The counting follows
// Keras's ReduceLROnPlateau. Paper 000 uses factor 0.9.
struct ReduceOnPlateau {
  static constexpr std::string_view name = "reduce_on_plateau";
  double factor = 0.9;
  std::size_t patience = 10;
  std::size_t cooldown = 0;
  double min_lr = 0.0;
  double min_delta = 1e-4;
  // state
  double current = 0, best = std::numeric_limits<double>::infinity();
  std::size_t wait = 0, cooldown_left = 0, reductions = 0;

  void start(double base, std::size_t) {
    if (!(factor > 0 && factor < 1)) throw ConfigError("ReduceOnPlateau: factor must lie in (0, 1)");
    if (!(min_lr >= 0)) throw ConfigError("ReduceOnPlateau: min_lr must be non-negative");
    if (!(min_delta >= 0)) throw ConfigError("ReduceOnPlateau: min_delta must be non-negative");
    current = base;
    best = std::numeric_limits<double>::infinity();
    wait = cooldown_left = reductions = 0;
  }
  double rate(std::size_t) const { return current; }
  void end_epoch(double loss) {
    const bool cooling = cooldown_left > 0;
    if (cooling) {
      --cooldown_left;
      wait = 0;
    }
    if (loss < best * (1.0 - min_delta) || (std::isinf(best) && std::isfinite(loss))) {
      best = loss;
      wait = 0;
    } else if (!cooling) {
      if (++wait >= patience) {
        if (current > min_lr) {
          current = std::max(current * factor, min_lr);
          ++reductions;
        }
        cooldown_left = cooldown;
        wait = 0;
      }
    }
  }
  nlohmann::json config() const {
    return {{"name", name},       {"factor", factor}, {"patience", patience},
            {"cooldown", cooldown}, {"min_lr", min_lr}, {"min_delta", min_delta}};
  }
};

// Linear warm-up from base/W to base over the first W = round(warmup_fraction · total)
// steps, then cosine decay from base to `floor` at the last step (paper 004: 5 % warm-up).
struct WarmupCosine {
  static constexpr std::string_view name = "warmup_cosine";
  double warmup_fraction = 0.05;
  double floor = 0.0;
  // state
  double base = 0;
  std::size_t total = 1, warmup = 0;

  void start(double b, std::size_t total_steps) {
    if (!(warmup_fraction >= 0 && warmup_fraction < 1)) throw ConfigError("WarmupCosine: warmup_fraction must lie in [0, 1)");
    if (!(floor >= 0) || floor > b) throw ConfigError("WarmupCosine: floor must lie in [0, base learning rate]");
    base = b;
    total = std::max<std::size_t>(1, total_steps);
    warmup = static_cast<std::size_t>(std::llround(warmup_fraction * double(total)));
  }
  double rate(std::size_t step) const {
    if (step < warmup) return base * double(step + 1) / double(warmup);
    const double span = double(std::max<std::size_t>(1, total - warmup - (total > warmup ? 1 : 0)));
    const double progress = std::min(1.0, double(step - warmup) / span);
    return floor + (base - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  void end_epoch(double) {}
  nlohmann::json config() const { return {{"name", name}, {"warmup_fraction", warmup_fraction}, {"floor", floor}}; }
};

}  // namespace locus::nn
