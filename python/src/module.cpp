// locus._core: the C++ side of the Python package (python/locus/). The Python layer turns
// DataFrames into dicts of arrays and back; everything here takes and returns numpy arrays.
#include <filesystem>
#include <memory>

#include <locus/bayes/builtin_locus.hpp>
#include <locus/bayes/locus_model.hpp>
#include <locus/core/parallel_for.hpp>
#include <locus/io/atomic_file.hpp>
#include <locus/core/rng.hpp>
#include <locus/pipeline/adapters.hpp>
#include <locus/pipeline/catalog_source.hpp>
#include <locus/pipeline/posterior_engine.hpp>
#include <locus/pipeline/prior_source.hpp>
#include <locus/pipeline/sample_selection.hpp>
#include <locus/sim/mock_patch.hpp>
#include <locus/sim/toy_ug.hpp>

#include "common.hpp"
#include "options.hpp"

namespace locus_py {

void bind_nn(py::module_& m);
void bind_tune(py::module_& m);

locus::pipeline::ColumnMap column_map(const py::object& columns, double sentinel) {
  locus::pipeline::ColumnMap m;
  m.missing_sentinel = sentinel;
  if (columns.is_none()) return m;
  if (!py::isinstance<py::dict>(columns)) throw py::type_error("columns must be a dict {key: column name}");
  for (auto item : columns.cast<py::dict>()) {
    try {
      m.set(py::str(item.first), py::str(item.second));
    } catch (const locus::ConfigError& e) {
      throw py::value_error(std::string("columns: ") + e.what());
    }
  }
  return m;
}

namespace {

locus::bayes::LocusModel locus_model(const std::string& spec, std::size_t t_step) {
  if (spec == "builtin") return locus::bayes::LocusModel::builtin();
  for (const int age : {1, 2, 5, 10})
    if (spec == "builtin:" + std::to_string(age)) return locus::bayes::builtin_locus(age);
  return locus::bayes::LocusModel::load(spec, {.t_step = t_step});
}

// posterior(data, options, progress): the photo-D posterior of every row (pipeline::
// PosteriorEngine). Options as the CLI's flags; see python/locus/__init__.py.
py::dict posterior(const py::dict& data, const py::dict& kwargs, const py::object& progress) {
  Options o(kwargs, "posterior");
  locus::pipeline::PosteriorOptions po;
  po.engine = o.choice("engine", "grid", {"grid", "mcmc"}) == "mcmc" ? locus::pipeline::Engine::mcmc
                                                                     : locus::pipeline::Engine::grid;
  if (!o.has("priors")) throw py::value_error("posterior: priors is required: a photo-D prior file, 'kde' or 'flat'");
  auto prior_source = locus::pipeline::PriorSource::parse(o.get<std::string>("priors", ""));
  if (prior_source.kind == locus::pipeline::PriorSource::Kind::file && !std::filesystem::exists(prior_source.path))
  {
    PyErr_SetString(PyExc_FileNotFoundError, ("posterior: prior file '" + prior_source.path + "' does not exist").c_str());
    throw py::error_already_set();
  }
  const double ar_max = o.number("ar_max", 0.0, 0.0, 1e3);
  const double ar_scale = o.number("ar_scale", 1.3, 0.0, 1e3), ar_offset = o.number("ar_offset", 0.1, -1e3, 1e3);
  po.grid.ar_prior = ar_max > 0 ? locus::bayes::ArPrior::fixed(ar_max) : locus::bayes::ArPrior{ar_scale, ar_offset};
  po.grid.chi2_max = o.number("chi2_max", 100.0, 0.0, 1e300);
  po.grid.mode = o.choice("grid_mode", "exact", {"exact", "brute_force"}) == "brute_force" ? locus::bayes::GridMode::brute_force
                                                                                          : locus::bayes::GridMode::exact;
  po.grid.refine = o.get<bool>("refine", false);
  po.grid.refine_steps_per_sigma = o.number("refine_steps_per_sigma", 1.5, 1e-3, 1e3);
  po.grid.max_refine = o.number<std::size_t>("max_refine", 32, 1, 1024);
  if (po.grid.refine && (po.engine != locus::pipeline::Engine::grid || po.grid.mode != locus::bayes::GridMode::exact))
    throw py::value_error("posterior: refine needs engine='grid' and grid_mode='exact'");
  po.mcmc.walkers = o.number<std::size_t>("walkers", 4, 2, 100000);
  po.mcmc.steps = o.number<std::size_t>("steps", 500, 2, 100000000);
  po.mcmc.burn_in = o.number<std::size_t>("burn_in", 100, 0, 100000000);
  if (po.mcmc.burn_in >= po.mcmc.steps) throw py::value_error("posterior: burn_in must be smaller than steps");
  po.mcmc.jump_probability = o.number("jump", 0.0, 0.0, 1.0);
  po.mcmc.autocorr = o.get<bool>("autocorr", true);
  po.seed = o.get<std::uint64_t>("seed", 1);
  const auto locus_spec = o.get<std::string>("locus", "builtin");
  const auto t_step = o.number<std::size_t>("t_step", 10, 1, 1000000);
  const auto threads = o.get<std::size_t>("threads", 0);
  const auto first_index = o.get<std::size_t>("first_index", 0);
  // rows per call into the engine, between which Ctrl-C and progress are looked at: about a
  // second of work for either engine on two cores (as the streaming commands cut them)
  const bool mcmc = po.engine == locus::pipeline::Engine::mcmc;
  const auto block = o.number<std::size_t>("block_rows", mcmc ? 1024 : 65536, 1, std::size_t(1) << 40);
  const double sentinel = o.get<double>("missing_sentinel", -99.0);
  const auto on_missing = o.choice("on_missing", "flag", {"flag", "error"}) == "error" ? OnMissing::error : OnMissing::flag;
  const auto map = column_map(o.object("columns"), sentinel);
  o.finish();

  const auto required = map.star_columns();
  const auto cat = std::make_shared<locus::io::Catalog>(
      to_catalog(data, required, truth_columns(map), required, sentinel, on_missing));
  const std::size_t n = cat->rows();
  const auto source = locus::pipeline::CatalogSource::memory(cat, "python");
  auto priors = without_gil([&] { return locus::pipeline::load_priors(prior_source, &source, map, 1 << 16, threads); });
  const locus::pipeline::PosteriorEngine engine(locus_model(locus_spec, t_step), std::move(priors), po);
  const auto stars = locus::pipeline::read_stars(*cat, map);
  std::vector<locus::bayes::Summary> sums;
  std::vector<locus::bayes::McmcDiagnostics> diag, d;
  sums.reserve(n);
  for (std::size_t b = 0; b < n; b += block) {
    const std::size_t e = std::min(n, b + block);
    const auto s = without_gil([&] {
      poll_signals();
      locus::interrupt::check("posterior");
      return engine.fit(std::span(stars).subspan(b, e - b), first_index + b, threads, mcmc ? &d : nullptr);
    });
    sums.insert(sums.end(), s.begin(), s.end());
    diag.insert(diag.end(), d.begin(), d.end());
    if (!progress.is_none()) progress(e, n);
  }
  locus::io::Catalog out(n);
  for (std::size_t i = 0; i < n; ++i) out.flag(i, cat->status(i));
  locus::pipeline::append_summaries(out, sums);
  if (mcmc) locus::pipeline::append_diagnostics(out, diag);
  return from_catalog(std::move(out));
}

py::dict simulate_patch(const py::dict& kwargs) {
  Options o(kwargs, "simulate_patch");
  locus::sim::PatchSpec s;
  s.l_deg = o.number("l", 35.0, -360.0, 360.0);
  s.b_deg = o.number("b", 30.0, -90.0, 90.0);
  s.area_deg2 = o.number("area", 10.0, 1e-12, 400.0);
  s.ar_sfd = o.number("ar_sfd", 0.10, 0.0, 100.0);
  s.require_snr5 = o.get<bool>("snr5", false);
  s.r_max = o.get<double>("r_max", s.r_max);
  s.errors = locus::sim::LsstErrors::named(o.choice("errors", "coadd", {"coadd", "single_visit", "sdss_like"}));
  s.galaxy = o.choice("galaxy", "biased", {"biased", "corrected"}) == "corrected" ? locus::sim::GalaxyParams::juric2008_corrected()
                                                                                  : locus::sim::GalaxyParams::juric2008_biased();
  if (o.choice("ages", "same", {"same", "galactic"}) == "galactic") s.ages = locus::sim::AgeMixture::galactic();
  s.threads = o.get<std::size_t>("threads", 0);
  const auto seed = o.get<std::uint64_t>("seed", 1);
  o.finish();
  locus::Rng rng(seed);
  auto cat = without_gil([&] { return locus::sim::simulate_patch(s, rng); });
  return from_catalog(std::move(cat));
}

py::dict toy_ug(std::size_t n, const std::string& prior, double sigma_feh, double sigma_ug, std::uint64_t seed) {
  locus::sim::ToyUgModel m;
  if (prior == "binormal") m.prior = locus::sim::ToyFehPrior::binormal;
  else if (prior != "uniform") throw py::value_error("toy_ug: prior must be 'uniform' or 'binormal', not '" + prior + "'");
  m.sigma_feh = sigma_feh, m.sigma_ug = sigma_ug;
  locus::Rng rng(seed);
  auto s = without_gil([&] { return locus::sim::toy_ug_sample(m, n, rng); });
  py::dict out;
  out["feh_true"] = adopt(std::move(s.feh_true));
  out["ug_true"] = adopt(std::move(s.ug_true));
  out["feh"] = adopt(std::move(s.feh));
  out["ug"] = adopt(std::move(s.ug));
  return out;
}

// The KDE priors of a catalogue with true Mr and [Fe/H] (a mock), written as a photo-D prior
// file: every process of a distributed run then reads the same priors.
void write_kde_priors(const py::dict& data, const std::string& path, const py::dict& kwargs) {
  Options o(kwargs, "kde_priors");
  const auto map = column_map(o.object("columns"), o.get<double>("missing_sentinel", -99.0));
  const auto threads = o.get<std::size_t>("threads", 0);
  o.finish();
  auto cat = std::make_shared<locus::io::Catalog>(
      to_catalog(data, {map.r, map.truth[0], map.truth[2]}, {}, {}, map.missing_sentinel));
  const auto source = locus::pipeline::CatalogSource::memory(cat, "python");
  const auto text = without_gil([&] {
    return locus::pipeline::load_priors(locus::pipeline::PriorSource::parse("kde"), &source, map, 1 << 16, threads).to_csv();
  });
  locus::io::write_file_atomically(path, text);
}

}  // namespace
}  // namespace locus_py

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace locus_py;
  m.doc() = "locus's C++ core (use the `locus` package, not this module)";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const locus::Interrupted& e) {
      locus::interrupt::clear();
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const locus::InputError& e) {
      // a file that is not there is the InputError users meet most: say it as Python does
      const std::string what = e.what();
      const bool missing_file = what.find("no such file") != std::string::npos || what.find("cannot open") != std::string::npos;
      PyErr_SetString(missing_file ? PyExc_FileNotFoundError : PyExc_ValueError, e.what());
    } catch (const locus::ConfigError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const locus::FormatError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const locus::OutputError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::filesystem::filesystem_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  m.def("posterior", &posterior, py::arg("data"), py::arg("options"), py::arg("progress") = py::none());
  m.def("write_kde_priors", &write_kde_priors, py::arg("data"), py::arg("path"), py::arg("options"));
  m.def("simulate_patch", &simulate_patch, py::arg("options"));
  m.def("toy_ug", &toy_ug, py::arg("n"), py::arg("prior"), py::arg("sigma_feh"), py::arg("sigma_ug"), py::arg("seed"));
  m.def("status_bits", [] {
    py::dict d;
    for (const auto& [bit, name] : locus::io::status_names) d[py::str(name)] = bit;
    return d;
  });
  m.def("n_threads", [] { return locus::num_threads(); });
  // The pipeline's per-row sampling key in [0, 1) for rows first .. first + n - 1 (it depends
  // only on (seed, row), so a sample drawn with it ignores how the rows are partitioned).
  m.def("row_keys", [](std::uint64_t first, std::size_t n, std::uint64_t seed) {
    std::vector<double> u(n);
    for (std::size_t i = 0; i < n; ++i)
      u[i] = static_cast<double>(locus::pipeline::detail::row_key(seed, first + i) >> 11) * 0x1.0p-53;
    return adopt(std::move(u));
  }, py::arg("first"), py::arg("n"), py::arg("seed"));
  bind_nn(m);
  bind_tune(m);
}
