// Writes locus model files with every layer kind (both value types, every activation of a
// run-time network, scalers and an imputer), for test_model_format.py's reader written from
// docs/model-format.md alone. Usage: model_kinds DIR
#include <locus/nn/serialization.hpp>
#include <string>
using namespace locus;
using namespace locus::nn;

template <class Net>
void perturb(Net& net, Rng& rng) {
  for (auto p : net.parameters())
    for (auto& v : p) v += typename Net::value_type(rng.normal(0, 0.3));
  for (auto s : net.state())
    for (auto& v : s) v = typename Net::value_type(rng.uniform(0.5, 1.5));
}

template <class T>
void every_kind(const std::string& path, Rng& rng) {
  using Net = Stack<Dense<Linear, T>, LayerNorm<T>, Activate<LeakyRelu, T>, BatchNorm<T>,
                    Residual<Dense<Linear, T>, LayerNorm<T>, Activate<Gelu, T>, Dropout<T>>,
                    Residual<Dense<Tanh, T>, Dense<Selu, T>>,
                    Heads<Chain<Dense<Gelu, T>, Dense<Linear, T>>, Dense<Linear, T>, Chain<Dense<Elu, T>, BatchNorm<T>, Activate<Softmax, T>>>,
                    DenseVariational<Swish, T>, Dense<Softplus, T>>;
  Net net(Dense<Linear, T>(5, 8, rng), LayerNorm<T>(8, 1e-3), Activate<LeakyRelu, T>(8, LeakyRelu{0.2}), BatchNorm<T>(8, 0.05),
          Residual<Dense<Linear, T>, LayerNorm<T>, Activate<Gelu, T>, Dropout<T>>(
              Dense<Linear, T>(8, 6, rng), LayerNorm<T>(6), Activate<Gelu, T>(6), Dropout<T>(6, 0.3)),
          Residual<Dense<Tanh, T>, Dense<Selu, T>>(Dense<Tanh, T>(6, 7, rng), Dense<Selu, T>(7, 6, rng)),
          Heads<Chain<Dense<Gelu, T>, Dense<Linear, T>>, Dense<Linear, T>, Chain<Dense<Elu, T>, BatchNorm<T>, Activate<Softmax, T>>>(
              Chain<Dense<Gelu, T>, Dense<Linear, T>>(Dense<Gelu, T>(6, 4, rng), Dense<Linear, T>(4, 1, rng)),
              Dense<Linear, T>(6, 2, rng),
              Chain<Dense<Elu, T>, BatchNorm<T>, Activate<Softmax, T>>(Dense<Elu, T>(6, 3, rng), BatchNorm<T>(3), Activate<Softmax, T>(3))),
          DenseVariational<Swish, T>(6, 5, rng, 0.01, 0.5, -3.0), Dense<Softplus, T>(5, 3, rng));
  perturb(net, rng);
  save(net, path);
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  Rng rng(7);
  every_kind<float>(dir + "/every_kind_float.model", rng);
  every_kind<double>(dir + "/every_kind_double.model", rng);
  // every activation of a run-time network, with scalers and an imputer
  DynamicStack<paper_activations, float> dyn(3, {{6, "elu"}, {6, "gelu"}, {6, "hard_sigmoid"}, {6, "relu"}, {6, "selu"},
                                                 {6, "sigmoid"}, {6, "softplus"}, {6, "softsign"}, {6, "swish"},
                                                 {6, "tanh"}, {4, "softmax"}, {2, "linear"}}, rng);
  perturb(dyn, rng);
  ModelInfo info;
  StandardScaler in; in.kind = "standard"; in.center = {1, 2, 3, 0.5, 0.5, 0.5}; in.scale = {2, 0.5, 4, 1, 1, 1};
  Scaler out; out.kind = "robust"; out.center = {10}; out.scale = {3};
  info.input_scaler = in;
  info.target_scaler = out;
  info.imputer = MissingValues({0.1, -0.2, 0.3});
  // the imputer doubles 3 columns to 6; the network takes 6 inputs
  DynamicStack<paper_activations, float> dyn6(6, {{6, "elu"}, {6, "gelu"}, {6, "hard_sigmoid"}, {6, "relu"}, {6, "selu"},
                                                  {6, "sigmoid"}, {6, "softplus"}, {6, "softsign"}, {6, "swish"},
                                                  {6, "tanh"}, {4, "softmax"}, {2, "linear"}}, rng);
  perturb(dyn6, rng);
  info.input_scaler->center.resize(3); info.input_scaler->scale.resize(3);
  save(dyn6, dir + "/all_activations_scaled.model", info);
  return 0;
}
