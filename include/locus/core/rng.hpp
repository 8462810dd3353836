#pragma once
// locus::Rng — the only source of randomness in locus.
//
// Wraps Boost.Random's mt19937_64. Boost's engines and distributions are header-only and
// fully specified, so a seed gives the same numbers on every platform (unlike std::
// distributions, whose algorithms are implementation-defined). split(stream) derives an
// independent engine from (seed, stream) alone, so parallel work can be seeded per chunk
// and results do not depend on which thread ran which chunk.
#include <cstdint>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace locus {

namespace detail {
// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace detail

class Rng {
 public:
  using engine_type = boost::random::mt19937_64;
  using result_type = engine_type::result_type;

  explicit Rng(std::uint64_t seed = 42) : seed_(seed), engine_(detail::splitmix64(seed)) {}

  std::uint64_t seed() const { return seed_; }

  // An independent generator for parallel stream `stream`; depends only on (seed, stream).
  Rng split(std::uint64_t stream) const {
    return Rng(detail::splitmix64(seed_ ^ detail::splitmix64(stream + 0x632BE59BD9B4E019ull)));
  }

  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer on [0, n).
  std::uint64_t uniform_index(std::uint64_t n) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  // Standard normal (Boost's ziggurat).
  double normal() { return boost::random::normal_distribution<double>(0.0, 1.0)(engine_); }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }

  // UniformRandomBitGenerator interface, so std::shuffle-like code can use an Rng.
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type(0); }
  result_type operator()() { return engine_(); }

  engine_type& engine() { return engine_; }

 private:
  std::uint64_t seed_;
  engine_type engine_;
};

// Fisher–Yates shuffle driven by Rng (std::shuffle's algorithm is implementation-defined).
template <class It>
void shuffle(It first, It last, Rng& rng) {
  const auto n = static_cast<std::uint64_t>(last - first);
  for (std::uint64_t i = n; i > 1; --i) {
    const auto j = rng.uniform_index(i);
    using std::swap;
    swap(first[i - 1], first[j]);
  }
}

}  // namespace locus
