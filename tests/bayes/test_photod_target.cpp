#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <locus/bayes/grid_posterior.hpp>
#include <locus/bayes/photod_target.hpp>

using namespace locus::bayes;

namespace {
const std::string s82_dir = std::string(LOCUS_DATA_DIR) + "/photod/s82/";

// The S82 columns the target needs (the catalogue reader lives in locus::io; this keeps the
// test independent of it).
std::vector<PhotodStar> read_s82(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::string line;
  std::getline(in, line);
  std::map<std::string, std::size_t> col;
  {
    std::stringstream ss(line);
    std::string t;
    for (std::size_t k = 0; std::getline(ss, t, ','); ++k) col[t] = k;
  }
  std::vector<PhotodStar> out;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string t; std::getline(ss, t, ',');) f.push_back(t);
    PhotodStar s;
    for (std::size_t c = 0; c < n_colours; ++c) {
      s.colour[c] = std::stod(f.at(col.at(std::string(colour_names[c]))));
      s.error[c] = std::stod(f.at(col.at(std::string(colour_names[c]) + "Err")));
    }
    s.r = std::stod(f.at(col.at("rmag")));
    s.ar_sfd = std::stod(f.at(col.at("Ar")));
    out.push_back(s);
  }
  return out;
}

// A model refined by bilinear interpolation of `m` (rt × finer in t, rf × in [Fe/H]). Its
// nodes lie on the target's continuous density, so a grid posterior over it is a finer
// quadrature of that density.
LocusModel refine(const LocusModel& m, int rt, int rf) {
  std::vector<double> t, f, mr;
  std::array<std::vector<double>, n_colours> col;
  const auto& T = m.t_values();
  const auto& F = m.feh_values();
  for (std::size_t i = 0; i + 1 < T.size(); ++i)
    for (int k = 0; k < rt; ++k) t.push_back(T[i] + (T[i + 1] - T[i]) * k / rt);
  t.push_back(T.back());
  for (std::size_t i = 0; i + 1 < F.size(); ++i)
    for (int k = 0; k < rf; ++k) f.push_back(F[i] + (F[i + 1] - F[i]) * k / rf);
  f.push_back(F.back());
  for (double ff : f)
    for (double tt : t) {
      const auto p = m.interpolate(tt, ff);
      REQUIRE(p.has_value());
      mr.push_back(p->mr);
      for (std::size_t c = 0; c < n_colours; ++c) col[c].push_back(p->colour[c]);
    }
  return LocusModel(std::move(t), std::move(f), std::move(mr), std::move(col));
}

// Independent brute-force grid posterior: every node × a midpoint Ar grid of `na` points on
// [0, ar_max], posterior ∝ prior · exp(−χ²/2). Nodes whose best χ² over Ar is more than 80
// above the best node's are skipped (weight < e^−40 relative). Returns mean and σ of
// (Mr, [Fe/H], Ar).
std::array<double, 6> brute_grid(const LocusModel& m, const PriorMap& pm, const Extinction& ext,
                                 const PhotodStar& s, double ar_max, int na) {
  std::array<double, n_colours> k{};
  for (std::size_t c = 0; c < n_colours; ++c) k[c] = ext.colour_coefficient(c);
  auto chi2 = [&](std::size_t n, double a) {
    double x = 0;
    for (std::size_t c = 0; c < n_colours; ++c) {
      const double d = (s.colour[c] - m.colour(c, n) - k[c] * a) / s.error[c];
      x += d * d;
    }
    return x;
  };
  std::vector<double> best(m.size(), -std::numeric_limits<double>::infinity());
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t n = 0; n < m.size(); ++n) {
    const double pr = pm.density(m.mr(n), m.feh(n));
    if (!(pr > 0)) continue;
    double b = std::numeric_limits<double>::infinity();
    for (int j = 0; j < na; j += 8) b = std::min(b, chi2(n, (j + 0.5) * ar_max / na));
    best[n] = std::log(pr) - 0.5 * b;
    top = std::max(top, best[n]);
  }
  double w_sum = 0;
  std::array<double, 3> s1{}, s2{};
  for (std::size_t n = 0; n < m.size(); ++n) {
    if (!(best[n] > top - 40)) continue;
    const double lp = std::log(pm.density(m.mr(n), m.feh(n)));
    for (int j = 0; j < na; ++j) {
      const double a = (j + 0.5) * ar_max / na;
      const double w = std::exp(lp - 0.5 * chi2(n, a) - top);
      const std::array<double, 3> v{m.mr(n), m.feh(n), a};
      w_sum += w;
      for (int d = 0; d < 3; ++d) s1[d] += w * v[d], s2[d] += w * v[d] * v[d];
    }
  }
  std::array<double, 6> r{};
  for (int d = 0; d < 3; ++d) {
    r[d] = s1[d] / w_sum;
    r[3 + d] = std::sqrt(std::max(0.0, s2[d] / w_sum - r[d] * r[d]));
  }
  return r;
}
}  // namespace

TEST_CASE("PhotodTarget equals the grid density at every node and is -inf outside the box") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  PhotodStar star;
  star.colour = {1.2, 0.45, 0.17, 0.08};
  star.error = {0.03, 0.02, 0.02, 0.025};
  star.r = 18.7;
  star.ar_sfd = 0.2;
  const auto target = PhotodTarget::for_star(model, priors, ext, star);
  CHECK(target.ar_max() == doctest::Approx(1.3 * 0.2 + 0.1));
  const PriorMap& pm = priors.map(static_cast<std::size_t>(PriorMaps::bin_index(18.7)));
  CHECK(PriorMaps::bin_index(18.7) == 9);  // nearest centre 18.5
  int finite = 0;
  for (std::size_t n = 0; n < model.size(); n += 37) {
    for (double a : {0.0, 0.17, target.ar_max()}) {
      const std::array<double, 3> x{model.t(n), model.feh(n), a};
      double chi2 = 0;
      for (std::size_t c = 0; c < n_colours; ++c) {
        const double d = (star.colour[c] - model.colour(c, n) - ext.colour_coefficient(c) * a) / star.error[c];
        chi2 += d * d;
      }
      const double pr = pm.density(model.mr(n), model.feh(n));
      const double got = target(x);
      if (pr > 0) {
        CHECK(got == doctest::Approx(std::log(pr) - 0.5 * chi2).epsilon(1e-12));
        ++finite;
      } else {
        CHECK(got == -std::numeric_limits<double>::infinity());
      }
    }
    CHECK(target.mr(model.t(n), model.feh(n)) == doctest::Approx(model.mr(n)).epsilon(1e-12));
  }
  CHECK(finite > 100);
  // Between nodes: bilinear model, prior at the interpolated Mr.
  const double tm = 0.5 * (model.t_values()[40] + model.t_values()[41]);
  const double fm = 0.5 * (model.feh_values()[20] + model.feh_values()[21]);
  const auto p = model.interpolate(tm, fm);
  double chi2 = 0;
  for (std::size_t c = 0; c < n_colours; ++c) {
    const double d = (star.colour[c] - p->colour[c] - ext.colour_coefficient(c) * 0.1) / star.error[c];
    chi2 += d * d;
  }
  CHECK(target(std::array<double, 3>{tm, fm, 0.1}) ==
        doctest::Approx(std::log(pm.density(p->mr, fm)) - 0.5 * chi2).epsilon(1e-12));
  // Outside the box.
  const double inf = -std::numeric_limits<double>::infinity();
  CHECK(target(std::array<double, 3>{tm, fm, -1e-9}) == inf);
  CHECK(target(std::array<double, 3>{tm, fm, target.ar_max() + 1e-9}) == inf);
  CHECK(target(std::array<double, 3>{model.t_values().back() + 1e-9, fm, 0.1}) == inf);
  CHECK(target(std::array<double, 3>{tm, model.feh_values().front() - 1e-9, 0.1}) == inf);
  CHECK(target(std::array<double, 3>{std::nan(""), fm, 0.1}) == inf);
}

TEST_CASE("PhotodTarget input checks and start()") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  PhotodStar star;
  star.colour = {1.2, 0.45, 0.17, 0.08};
  star.error = {0.03, 0.02, 0.02, 0.025};
  star.r = 18.7;
  star.ar_sfd = 0.2;
  auto bad = star;
  bad.error[2] = 0;
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);
  bad = star;
  bad.colour[0] = std::nan("");
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);
  bad = star;
  bad.r = std::nan("");
  CHECK_THROWS_AS(PhotodTarget::for_star(model, priors, ext, bad), locus::InputError);

  const auto target = PhotodTarget::for_star(model, priors, ext, star);
  locus::Rng rng(3);
  const auto start = target.start(16, rng);
  REQUIRE(start.size() == 16 * 3);
  for (std::size_t w = 0; w < 16; ++w) CHECK(std::isfinite(target(std::span<const double>(start.data() + 3 * w, 3))));
  locus::Rng rng2(3);
  CHECK(target.start(16, rng2) == start);  // deterministic

  // A prior that is zero everywhere: start() reports it, the catalogue runner flags it.
  std::vector<PriorMap> zero(PriorMaps::n_bins, PriorMap{Axis::photod_feh(), Axis::photod_mr(),
                                                         std::vector<double>(36 * 96, 0.0)});
  const PriorMaps none(zero);
  const auto dead = PhotodTarget::for_star(model, none, ext, star);
  CHECK_THROWS_AS(dead.start(4, rng), locus::InputError);
  const std::vector<PhotodStar> stars{star, bad};
  const PhotodModel pm_none(model, none, ext);
  const auto res = mcmc_posterior(pm_none, stars, McmcSettings{}, locus::Rng(1), 1);
  CHECK(res[0].status == 2);
  CHECK(res[1].status == 1);
  CHECK(std::isnan(res[0].summary.mean[0]));
  CHECK(std::isnan(res[1].summary.sigma[2]));
}

TEST_CASE("S82 stars: MCMC posterior means agree with the grid posterior within 0.2 sigma") {
  // Ensemble MCMC (64 walkers × 2000 steps, 500 burn-in) on the target built from the
  // thinned 10 Gyr locus, against GridPosterior (exact mode) of the same density on that
  // locus refined 4× in t and [Fe/H] (a converged quadrature; the thinned grid itself differs
  // from the continuous density by up to ~0.25 σ for the sharpest stars). An independent
  // brute-force grid written here checks GridPosterior on the way.
  const LocusModel model = LocusModel::builtin();
  const LocusModel fine = refine(model, 4, 4);
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const auto stars = read_s82(s82_dir + "s82_calibstars.csv");
  REQUIRE(stars.size() == 3981);
  McmcSettings set;
  set.walkers = 64;
  set.steps = 2000;
  set.burn_in = 500;
  std::vector<PhotodStar> subset;
  for (std::size_t i = 0; i < stars.size(); i += 400) subset.push_back(stars[i]);
  const PhotodModel pm(model, priors, ext);
  const auto res = mcmc_posterior(pm, subset, set, locus::Rng(2025));
  // The library's GridPosterior (exact A_r integral) on the same refined locus.
  const GridPosterior grid(fine, priors, ext);
  double worst = 0;
  for (std::size_t i = 0; i < subset.size(); ++i) {
    REQUIRE(res[i].status == 0);
    const auto& s = subset[i];
    const auto target = PhotodTarget::for_star(model, priors, ext, s);
    const auto g = brute_grid(fine, priors.map(PriorMaps::bin_index(s.r)), ext, s, target.ar_max(), 120);
    Observation obs;
    obs.r = s.r;
    obs.colour = s.colour;
    obs.error = s.error;
    obs.ar_sfd = s.ar_sfd;
    const Summary gp = grid.fit(obs);
    for (int d = 0; d < 3; ++d) {
      // The two grid computations agree (midpoint A_r grid vs closed form).
      CHECK(std::abs(gp.mean[d] - g[d]) < 0.01 * gp.sigma[d]);
      const double z = (res[i].summary.mean[d] - gp.mean[d]) / gp.sigma[d];
      worst = std::max(worst, std::abs(z));
      CHECK(std::abs(z) < 0.2);
      // The spreads agree too (a looser statement: σ of σ is larger).
      CHECK(res[i].summary.sigma[d] == doctest::Approx(g[3 + d]).epsilon(0.2));
    }
    CHECK(res[i].summary.acceptance > 0.2);
  }
  MESSAGE("largest |MCMC − grid| / σ over " << subset.size() << " stars × 3 parameters: " << worst);
}

TEST_CASE("catalogue MCMC is deterministic whatever the thread count") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const auto all = read_s82(s82_dir + "s82_calibstars.csv");
  const std::vector<PhotodStar> stars(all.begin(), all.begin() + 20);
  const PhotodModel pm(model, priors, ext);
  const auto a = mcmc_posterior(pm, stars, McmcSettings{}, locus::Rng(5), 1);
  const auto b = mcmc_posterior(pm, stars, McmcSettings{}, locus::Rng(5), 2);
  for (std::size_t i = 0; i < stars.size(); ++i) {
    CHECK(a[i].status == 0);
    for (int d = 0; d < 3; ++d) {
      CHECK(a[i].summary.mean[d] == b[i].summary.mean[d]);
      CHECK(a[i].summary.q86[d] == b[i].summary.q86[d]);
    }
  }
}

TEST_CASE("start(): PhotodModel and PriorMap paths agree; extinction far outside the prior box") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  // A star made from node n with colours shifted by −0.6 A_r (negative extinction) and one
  // shifted by +3 A_r (far beyond Ar_max = 0.36): the best Ar of most nodes lies tens of σ
  // outside [0, Ar_max], where the start's Gaussian integral uses the Mills-ratio tail.
  const std::size_t n = model.index(model.n_t() * 2 / 3, model.n_feh() / 2);
  for (double shift : {-0.6, 0.0, 3.0}) {
    PhotodStar star;
    for (std::size_t c = 0; c < n_colours; ++c) {
      star.colour[c] = model.colour(c, n) + ext.colour_coefficient(c) * shift;
      star.error[c] = 0.005;
    }
    star.r = 19.0;
    star.ar_sfd = 0.2;
    const PhotodTarget fast(pm, star), slow = PhotodTarget::for_star(model, priors, ext, star);
    locus::Rng r1(8), r2(8);
    const auto a = fast.start(8, r1), b = slow.start(8, r2);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-14));
    for (std::size_t w = 0; w < 8; ++w) {
      const std::span<const double> x(a.data() + 3 * w, 3);
      CHECK(std::isfinite(fast(x)));
      CHECK(fast(x) == doctest::Approx(slow(x)).epsilon(1e-12));
      if (shift < 0) CHECK(x[2] < 0.02);
      if (shift > 1) CHECK(x[2] > fast.ar_max() - 0.02);
      if (shift == 0.0) {  // the generating node's neighbourhood
        CHECK(std::abs(x[1] - model.feh(n)) < 0.35);
        CHECK(std::abs(x[2]) < 0.05);
      }
    }
  }
}

TEST_CASE("summarize(): moments and quantiles equal Chain's (sorting) computation") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  PhotodStar star;
  star.colour = {1.2, 0.45, 0.17, 0.08};
  star.error = {0.03, 0.02, 0.02, 0.025};
  star.r = 18.7;
  star.ar_sfd = 0.2;
  const PhotodTarget target(pm, star);
  locus::Rng rng(4);
  EnsembleSampler<> s(6, 3);
  s.run(target, target.start(6, rng), 300, rng);
  const auto sum = summarize(target, s.chain(), 50);
  const auto m = s.chain().mean(50), sd = s.chain().stddev(50);
  for (std::size_t d : {1u, 2u}) {
    CHECK(sum.mean[d] == doctest::Approx(m[d]).epsilon(1e-12));
    CHECK(sum.sigma[d] == doctest::Approx(sd[d]).epsilon(1e-10));
    CHECK(sum.q14[d] == s.chain().quantile(d, 0.14, 50));
    CHECK(sum.q50[d] == s.chain().quantile(d, 0.50, 50));
    CHECK(sum.q86[d] == s.chain().quantile(d, 0.86, 50));
  }
  // Mr is the model's Mr at each sample's (t, [Fe/H]).
  double mr = 0;
  for (std::size_t t = 50; t < 300; ++t)
    for (std::size_t w = 0; w < 6; ++w) mr += model.interpolate(s.chain().at(t, w)[0], s.chain().at(t, w)[1])->mr;
  CHECK(sum.mean[0] == doctest::Approx(mr / (250 * 6)).epsilon(1e-12));
  CHECK(sum.q14[0] < sum.q50[0]);
  CHECK(sum.q50[0] < sum.q86[0]);
}

TEST_CASE("GridJumpMove: its density matches its draws, and it restores mode fractions") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = PriorMaps::load_csv(s82_dir + "priors_s82_pix0.csv");
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  const auto stars = read_s82(s82_dir + "s82_calibstars.csv");
  const PhotodStar& star = stars[800];  // a dwarf/giant double solution, about 9 % giant
  const PhotodTarget target(pm, star);
  const GridJumpMove q(target);

  // E_q[1/q(y)] = volume of the (t, [Fe/H], Ar) box exactly when log_density is the density
  // of draw(); 1/q ≤ volume / uniform_share bounds the Monte Carlo error (< 1 % here).
  const auto& T = model.t_values();
  const auto& F = model.feh_values();
  const double volume = (T.back() - T.front()) * (F.back() - F.front()) * target.ar_max();
  locus::Rng rng(21);
  std::vector<double> y(3);
  double inv_q = 0;
  const int n = 300000;
  int not_finite = 0;
  for (int i = 0; i < n; ++i) {
    q.draw(y, rng);
    const double lq = q.log_density(y);
    not_finite += !std::isfinite(lq);
    inv_q += std::exp(-lq);
  }
  CHECK(not_finite == 0);
  CHECK(inv_q / n / volume == doctest::Approx(1.0).epsilon(0.03));
  CHECK(q.log_density(std::array<double, 3>{T.front() - 1, F.front(), 0.1}) == -std::numeric_limits<double>::infinity());

  // Start every walker in the dwarf solution (Mr > 3). The stretch move alone keeps them
  // there; with 10 % jump proposals the giant solution gets its share and the mean and σ of
  // Mr match the converged grid.
  const auto fine = refine(model, 4, 4);
  const auto g = brute_grid(fine, priors.map(PriorMaps::bin_index(star.r)), ext, star, target.ar_max(), 200);
  const std::size_t K = 64;
  locus::Rng r0(5);
  const auto pool = target.start(4 * K, r0);
  std::vector<double> start;
  for (std::size_t w = 0; w < 4 * K && start.size() < 3 * K; ++w)
    if (target.mr(pool[3 * w], pool[3 * w + 1]) > 3) start.insert(start.end(), pool.begin() + 3 * w, pool.begin() + 3 * w + 3);
  REQUIRE(start.size() == 3 * K);

  EnsembleSampler<> stretch(K, 3);
  locus::Rng r1(6);
  stretch.run(target, start, 3000, r1);
  const auto s1 = summarize(target, stretch.chain(), 500);
  CHECK(s1.sigma[0] < 0.5 * g[3]);  // stuck in one mode

  using Move = MixtureMove<StretchMove, GridJumpMove>;
  EnsembleSampler<Move> mixed(K, 3, Move{StretchMove{}, GridJumpMove(target), 0.1});
  locus::Rng r2(6);
  mixed.run(target, start, 3000, r2);
  const auto s2 = summarize(target, mixed.chain(), 500);
  MESSAGE("Mr: grid " << g[0] << " ± " << g[3] << ", stretch only " << s1.mean[0] << " ± " << s1.sigma[0]
                      << ", with jumps " << s2.mean[0] << " ± " << s2.sigma[0]);
  for (int d = 0; d < 3; ++d) CHECK(std::abs(s2.mean[d] - g[d]) < 0.2 * g[3 + d]);
  CHECK(std::abs(s2.sigma[0] / g[3] - 1) < 0.15);
}
