// The contracts of custom pieces (docs/extending.md): every built-in type fulfils its concept,
// and a type missing one member does not. The BO acquisition and MCMC move are checked here
// too, so that all extension contracts are proved in one place.
#include <doctest/doctest.h>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>
#include <locus/bayes/ensemble_sampler.hpp>
#include <locus/bayes/grid_jump_move.hpp>
#include <locus/nn/activate.hpp>
#include <locus/nn/batch_norm.hpp>
#include <locus/nn/chain.hpp>
#include <locus/nn/dense.hpp>
#include <locus/nn/dense_variational.hpp>
#include <locus/nn/dropout.hpp>
#include <locus/nn/heads.hpp>
#include <locus/nn/layer_norm.hpp>
#include <locus/nn/losses.hpp>
#include <locus/nn/optimizers.hpp>
#include <locus/nn/residual.hpp>
#include <locus/nn/schedules.hpp>
#include <locus/tune/bayes_opt.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
// Each Broken* type is a working piece with one member missing or misspelt.
struct MishLike {
  static constexpr std::string_view name = "mish_like";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) { return x; }
  template <class V>
  static V derivative(V, V) { return V(1); }
};
struct BrokenDerivative {  // "derivate"
  static constexpr std::string_view name = "broken";
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) { return x; }
  template <class V>
  static V derivate(V, V) { return V(1); }
};
struct BrokenName {  // no name
  static constexpr bool elementwise = true;
  template <class V>
  static V value(V x) { return x; }
  template <class V>
  static V derivative(V, V) { return V(1); }
};
struct BrokenRowwise {  // elementwise = false, but only value/derivative
  static constexpr std::string_view name = "broken_rowwise";
  static constexpr bool elementwise = false;
  template <class V>
  static V value(V x) { return x; }
  template <class V>
  static V derivative(V, V) { return V(1); }
};

struct L1Like : Loss<L1Like> {
  static constexpr std::string_view name = "l1_like";
  static constexpr std::size_t pred_per_target = 1;
  static double default_weight(std::size_t) { return 1.0; }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const { return double(p[k] - t[k]); }
  template <class T>
  void dterm(const T*, const T*, std::size_t k, std::size_t, double w, T* g) const { g[k] += T(w); }
};
struct BrokenDterm : Loss<BrokenDterm> {  // dterm without K
  static constexpr std::string_view name = "broken_dterm";
  static constexpr std::size_t pred_per_target = 1;
  static double default_weight(std::size_t) { return 1.0; }
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const { return double(p[k] - t[k]); }
  template <class T>
  void dterm(const T*, const T*, std::size_t k, double w, T* g) const { g[k] += T(w); }
};
struct BrokenStandaloneLoss {  // not built on Loss<>, and no gradient
  static constexpr std::string_view name = "standalone";
  static constexpr std::size_t prediction_columns(std::size_t k) { return k; }
  template <class T>
  double value(const Matrix<T>&, const Matrix<T>&) const { return 0; }
};

struct BrokenOptimizer {  // no reset
  double learning_rate = 0.1;
  template <class T>
  void step(const std::vector<std::span<T>>&, const Gradients<T>&, double) {}
};
struct BrokenOptimizerRate {  // learning rate under another name
  double lr = 0.1;
  void reset() {}
  template <class T>
  void step(const std::vector<std::span<T>>&, const Gradients<T>&, double) {}
};

struct BrokenSchedule {  // no end_epoch
  void start(double, std::size_t) {}
  double rate(std::size_t) const { return 0.1; }
};
struct BrokenScheduleRate {  // rate() not const
  void start(double, std::size_t) {}
  double rate(std::size_t) { return 0.1; }
  void end_epoch(double) {}
};

struct BrokenLayer {  // everything but cache_size
  using value_type = float;
  std::size_t inputs() const { return 1; }
  std::size_t outputs() const { return 1; }
  void initialize(Rng&) {}
  std::size_t parameter_blocks() const { return 0; }
  void collect_parameters(std::vector<std::span<float>>&) {}
  void collect_parameters(std::vector<std::span<const float>>&) const {}
  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const float*, std::size_t, std::size_t, float*, std::size_t, float*) const {}
  void forward_train_fm(const float*, std::size_t, std::size_t, float*, std::size_t, float*, const TrainPass&) const {}
  void backward_train_fm(const float*, std::size_t, float*, const float*, float*, std::size_t, std::size_t,
                         std::vector<float>*, bool, float*, std::size_t, const TrainPass&) const {}
};

struct BrokenAcquisition {  // call operator not const
  double operator()(double mu, double, double) { return -mu; }
};
struct BrokenMove {  // propose without the Rng
  template <class Complement>
  double propose(std::span<const double>, const Complement&, std::span<double>) const { return 0; }
};
}  // namespace

TEST_CASE("every built-in activation is an Activation, for float and double") {
  for_each_type(all_activations{}, []<class A>() {
    static_assert(Activation<A, float>, "a built-in activation fails the Activation concept");
    static_assert(Activation<A, double>, "a built-in activation fails the Activation concept");
  });
  static_assert(Activation<MishLike>);
  static_assert(!Activation<BrokenDerivative>);
  static_assert(!Activation<BrokenName>);
  static_assert(!Activation<BrokenRowwise>);
  static_assert(!Activation<int>);
}

TEST_CASE("every built-in loss is a LossFunction") {
  static_assert(LossFunction<Mse> && LossFunction<Mae> && LossFunction<Huber> && LossFunction<Smape>);
  static_assert(LossFunction<Moments> && LossFunction<CrossEntropy>);
  static_assert(LossFunction<Weighted<Moments>> && LossFunction<Weighted<Mse>, double>);
  static_assert(LossFunction<Mse, double>);
  static_assert(LossFunction<L1Like>);
  static_assert(!LossFunction<BrokenDterm>);
  static_assert(!LossFunction<BrokenStandaloneLoss>);
  // BrokenDterm still has value() and gradient() from Loss<>: only the term check catches it.
  static_assert(requires(const BrokenDterm& l, const Matrix<float>& m) { l.value(m, m); });
}

TEST_CASE("every built-in optimizer is an Optimizer, every schedule a Schedule") {
  static_assert(Optimizer<Sgd> && Optimizer<Adam> && Optimizer<AdamW>);
  static_assert(Optimizer<Sgd, double> && Optimizer<Adam, double> && Optimizer<AdamW, double>);
  static_assert(!Optimizer<BrokenOptimizer>);
  static_assert(!Optimizer<BrokenOptimizerRate>);
  static_assert(Schedule<Constant> && Schedule<ReduceOnPlateau> && Schedule<WarmupCosine>);
  static_assert(!Schedule<BrokenSchedule>);
  static_assert(!Schedule<BrokenScheduleRate>);
}

TEST_CASE("every built-in layer is a NetworkLayer") {
  static_assert(NetworkLayer<Dense<Gelu>> && NetworkLayer<Dense<Softmax, double>>);
  static_assert(NetworkLayer<Activate<Relu>> && NetworkLayer<LayerNorm<>> && NetworkLayer<BatchNorm<>>);
  static_assert(NetworkLayer<Dropout<>> && NetworkLayer<DenseVariational<Tanh>>);
  static_assert(NetworkLayer<Chain<Dense<Relu>, LayerNorm<>>>);
  static_assert(NetworkLayer<Residual<Dense<Relu>, Dense<Linear>>>);
  static_assert(NetworkLayer<Heads<Dense<Linear>, Dense<Softplus>>>);
  static_assert(!NetworkLayer<BrokenLayer>);
  static_assert(!NetworkLayer<Dense<Relu>*>);
}

TEST_CASE("the BO acquisitions are AcquisitionFunctions, the MCMC moves EnsembleMoves") {
  static_assert(tune::AcquisitionFunction<tune::ExpectedImprovement>);
  static_assert(tune::AcquisitionFunction<tune::LowerConfidenceBound>);
  static_assert(!tune::AcquisitionFunction<BrokenAcquisition>);
  static_assert(bayes::EnsembleMove<bayes::StretchMove> && bayes::EnsembleMove<bayes::GridJumpMove>);
  static_assert(bayes::EnsembleMove<bayes::MixtureMove<bayes::StretchMove, bayes::GridJumpMove>>);
  static_assert(!bayes::EnsembleMove<BrokenMove>);
}
