#pragma once
// MomentsObjective: what the tuners minimise in paper 000's architecture search. A moments
// network (μ and σ of K targets) whose hidden layers come from the configuration is trained
// with nn::fit and the weighted moments loss (Eq. 2); its loss is the best validation loss.
// This is the one tune header that uses nn: the bridge between the generic tuners and the
// networks, shared by `locus tune`, examples/hyperband_paper and examples/bayes_opt_paper.
//
//   MomentsObjective objective(train, validation, {.learning_rate = 0.01});
//   Hyperband(space, o).run(objective);                  // budget = epochs, trials resume
//   BayesianOptimizer<>(space, o).run(objective, 100);   // fresh trials, early stopping
#include <algorithm>
#include <any>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <locus/core/errors.hpp>
#include <locus/core/interrupt.hpp>
#include <locus/core/rng.hpp>
#include <locus/core/tensor.hpp>
#include <locus/core/type_list.hpp>
#include <locus/nn/activations.hpp>
#include <locus/nn/callbacks.hpp>
#include <locus/nn/dynamic_stack.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/moments_model.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/nn/serialization.hpp>
#include <locus/nn/trainer.hpp>
#include <locus/tune/hyperband.hpp>
#include <locus/tune/journal.hpp>
#include <locus/tune/space.hpp>

namespace locus::tune {

// The layers of a moments network for configuration c of architecture_space() (or of any
// space with "layers", "units_k" and "activation_k"): c's `layers` hidden layers, then a
// linear output layer of `outputs` units (2K for μ and σ of K targets).
inline std::vector<nn::LayerSpec> moments_layers(const Configuration& c, std::size_t outputs) {
  std::vector<nn::LayerSpec> specs;
  const auto n = c.get_int("layers");
  for (std::int64_t k = 1; k <= n; ++k)
    specs.push_back({static_cast<std::size_t>(c.get_int("units_" + std::to_string(k))),
                     c.get_string("activation_" + std::to_string(k))});
  specs.push_back({outputs, "linear"});
  return specs;
}

/* Throws ConfigError, naming the parameter, when `space` cannot drive MomentsObjective, so a
   bad space fails before the first trial instead of in the middle of a run:
   - "layers" must be an integer parameter with low >= 0;
   - for k = 1..layers.high, "units_k" (integer, low >= 1) and "activation_k" (categorical,
     choices among nn::paper_activations) must exist; if conditional, on "layers" >= j with
     j <= k, so they are active whenever layer k exists;
   - optional "learning_rate" (float or int, low > 0) and "batch_size" (integer, low >= 1);
   - no other parameter (the objective would ignore it and the tuner search it in vain). */
inline void check_moments_space(const SearchSpace& space) {
  auto find = [&](const std::string& name) -> const Parameter* {
    for (const auto& p : space.parameters())
      if (p.name == name) return &p;
    return nullptr;
  };
  const Parameter* layers = find("layers");
  if (!layers || layers->kind != Kind::integer || layers->condition || layers->lo < 0)
    throw ConfigError("the moments objective needs an unconditional integer parameter \"layers\" >= 0 (the number of hidden layers)");
  const auto max_layers = static_cast<std::int64_t>(layers->hi);
  std::vector<std::string> used{"layers"};
  for (std::int64_t k = 1; k <= max_layers; ++k) {
    const std::string units = "units_" + std::to_string(k), act = "activation_" + std::to_string(k);
    const Parameter* u = find(units);
    const Parameter* a = find(act);
    if (!u || u->kind != Kind::integer || u->lo < 1)
      throw ConfigError("parameter \"" + units + "\": layers can reach " + std::to_string(k) +
                        ", so the space needs an integer \"" + units + "\" with low >= 1");
    if (!a || a->kind != Kind::categorical)
      throw ConfigError("parameter \"" + act + "\": layers can reach " + std::to_string(k) +
                        ", so the space needs a categorical \"" + act + "\"");
    for (const std::string& choice : a->choices) {
      bool known = false;
      for_each_type(nn::paper_activations{}, [&]<class A>() { known = known || A::name == choice; });
      if (!known)
        throw ConfigError("parameter \"" + act + "\": unknown activation \"" + choice + "\"; choose among " +
                          nn::detail::activation_names(nn::paper_activations{}));
    }
    for (const Parameter* p : {u, a})
      if (p->condition && (p->condition->parent != "layers" || p->condition->op != Condition::Op::at_least ||
                           p->condition->threshold > k))
        throw ConfigError("parameter \"" + p->name + "\": its condition must be layers >= j with j <= " +
                          std::to_string(k) + ", or none (it must be active whenever layer " + std::to_string(k) +
                          " exists)");
    used.push_back(units);
    used.push_back(act);
  }
  if (const Parameter* lr = find("learning_rate")) {
    if (lr->kind == Kind::categorical || !(lr->lo > 0))
      throw ConfigError("parameter \"learning_rate\": must be a float (or int) with low > 0");
    used.push_back("learning_rate");
  }
  if (const Parameter* b = find("batch_size")) {
    if (b->kind != Kind::integer || b->lo < 1) throw ConfigError("parameter \"batch_size\": must be an integer with low >= 1");
    used.push_back("batch_size");
  }
  for (const auto& p : space.parameters())
    if (std::find(used.begin(), used.end(), p.name) == used.end())
      throw ConfigError("parameter \"" + p.name + "\" is not used by the moments objective (it reads layers, units_k, "
                        "activation_k for k <= layers' high bound, learning_rate and batch_size)");
}

struct MomentsObjectiveOptions {
  std::vector<double> target_sigmas = nn::MomentsModelOptions{}.target_sigmas;  // Eq. 2: weights 1/σ²
  double learning_rate = 1e-3;    // Adam's, unless the configuration has "learning_rate"
  std::size_t batch_size = 1024;  // unless the configuration has "batch_size"
  nn::ReduceOnPlateau schedule{.factor = 0.9};
  std::size_t epochs = 81;        // fresh trials (Bayesian optimisation): at most this many
  std::size_t patience = 10;      // fresh trials: early stopping (0: never)
  bool reset_optimizer = true;    // Hyperband: false keeps Adam's moments from rung to rung
  std::size_t threads = 1;        // per training; results do not depend on it
};

/* MomentsObjective
   Specification:
   - Constructed from training and validation Data (inputs [n × d], targets [n × K]; they must
     outlive the objective); the network has d inputs and 2K outputs (moments_layers).
   - Hyperband form, operator()(config, budget, state): a fresh trial builds its network from
     state.rng.split(1) and keeps it, with the learning rate its schedule reached and its
     Adam, in state.checkpoint; every rung trains budget − state.previous_budget epochs (at
     least 1) with no early stopping and shuffling seed state.rng.split(2)().
     With a state.checkpoint_file (HyperbandOptions::checkpoint_dir), each rung also saves the
     network, learning rate, budget and loss there (nn::save, atomic), and a trial whose
     in-memory checkpoint is gone (a restarted run) continues from that file: it trains only
     the epochs the file lacks, or returns the file's loss when the file already has this
     budget. With reset_optimizer (the default) a resumed run therefore ends exactly as an
     uninterrupted one; with reset_optimizer false, Adam's moments restart from the file.
   - Bayesian-optimisation form, operator()(config, rng): a fresh network from rng.split(1),
     at most `epochs` epochs with `patience`, shuffling seed rng.split(2)().
   - Both return the best validation loss of the training just done (NaN/inf when it
     diverged), call interrupt::check before a trial and after every batch (Ctrl-C stops
     within one batch; an aborted trial returns nothing, so a journal never records it), and
     are safe to call from several threads at once.
   - Counters: models() fresh networks built, epochs() epochs trained, diverged() trainings
     without a finite loss. */
class MomentsObjective {
 public:
  MomentsObjective(const nn::Data<float>& train, const nn::Data<float>& validation, MomentsObjectiveOptions options = {})
      : train_(train), validation_(validation), options_(std::move(options)),
        loss_(nn::inverse_variance_weights(options_.target_sigmas)) {
    if (train_.empty() || validation_.empty()) throw InputError("MomentsObjective: training and validation data are needed");
    if (train_.y->shape(1) != options_.target_sigmas.size())
      throw ConfigError("MomentsObjective: " + std::to_string(options_.target_sigmas.size()) + " target sigmas for " +
                        std::to_string(train_.y->shape(1)) + " targets");
  }

  double operator()(const Configuration& c, double budget, ResumeState& st) const {
    interrupt::check("tuning");
    double trained = st.previous_budget;
    if (!st.checkpoint.has_value()) {
      const auto saved = load_checkpoint(c, st);
      if (saved && saved->budget == budget) return saved->loss;  // finished, but its journal line was lost
      if (saved && saved->budget < budget) {
        trained = saved->budget;
      } else {
        st.checkpoint.emplace<Checkpoint>(Checkpoint{network(c, st.rng.split(1)), learning_rate(c)});
        trained = 0;
        ++models_;
      }
    }
    auto& ck = std::any_cast<Checkpoint&>(st.checkpoint);
    ck.adam.learning_rate = ck.learning_rate;
    nn::FitOptions fo = fit_options(c);
    fo.epochs = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(budget - trained)));
    fo.patience = 0;  // Hyperband decides when to stop
    fo.seed = st.rng.split(2)();
    fo.reset_optimizer = options_.reset_optimizer;  // a fresh trial's Adam has no state either way
    const auto h = train(ck.net, ck.adam, fo);
    if (!h.learning_rate.empty()) ck.learning_rate = h.learning_rate.back();
    if (!st.checkpoint_file.empty()) {
      nn::ModelInfo info;
      info.training = {{"budget", budget}, {"learning_rate", ck.learning_rate}, {"loss", loss_to_json(h.best_loss)},
                       {"config", hash_hex(c.hash())}};
      nn::save(ck.net, st.checkpoint_file.string(), info);
    }
    return h.best_loss;
  }

  double operator()(const Configuration& c, Rng& rng) const {
    interrupt::check("tuning");
    Network net = network(c, rng.split(1));
    ++models_;
    nn::Adam adam{.learning_rate = learning_rate(c)};
    nn::FitOptions fo = fit_options(c);
    fo.epochs = options_.epochs;
    fo.patience = options_.patience;
    fo.seed = rng.split(2)();
    return train(net, adam, fo).best_loss;
  }

  const MomentsObjectiveOptions& options() const { return options_; }
  std::size_t models() const { return models_.load(); }
  std::size_t epochs() const { return epochs_.load(); }
  std::size_t diverged() const { return diverged_.load(); }

 private:
  using Network = nn::DynamicStack<nn::paper_activations, float>;
  // What a Hyperband trial keeps between rungs.
  struct Checkpoint {
    Network net;
    double learning_rate = 1e-3;
    nn::Adam adam{};
  };

  // A Hyperband trial's checkpoint file, from a process that was interrupted: the network after
  // `budget` epochs, its learning rate and loss. Put into st.checkpoint when found.
  struct Saved {
    double budget = 0, loss = 0;
  };
  // A file of another configuration (a stale directory) is ignored.
  std::optional<Saved> load_checkpoint(const Configuration& c, ResumeState& st) const {
    if (st.checkpoint_file.empty() || !std::filesystem::exists(st.checkpoint_file)) return std::nullopt;
    Checkpoint ck;
    nn::ModelInfo info;
    nn::load_into(st.checkpoint_file.string(), ck.net, &info);
    const auto& t = info.training;
    if (t.value("config", "") != hash_hex(c.hash())) return std::nullopt;
    if (!t.contains("learning_rate") || !t["learning_rate"].is_number() || !t.contains("budget") ||
        !t["budget"].is_number() || !t.contains("loss"))
      throw FormatError(st.checkpoint_file.string() + ": not a tuning checkpoint (no budget, learning_rate or loss)");
    ck.learning_rate = t["learning_rate"].get<double>();
    const Saved saved{t["budget"].get<double>(), loss_from_json(t["loss"])};
    st.checkpoint = std::move(ck);
    return saved;
  }

  Network network(const Configuration& c, Rng&& rng) const {
    return Network(train_.x->shape(1), moments_layers(c, 2 * train_.y->shape(1)), rng);
  }
  double learning_rate(const Configuration& c) const {
    return c.contains("learning_rate") ? c.get_float("learning_rate") : options_.learning_rate;
  }
  nn::FitOptions fit_options(const Configuration& c) const {
    nn::FitOptions fo;
    fo.batch_size = c.contains("batch_size") ? static_cast<std::size_t>(c.get_int("batch_size")) : options_.batch_size;
    fo.threads = options_.threads;
    return fo;
  }
  nn::History train(Network& net, nn::Adam& adam, const nn::FitOptions& fo) const {
    nn::ReduceOnPlateau plateau = options_.schedule;
    auto stop = [](const nn::BatchEnd&) { interrupt::check("tuning"); };
    auto h = nn::fit(net, loss_, adam, plateau, train_, validation_, fo, stop);
    epochs_ += h.epochs();
    if (!std::isfinite(h.best_loss)) ++diverged_;
    return h;
  }

  nn::Data<float> train_, validation_;
  MomentsObjectiveOptions options_;
  nn::Weighted<nn::Moments> loss_;
  mutable std::atomic<std::size_t> models_{0}, epochs_{0}, diverged_{0};
};

}  // namespace locus::tune
