// The tuners with a Python objective. The search runs with the GIL released; each objective
// call takes it. A Python exception in the objective stops the search: the evaluations in
// flight finish, the journal keeps every completed one, and the exception reaches the caller.
#include <exception>
#include <mutex>

#include <nlohmann/json.hpp>

#include <locus/tune/bayes_opt.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/space.hpp>

#include "common.hpp"
#include "options.hpp"

namespace locus_py {
namespace {

namespace lt = locus::tune;

// Thrown through the tuner's worker loop to stop the search once the objective failed.
struct SearchStopped : std::exception {
  const char* what() const noexcept override { return "search stopped by the objective's exception"; }
};

lt::SearchSpace space_from(const py::object& space) {
  const std::string text = py::str(py::module_::import("json").attr("dumps")(space));
  return lt::SearchSpace::from_json(nlohmann::json::parse(text), "search space");
}

// Calls the Python objective; the first exception is kept and every later call is refused.
class PyObjective {
 public:
  explicit PyObjective(py::object f) : f_(std::move(f)) {}
  template <class... Extra>
  double operator()(const lt::Configuration& c, Extra... extra) {
    {
      std::lock_guard lock(mutex_);
      if (error_) throw SearchStopped();
    }
    py::gil_scoped_acquire gil;
    try {
      py::object r = f_(json_to_py(c.to_json()), extra...);
      try {
        return r.cast<double>();
      } catch (const py::cast_error&) {
        throw py::type_error("the objective must return a number (the loss), not " +
                             std::string(py::str(py::type::of(r).attr("__name__"))));
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    throw SearchStopped();
  }
  // After the run, with the GIL held: re-raises the objective's exception, if any.
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  py::object f_;
  std::mutex mutex_;
  std::exception_ptr error_;
};

py::list history(const std::vector<lt::TrialResult>& h) {
  py::list out;
  for (const auto& r : h) {
    py::dict d;
    d["trial"] = r.trial, d["iteration"] = r.iteration, d["bracket"] = r.bracket, d["rung"] = r.rung;
    d["config"] = json_to_py(r.config.to_json()), d["budget"] = r.budget, d["loss"] = r.loss;
    d["seconds"] = r.seconds, d["from_journal"] = r.from_journal;
    out.append(d);
  }
  return out;
}

template <class Run>
py::dict run_search(PyObjective& objective, Run&& run) {
  try {
    auto res = without_gil(run);
    py::dict out;
    out["history"] = history(res.history);
    const auto best = res.leaderboard(1);
    if (!best.empty()) out["best"] = json_to_py(best.front().config.to_json()), out["best_loss"] = best.front().loss;
    out["wall_seconds"] = res.wall_seconds;
    return out;
  } catch (...) {
    objective.rethrow();  // the objective's exception first (SearchStopped only carried it here)
    throw;
  }
}

// The options both tuners share (the Python objective runs one at a time unless threads > 1).
template <class TunerOptions>
void shared_options(Options& o, TunerOptions& t) {
  t.threads = o.get<std::size_t>("threads", 1);
  t.seed = o.get<std::uint64_t>("seed", 0);
  t.journal = o.get<std::string>("journal", "");
  t.progress = o.get<bool>("progress", false) ? locus::Progress::Show::always : locus::Progress::Show::never;
}

py::dict hyperband(const py::object& space, const py::object& objective, const py::dict& kwargs) {
  Options o(kwargs, "Hyperband");
  lt::HyperbandOptions h;
  h.max_budget = o.number("max_budget", 81.0, 1.0, 1e12);
  h.eta = o.number("eta", 3.0, 1.0 + 1e-9, 1e6);
  h.iterations = o.number<std::size_t>("iterations", 1, 1, 1000000);
  shared_options(o, h);
  o.finish();
  if (!PyCallable_Check(objective.ptr())) throw py::type_error("Hyperband: the objective must be callable");
  const lt::Hyperband hb(space_from(space), h);
  PyObjective f(objective);
  return run_search(f, [&] {
    return hb.run([&](const lt::Configuration& c, double budget, lt::ResumeState&) { return f(c, budget); });
  });
}

py::dict bayes_opt(const py::object& space, const py::object& objective, std::size_t n_trials, const py::dict& kwargs) {
  Options o(kwargs, "BayesianOptimizer");
  lt::BayesOptOptions b;
  b.initial_points = o.number<std::size_t>("initial_points", b.initial_points, 1, 1000000);
  b.batch = o.number<std::size_t>("batch", 1, 1, 100000);
  shared_options(o, b);
  o.finish();
  if (!PyCallable_Check(objective.ptr())) throw py::type_error("BayesianOptimizer: the objective must be callable");
  lt::BayesianOptimizer<> bo(space_from(space), b);
  PyObjective f(objective);
  return run_search(f, [&] { return bo.run([&](const lt::Configuration& c) { return f(c); }, n_trials); });
}

}  // namespace

void bind_tune(py::module_& m) {
  m.def("hyperband", &hyperband, py::arg("space"), py::arg("objective"), py::arg("options"));
  m.def("bayes_opt", &bayes_opt, py::arg("space"), py::arg("objective"), py::arg("n_trials"), py::arg("options"));
}

}  // namespace locus_py
