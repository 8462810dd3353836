// The paper 000 network (10 → 45 GELU → 45 Softsign → 42 Softsign → 33 Sigmoid → 36 GELU
// → 6 Linear) run over a synthetic 440,000-star catalogue, reporting throughput.
//
//   paper_network_throughput [--rows N] [--threads T] [--seed S]
//
// The catalogue is synthetic: r in [16, 25], colours along a smooth stellar-locus-like
// relation, and errors growing with magnitude as in an LSST-like error model. The weights
// are freshly initialised (Glorot-uniform), since this measures inference cost only.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <locus/locus.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
Matrix<float> synthetic_catalogue(std::size_t rows, Rng& rng) {
  Matrix<float> x({rows, 10});
  for (std::size_t i = 0; i < rows; ++i) {
    const double r = rng.uniform(16, 25), gi = rng.uniform(0.2, 3.0), feh = rng.uniform(-2.5, 0.3);
    const double gr = 0.05 + 0.65 * gi - 0.04 * gi * gi, ri = gi - gr;
    const double ug = 0.9 + 0.55 * gr + 0.35 * std::pow(10.0, 0.45 * feh) * gr, iz = 0.45 * ri + 0.01;
    const double err = 0.005 + 0.02 * std::pow(10.0, 0.4 * (r - 25));
    const double colours[5] = {r, ug, gr, ri, iz};
    for (int c = 0; c < 5; ++c) {
      const double sig = c == 1 ? 2.5 * err : (c == 0 ? err : 1.4 * err);
      x(i, c) = static_cast<float>(colours[c] + sig * rng.normal());
      x(i, 5 + c) = static_cast<float>(sig);
    }
  }
  return x;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 440000, threads = 0;
  std::uint64_t seed = 2025;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows") rows = std::strtoull(next(), nullptr, 10);
    else if (a == "--threads") threads = std::strtoull(next(), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else {
      std::fprintf(stderr, "usage: %s [--rows N] [--threads T] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  Rng rng(seed);
  Stack net(Dense<Gelu>(10, 45), Dense<Softsign>(45, 45), Dense<Softsign>(45, 42), Dense<Sigmoid>(42, 33),
            Dense<Gelu>(33, 36), Dense<Linear>(36, 6));
  net.initialize(rng);
  std::printf("paper 000 network: %zu parameters; synthetic catalogue of %zu stars\n", net.parameter_count(), rows);
  const auto x = synthetic_catalogue(rows, rng);

  double single_seconds = 0;
  auto timed = [&](std::size_t t) {
    net.predict(x, t);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    const auto y = net.predict(x, t);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double checksum = 0;
    for (float v : y) checksum += v;
    std::printf("  %zu thread%s: %.4f s  (%.2f M stars/s, %.1f ns/star)  checksum %.6g\n", t, t == 1 ? " " : "s", s,
                rows / s / 1e6, s / rows * 1e9, checksum);
    if (t == 1) single_seconds = s;
    return y;
  };
  const auto y1 = timed(1);
  const std::size_t tmax = threads ? threads : num_threads();
  if (tmax > 1) {
    const auto yn = timed(tmax);
    if (!std::equal(y1.begin(), y1.end(), yn.begin())) {
      std::fprintf(stderr, "error: multi-threaded output differs from single-threaded\n");
      return 1;
    }
    std::printf("  outputs with 1 and %zu threads are bit-identical\n", tmax);
  }
  std::printf("At the single-thread rate, 10^10 LSST stars need %.1f core-hours of network inference.\n",
              1e10 * single_seconds / double(rows) / 3600.0);
  return 0;
}
