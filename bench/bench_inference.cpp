// Inference speed of the paper 000 network in float32, single thread and 2 threads,
// with the machine's FMA peak measured in the same run.
//
//   bench_inference [--rows N] [--repeats R]
//
// Prints "key value" lines; bench/inference_vs_torch.py runs this next to PyTorch.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <locus/locus.hpp>

using namespace locus;
using namespace locus::nn;
using clk = std::chrono::steady_clock;

namespace {
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// Register-resident FMA loop: 12 independent accumulators hide the FMA latency, so this
// runs at the core's FMA throughput. The empty asm statements pin each accumulator in a
// vector register and stop the compiler from folding the loop. Returns GFLOP/s
// (2 flops per lane per FMA).
double fma_peak_gflops() {
  using B = simd::batch<float>;
  using R = typename B::register_type;
  constexpr std::size_t L = simd::lanes<float>;
  R a0 = B(0.f), a1 = B(1e-3f), a2 = B(2e-3f), a3 = B(3e-3f), a4 = B(4e-3f), a5 = B(5e-3f), a6 = B(6e-3f),
    a7 = B(7e-3f), a8 = B(8e-3f), a9 = B(9e-3f), a10 = B(1e-2f), a11 = B(1.1e-2f);
  const R m = B(0.999999f), c = B(1e-7f);
  const long iters = 50'000'000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = clk::now();
    for (long k = 0; k < iters; ++k) {
#define LOCUS_FMA(a) a = xsimd::fma(B(a), B(m), B(c));
      LOCUS_FMA(a0) LOCUS_FMA(a1) LOCUS_FMA(a2) LOCUS_FMA(a3) LOCUS_FMA(a4) LOCUS_FMA(a5)
      LOCUS_FMA(a6) LOCUS_FMA(a7) LOCUS_FMA(a8) LOCUS_FMA(a9) LOCUS_FMA(a10) LOCUS_FMA(a11)
#undef LOCUS_FMA
      asm volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8),
                   "+v"(a9), "+v"(a10), "+v"(a11));
    }
    const double s = seconds_since(t0);
    best = std::max(best, 2.0 * L * 12.0 * double(iters) / s / 1e9);
  }
  const float sink = xsimd::hadd(B(a0) + B(a1) + B(a2) + B(a3) + B(a4) + B(a5) + B(a6) + B(a7) + B(a8) + B(a9) +
                                 B(a10) + B(a11));
  if (sink == 12345.f) std::puts("");
  return best;
}

template <class Net>
double best_time(const Net& net, const Matrix<float>& x, std::size_t threads, int repeats) {
  double best = 1e30;
  net.predict(x, threads);
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clk::now();
    const auto y = net.predict(x, threads);
    best = std::min(best, seconds_since(t0));
    if (y(0, 0) == 12345.f) std::puts("");
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 440000;
  int repeats = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--repeats") repeats = std::atoi(argv[i + 1]);
  }
  Rng rng(1);
  Matrix<float> x({rows, 10});
  for (auto& v : x) v = static_cast<float>(rng.normal());

  Stack paper(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Softsign>(45, 42, rng),
              Dense<Sigmoid>(42, 33, rng), Dense<Gelu>(33, 36, rng), Dense<Linear>(36, 6, rng));
  // Same shapes, identity activations: the matrix kernels alone.
  Stack linear(Dense<Linear>(10, 45, rng), Dense<Linear>(45, 45, rng), Dense<Linear>(45, 42, rng),
               Dense<Linear>(42, 33, rng), Dense<Linear>(33, 36, rng), Dense<Linear>(36, 6, rng));

  const double macs_per_row = 7155, acts_per_row = 201;
  const double t1 = best_time(paper, x, 1, repeats);
  const double tlin = best_time(linear, x, 1, repeats);
  const double t2 = best_time(paper, x, 2, repeats);
  const double peak = fma_peak_gflops();
  const double gflops = 2 * macs_per_row * double(rows) / t1 / 1e9;
  std::printf("simd_lanes_float %zu\n", simd::lanes<float>);
  std::printf("rows %zu\n", rows);
  std::printf("locus_seconds_1thread %.5f\n", t1);
  std::printf("locus_seconds_2threads %.5f\n", t2);
  std::printf("locus_speedup_2threads %.3f\n", t1 / t2);
  std::printf("matrix_kernels_seconds %.5f\n", tlin);
  std::printf("activation_seconds %.5f\n", t1 - tlin);
  std::printf("ns_per_activation %.3f\n", (t1 - tlin) / (acts_per_row * double(rows)) * 1e9);
  std::printf("fma_peak_gflops %.1f\n", peak);
  std::printf("locus_gflops %.1f\n", gflops);
  std::printf("percent_of_fma_peak %.1f\n", 100 * gflops / peak);
  std::printf("fma_bound_seconds %.5f\n", 2 * macs_per_row * double(rows) / (peak * 1e9));
  return 0;
}
