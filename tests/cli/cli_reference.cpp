// Helper for the end-to-end tests of the `locus` tool (tests/cli/*.py): what each subcommand
// should have written, computed with the library directly (not through the tool's code path),
// written as CSV with every number in its shortest exact form so the tests compare bit for bit.
//
//   cli_reference simulate OUT --area A [--seed S] [--threads T]
//       sim::simulate_patch on the default patch (l 35, b 30, A_SFD 0.10, coadd errors, the
//       biased Jurić et al. parameters) of area A.
//   cli_reference posterior IN OUT --priors FILE|kde|flat [--engine grid|mcmc] [--refine 1] [--walkers W]
//                 [--steps N] [--burn-in B] [--mcmc-seed S] [--threads T]
//       the input's columns + the grid posterior (bayes::GridPosterior) or MCMC
//       (bayes::mcmc_posterior, star i on Rng(seed).split(i)) with the A_r prior flat on
//       [0, 1.3 A_SFD + 0.1] and chi2_max 100; kde priors are PriorMaps::from_catalog of the
//       input's rmag, Mr_true and FeH_true. NaN/−99 in star columns: flagged missing_value.
//   cli_reference predict IN PREFIX OUT [--threads T]
//       the input's columns + MomentsModel::load(PREFIX.*.model).predict on the rows with all
//       ten network inputs (others NaN, status no_fit).
//   cli_reference convert IN OUT
//       a catalogue the library reads (CSV or FITS, NaN flags nothing) written as OUT's format
//       says (CSV or FITS); prints its row count.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <locus/bayes/grid_posterior.hpp>
#include <locus/bayes/locus_model.hpp>
#include <locus/bayes/mcmc_posterior.hpp>
#include <locus/bayes/photod_model.hpp>
#include <locus/bayes/prior.hpp>
#include <locus/core/rng.hpp>
#include <locus/io/catalog_file.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/column_map.hpp>
#include <locus/sim/mock_patch.hpp>

namespace {

namespace lb = locus::bayes;
namespace lio = locus::io;
namespace lp = locus::pipeline;

struct Args {
  std::vector<std::string> pos;
  std::map<std::string, std::string> opt;
  std::string get(const std::string& k, const std::string& def) const {
    const auto it = opt.find(k);
    return it == opt.end() ? def : it->second;
  }
  double num(const std::string& k, double def) const {
    const auto it = opt.find(k);
    return it == opt.end() ? def : std::stod(it->second);
  }
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && i + 1 < argc) a.opt[s] = argv[++i];
    else a.pos.push_back(s);
  }
  return a;
}

// The input as the tool reads it: the star columns with −99 as missing (flagged), other
// columns as they are (a NaN there flags nothing), ids auto.
lio::Catalog read_input(const std::string& path) {
  lio::CatalogReadOptions ro;
  ro.columns = lp::ColumnMap{}.read_specs(lio::Missing::flag);
  ro.defaults = lio::ColumnSpec().optional().on_missing(lio::Missing::ignore);
  return lio::read_catalog(path, ro);
}

void need(const Args& a, std::size_t n, const char* usage) {
  if (a.pos.size() != n) {
    std::fprintf(stderr, "usage: cli_reference %s\n", usage);
    std::exit(2);
  }
}

int simulate(const Args& a) {
  need(a, 1, "simulate OUT --area A [--seed S] [--threads T]");
  locus::sim::PatchSpec spec;
  spec.area_deg2 = a.num("--area", 10);
  spec.threads = static_cast<std::size_t>(a.num("--threads", 1));
  locus::Rng rng(static_cast<std::uint64_t>(a.num("--seed", 1)));
  lio::write_catalog(locus::sim::simulate_patch(spec, rng), a.pos[0]);
  return 0;
}

lb::PriorMaps priors_of(const std::string& what, const lio::Catalog& cat) {
  if (what == "flat") return lb::PriorMaps::flat();
  if (what != "kde") return lb::PriorMaps::load_csv(what);
  auto column = [&](const char* name) {
    auto v = cat.to_double(name);
    for (double& x : v)
      if (x == -99.0) x = std::nan("");
    return v;
  };
  return lb::PriorMaps::from_catalog(column("rmag"), column("Mr_true"), column("FeH_true"));
}

int posterior(const Args& a) {
  need(a, 2, "posterior IN OUT --priors P [--engine grid|mcmc] [--refine 1] [--walkers W] [--steps N] [--burn-in B] [--mcmc-seed S]");
  auto cat = read_input(a.pos[0]);
  const auto stars = lp::read_stars(cat);
  const auto priors = priors_of(a.get("--priors", "flat"), cat);
  const auto model = lb::LocusModel::builtin();
  const auto threads = static_cast<std::size_t>(a.num("--threads", 1));
  const lb::ArPrior ar{1.3, 0.1};
  if (a.get("--engine", "grid") == "grid") {
    lb::GridOptions go;
    go.ar_prior = ar;
    go.chi2_max = 100;
    go.refine = a.opt.count("--refine") > 0;
    const lb::GridPosterior grid(model, priors, lb::Extinction{}, go);
    lp::append_summaries(cat, grid.fit_catalog(stars, threads));
  } else {
    lb::McmcSettings set;
    set.walkers = static_cast<std::size_t>(a.num("--walkers", 4));
    set.steps = static_cast<std::size_t>(a.num("--steps", 500));
    set.burn_in = static_cast<std::size_t>(a.num("--burn-in", 100));
    set.ar_prior = ar;
    set.chi2_max = 100;
    const lb::PhotodModel pm(model, priors, lb::Extinction{});
    const auto seed = static_cast<std::uint64_t>(a.num("--mcmc-seed", 1));
    const auto res = lb::mcmc_posterior(pm, stars, set, locus::Rng(seed), threads, 0);
    std::vector<lb::Summary> sums;
    std::vector<lb::McmcDiagnostics> diag;
    for (const auto& r : res) sums.push_back(r.summary), diag.push_back(r.diagnostics);
    lp::append_summaries(cat, sums);
    lp::append_diagnostics(cat, diag);
  }
  lio::write_catalog(cat, a.pos[1]);
  return 0;
}

int predict(const Args& a) {
  need(a, 3, "predict IN PREFIX OUT [--threads T]");
  auto cat = read_input(a.pos[0]);
  const auto stars = lp::read_stars(cat);
  const std::string prefix = a.pos[1];
  const std::string sm = prefix + ".sigma_b.model";
  const auto model = locus::nn::MomentsModel::load(prefix + ".moments.model", std::filesystem::exists(sm) ? sm : "");
  std::vector<std::size_t> ready;
  std::vector<lb::Star> rs;
  for (std::size_t i = 0; i < stars.size(); ++i)
    if (lp::network_ready(stars[i])) ready.push_back(i), rs.push_back(stars[i]);
    else cat.flag(i, lio::status::no_fit);
  const auto pred = model.predict(lp::network_inputs(rs), static_cast<std::size_t>(a.num("--threads", 1)));
  lp::append_predictions(cat, pred, "nn_", ready);
  lio::write_catalog(cat, a.pos[2]);
  return 0;
}

int convert(const Args& a) {
  need(a, 2, "convert IN OUT");
  lio::CatalogReadOptions ro;
  ro.defaults = lio::ColumnSpec().optional().on_missing(lio::Missing::ignore);
  const auto cat = lio::read_catalog(a.pos[0], ro);
  lio::write_catalog(cat, a.pos[1]);
  std::printf("%zu\n", cat.rows());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cli_reference simulate|posterior|predict|convert ...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  const Args a = parse(argc, argv);
  try {
    if (cmd == "simulate") return simulate(a);
    if (cmd == "posterior") return posterior(a);
    if (cmd == "predict") return predict(a);
    if (cmd == "convert") return convert(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cli_reference %s: %s\n", cmd.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "cli_reference: unknown command '%s'\n", cmd.c_str());
  return 2;
}
