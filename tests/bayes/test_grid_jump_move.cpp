#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <locus/bayes/grid_jump_move.hpp>
#include <locus/bayes/mcmc_posterior.hpp>

#include "../support/photod_reference.hpp"
#include "../support/s82.hpp"

using namespace locus::bayes;

TEST_CASE("GridJumpMove: its density matches its draws, and it restores mode fractions") {
  const LocusModel model = LocusModel::builtin();
  const PriorMaps priors = locus::test::s82_priors();
  const Extinction ext;
  const PhotodModel pm(model, priors, ext);
  const auto stars = locus::test::s82_stars();
  const Star& star = stars[800];  // a dwarf/giant double solution, about 9 % giant
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
  const auto fine = locus::test::refine(model, 4, 4);
  const auto g = locus::test::brute_grid(fine, priors.map(PriorMaps::bin_index(star.r)), ext, star, target.ar_max(), 200);
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
  CHECK(s1.sigma[index(Param::mr)] < 0.5 * g[3]);  // stuck in one mode

  using Move = MixtureMove<StretchMove, GridJumpMove>;
  EnsembleSampler<Move> mixed(K, 3, Move{StretchMove{}, GridJumpMove(target), 0.1});
  locus::Rng r2(6);
  mixed.run(target, start, 3000, r2);
  const auto s2 = summarize(target, mixed.chain(), 500);
  MESSAGE("Mr: grid " << g[0] << " ± " << g[3] << ", stretch only " << s1.mean[0] << " ± " << s1.sigma[0]
                      << ", with jumps " << s2.mean[0] << " ± " << s2.sigma[0]);
  for (int d = 0; d < 3; ++d) CHECK(std::abs(s2.mean[d] - g[d]) < 0.2 * g[3 + d]);  // both in Param order
  CHECK(std::abs(s2.sigma[index(Param::mr)] / g[3] - 1) < 0.15);
}
