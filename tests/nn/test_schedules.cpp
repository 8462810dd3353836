#include <doctest/doctest.h>
#include <cmath>
#include <numbers>
#include <locus/nn/schedules.hpp>

using namespace locus::nn;

TEST_CASE("Constant: the base rate at every step") {
  Constant c;
  c.start(0.003, 100);
  for (std::size_t s : {0u, 1u, 99u, 5000u}) CHECK(c.rate(s) == 0.003);
  c.end_epoch(1.0);
  CHECK(c.rate(7) == 0.003);
}

TEST_CASE("ReduceOnPlateau: patience, factor, cooldown and min_lr follow the Keras counting") {
  ReduceOnPlateau s{.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.1, .min_delta = 0.0};
  s.start(1.0, 0);
  // epoch losses:        improve  flat  flat(->reduce) cool  flat  flat(->reduce) ...
  const double losses[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
  const double expect[] = {1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.1};
  for (int e = 0; e < 12; ++e) {
    s.end_epoch(losses[e]);
    CHECK(s.rate(0) == doctest::Approx(expect[e]).epsilon(1e-15));
  }
  // never below min_lr
  for (int e = 0; e < 20; ++e) s.end_epoch(10);
  CHECK(s.rate(0) == 0.1);
  CHECK(s.reductions == 4);
}

TEST_CASE("ReduceOnPlateau: an improvement resets the wait; small relative changes do not count") {
  ReduceOnPlateau s{.factor = 0.9, .patience = 3, .min_delta = 1e-3};
  s.start(0.01, 0);
  s.end_epoch(100.0);
  s.end_epoch(99.95);  // 0.05 % better: below min_delta, counts as no improvement
  s.end_epoch(99.0);   // 1 % better: resets
  s.end_epoch(99.0);
  s.end_epoch(99.0);
  CHECK(s.rate(0) == 0.01);
  s.end_epoch(99.0);
  CHECK(s.rate(0) == doctest::Approx(0.009).epsilon(1e-15));
  CHECK_THROWS_AS((ReduceOnPlateau{.factor = 1.5}.start(0.1, 0)), locus::ConfigError);
}

TEST_CASE("WarmupCosine: linear warm-up over 5 % of the steps, then cosine down to the floor") {
  WarmupCosine s{.warmup_fraction = 0.05, .floor = 1e-5};
  s.start(1e-3, 1000);
  CHECK(s.warmup == 50);
  CHECK(s.rate(0) == doctest::Approx(1e-3 / 50));
  CHECK(s.rate(24) == doctest::Approx(1e-3 * 25 / 50));
  CHECK(s.rate(49) == doctest::Approx(1e-3));
  CHECK(s.rate(50) == doctest::Approx(1e-3));  // top of the cosine
  for (std::size_t k : {100u, 300u, 524u, 800u}) {
    const double progress = double(k - 50) / double(1000 - 50 - 1);
    CHECK(s.rate(k) == doctest::Approx(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + std::cos(std::numbers::pi * progress))));
  }
  CHECK(s.rate(999) == doctest::Approx(1e-5));
  CHECK(s.rate(5000) == doctest::Approx(1e-5));  // clamped past the end
  double prev = 1;
  for (std::size_t k = 50; k < 1000; ++k) {  // monotonic decay
    CHECK(s.rate(k) <= prev);
    prev = s.rate(k);
  }
}
