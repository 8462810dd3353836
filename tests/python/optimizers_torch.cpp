// Helper for check_optimizers_torch.py: reads {dtype, optimizer{...}, lr, params, grads}
// as JSON on stdin, applies one locus optimizer step per gradient set and writes the final
// parameters as JSON on stdout.
#include <iostream>
#include <span>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>
#include <locus/nn/optimizers.hpp>

using namespace locus::nn;

template <class T, class Opt>
nlohmann::json run(Opt opt, const nlohmann::json& in) {
  std::vector<std::vector<T>> params;
  for (const auto& p : in["params"]) params.push_back(p.get<std::vector<T>>());
  std::vector<std::span<T>> spans;
  for (auto& p : params) spans.emplace_back(p.data(), p.size());
  const double lr = in["lr"].get<double>();
  for (const auto& step : in["grads"]) {
    Gradients<T> g;
    for (const auto& b : step) g.push_back(b.get<std::vector<T>>());
    opt.step(spans, g, lr);
  }
  return {{"params", params}};
}

template <class T>
nlohmann::json dispatch(const nlohmann::json& in) {
  const auto& o = in["optimizer"];
  const std::string name = o["name"];
  std::optional<double> clip;
  if (o.contains("clip_value")) clip = o["clip_value"].get<double>();
  if (name == "sgd")
    return run<T>(Sgd{.momentum = o.value("momentum", 0.0), .nesterov = o.value("nesterov", false), .clip_value = clip}, in);
  if (name == "adam") return run<T>(Adam{.epsilon = o.value("epsilon", 1e-7), .clip_value = clip}, in);
  if (name == "adamw")
    return run<T>(AdamW{.epsilon = o.value("epsilon", 1e-7), .weight_decay = o.value("weight_decay", 0.01), .clip_value = clip}, in);
  throw std::runtime_error("unknown optimizer " + name);
}

int main() {
  const auto in = nlohmann::json::parse(std::cin);
  const auto out = in.value("dtype", std::string("float32")) == "float64" ? dispatch<double>(in) : dispatch<float>(in);
  std::cout << out.dump() << "\n";
}
