// Writes, for four networks built from the layers of papers 002 and 004 (LayerNorm,
// BatchNorm, a residual block with a projection shortcut, multitask heads), the parameters,
// a fixed input batch, the training-mode outputs and gradients, the running statistics after
// one update and the inference-mode outputs; and a Softmax classifier's cross-entropy loss
// and gradients; for check_layers_torch.py to compare with PyTorch.
//   layers_reference_dump OUT.json
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <locus/locus.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
template <class Net>
nlohmann::json dump(Net& net, Rng& rng, std::size_t n) {
  for (auto p : net.parameters())
    for (auto& v : p) v += static_cast<float>(rng.normal(0, 0.1));  // γ ≠ 1, β ≠ 0, b ≠ 0
  const std::size_t in = net.inputs(), out = net.outputs(), np = simd::round_up<float>(n);
  Matrix<float> x({n, in}), R({n, out});
  for (auto& v : x) v = static_cast<float>(rng.normal(0.5, 1.5));
  for (auto& v : R) v = static_cast<float>(rng.normal());
  auto flat = [](const auto& m) { return std::vector<float>(m.begin(), m.end()); };
  nlohmann::json j;
  j["x"] = flat(x);
  j["upstream"] = flat(R);
  for (auto p : net.parameters()) j["params"].push_back(std::vector<float>(p.begin(), p.end()));

  auto ws = net.workspace(n);
  kernels::to_feature_major(x.data(), in, n, in, ws.input(), ws.capacity, np);
  net.forward_train(ws, np, TrainPass{n, 1});
  Matrix<float> y({n, out}), dx({n, in});
  kernels::to_batch_major(ws.output(), ws.capacity, n, out, y.data(), out);
  j["y_train"] = flat(y);
  std::vector<std::vector<float>> stats(1, std::vector<float>(net.statistics_size()));
  net.export_statistics(ws, stats[0].data());
  kernels::to_feature_major(R.data(), out, n, out, ws.output_grad(), ws.capacity, np);
  auto g = net.make_gradients();
  std::vector<float> dxf(in * ws.capacity);
  net.backward(ws, np, g, false, dxf.data());
  kernels::to_batch_major(dxf.data(), ws.capacity, n, in, dx.data(), in);
  j["dx"] = flat(dx);
  for (auto& gi : g) j["grads"].push_back(gi);
  net.update_statistics(stats, {n});
  for (auto s : net.state()) j["state"].push_back(std::vector<float>(s.begin(), s.end()));
  j["y_eval"] = flat(net.predict(x));
  return j;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
    return 2;
  }
  Rng rng(2025);
  const std::size_t n = 37;  // not a multiple of the lane width
  nlohmann::json out;
  {
    Stack net(Dense<Linear>(6, 9, rng), LayerNorm<float>(9), Activate<Gelu>(9), Dense<Linear>(9, 3, rng));
    out["layer_norm"] = dump(net, rng, n);
  }
  {
    Stack net(Dense<LeakyRelu>(6, 9, rng), BatchNorm<float>(9), Dense<Linear>(9, 3, rng));
    out["batch_norm"] = dump(net, rng, n);
  }
  {
    Stack net(Dense<Linear>(6, 10, rng), Residual(Dense<Linear>(10, 7, rng), LayerNorm<float>(7), Activate<Gelu>(7)),
              Residual(Dense<Linear>(7, 7, rng), LayerNorm<float>(7), Activate<Gelu>(7)), LayerNorm<float>(7),
              Dense<Linear>(7, 2, rng));
    out["residual"] = dump(net, rng, n);
  }
  {
    Stack net(Dense<Gelu>(6, 12, rng),
              Heads(Chain(Dense<Gelu>(12, 8, rng), Dense<Gelu>(8, 4, rng), Dense<Linear>(4, 1, rng)),
                    Dense<Linear>(12, 1, rng), Chain(Dense<Gelu>(12, 5, rng), Dense<Linear>(5, 1, rng))));
    out["heads"] = dump(net, rng, n);
  }
  {
    // A classifier with the cross-entropy loss: gradients of the mean loss.
    Stack net(Dense<Gelu>(6, 8, rng), Dense<Softmax>(8, 3, rng));
    const std::size_t np = simd::round_up<float>(n);
    Matrix<float> x({n, 6});
    for (auto& v : x) v = static_cast<float>(rng.normal());
    std::vector<int> labels(n);
    for (auto& l : labels) l = static_cast<int>(rng.uniform_index(3));
    const auto y = class_targets(labels, 3);
    auto ws = net.workspace(n);
    kernels::to_feature_major(x.data(), 6, n, 6, ws.input(), ws.capacity, np);
    net.forward_train(ws, np);
    Matrix<float> pred({n, 3}), grad;
    kernels::to_batch_major(ws.output(), ws.capacity, n, 3, pred.data(), 3);
    nlohmann::json j;
    j["loss"] = CrossEntropy{}.gradient(pred, y, grad);
    kernels::to_feature_major(grad.data(), 3, n, 3, ws.output_grad(), ws.capacity, np);
    auto g = net.make_gradients();
    net.backward(ws, np, g);
    j["x"] = std::vector<float>(x.begin(), x.end());
    j["labels"] = labels;
    for (auto p : net.parameters()) j["params"].push_back(std::vector<float>(p.begin(), p.end()));
    for (auto& gi : g) j["grads"].push_back(gi);
    out["cross_entropy"] = j;
  }
  std::ofstream(argv[1]) << out.dump();
  return 0;
}
