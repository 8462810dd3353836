// Speed of the KDE priors, PriorMaps::from_catalog, on the default mock patch (10 deg²,
// sim::simulate_patch with PatchSpec{} and Rng(1), about 440k stars):
//  - exact KDE, max_rows 20000 (as examples/photod_pipeline.cpp), once;
//  - binned KDE on the same stars (max_rows 20000), and on all stars (max_rows 0);
//  - the binned maps against the exact ones: the largest max |binned − exact| / max over bins;
//  - the binned method's last step two ways, summed over the bins of the all-stars run: direct
//    sums at the output nodes (what locus does) and an FFT convolution of the whole fine grid
//    (locus::fft, rows then columns), to show which is faster at these sizes.
// Prints "key value" lines. Wall times; the binned ones are the best of --repeats runs.
//
//   bench_kde [--threads T] [--repeats R] [--skip-exact]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "locus/bayes/kde.hpp"
#include "locus/bayes/prior.hpp"
#include "locus/core/fft.hpp"
#include "locus/sim/mock_patch.hpp"

using namespace locus::bayes;
using clk = std::chrono::steady_clock;

namespace {
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// The binned method's last step by FFT: the full linear convolution of the fine grid with the
// kernel table, read at the output nodes. The table is symmetric (w(−d) = w(d)), so the sum at
// fine node c is the convolution at c − first + reach.
std::vector<double> sum_by_fft(const detail::BinnedKde& k, const Axis& gx, const Axis& gy) {
  std::vector<double> out(gx.n * gy.n, 0.0);
  const std::size_t nx = k.ax.size(), ny = k.ay.size();
  if (nx == 0) return out;
  const std::size_t rows = locus::fft::next_power_of_two(ny + k.wy - 1), cols = locus::fft::next_power_of_two(nx + k.wx - 1);
  std::vector<std::complex<double>> g(rows * cols), w(rows * cols);
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) g[j * cols + i] = k.grid[j * nx + i];
  for (std::size_t j = 0; j < k.wy; ++j)
    for (std::size_t i = 0; i < k.wx; ++i) w[j * cols + i] = k.w[j * k.wx + i];
  locus::fft::transform_2d(g, rows, cols);
  locus::fft::transform_2d(w, rows, cols);
  for (std::size_t c = 0; c < g.size(); ++c) g[c] *= w[c];
  locus::fft::transform_2d(g, rows, cols, true);
  for (std::size_t j = 0; j < gy.n; ++j)
    for (std::size_t i = 0; i < gx.n; ++i) {
      const std::int64_t p = static_cast<std::int64_t>(j) * k.ay.m - k.ay.first + k.ay.reach;
      const std::int64_t q = static_cast<std::int64_t>(i) * k.ax.m - k.ax.first + k.ax.reach;
      if (p >= 0 && q >= 0 && p < static_cast<std::int64_t>(ny + k.wy - 1) && q < static_cast<std::int64_t>(nx + k.wx - 1))
        out[j * gx.n + i] = g[static_cast<std::size_t>(p) * cols + static_cast<std::size_t>(q)].real() * k.norm;
    }
  return out;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& ref) {
  const double peak = *std::max_element(ref.begin(), ref.end());
  if (!(peak > 0)) return 0;
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - ref[i]));
  return d / peak;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t threads = 0;
  int repeats = 5;
  bool skip_exact = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (a == "--skip-exact") skip_exact = true;
    else {
      std::fprintf(stderr, "usage: bench_kde [--threads T] [--repeats R] [--skip-exact]\n");
      return 2;
    }
  }
  std::printf("threads %zu\n", threads ? threads : locus::num_threads());

  locus::Rng rng(1);
  const auto cat = locus::sim::simulate_patch(locus::sim::PatchSpec{}, rng);
  const auto r = cat.to_double("rmag"), mr = cat.to_double("Mr_true"), feh = cat.to_double("FeH_true");
  std::printf("stars %zu\n", r.size());

  KdeOptions opt;
  opt.threads = threads;
  const auto best_of = [&](const KdeOptions& o, PriorMaps& maps) {
    double best = 1e30;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = clk::now();
      maps = PriorMaps::from_catalog(r, mr, feh, o);
      best = std::min(best, seconds_since(t0));
    }
    return best;
  };
  PriorMaps binned_20k, binned_all;
  opt.max_rows = 20000;
  const double t_binned_20k = best_of(opt, binned_20k);
  opt.max_rows = 0;
  const double t_binned_all = best_of(opt, binned_all);
  std::printf("binned_max_rows_20000_s %.4f\nbinned_all_rows_s %.4f\n", t_binned_20k, t_binned_all);

  if (!skip_exact) {
    opt.max_rows = 20000;
    opt.method = KdeMethod::exact;
    const auto t0 = clk::now();
    const auto exact = PriorMaps::from_catalog(r, mr, feh, opt);
    const double t_exact = seconds_since(t0);
    double worst = 0;
    for (std::size_t k = 0; k < PriorMaps::n_bins; ++k)
      worst = std::max(worst, max_rel_diff(binned_20k.map(k).values, exact.map(k).values));
    std::printf("exact_max_rows_20000_s %.3f\nexact_over_binned_20000 %.0f\nexact_over_binned_all %.0f\n", t_exact,
                t_exact / t_binned_20k, t_exact / t_binned_all);
    std::printf("binned_vs_exact_max_rel_diff %.2e\n", worst);
  }

  // The last step two ways, one thread, all stars of every bin.
  double t_direct = 0, t_fft = 0, fft_diff = 0;
  const Axis gx = Axis::photod_feh(), gy = Axis::photod_mr();
  for (std::size_t k = 0; k < PriorMaps::n_bins; ++k) {
    std::vector<double> x, y;
    const double centre = PriorMaps::bin_centre(k);
    for (std::size_t i = 0; i < r.size(); ++i)
      if (std::abs(r[i] - centre) < PriorMaps::half_width) x.push_back(feh[i]), y.push_back(mr[i]);
    const auto h = scott_bandwidth(x, y);
    if (!h) continue;
    const auto binned = detail::bin_points(x, y, gx, gy, *h, KdeBinning{});
    if (!binned) continue;
    double best_direct = 1e30, best_fft = 1e30;
    std::vector<double> direct, by_fft;
    for (int rep = 0; rep < repeats; ++rep) {
      auto t0 = clk::now();
      direct = detail::sum_at_nodes(*binned, gx, gy, 1);
      best_direct = std::min(best_direct, seconds_since(t0));
      t0 = clk::now();
      by_fft = sum_by_fft(*binned, gx, gy);
      best_fft = std::min(best_fft, seconds_since(t0));
    }
    t_direct += best_direct, t_fft += best_fft;
    fft_diff = std::max(fft_diff, max_rel_diff(by_fft, direct));
  }
  std::printf("last_step_direct_s %.4f\nlast_step_fft_s %.4f\nfft_over_direct %.1f\nfft_vs_direct_max_rel_diff %.1e\n",
              t_direct, t_fft, t_fft / t_direct, fft_diff);
  return 0;
}
