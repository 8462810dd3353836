#pragma once
// Integrated autocorrelation time of MCMC chains, with emcee's estimator.
//
// emcee (Foreman-Mackey et al. 2013; emcee 3 `emcee.autocorr`) estimates τ for one
// parameter of an ensemble as follows:
//   1. for every walker k, the normalised autocorrelation function
//        ρ_k(τ) = Σ_t y_t y_{t+τ} / Σ_t y_t²,   y_t = x_t − mean(x)
//      (no 1/(N−τ) factor: emcee computes it by a zero-padded FFT);
//   2. the ACF averaged over walkers, f(τ) = mean_k ρ_k(τ);
//   3. the cumulative estimate τ̂(M) = 2 Σ_{τ=0}^{M} f(τ) − 1;
//   4. Sokal's automatic window: the first M with M ≥ c·τ̂(M) (c = 5), or the last lag
//      if there is none; the answer is τ̂(M).
// Only f(0..M) enters the answer, so the direct method computes lags lazily and stops at
// the window: O(N·M) work, exact, and no FFT for well-mixed chains. When the window is
// far out (a poorly mixed chain) the full ACF is computed with a radix-2 FFT instead.
// Both paths give the same numbers as emcee.autocorr.integrated_time to rounding.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include <locus/core/fft.hpp>
#include <locus/core/linalg.hpp>

namespace locus::bayes {

// How integrated_time computes the ACF. automatic = direct up to `direct_max_lag` lags,
// FFT beyond; the other two force one path (tests compare them).
enum class AcfMethod { automatic, direct, fft };

/* AutocorrOptions
   c:              Sokal's window constant (emcee's default 5).
   tol:            a chain is "reliable" when its length exceeds tol·τ (emcee's default 50;
                   emcee raises AutocorrError otherwise, locus reports a flag instead).
   method:         see AcfMethod.
   direct_max_lag: in automatic mode, the lag after which the FFT path takes over. */
struct AutocorrOptions {
  double c = 5.0;
  double tol = 50.0;
  AcfMethod method = AcfMethod::automatic;
  std::size_t direct_max_lag = 256;
};

/* AutocorrTime: τ for one parameter, the window M it was read at, and whether the chain
   is long enough (N > tol·τ) for the estimate to be trusted. */
struct AutocorrTime {
  double tau = std::numeric_limits<double>::quiet_NaN();
  std::size_t window = 0;
  bool reliable = false;
};

namespace detail {

// Gathers walker k of parameter d from a [step][walker][dim] chain, centred on its mean.
inline void centred_series(const double* chain, std::size_t nsteps, std::size_t nwalkers,
                           std::size_t ndim, std::size_t k, std::size_t d, std::vector<double>& y) {
  y.resize(nsteps);
  double mean = 0;
  for (std::size_t t = 0; t < nsteps; ++t) {
    y[t] = chain[(t * nwalkers + k) * ndim + d];
    mean += y[t];
  }
  mean /= static_cast<double>(nsteps);
  for (auto& v : y) v -= mean;
}

// s[j] = Σ_t y[t] y[t + lag0 + j] for j = 0..3 (0 where lag0 + j >= n): the four sums share
// the loads of y[t], and 8 independent chains hide the multiply-add latency.
inline std::array<double, 4> lagged_dots(const double* y, std::size_t n, std::size_t lag0) {
  using B = linalg::batch;
  constexpr std::size_t W = B::size;
  std::array<double, 4> s{};
  if (lag0 >= n) return s;
  const std::size_t common = n - std::min(n, lag0 + 3);  // t range valid for all four lags
  B a0(0.0), a1(0.0), a2(0.0), a3(0.0), b0(0.0), b1(0.0), b2(0.0), b3(0.0);
  std::size_t t = 0;
  for (; t + 2 * W <= common; t += 2 * W) {
    const B u = B::load_unaligned(y + t), v = B::load_unaligned(y + t + W);
    const double* z = y + t + lag0;
    a0 = xsimd::fma(u, B::load_unaligned(z), a0);
    a1 = xsimd::fma(u, B::load_unaligned(z + 1), a1);
    a2 = xsimd::fma(u, B::load_unaligned(z + 2), a2);
    a3 = xsimd::fma(u, B::load_unaligned(z + 3), a3);
    b0 = xsimd::fma(v, B::load_unaligned(z + W), b0);
    b1 = xsimd::fma(v, B::load_unaligned(z + W + 1), b1);
    b2 = xsimd::fma(v, B::load_unaligned(z + W + 2), b2);
    b3 = xsimd::fma(v, B::load_unaligned(z + W + 3), b3);
  }
  if (t + W <= common) {
    const B u = B::load_unaligned(y + t);
    const double* z = y + t + lag0;
    a0 = xsimd::fma(u, B::load_unaligned(z), a0);
    a1 = xsimd::fma(u, B::load_unaligned(z + 1), a1);
    a2 = xsimd::fma(u, B::load_unaligned(z + 2), a2);
    a3 = xsimd::fma(u, B::load_unaligned(z + 3), a3);
    t += W;
  }
  s = {linalg::lane_sum(a0 + b0), linalg::lane_sum(a1 + b1), linalg::lane_sum(a2 + b2), linalg::lane_sum(a3 + b3)};
  for (std::size_t u = t; u + lag0 < n; ++u)  // the rest, the four chains interleaved
    for (std::size_t j = 0; j < 4 && u + lag0 + j < n; ++j) s[j] += y[u] * y[u + lag0 + j];
  return s;
}

}  // namespace detail

// Normalised ACF of one series (emcee.autocorr.function_1d), all lags 0..N−1, via FFT.
// A constant series has no defined ACF: the result is all NaN.
inline std::vector<double> autocorrelation_function(std::span<const double> x) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  std::vector<std::complex<double>> a(fft::next_power_of_two(2 * n), 0.0);
  for (std::size_t t = 0; t < n; ++t) a[t] = x[t] - mean;
  fft::transform(a);
  for (auto& v : a) v = std::norm(v);
  fft::transform(a, true);
  std::vector<double> acf(n);
  const double a0 = a[0].real();
  for (std::size_t t = 0; t < n; ++t) acf[t] = a[t].real() / a0;
  return acf;
}

// τ of parameter `d` of a chain stored [step][walker][dim] (nsteps·nwalkers·ndim values,
// the layout of EnsembleSampler::chain()). Throws InputError on an empty chain.
inline AutocorrTime integrated_time(const double* chain, std::size_t nsteps, std::size_t nwalkers,
                                    std::size_t ndim, std::size_t d,
                                    const AutocorrOptions& opt = {}) {
  if (nsteps == 0 || nwalkers == 0 || d >= ndim)
    throw InputError("integrated_time: empty chain or parameter index " + std::to_string(d) +
                     " out of range (ndim " + std::to_string(ndim) + ")");
  AutocorrTime out;
  const double inv_w = 1.0 / static_cast<double>(nwalkers);
  auto finish = [&](double tau, std::size_t window) {
    out.tau = tau;
    out.window = window;
    out.reliable = std::isfinite(tau) && static_cast<double>(nsteps) > opt.tol * tau;
    return out;
  };

  std::vector<std::vector<double>> ys(nwalkers);
  std::vector<double> norm(nwalkers);
  for (std::size_t k = 0; k < nwalkers; ++k) {
    detail::centred_series(chain, nsteps, nwalkers, ndim, k, d, ys[k]);
    double s = 0;
    for (double v : ys[k]) s += v * v;
    norm[k] = s;
  }

  const std::size_t max_direct = opt.method == AcfMethod::direct   ? nsteps
                                 : opt.method == AcfMethod::fft    ? 0
                                                                   : std::min(nsteps, opt.direct_max_lag);
  // Direct path: four lags at a time (one pass over y serves four sums), then the window
  // scan lag by lag, stopping at the window as before.
  double cum = 0;  // Σ f(0..M)
  for (std::size_t lag0 = 0; lag0 < max_direct; lag0 += 4) {
    std::array<double, 4> f{};
    for (std::size_t k = 0; k < nwalkers; ++k) {
      const auto s = detail::lagged_dots(ys[k].data(), nsteps, lag0);
      for (std::size_t j = 0; j < 4; ++j) f[j] += s[j] / norm[k];
    }
    for (std::size_t lag = lag0; lag < std::min(lag0 + 4, max_direct); ++lag) {
      cum += f[lag - lag0] * inv_w;
      const double tau = 2 * cum - 1;
      if (static_cast<double>(lag) >= opt.c * tau || !std::isfinite(tau) || lag + 1 == nsteps)
        return finish(tau, lag);
    }
  }
  // FFT path: the whole averaged ACF, then the same window scan.
  std::vector<double> f(nsteps, 0.0);
  for (std::size_t k = 0; k < nwalkers; ++k) {
    const auto acf = autocorrelation_function(ys[k]);  // ys[k] is centred; re-centring is a no-op
    for (std::size_t t = 0; t < nsteps; ++t) f[t] += acf[t];
  }
  cum = 0;
  for (std::size_t lag = 0; lag < nsteps; ++lag) {
    cum += f[lag] * inv_w;
    const double tau = 2 * cum - 1;
    if (static_cast<double>(lag) >= opt.c * tau || !std::isfinite(tau)) return finish(tau, lag);
  }
  return finish(2 * cum - 1, nsteps - 1);
}

// τ of a single series.
inline AutocorrTime integrated_time(std::span<const double> x, const AutocorrOptions& opt = {}) {
  return integrated_time(x.data(), x.size(), 1, 1, 0, opt);
}

// τ of every parameter of a [step][walker][dim] chain.
inline std::vector<AutocorrTime> integrated_times(const double* chain, std::size_t nsteps,
                                                  std::size_t nwalkers, std::size_t ndim,
                                                  const AutocorrOptions& opt = {}) {
  std::vector<AutocorrTime> out(ndim);
  for (std::size_t d = 0; d < ndim; ++d) out[d] = integrated_time(chain, nsteps, nwalkers, ndim, d, opt);
  return out;
}

}  // namespace locus::bayes
