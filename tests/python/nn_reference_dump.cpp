// Writes the paper 000 network's weights, a fixed input batch, locus's forward outputs and
// its gradients (w.r.t. inputs and all weights) to JSON, plus every activation and its
// derivative on a grid, for check_nn_torch.py to compare against PyTorch.
//   nn_reference_dump OUT.json
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <locus/locus.hpp>

using namespace locus;
using namespace locus::nn;

namespace {
template <class A>
void dump_activation(nlohmann::json& out, const std::vector<float>& xs, A act = {}) {
  using B = simd::batch<float>;
  constexpr std::size_t L = simd::lanes<float>;
  std::vector<float> y(xs.size()), d(xs.size());
  for (std::size_t i = 0; i < xs.size(); i += L) {
    const B x = B::load_unaligned(&xs[i]);
    const B v = act.value(x);
    v.store_unaligned(&y[i]);
    act.derivative(x, v).store_unaligned(&d[i]);
  }
  out[std::string(A::name)] = {{"value", y}, {"derivative", d}};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
    return 2;
  }
  Rng rng(2024);
  Stack net(Dense<Gelu>(10, 45, rng), Dense<Softsign>(45, 45, rng), Dense<Softsign>(45, 42, rng),
            Dense<Sigmoid>(42, 33, rng), Dense<Gelu>(33, 36, rng), Dense<Linear>(36, 6, rng));
  for (auto p : net.parameters())
    if (p.size() <= 45)
      for (auto& b : p) b = static_cast<float>(rng.normal(0, 0.1));
  const std::size_t n = 37;  // not a multiple of the lane width
  Matrix<float> x({n, 10}), R({n, 6});
  for (auto& v : x) v = static_cast<float>(rng.normal());
  for (auto& v : R) v = static_cast<float>(rng.normal());

  const auto y = net.predict(x);
  auto ws = net.workspace(n);
  const std::size_t np = simd::round_up<float>(n);
  kernels::to_feature_major(x.data(), 10, n, 10, ws.input(), ws.capacity, np);
  net.forward_train(ws, np);
  kernels::to_feature_major(R.data(), 6, n, 6, ws.output_grad(), ws.capacity, np);
  auto g = net.make_gradients();
  std::vector<float> dxf(10 * ws.capacity);
  net.backward(ws, np, g, false, dxf.data());
  Matrix<float> dx({n, 10});
  kernels::to_batch_major(dxf.data(), ws.capacity, n, 10, dx.data(), 10);

  nlohmann::json out;
  out["sizes"] = {10, 45, 45, 42, 33, 36, 6};
  out["activations"] = {"gelu", "softsign", "softsign", "sigmoid", "gelu", "linear"};
  auto flat = [](const auto& m) { return std::vector<float>(m.begin(), m.end()); };
  out["x"] = flat(x);
  out["upstream"] = flat(R);
  out["y"] = flat(y);
  out["dx"] = flat(dx);
  for (auto p : net.parameters()) out["params"].push_back(std::vector<float>(p.begin(), p.end()));
  for (auto& gi : g) out["grads"].push_back(gi);

  std::vector<float> xs;
  for (int i = -2000; i <= 2000; ++i) xs.push_back(float(i) * 0.01f);
  for (float v : {-1e30f, -1e6f, -1000.f, -100.f, -88.8f, 88.8f, 100.f, 1000.f, 1e6f, 1e30f}) xs.push_back(v);
  while (xs.size() % simd::lanes<float>) xs.push_back(0.25f);
  out["grid"] = xs;
  nlohmann::json acts;
  dump_activation<Elu>(acts, xs);
  dump_activation<Gelu>(acts, xs);
  dump_activation<HardSigmoid>(acts, xs);
  dump_activation<Linear>(acts, xs);
  dump_activation<Relu>(acts, xs);
  dump_activation<Selu>(acts, xs);
  dump_activation<Sigmoid>(acts, xs);
  dump_activation<Softplus>(acts, xs);
  dump_activation<Softsign>(acts, xs);
  dump_activation<Swish>(acts, xs);
  dump_activation<Tanh>(acts, xs);
  dump_activation<LeakyRelu>(acts, xs);
  out["elementwise"] = acts;

  // Softmax row-wise on a [rows × 5] block through a Dense<Softmax> with identity weights.
  Dense<Softmax> sm(5, 5);
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) sm.weights()(i, j) = i == j ? 1.f : 0.f;
  Matrix<float> zs({64, 5});
  for (auto& v : zs) v = static_cast<float>(rng.normal(0, 30));
  out["softmax_in"] = flat(zs);
  out["softmax_out"] = flat(sm.forward(zs));

  std::ofstream(argv[1]) << out.dump();
  return 0;
}
