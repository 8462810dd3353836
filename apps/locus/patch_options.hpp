#pragma once
// The options of a simulated patch, shared by `locus simulate` and `locus pipeline` (which
// simulates one when it is given no catalogue).
#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <locus/bayes/locus_model.hpp>
#include <locus/core/errors.hpp>
#include <locus/sim/mock_patch.hpp>

namespace locus_cli {

struct PatchOptions {
  double l = 35, b = 30, area = 10, ar_sfd = 0.10;
  bool snr5 = false;
  std::string errors = "coadd", galaxy = "biased", locus = "builtin", ages = "same";
  std::uint64_t seed = 1;

  void add_to(CLI::App& sub, bool with_seed = true) {
    auto* g = sub.add_option_group("simulation", "The mock LSST patch");
    g->add_option("--area", area, "Patch area in deg² (a cap around l, b)")->capture_default_str();
    g->add_option("--l", l, "Galactic longitude of the centre (deg)")->capture_default_str();
    g->add_option("--b", b, "Galactic latitude of the centre (deg)")->capture_default_str();
    g->add_option("--ar-sfd", ar_sfd, "SFD extinction A_r of the sight line")->capture_default_str();
    g->add_flag("--snr5", snr5, "Keep only stars with SNR > 5 in all five bands (paper 000's cut)");
    g->add_option("--errors", errors, "Photometric errors")->check(CLI::IsMember({"coadd", "single_visit", "sdss_like"}))->capture_default_str();
    g->add_option("--galaxy", galaxy, "Jurić et al. 2008 parameters")->check(CLI::IsMember({"biased", "corrected"}))->capture_default_str();
    g->add_option("--locus", locus, "Colour model for the mock: 'builtin' or a photo-D locus table")->capture_default_str();
    g->add_option("--ages", ages,
                  "same: every star coloured by --locus (the model the posterior fits); galactic: the built-in 1, 2, 5 and "
                  "10 Gyr tables, an old halo and thick disk and a thin disk of all ages")
        ->check(CLI::IsMember({"same", "galactic"}))
        ->capture_default_str();
    if (with_seed) g->add_option("--seed", seed, "Random seed")->capture_default_str();
  }

  locus::sim::PatchSpec spec(std::size_t threads) const {
    locus::sim::PatchSpec s;
    s.l_deg = l, s.b_deg = b, s.area_deg2 = area, s.ar_sfd = ar_sfd, s.require_snr5 = snr5;
    s.errors = locus::sim::LsstErrors::named(errors);
    s.galaxy = galaxy == "corrected" ? locus::sim::GalaxyParams::juric2008_corrected() : locus::sim::GalaxyParams::juric2008_biased();
    if (locus != "builtin") s.locus = std::make_shared<const locus::bayes::LocusModel>(locus::bayes::LocusModel::load(locus));
    if (ages == "galactic") {
      if (locus != "builtin") throw locus::ConfigError("--ages galactic colours the stars with the built-in tables; it cannot be used with --locus");
      s.ages = locus::sim::AgeMixture::galactic();
    }
    s.threads = threads;
    return s;
  }

  nlohmann::json to_json() const {
    return {{"l", l}, {"b", b}, {"area_deg2", area}, {"ar_sfd", ar_sfd}, {"snr5", snr5},
            {"errors", errors}, {"galaxy", galaxy}, {"locus", locus}, {"ages", ages}, {"seed", seed}};
  }
};

}  // namespace locus_cli
