// Convergence of the grid posterior to the continuous model, and its cost by brightness.
//
// The continuous model is the locus interpolated bilinearly in (tLoc, [Fe/H]) (colours and Mr),
// with the prior map evaluated at the interpolated Mr: the density PhotodTarget samples. Its
// reference posterior here is the plain node grid (no refinement) over the model refined
// --ref times per axis; its own convergence is shown by the same at --check times.
// Compared with it: the node grid (the default), GridOptions::refine (adaptive refinement)
// and mode (a) (photo-D's brute force), on the real S82 stars and on a bright mock sample
// (r < --mock-r-max, LSST coadd errors, the S82 pixel-0 priors).
//
//   grid_convergence [--every K] [--ref R] [--check R2] [--mock-area DEG2]
//                    [--mock-r-max R] [--threads N] [--csv FILE] [--steps-per-sigma X]
//                    [--max-refine R] [--no-mock]
//
// A star passes when for Mr, A_r and [Fe/H] its mean and median are within 0.1 sigma_ref of
// the reference's, and its sigma and both half-widths (q50 - q14, q86 - q50) are within
// 0.8-1.25x the reference's. Prints Markdown tables; --csv writes every star's figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "locus/bayes/grid_posterior.hpp"
#include "locus/core/rng.hpp"
#include "locus/pipeline/adapters.hpp"
#include "locus/sim/mock_patch.hpp"

#include "../tests/support/s82.hpp"

using namespace locus::bayes;
using clk = std::chrono::steady_clock;

namespace {

struct Compare {
  bool mean = true, median = true, sigma = true, width = true;
  double worst_mean = 0;                   // largest |d mean| / sigma_ref over the parameters
  double sigma_ratio[n_params]{};          // sigma / sigma_ref per parameter
  bool pass() const { return mean && median && sigma && width; }
};

Compare compare(const Summary& s, const Summary& r) {
  Compare c;
  for (std::size_t p = 0; p < n_params; ++p) {
    const double sr = r.sigma[p];
    const double dm = std::abs(s.mean[p] - r.mean[p]) / sr;
    c.worst_mean = std::max(c.worst_mean, dm);
    c.mean = c.mean && dm <= 0.1;
    c.median = c.median && std::abs(s.q50[p] - r.q50[p]) <= 0.1 * sr;
    c.sigma_ratio[p] = s.sigma[p] / sr;
    c.sigma = c.sigma && c.sigma_ratio[p] >= 0.8 && c.sigma_ratio[p] <= 1.25;
    const double lo = (s.q50[p] - s.q14[p]) / (r.q50[p] - r.q14[p]), hi = (s.q86[p] - s.q50[p]) / (r.q86[p] - r.q50[p]);
    c.width = c.width && lo >= 0.8 && lo <= 1.25 && hi >= 0.8 && hi <= 1.25;
  }
  return c;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  return i + 1 < v.size() ? v[i] + (pos - static_cast<double>(i)) * (v[i + 1] - v[i]) : v[i];
}

struct Run {
  std::vector<Summary> out;
  std::vector<double> us;  // per star, microseconds, one thread
};

Run run(const GridPosterior& g, const std::vector<Star>& stars, std::size_t threads, bool time_each) {
  Run r;
  if (!time_each) {
    r.out = g.fit_catalog(stars, threads);
    return r;
  }
  GridPosterior::Workspace ws;
  r.out.resize(stars.size()), r.us.resize(stars.size());
  for (int rep = 0; rep < 2; ++rep)  // the second pass is timed (warm caches, workspace sized)
    for (std::size_t i = 0; i < stars.size(); ++i) {
      const auto t0 = clk::now();
      r.out[i] = g.fit(stars[i], ws);
      r.us[i] = std::chrono::duration<double, std::micro>(clk::now() - t0).count();
    }
  return r;
}

void report(const char* sample, const std::vector<Star>& stars, const std::vector<std::pair<std::string, Run>>& runs,
            const Run& ref) {
  std::vector<std::size_t> good;
  for (std::size_t i = 0; i < stars.size(); ++i)
    if (ref.out[i].ok()) good.push_back(i);
  std::printf("\n### %s: %zu stars (%zu with a reference fit)\n\n", sample, stars.size(), good.size());
  std::printf("| posterior | pass (all) | mean < 0.1 sigma | median < 0.1 sigma | sigma 0.8-1.25x | widths 0.8-1.25x | "
              "99th pct |d mean|/sigma | sigma ratio 1st / 50th / 99th pct (Mr, Ar, [Fe/H]) | unresolved | points per star | us per star |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [name, r] : runs) {
    std::size_t pass = 0, pm = 0, pq = 0, ps = 0, pw = 0, unres = 0;
    std::vector<double> dm, sr[n_params];
    for (const std::size_t i : good) {
      if (!r.out[i].ok()) continue;
      const auto c = compare(r.out[i], ref.out[i]);
      pass += c.pass(), pm += c.mean, pq += c.median, ps += c.sigma, pw += c.width;
      dm.push_back(c.worst_mean);
      for (std::size_t p = 0; p < n_params; ++p) sr[p].push_back(c.sigma_ratio[p]);
    }
    for (const auto& s : r.out) unres += (s.status & status::unresolved) != 0;
    const double n = static_cast<double>(good.size());
    auto pc = [&](std::size_t k) { return 100.0 * static_cast<double>(k) / n; };
    std::string ratios;
    for (const auto p : {Param::mr, Param::ar, Param::feh}) {
      char b[64];
      std::snprintf(b, sizeof b, "%s%.2f / %.2f / %.2f", ratios.empty() ? "" : "; ", percentile(sr[index(p)], 0.01),
                    percentile(sr[index(p)], 0.5), percentile(sr[index(p)], 0.99));
      ratios += b;
    }
    double us = 0, pts = 0;
    for (const double x : r.us) us += x;
    for (const auto& s : r.out) pts += s.nodes_used;
    std::printf("| %s | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.3f | %s | %zu | %.0f | %.1f |\n", name.c_str(), pc(pass),
                pc(pm), pc(pq), pc(ps), pc(pw), percentile(dm, 0.99), ratios.c_str(), unres, pts / static_cast<double>(r.out.size()),
                r.us.empty() ? NAN : us / static_cast<double>(r.us.size()));
  }
  // cost by brightness
  const double edges[] = {-1e9, 15, 16, 17, 18, 19, 20, 21, 1e9};
  std::printf("\n| r | stars | node grid us | refine us | share refined |\n|---|---|---|---|---|\n");
  const Run* old_run = nullptr;
  const Run* new_run = nullptr;
  for (const auto& [name, r] : runs) {
    if (name == "node grid (default)") old_run = &r;
    if (name == "refine") new_run = &r;
  }
  for (std::size_t b = 0; b + 1 < std::size(edges); ++b) {
    std::size_t n = 0, refined = 0;
    double to = 0, tn = 0;
    for (std::size_t i = 0; i < stars.size(); ++i) {
      if (!(stars[i].r >= edges[b] && stars[i].r < edges[b + 1])) continue;
      ++n;
      to += old_run->us[i], tn += new_run->us[i];
      refined += new_run->out[i].nodes_used > 0 && old_run->out[i].nodes_used != new_run->out[i].nodes_used;
    }
    if (n == 0) continue;
    char lo[16], hi[16];
    std::snprintf(lo, sizeof lo, "%g", edges[b]);
    std::snprintf(hi, sizeof hi, "%g", edges[b + 1]);
    std::printf("| %s-%s | %zu | %.1f | %.1f | %.0f %% |\n", b == 0 ? "" : lo, b + 2 == std::size(edges) ? "" : hi, n,
                to / static_cast<double>(n), tn / static_cast<double>(n), 100.0 * static_cast<double>(refined) / static_cast<double>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv;
  std::size_t every = 1, ref_r = 32, check_r = 16, threads = 0;
  double mock_area = 2.0, mock_rmax = 17.0;
  GridOptions new_opt;
  new_opt.refine = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--every") every = std::stoul(next());
    else if (a == "--ref") ref_r = std::stoul(next());
    else if (a == "--check") check_r = std::stoul(next());
    else if (a == "--threads") threads = std::stoul(next());
    else if (a == "--mock-area") mock_area = std::stod(next());
    else if (a == "--mock-r-max") mock_rmax = std::stod(next());
    else if (a == "--csv") csv = next();
    else if (a == "--steps-per-sigma") new_opt.refine_steps_per_sigma = std::stod(next());
    else if (a == "--max-refine") new_opt.max_refine = std::stoul(next());
    else if (a == "--no-mock") mock_area = 0;
    else {
      std::fprintf(stderr,
                   "usage: grid_convergence [--every K] [--ref R] [--check R2] [--mock-area DEG2] [--mock-r-max R] "
                   "[--threads N] [--csv FILE] [--steps-per-sigma X] [--max-refine R] [--no-mock]\n");
      return 2;
    }
  }
  const auto s82 = locus::test::s82_stars(every);
  const auto model = LocusModel::builtin();
  const auto priors = locus::test::s82_priors();
  locus::sim::PatchSpec spec;
  spec.area_deg2 = mock_area;
  spec.r_max = mock_rmax;
  locus::Rng rng(20261202);
  const auto mock = mock_area > 0 ? locus::pipeline::read_stars(locus::sim::simulate_patch(spec, rng)) : std::vector<Star>{};

  GridOptions old_opt, brute, plain;
  plain = old_opt;
  brute.mode = GridMode::brute_force;
  const GridPosterior g_old(model, priors, {}, old_opt), g_new(model, priors, {}, new_opt), g_a(model, priors, {}, brute);
  std::fprintf(stderr, "building the references (%zux%zu and %zux%zu)...\n", ref_r, ref_r, check_r, check_r);
  const GridPosterior g_ref(model.refined(ref_r, ref_r), priors, {}, plain);
  const GridPosterior g_chk(model.refined(check_r, check_r), priors, {}, plain);
  std::printf("nodes %zu; reference %zu nodes (%zux%zu), check %zu nodes (%zux%zu)\n", model.size(), g_ref.model().size(),
              ref_r, ref_r, g_chk.model().size(), check_r, check_r);

  std::ofstream out;
  if (!csv.empty()) {
    out.open(csv);
    out << "sample,i,r,posterior,status,nodes_used,us";
    for (const char* st : {"mean", "sigma", "q14", "q50", "q86"})
      for (const char* p : {"Mr", "Ar", "FeH"}) out << ',' << st << '_' << p;
    out << '\n';
    out.precision(10);
  }
  for (const auto& [sample, stars] : {std::pair<const char*, const std::vector<Star>&>{"S82", s82}, {"bright mock", mock}}) {
    if (stars.empty()) continue;
    std::fprintf(stderr, "%s: %zu stars\n", sample, stars.size());
    const Run ref = run(g_ref, stars, threads, false);
    std::vector<std::pair<std::string, Run>> runs;
    runs.emplace_back("node grid (default)", run(g_old, stars, 1, true));
    runs.emplace_back("refine", run(g_new, stars, 1, true));
    runs.emplace_back("mode (a)", run(g_a, stars, 1, true));
    char name[64];
    std::snprintf(name, sizeof name, "refined %zux%zu", check_r, check_r);
    runs.emplace_back(name, run(g_chk, stars, threads, false));
    report(sample, stars, runs, ref);
    if (out.is_open()) {
      auto put = [&](const std::string& pname, const Run& r) {
        for (std::size_t i = 0; i < stars.size(); ++i) {
          const auto& s = r.out[i];
          out << sample << ',' << i << ',' << stars[i].r << ',' << pname << ',' << s.status << ',' << s.nodes_used << ','
              << (r.us.empty() ? NAN : r.us[i]);
          for (const auto* v : {&s.mean, &s.sigma, &s.q14, &s.q50, &s.q86})
            for (const auto p : {Param::mr, Param::ar, Param::feh}) out << ',' << (*v)[index(p)];
          out << '\n';
        }
      };
      put("reference", ref);
      for (const auto& [n, r] : runs) put(n, r);
    }
  }
  return 0;
}
