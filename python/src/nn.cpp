// The networks from Python: Model (load, predict, save), train_moments, and HybridPipeline.
#include <filesystem>
#include <memory>

#include <locus/nn/moments_model.hpp>
#include <locus/pipeline/hybrid_pipeline.hpp>
#include <locus/pipeline/streaming.hpp>
#include <locus/pipeline/training_set.hpp>

#include "common.hpp"
#include "options.hpp"

namespace locus_py {
namespace {

namespace lp = locus::pipeline;

// append_summaries' columns that read_summaries requires: five statistics of each parameter.
constexpr std::size_t bayes_stat_columns = locus::bayes::n_params * lp::summary_stats.size();

// The training recipe from keyword options (the `locus train` flags; defaults: the pipeline's).
locus::nn::MomentsModelOptions training_options(Options& o) {
  auto t = lp::pipeline_training();
  t.primary.epochs = o.number<std::size_t>("epochs", t.primary.epochs, 1, 100000000);
  t.primary.patience = t.secondary.patience = o.get<std::size_t>("patience", t.primary.patience);
  t.primary_runs = o.number<std::size_t>("runs", t.primary_runs, 1, 1000);
  t.secondary.epochs = o.number<std::size_t>("sigma_epochs", t.secondary.epochs, 1, 100000000);
  t.primary.batch_size = t.secondary.batch_size = o.number<std::size_t>("batch", t.primary.batch_size, 1, 1u << 30);
  t.optimizer.learning_rate = o.number("learning_rate", t.optimizer.learning_rate, 1e-12, 1e3);
  t.seed = o.get<std::uint64_t>("train_seed", t.seed);
  return t;
}

// The directory is checked first: the files themselves are written atomically (serialization.hpp).
void save_model(const locus::nn::MomentsModel& m, const std::string& prefix) {
  const auto [pm, sm] = lp::model_files(prefix);
  const std::filesystem::path p(pm);
  if (!std::filesystem::is_directory(p.has_parent_path() ? p.parent_path() : std::filesystem::path(".")))
    throw locus::OutputError("cannot write the model '" + pm + "': its directory does not exist");
  m.save(pm, m.has_secondary() ? sm : "");
}

locus::nn::MomentsModel load_model(const std::string& prefix) {
  const auto [pm, sm] = lp::model_files(prefix);
  if (!std::filesystem::exists(pm)) {
    PyErr_SetString(PyExc_FileNotFoundError, ("model file '" + pm + "' does not exist").c_str());
    throw py::error_already_set();
  }
  return lp::load_model(prefix);
}

// Calls a Python progress callable from a training callback (GIL taken only for the call), and
// answers Ctrl-C after the batch in progress.
struct PyTrainingHooks {
  py::object progress;
  std::size_t epochs;
  void on_batch_end(const locus::nn::BatchEnd&) const {
    poll_signals();
    locus::interrupt::check("training");
  }
  void on_epoch_end(const locus::nn::EpochEnd& e) const {
    if (progress.is_none()) return;
    py::gil_scoped_acquire gil;
    progress(e.epoch + 1, epochs, e.train_loss, e.val_loss);
  }
};

py::dict prediction_dict(const locus::nn::MomentsPrediction<float>& p) {
  auto arr = [](const locus::Matrix<float>& m) {
    std::vector<float> v(m.begin(), m.end());
    return adopt(std::move(v)).attr("reshape")(m.shape(0), m.shape(1));
  };
  py::dict d;
  d["mu"] = arr(p.mu), d["sigma"] = arr(p.sigma_total), d["sigma_nn"] = arr(p.sigma_nn), d["sigma_b"] = arr(p.sigma_b);
  return d;
}

class Model {
 public:
  explicit Model(locus::nn::MomentsModel m) : m_(std::make_shared<locus::nn::MomentsModel>(std::move(m))) {}
  static Model load(const std::string& prefix) { return Model(load_model(prefix)); }
  void save(const std::string& prefix) const { save_model(*m_, prefix); }

  // Rows of the catalogue: nn_* columns and status (no_fit where an input is missing).
  py::dict predict(const py::dict& data, const py::dict& kwargs) const {
    Options o(kwargs, "predict");
    const double sentinel = o.get<double>("missing_sentinel", -99.0);
    const auto map = column_map(o.object("columns"), sentinel);
    const auto threads = o.get<std::size_t>("threads", 0);
    o.finish();
    if (m_->targets() != locus::bayes::n_params) throw py::value_error("predict: the model does not predict Mr, Ar and [Fe/H]");
    const auto cols = map.star_columns();
    auto cat = to_catalog(data, cols, {}, cols, sentinel, OnMissing::flag);
    const auto stars = lp::read_stars(cat, map);
    locus::io::Catalog out(cat.rows());
    for (std::size_t i = 0; i < cat.rows(); ++i) out.flag(i, cat.status(i));
    without_gil([&] { lp::predict_block(*m_, out, stars, threads); });
    return from_catalog(std::move(out));
  }
  // A raw input matrix [n × 10] (r, ug, gr, ri, iz, and their errors: pipeline order).
  py::dict predict_matrix(py::array_t<float, py::array::c_style | py::array::forcecast> x, std::size_t threads) const {
    if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != m_->input_scaler().center.size())
      throw py::value_error("predict_matrix: x must be [n × " + std::to_string(m_->input_scaler().center.size()) + "]");
    locus::Matrix<float> m({static_cast<std::size_t>(x.shape(0)), static_cast<std::size_t>(x.shape(1))});
    std::copy(x.data(), x.data() + x.size(), m.begin());
    for (float v : m)
      if (!std::isfinite(v)) throw py::value_error("predict_matrix: x has a NaN or infinite value");
    const auto p = without_gil([&] { return m_->predict(m, threads ? threads : locus::num_threads()); });
    return prediction_dict(p);
  }
  const locus::nn::MomentsModel& get() const { return *m_; }
  py::dict history() const {
    py::dict d;
    const auto& h = m_->primary_history();
    d["best_loss"] = h.best_loss, d["epochs"] = h.epochs(), d["stop_reason"] = h.stop_reason;
    return d;
  }

 private:
  std::shared_ptr<locus::nn::MomentsModel> m_;
};

Model train_moments(const py::dict& data, const py::dict& kwargs, const py::object& progress) {
  Options o(kwargs, "train_moments");
  const double sentinel = o.get<double>("missing_sentinel", -99.0);
  const auto map = column_map(o.object("columns"), sentinel);
  const auto prefix = o.get<std::string>("labels", "bayes_");
  const double validation = o.number("validation", 0.25, 0.01, 0.99);
  const auto split_seed = o.get<std::uint64_t>("split_seed", 1);
  const auto threads = o.get<std::size_t>("threads", 0);
  auto t = training_options(o);
  o.finish();
  auto cols = map.star_columns();
  // the posterior's columns, named as append_summaries names them; the stats are required,
  // chi2_min, prior_bin and nodes optional (as read_summaries reads them)
  locus::io::Catalog named;
  lp::append_summaries(named, {}, prefix);
  const auto labels = named.names();
  std::vector<std::string> required = cols;
  required.insert(required.end(), labels.begin(), labels.begin() + bayes_stat_columns);
  auto cat = to_catalog(data, required, labels, cols, sentinel, OnMissing::flag);
  const auto ts = lp::make_training_set(cat, map, prefix, validation, split_seed);
  t.primary.threads = t.secondary.threads = threads;
  locus::nn::MomentsModel model;
  const PyTrainingHooks hooks{progress, t.primary.epochs};
  without_gil([&] {
    model.fit(ts.train.x, ts.train.mean, ts.train.sigma, ts.validation.x, ts.validation.mean, ts.validation.sigma, t, hooks);
  });
  return Model(std::move(model));
}

// HybridPipeline(options).run(data) with the catalogue in memory.
py::dict run_pipeline(const py::dict& data, const py::dict& kwargs, const py::object& log) {
  Options o(kwargs, "HybridPipeline");
  lp::PipelineOptions po;
  const double sentinel = o.get<double>("missing_sentinel", -99.0);
  po.columns = column_map(o.object("columns"), sentinel);
  po.sample.train = o.number<std::size_t>("train", po.sample.train, 3, std::size_t(1) << 40);
  po.sample.check = o.get<std::size_t>("check", po.sample.check);
  po.sample.validation_fraction = o.number("validation", po.sample.validation_fraction, 0.01, 0.99);
  po.sample.sampling = o.choice("sampling", "random", {"random", "stratified_r"}) == "random" ? lp::Sampling::random
                                                                                              : lp::Sampling::stratified_r;
  po.sample.seed = o.get<std::uint64_t>("sample_seed", po.sample.seed);
  po.priors = lp::PriorSource::parse(o.get<std::string>("priors", "kde"));
  po.posterior.engine = o.choice("engine", "grid", {"grid", "mcmc"}) == "mcmc" ? lp::Engine::mcmc : lp::Engine::grid;
  po.posterior.seed = o.get<std::uint64_t>("seed", 1);
  po.training = training_options(o);
  po.threads = o.get<std::size_t>("threads", 0);
  const auto output = o.get<std::string>("output", "");
  const auto run_dir = o.get<std::string>("run_dir", "");
  o.finish();
  const auto cols = po.columns.star_columns();
  const auto truth = truth_columns(po.columns);
  auto cat = std::make_shared<locus::io::Catalog>(to_catalog(data, cols, truth, cols, sentinel, OnMissing::flag));
  po.keep_predictions = output.empty();
  if (!log.is_none())
    po.log = [log](const std::string& line) {
      py::gil_scoped_acquire gil;
      log(line);
    };
  const lp::HybridPipeline pipeline(po);
  const auto source = lp::CatalogSource::memory(cat, "python");
  auto res = without_gil([&] { return pipeline.run(source, output, run_dir); });
  py::dict out;
  if (res.catalog) {  // only the columns the pipeline added: the caller has the rest
    auto given = cols;
    given.insert(given.end(), truth.begin(), truth.end());
    out["predictions"] = from_catalog(std::move(*res.catalog), given);
  }
  out["model"] = Model(std::move(res.model));
  out["evaluation"] = json_to_py(lp::to_json(res.evaluation));
  out["table"] = lp::format_table(res.evaluation);
  py::dict stages;
  for (const auto& s : res.stages) stages[py::str(s.stage)] = s.seconds;
  out["stage_seconds"] = stages;
  out["trained_on"] = res.trained_on, out["validated_on"] = res.validated_on;
  out["sample_rows"] = adopt(std::vector<std::uint64_t>(res.selection.rows.begin(), res.selection.rows.end()));
  out["posterior_us_per_star"] = res.posterior_us_per_star;
  return out;
}

}  // namespace

void bind_nn(py::module_& m) {
  py::class_<Model>(m, "Model")
      .def_static("load", &Model::load, py::arg("prefix"))
      .def("save", &Model::save, py::arg("prefix"))
      .def("_predict", &Model::predict, py::arg("data"), py::arg("options"))
      .def("predict_matrix", &Model::predict_matrix, py::arg("x"), py::arg("threads") = 0)
      .def_property_readonly("history", &Model::history)
      .def_property_readonly("has_secondary", [](const Model& mm) { return mm.get().has_secondary(); });
  m.def("train_moments", &train_moments, py::arg("data"), py::arg("options"), py::arg("progress") = py::none());
  m.def("run_pipeline", &run_pipeline, py::arg("data"), py::arg("options"), py::arg("log") = py::none());
  m.attr("network_inputs") = py::cast(std::vector<std::string>(lp::network_input_names.begin(), lp::network_input_names.end()));
}

}  // namespace locus_py
