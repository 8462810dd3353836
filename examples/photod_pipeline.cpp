// The hybrid Bayes → NN pipeline of paper 000 on a mock LSST patch, end to end:
//
//   1. simulate a 10 deg² patch (about 440,000 stars with true Mr, [Fe/H], Ar);
//   2. build the patch's priors p([Fe/H], Mr | r) from the mock itself (as a TRILEGAL patch
//      provides them) and run the Bayesian grid posterior on 10,000 stars;
//   3. train the moments network and the secondary σ_B network on those (75 % / 25 %);
//   4. run the networks on every star, and compare with the truth and with Bayes on stars
//      the networks never saw.
//
//   photod_pipeline [--area DEG2] [--train N] [--check N] [--epochs N] [--runs N]
//                   [--seed S] [--threads T] [--out predictions.csv]
//
// Defaults follow the paper (10 deg², 10,000 training stars, up to 1024 epochs, patience 100,
// best of 2 runs). ctest runs a small, fast configuration.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <locus/bayes/grid_posterior.hpp>
#include <locus/bayes/locus_model.hpp>
#include <locus/bayes/prior.hpp>
#include <locus/io/csv.hpp>
#include <locus/nn/callbacks.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/sim/mock_patch.hpp>

using namespace locus;
using clk = std::chrono::steady_clock;

namespace {
double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// Median and σ_G = 0.7413 × interquartile range (the robust width used in the paper).
std::pair<double, double> median_sigma_g(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return {NAN, NAN};
  auto q = [&](double p) {
    const double pos = p * double(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    std::nth_element(v.begin(), v.begin() + long(i), v.end());
    const double a = v[i];
    if (i + 1 >= v.size()) return a;
    std::nth_element(v.begin(), v.begin() + long(i + 1), v.end());
    return a + (pos - double(i)) * (v[i + 1] - a);
  };
  const double m = q(0.5), q25 = q(0.25), q75 = q(0.75);
  return {m, 0.7413 * (q75 - q25)};
}

struct Args {
  double area = 10.0;
  std::size_t train = 10000, check = 2000, epochs = 1024, runs = 2, threads = 0;
  std::uint64_t seed = 1;
  std::string out;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value after %s\n", k.c_str());
      std::exit(2);
    }
    const char* v = argv[++i];
    if (k == "--area") a.area = std::atof(v);
    else if (k == "--train") a.train = std::strtoull(v, nullptr, 10);
    else if (k == "--check") a.check = std::strtoull(v, nullptr, 10);
    else if (k == "--epochs") a.epochs = std::strtoull(v, nullptr, 10);
    else if (k == "--runs") a.runs = std::strtoull(v, nullptr, 10);
    else if (k == "--seed") a.seed = std::strtoull(v, nullptr, 10);
    else if (k == "--threads") a.threads = std::strtoull(v, nullptr, 10);
    else if (k == "--out") a.out = v;
    else {
      std::fprintf(stderr,
                   "usage: %s [--area DEG2] [--train N] [--check N] [--epochs N] [--runs N] [--seed S] "
                   "[--threads T] [--out FILE.csv]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (a.train < 100) {
    std::fprintf(stderr, "--train must be at least 100\n");
    std::exit(2);
  }
  return a;
}
}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  if (args.threads) set_num_threads(args.threads);
  Rng rng(args.seed);
  const auto t_all = clk::now();

  // 1. The mock patch.
  sim::PatchSpec spec;
  spec.area_deg2 = args.area;
  spec.progress = Progress::Show::automatic;
  auto t0 = clk::now();
  const io::Catalog cat = sim::simulate_patch(spec, rng);
  const std::size_t n = cat.rows();
  const double t_sim = since(t0);
  std::printf("1. mock patch: %zu stars in %.1f deg² at (l, b) = (%.0f, %.0f), %.2f s\n", n, spec.area_deg2,
              spec.l_deg, spec.b_deg, t_sim);
  if (n < args.train + args.check) {
    std::fprintf(stderr, "the patch has only %zu stars; lower --train/--check or raise --area\n", n);
    return 2;
  }

  const auto col = [&](const char* name) { return cat.to_double(name); };
  const auto r = col("rmag"), mr = col("Mr_true"), feh = col("FeH_true"), ar = col("Ar_true"), ar_sfd = col("Ar");
  const std::vector<std::vector<double>> colours{col("ug"), col("gr"), col("ri"), col("iz")};
  const std::vector<std::vector<double>> errors{col("ugErr"), col("grErr"), col("riErr"), col("izErr")};
  const auto r_err = col("rErr");

  // 2. Priors from the patch, and the Bayesian posterior for a random training sample plus
  //    a disjoint check sample.
  t0 = clk::now();
  bayes::KdeOptions kde;
  kde.max_rows = 20000;
  const auto priors = bayes::PriorMaps::from_catalog(r, mr, feh, kde);
  const double t_prior = since(t0);
  const bayes::GridPosterior grid(bayes::LocusModel::builtin(), priors);

  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  Rng pick = rng.split(1);
  locus::shuffle(order.begin(), order.end(), pick);
  const std::size_t nb = args.train + args.check;
  std::vector<bayes::Star> obs(nb);
  for (std::size_t j = 0; j < nb; ++j) {
    const std::size_t i = order[j];
    obs[j].r = r[i];
    obs[j].ar_sfd = ar_sfd[i];
    for (std::size_t c = 0; c < 4; ++c) obs[j].colour[c] = colours[c][i], obs[j].error[c] = errors[c][i];
  }
  t0 = clk::now();
  const auto post = grid.fit_catalog(obs);
  const double t_bayes = since(t0);
  std::size_t bad = 0;
  for (const auto& s : post) bad += !s.ok();
  std::printf("2. priors from the patch (27 r bins, KDE): %.2f s; Bayes grid posterior on %zu stars: %.2f s "
              "(%.1f µs/star), %zu without a fit\n",
              t_prior, nb, t_bayes, t_bayes / double(nb) * 1e6, bad);

  // 3. Train on the Bayesian labels. Inputs: r, 4 colours, 5 errors. Targets: Mr, Ar, [Fe/H]
  //    (paper order), with the Bayesian σ for the secondary network.
  const auto inputs_of = [&](std::size_t i, float* row) {
    row[0] = float(r[i]);
    for (std::size_t c = 0; c < 4; ++c) row[1 + c] = float(colours[c][i]);
    row[5] = float(r_err[i]);
    for (std::size_t c = 0; c < 4; ++c) row[6 + c] = float(errors[c][i]);
  };
  std::vector<std::size_t> usable;
  for (std::size_t j = 0; j < args.train; ++j)
    if (post[j].ok()) usable.push_back(j);
  const std::size_t ntr = usable.size() * 3 / 4, nva = usable.size() - ntr;
  Matrix<float> xt({ntr, 10}), yt({ntr, 3}), st({ntr, 3}), xv({nva, 10}), yv({nva, 3}), sv({nva, 3});
  for (std::size_t k = 0; k < usable.size(); ++k) {
    const std::size_t j = usable[k];
    const auto& s = post[j];
    const bool tr = k < ntr;
    const std::size_t row = tr ? k : k - ntr;
    inputs_of(order[j], &(tr ? xt : xv)(row, 0));
    const double mu[3] = {s.get_mean(bayes::Param::mr), s.get_mean(bayes::Param::ar), s.get_mean(bayes::Param::feh)};
    const double sg[3] = {s.get_sigma(bayes::Param::mr), s.get_sigma(bayes::Param::ar),
                          s.get_sigma(bayes::Param::feh)};
    for (std::size_t p = 0; p < 3; ++p) {
      (tr ? yt : yv)(row, p) = float(mu[p]);
      (tr ? st : sv)(row, p) = float(sg[p]);
    }
  }
  nn::MomentsModelOptions mo;
  mo.seed = args.seed;
  mo.primary.epochs = args.epochs;
  mo.primary_runs = args.runs;
  mo.secondary.epochs = std::min<std::size_t>(256, args.epochs);
  mo.primary.threads = mo.secondary.threads = 0;
  nn::MomentsModel model;
  t0 = clk::now();
  model.fit(xt, yt, st, xv, yv, sv, mo, nn::ProgressBar());
  const double t_train = since(t0);
  std::printf("3. trained the moments network (%zu runs, best validation loss %.4g) and the σ_B network on "
              "%zu + %zu stars: %.1f s\n",
              args.runs, model.primary_history().best_loss, ntr, nva, t_train);

  // 4. Run the networks on every star.
  Matrix<float> x_all({n, 10});
  for (std::size_t i = 0; i < n; ++i) inputs_of(i, &x_all(i, 0));
  t0 = clk::now();
  const auto pred = model.predict(x_all, num_threads());
  const double t_nn = since(t0);
  std::printf("4. networks on all %zu stars: %.3f s (%.2f µs/star)\n\n", n, t_nn, t_nn / double(n) * 1e6);

  // Accuracy: NN vs truth on every star, NN vs Bayes and Bayes vs truth on the check sample.
  const char* names[3] = {"Mr", "Ar", "[Fe/H]"};
  const std::vector<double>* truth[3] = {&mr, &ar, &feh};
  const bayes::Param bp[3] = {bayes::Param::mr, bayes::Param::ar, bayes::Param::feh};
  std::printf("residuals, median / σ_G         NN − truth (all)     NN − Bayes (check)   Bayes − truth (check)\n");
  for (std::size_t p = 0; p < 3; ++p) {
    std::vector<double> a, b, c;
    for (std::size_t i = 0; i < n; ++i) a.push_back(double(pred.mu(i, p)) - (*truth[p])[i]);
    for (std::size_t j = args.train; j < nb; ++j) {
      if (!post[j].ok()) continue;
      const std::size_t i = order[j];
      b.push_back(double(pred.mu(i, p)) - post[j].get_mean(bp[p]));
      c.push_back(post[j].get_mean(bp[p]) - (*truth[p])[i]);
    }
    const auto [ma, sa] = median_sigma_g(a);
    const auto [mb, sb] = median_sigma_g(b);
    const auto [mc, sc] = median_sigma_g(c);
    std::printf("  %-7s                      %+7.3f / %6.3f      %+7.3f / %6.3f      %+7.3f / %6.3f\n", names[p], ma, sa,
                mb, sb, mc, sc);
  }
  // How much the network adds to the Bayesian uncertainty (paper 000, Fig. 26).
  std::printf("σ_NN / σ_B (median):          ");
  for (std::size_t p = 0; p < 3; ++p) {
    std::vector<double> ratio;
    for (std::size_t i = 0; i < n; ++i) ratio.push_back(double(pred.sigma_nn(i, p)) / double(pred.sigma_b(i, p)));
    std::printf(" %s %.2f ", names[p], median_sigma_g(ratio).first);
  }
  // Both routes need the priors, so the comparison leaves them out (as paper 000 does).
  const double bayes_all = t_bayes / double(nb) * double(n);
  const double bayes_train = t_bayes * double(args.train) / double(nb);
  const double hybrid = bayes_train + t_train + t_nn;
  std::printf("\n\ntime: Bayes on all %zu stars would take about %.1f s; the hybrid pipeline took %.1f s "
              "(Bayes on %zu stars %.1f + training %.1f + networks %.2f): %.1fx faster.\n"
              "The network pass alone is %.0fx faster per star than the grid posterior; training is a fixed cost "
              "per patch.\n",
              n, bayes_all, hybrid, args.train, bayes_train, t_train, t_nn, bayes_all / hybrid,
              (t_bayes / double(nb)) / (t_nn / double(n)));

  if (!args.out.empty()) {
    io::Catalog out = cat;
    const char* cols[3] = {"Mr", "Ar", "FeH"};
    for (std::size_t p = 0; p < 3; ++p) {
      auto mu = out.add_column<float>(std::string("nn_") + cols[p]);
      auto sg = out.add_column<float>(std::string("nn_sigma_") + cols[p]);
      for (std::size_t i = 0; i < n; ++i) mu[i] = pred.mu(i, p), sg[i] = pred.sigma_total(i, p);
    }
    io::write_csv(out, args.out);
    std::printf("wrote %s\n", args.out.c_str());
  }
  std::printf("total wall time %.1f s\n", since(t_all));
  return 0;
}
