#include <doctest/doctest.h>
#include <atomic>
#include <stdexcept>
#include <vector>
#include <locus/core/parallel_for.hpp>
#include <locus/core/rng.hpp>

TEST_CASE("parallel_for: every index exactly once, for any thread count") {
  for (std::size_t threads : {1u, 2u, 3u, 8u}) {
    std::vector<std::atomic<int>> hits(1003);
    locus::parallel_for(hits.size(), 17, [&](std::size_t i) { hits[i]++; }, threads);
    for (auto& h : hits) CHECK(h.load() == 1);
  }
}

TEST_CASE("parallel_for_chunks: per-chunk random streams give thread-independent results") {
  auto run = [](std::size_t threads) {
    std::vector<double> out(1000);
    locus::Rng rng(11);
    locus::parallel_for_chunks(
        out.size(), 64,
        [&](std::size_t c, std::size_t b, std::size_t e) {
          locus::Rng r = rng.split(c);
          for (std::size_t i = b; i < e; ++i) out[i] = r.normal();
        },
        threads);
    return out;
  };
  const auto one = run(1);
  CHECK(one == run(2));
  CHECK(one == run(5));
}

TEST_CASE("parallel_for: an exception in a worker reaches the caller") {
  CHECK_THROWS_AS(locus::parallel_for(
                      100, 10, [](std::size_t i) {
                        if (i == 77) throw std::runtime_error("boom");
                      },
                      2),
                  std::runtime_error);
}
