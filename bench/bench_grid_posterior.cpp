// Speed of the photo-D grid posterior on the real Stripe 82 stars: mode (a) (photo-D's brute
// force over nodes x the 0.01 mag A_r grid) and mode (b) (exact A_r integral, the default),
// single thread and 2 threads, wall and CPU time per star.
//
//   bench_grid_posterior [--data DIR] [--stars N] [--t-step K] [--repeats R] [--out FILE]
//                        [--mode a|b|both]
//
// DIR is the data directory (default: the repository's data/); the workload is the S82
// calibration stars with SDSSDSEDlocus_10Gyr.txt thinned every K-th tLoc (default 10, photo-D's)
// and the S82 priors (pix0). Prints "key value" lines; --out writes mode (a)'s per-star means
// and sigmas (CSV) so bench/grid_posterior_vs_numpy.py can check its NumPy peer against them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/io/csv.hpp"
#include "locus/pipeline/adapters.hpp"

using namespace locus::bayes;
using clk = std::chrono::steady_clock;

namespace {
struct Timing {
  double wall = 1e30, cpu = 1e30;
};

Timing time_fit(const GridPosterior& g, const std::vector<Star>& stars, std::size_t threads, int repeats,
                std::vector<Summary>* out = nullptr) {
  Timing t;
  for (int r = 0; r < repeats; ++r) {
    const auto c0 = std::clock();
    const auto t0 = clk::now();
    auto res = g.fit_catalog(stars, threads);
    const double wall = std::chrono::duration<double>(clk::now() - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    t.wall = std::min(t.wall, wall / double(stars.size()));
    t.cpu = std::min(t.cpu, cpu / double(stars.size()));
    if (out) *out = std::move(res);
  }
  return t;
}
}  // namespace

int main(int argc, char** argv) {
  std::string data = LOCUS_DATA_DIR, out;
  std::string mode = "both";
  std::size_t n_stars = 0, t_step = 10;
  int repeats = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data") data = next();
    else if (a == "--stars") n_stars = std::stoul(next());
    else if (a == "--t-step") t_step = std::stoul(next());
    else if (a == "--repeats") repeats = std::stoi(next());
    else if (a == "--out") out = next();
    else if (a == "--mode") mode = next();
    else {
      std::fprintf(stderr, "usage: bench_grid_posterior [--data DIR] [--stars N] [--t-step K] [--repeats R] [--out FILE] [--mode a|b|both]\n");
      return 2;
    }
  }
  const std::string d = data + "/photod/";
  locus::io::CsvReadOptions ro;
  ro.id_column = "CALIBSTARS";
  const auto cat = locus::io::read_csv(d + "s82/s82_calibstars.csv", ro);
  auto stars = locus::pipeline::read_stars(cat);
  if (n_stars > 0 && n_stars < stars.size()) stars.resize(n_stars);
  const auto model = LocusModel::load(d + "locus/SDSSDSEDlocus_10Gyr.txt", {.t_step = t_step});
  const auto priors = PriorMaps::load_csv(d + "s82/priors_s82_pix0.csv");
  GridOptions oa;
  oa.mode = GridMode::brute_force;
  const GridPosterior ga(model, priors, {}, oa), gb(model, priors);

  if (mode != "a" && mode != "b" && mode != "both") {
    std::fprintf(stderr, "--mode must be a, b or both\n");
    return 2;
  }
  std::printf("stars %zu\nnodes %zu\n", stars.size(), model.size());
  std::vector<Summary> ra;
  if (mode != "b") {
    const Timing a1 = time_fit(ga, stars, 1, repeats, &ra);
    const Timing a2 = time_fit(ga, stars, 2, repeats);
    std::printf("a_wall_us %.3f\na_cpu_us %.3f\na2_wall_us %.3f\n", a1.wall * 1e6, a1.cpu * 1e6, a2.wall * 1e6);
  }
  if (mode != "a") {
    const Timing b1 = time_fit(gb, stars, 1, std::max(repeats, 5));
    const Timing b2 = time_fit(gb, stars, 2, std::max(repeats, 5));
    std::printf("b_wall_us %.3f\nb_cpu_us %.3f\nb2_wall_us %.3f\n", b1.wall * 1e6, b1.cpu * 1e6, b2.wall * 1e6);
  }
  if (!out.empty() && !ra.empty()) {
    std::ofstream f(out);
    f.precision(17);
    f << "i,Mr,FeH,Ar,sMr,sFeH,sAr,chi2min\n";
    for (std::size_t i = 0; i < ra.size(); ++i) {
      const auto& x = ra[i];
      const std::size_t m = index(Param::mr), fe = index(Param::feh), a = index(Param::ar);
      f << i << ',' << x.mean[m] << ',' << x.mean[fe] << ',' << x.mean[a] << ',' << x.sigma[m] << ',' << x.sigma[fe]
        << ',' << x.sigma[a] << ',' << x.chi2_min << '\n';
    }
  }
  return 0;
}
