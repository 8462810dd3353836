#pragma once
// Ablation studies: train every (variant, seed) pair, time inference, count parameters and
// tabulate the metrics as mean ± std over seeds, absolute and relative to a reference
// variant (paper 004's Tables 4 and 5 use the relative form).
//
//   Ablation study({.seeds = {1, 2, 3, 4, 5}, .reference = "proposed"}, Huber{}, AdamW{},
//                  Constant{}, FitOptions{.epochs = 200, .batch_size = 256});
//   study.add("proposed", [](Rng& rng) { return Stack(...); });          // any Network type
//   study.add("no skip", [](Rng& rng) { return Stack(...); });
//   study.metric("MAE Mr", ablation_metrics::mae(0));
//   auto table = study.run(train, validation, test);
//   table.write_markdown("ablation.md"); table.write_csv("ablation.csv");
//
// Specification.
//  - A variant is a name and a builder: builder(rng) returns a freshly initialised network
//    (Stack or DynamicStack) from the seed's stream. Variants may differ in type.
//  - run() trains each (variant, seed) pair with fit() (the loss, optimizer, schedule and
//    fit options given to the constructor) on one thread, spreading the pairs
//    over `threads` threads (0 = locus::num_threads()). The fit seed of a pair is its study
//    seed, so a pair's result depends only on (variant, seed) and never on the thread count.
//    A variant may bring its own training function (add(name, build, train)): paper 002's
//    two-phase MAE → SMAPE recipe is one.
//  - Metrics are computed on the test set's predictions (inference mode). Each metric is
//    reduced over seeds to its mean and sample standard deviation.
//  - Inference time: after training, each variant's first-seed network predicts the whole
//    test set on one thread, the best of `timing_repeats` runs, in µs per 1000 rows.
//  - Relative values divide each variant's mean by the reference variant's mean (1.00 for the
//    reference itself); the relative std is std / reference mean.
//  - Progress: one line per finished pair on stderr when options.progress is set.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/parallel_for.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../io/atomic_file.hpp"
#include "history.hpp"
#include "trainer.hpp"

namespace locus::nn {

struct AblationOptions {
  std::vector<std::uint64_t> seeds{1, 2, 3, 4, 5};
  std::string reference;             // the variant other rows are divided by (default: the first)
  std::size_t threads = 0;           // pairs trained at once (0 = locus::num_threads())
  std::size_t timing_repeats = 5;    // inference timing: best of this many runs
  bool progress = true;              // a line on stderr per finished pair
};

// A metric maps test predictions and targets (batch-major) to a number; lower is better.
using AblationMetric = std::function<double(const Matrix<float>& prediction, const Matrix<float>& target)>;

namespace ablation_metrics {
// Mean absolute error of prediction column `column` against target column `target`
// (default: the same index).
inline AblationMetric mae(std::size_t column, std::ptrdiff_t target = -1) {
  return [=](const Matrix<float>& p, const Matrix<float>& t) {
    const std::size_t tc = target < 0 ? column : std::size_t(target);
    double s = 0;
    for (std::size_t r = 0; r < p.shape(0); ++r) s += std::abs(double(p(r, column)) - double(t(r, tc)));
    return s / double(p.shape(0));
  };
}
// Symmetric mean absolute percentage error, 100 · mean(|p − t| / ((|p| + |t|) / 2)), in %.
inline AblationMetric smape(std::size_t column, std::ptrdiff_t target = -1) {
  return [=](const Matrix<float>& p, const Matrix<float>& t) {
    const std::size_t tc = target < 0 ? column : std::size_t(target);
    double s = 0;
    for (std::size_t r = 0; r < p.shape(0); ++r) {
      const double a = p(r, column), b = t(r, tc), d = (std::abs(a) + std::abs(b)) / 2;
      s += d > 0 ? std::abs(a - b) / d : 0.0;
    }
    return 100 * s / double(p.shape(0));
  };
}
// The value of a loss (losses.hpp) on the whole test set.
template <class LossT>
AblationMetric loss(LossT l) {
  return [l](const Matrix<float>& p, const Matrix<float>& t) { return l.value(p, t); };
}
}  // namespace ablation_metrics

// One cell of the table: mean and std over seeds, and the same relative to the reference.
struct AblationCell {
  double mean = 0, std = 0, rel_mean = 1, rel_std = 0;
};

struct AblationRow {
  std::string variant;
  std::size_t parameters = 0;
  AblationCell inference_us;           // per 1000 test rows, one thread
  AblationCell train_seconds;          // per pair
  std::vector<AblationCell> metrics;   // in the order of the study's metrics
  std::vector<std::vector<double>> per_seed;  // [metric][seed]
};

struct AblationTable {
  std::vector<std::string> metric_names;
  std::vector<std::uint64_t> seeds;
  std::string reference;
  std::vector<AblationRow> rows;

  const AblationRow& row(const std::string& variant) const {
    for (const auto& r : rows)
      if (r.variant == variant) return r;
    throw ConfigError("ablation table: no variant \"" + variant + "\"");
  }

  // Paper-style Markdown: one table of absolute values (mean ± std) and one relative to the
  // reference variant.
  std::string markdown() const {
    auto cell = [](double m, double s, int digits) {
      char b[64];
      std::snprintf(b, sizeof b, "%.*f ± %.*f", digits, m, digits, s);
      return std::string(b);
    };
    std::string h = "| variant | parameters | inference (µs / 1000 rows, best of runs) | training (s) |";
    std::string sep = "|---|---:|---:|---:|";
    for (const auto& m : metric_names) {
      h += " " + m + " |";
      sep += "---:|";
    }
    std::string out = "Mean ± standard deviation over " + std::to_string(seeds.size()) + " seeds.\n\n" + h + "\n" + sep + "\n";
    auto fixed = [](double v, int digits) {
      char b[40];
      std::snprintf(b, sizeof b, "%.*f", digits, v);
      return std::string(b);
    };
    for (const auto& r : rows) {
      out += "| " + r.variant + " | " + std::to_string(r.parameters) + " | " + fixed(r.inference_us.mean, 0) + " | " +
             cell(r.train_seconds.mean, r.train_seconds.std, 1) + " |";
      for (const auto& c : r.metrics) out += " " + cell(c.mean, c.std, 4) + " |";
      out += "\n";
    }
    out += "\nRelative to \"" + reference + "\" (its mean = 1.00).\n\n" + h + "\n" + sep + "\n";
    const auto& ref = row(reference);
    for (const auto& r : rows) {
      out += "| " + r.variant + " | " + fixed(double(r.parameters) / double(ref.parameters), 2) + " | " +
             fixed(r.inference_us.rel_mean, 2) + " | " +
             cell(r.train_seconds.rel_mean, r.train_seconds.rel_std, 2) + " |";
      for (const auto& c : r.metrics) out += " " + cell(c.rel_mean, c.rel_std, 2) + " |";
      out += "\n";
    }
    return out;
  }

  // One line per (variant, quantity): variant, quantity, mean, std, relative mean, relative
  // std, then the per-seed values for metrics.
  std::string csv() const {
    std::string out = "variant,quantity,mean,std,relative_mean,relative_std";
    for (auto s : seeds) out += ",seed_" + std::to_string(s);
    out += "\n";
    auto num = [](double v) {
      char b[40];
      std::snprintf(b, sizeof b, "%.9g", v);
      return std::string(b);
    };
    // RFC 4180: a name with a comma, quote or line break is quoted ("paper 002, MAE only")
    auto field = [](const std::string& t) {
      if (t.find_first_of(",\"\r\n") == std::string::npos) return t;
      std::string q = "\"";
      for (const char ch : t) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return q + "\"";
    };
    auto line = [&](const std::string& v, const std::string& q, const AblationCell& c, const std::vector<double>* per) {
      out += field(v) + "," + field(q) + "," + num(c.mean) + "," + num(c.std) + "," + num(c.rel_mean) + "," + num(c.rel_std);
      for (std::size_t s = 0; s < seeds.size(); ++s) out += "," + (per ? num((*per)[s]) : std::string());
      out += "\n";
    };
    const auto& ref = row(reference);
    for (const auto& r : rows) {
      line(r.variant, "parameters", {double(r.parameters), 0, double(r.parameters) / double(ref.parameters), 0}, nullptr);
      line(r.variant, "inference_us_per_1000", r.inference_us, nullptr);
      line(r.variant, "train_seconds", r.train_seconds, nullptr);
      for (std::size_t m = 0; m < metric_names.size(); ++m) line(r.variant, metric_names[m], r.metrics[m], &r.per_seed[m]);
    }
    return out;
  }

  void write_markdown(const std::string& path) const { io::write_file_atomically(path, markdown()); }
  void write_csv(const std::string& path) const { io::write_file_atomically(path, csv()); }
};

template <class LossT, class Opt, class Sched>
class Ablation {
 public:
  // What one trained pair reports back.
  struct PairResult {
    std::vector<double> metrics;
    double train_seconds = 0;
    std::size_t parameters = 0;
    std::function<double()> time_inference;  // holds the trained network (first seed only)
  };

  // The default training of every variant: fit(net, loss, optimizer, schedule, ...) with
  // `fit` (its seed and thread count are set per pair).
  Ablation(AblationOptions options, LossT loss, Opt optimizer, Sched schedule, FitOptions fit = {})
      : options_(std::move(options)), loss_(loss), optimizer_(optimizer), schedule_(schedule), fit_(fit) {
    if (options_.seeds.empty()) throw ConfigError("ablation: at least one seed is needed");
  }

  // A variant trained the default way; build(rng) returns a freshly initialised network.
  template <class Build>
  Ablation& add(std::string name, Build build) {
    return add(std::move(name), std::move(build), nullptr);
  }
  // A variant with its own training: train(net, train_data, validation_data, seed) trains
  // the freshly built network in place (e.g. paper 002's MAE then SMAPE).
  template <class Build, class Train>
  Ablation& add(std::string name, Build build, Train train) {
    for (const auto& v : variants_)
      if (v.name == name) throw ConfigError("ablation: variant \"" + name + "\" is added twice");
    Variant v;
    v.name = std::move(name);
    v.run = [this, build = std::move(build), train = std::move(train)](const Data<float>& tr, const Data<float>& va,
                                                                       const Data<float>& te, std::uint64_t seed,
                                                                       bool keep) {
      Rng rng(seed);
      auto net = std::make_shared<decltype(build(rng))>(build(rng));
      PairResult r;
      r.parameters = net->parameter_count();
      const auto t0 = std::chrono::steady_clock::now();
      if constexpr (std::is_same_v<Train, std::nullptr_t>) {
        FitOptions o = fit_;
        o.seed = seed;
        o.threads = 1;
        Opt opt = optimizer_;
        Sched sched = schedule_;
        fit(*net, loss_, opt, sched, tr, va, o);
      } else {
        train(*net, tr, va, seed);
      }
      r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto pred = net->predict(*te.x, 1);
      for (const auto& m : metrics_) r.metrics.push_back(m.second(pred, *te.y));
      if (keep) r.time_inference = [this, net, x = te.x] { return time_predict(*net, *x); };
      return r;
    };
    variants_.push_back(std::move(v));
    return *this;
  }

  Ablation& metric(std::string name, AblationMetric m) {
    metrics_.emplace_back(std::move(name), std::move(m));
    return *this;
  }

  std::size_t variants() const { return variants_.size(); }

  // Trains every (variant, seed) pair and tabulates; the data sets must outlive the call.
  AblationTable run(const Data<float>& train, const Data<float>& validation, const Data<float>& test) {
    if (variants_.empty()) throw ConfigError("ablation: no variants were added");
    if (metrics_.empty()) throw ConfigError("ablation: no metrics were added");
    if (test.empty() || test.rows() == 0) throw InputError("ablation: the test set is empty");
    const std::string reference = options_.reference.empty() ? variants_.front().name : options_.reference;
    bool found = false;
    for (const auto& v : variants_) found = found || v.name == reference;
    if (!found) throw ConfigError("ablation: the reference variant \"" + reference + "\" was not added");

    const std::size_t V = variants_.size(), S = options_.seeds.size();
    std::vector<PairResult> results(V * S);
    std::mutex log;
    std::size_t done = 0;
    parallel_for_static(V * S, options_.threads, [&](std::size_t, std::size_t k) {
      const std::size_t v = k / S, s = k % S;
      results[k] = variants_[v].run(train, validation, test, options_.seeds[s], s == 0);
      if (options_.progress) {
        std::lock_guard lock(log);
        std::fprintf(stderr, "ablation: %zu/%zu  %s, seed %llu: %.1f s\n", ++done, V * S, variants_[v].name.c_str(),
                     static_cast<unsigned long long>(options_.seeds[s]), results[k].train_seconds);
      }
    });
    // Inference timing, one variant at a time, so that nothing else competes for the cores.
    std::vector<double> timing(V);
    for (std::size_t v = 0; v < V; ++v) {
      timing[v] = results[v * S].time_inference();
      results[v * S].time_inference = nullptr;  // frees the network
    }
    return tabulate(results, timing, reference);
  }

 private:
  template <class Net>
  double time_predict(const Net& net, const Matrix<float>& x) const {
    double best = 1e300;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.timing_repeats); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto y = net.predict(x, 1);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (y.size() > 0) best = std::min(best, s);
    }
    return best * 1e6 * 1000.0 / double(x.shape(0));
  }

  AblationTable tabulate(const std::vector<PairResult>& results, const std::vector<double>& timing,
                         const std::string& reference) const {
    const std::size_t S = options_.seeds.size();
    AblationTable t;
    t.seeds = options_.seeds;
    t.reference = reference;
    for (const auto& m : metrics_) t.metric_names.push_back(m.first);
    auto stats = [](const std::vector<double>& v) {
      const double m = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
      double s = 0;
      for (double x : v) s += (x - m) * (x - m);
      return AblationCell{m, v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0, 1, 0};
    };
    for (std::size_t v = 0; v < variants_.size(); ++v) {
      AblationRow row;
      row.variant = variants_[v].name;
      row.parameters = results[v * S].parameters;
      std::vector<double> secs;
      for (std::size_t s = 0; s < S; ++s) secs.push_back(results[v * S + s].train_seconds);
      row.train_seconds = stats(secs);
      row.inference_us = {timing[v], 0, 1, 0};
      for (std::size_t m = 0; m < metrics_.size(); ++m) {
        std::vector<double> vals;
        for (std::size_t s = 0; s < S; ++s) vals.push_back(results[v * S + s].metrics[m]);
        row.metrics.push_back(stats(vals));
        row.per_seed.push_back(vals);
      }
      t.rows.push_back(std::move(row));
    }
    const AblationRow ref = t.row(reference);
    auto relative = [](AblationCell& c, const AblationCell& r) {
      c.rel_mean = r.mean != 0 ? c.mean / r.mean : std::nan("");
      c.rel_std = r.mean != 0 ? c.std / std::abs(r.mean) : std::nan("");
    };
    for (auto& row : t.rows) {
      relative(row.train_seconds, ref.train_seconds);
      relative(row.inference_us, ref.inference_us);
      for (std::size_t m = 0; m < row.metrics.size(); ++m) relative(row.metrics[m], ref.metrics[m]);
    }
    return t;
  }

  struct Variant {
    std::string name;
    std::function<PairResult(const Data<float>&, const Data<float>&, const Data<float>&, std::uint64_t, bool)> run;
  };
  AblationOptions options_;
  LossT loss_;
  Opt optimizer_;
  Sched schedule_;
  FitOptions fit_;
  std::vector<Variant> variants_;
  std::vector<std::pair<std::string, AblationMetric>> metrics_;
};

}  // namespace locus::nn
