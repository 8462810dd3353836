// The call locus.posterior(df, priors=FILE) makes, from C++: a catalogue in memory -> stars ->
// the posterior engine (priors from the file, built-in locus) -> the summary columns. Prints
// the wall time of that call, repeated; bench/python_overhead.py runs it beside the Python call
// on the same stars.  Usage: bench_posterior_call CATALOG.csv PRIORS.csv [repeats] [threads]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>

#include <locus/bayes/locus_model.hpp>
#include <locus/io/catalog_file.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/posterior_engine.hpp>
#include <locus/pipeline/prior_source.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CATALOG.csv PRIORS.csv [repeats] [threads]\n", argv[0]);
    return 2;
  }
  namespace lp = locus::pipeline;
  const std::size_t repeats = argc > 3 ? std::stoul(argv[3]) : 3, threads = argc > 4 ? std::stoul(argv[4]) : 0;
  const lp::ColumnMap map;
  locus::io::CatalogReadOptions ro;
  ro.columns = map.read_specs();
  const auto cat = locus::io::read_catalog(argv[1], ro);  // not timed: Python's read_csv is not either
  double checksum = 0;
  for (std::size_t r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const lp::PosteriorEngine engine(locus::bayes::LocusModel::builtin(), lp::load_priors(lp::PriorSource::parse(argv[2])),
                                     lp::PosteriorOptions{});
    const auto stars = lp::read_stars(cat, map);
    const auto sums = engine.fit(stars, 0, threads);
    locus::io::Catalog out(cat.rows());
    lp::append_summaries(out, sums);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    checksum += out.column<double>("bayes_Mr_mean")[0];
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;  // all threads
    std::printf("cpp_seconds %.6f cpu_seconds %.6f rows %zu\n", s, cpu, cat.rows());
  }
  std::fprintf(stderr, "checksum %.17g\n", checksum);
  return 0;
}
