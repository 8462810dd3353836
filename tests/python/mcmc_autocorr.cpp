// Helper for tests/python/check_mcmc_autocorr.py: reads a chain written as text
// ("nsteps nwalkers ndim" then nsteps·nwalkers·ndim values in [step][walker][dim] order) and
// prints, per parameter, locus's integrated time, window and reliability flag for the
// automatic, direct and FFT paths.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include <locus/bayes/autocorrelation.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mcmc_autocorr CHAIN.txt\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::size_t nsteps = 0, nwalkers = 0, ndim = 0;
  if (!(in >> nsteps >> nwalkers >> ndim)) {
    std::cerr << "mcmc_autocorr: bad header in " << argv[1] << "\n";
    return 2;
  }
  std::vector<double> x(nsteps * nwalkers * ndim);
  for (auto& v : x)
    if (!(in >> v)) {
      std::cerr << "mcmc_autocorr: truncated chain in " << argv[1] << "\n";
      return 2;
    }
  using namespace locus::bayes;
  for (std::size_t d = 0; d < ndim; ++d) {
    AutocorrOptions a, b, c;
    b.method = AcfMethod::direct;
    c.method = AcfMethod::fft;
    const auto ta = integrated_time(x.data(), nsteps, nwalkers, ndim, d, a);
    const auto tb = integrated_time(x.data(), nsteps, nwalkers, ndim, d, b);
    const auto tc = integrated_time(x.data(), nsteps, nwalkers, ndim, d, c);
    std::printf("%.17g %zu %d %.17g %.17g\n", ta.tau, ta.window, ta.reliable ? 1 : 0, tb.tau, tc.tau);
  }
  return 0;
}
