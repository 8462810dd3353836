// Helper for tests/python/check_gp_sklearn.py: reads a JSON problem (X, y, Xs and fixed
// GP hyperparameters) from argv[1], fits locus::tune::GaussianProcess with those
// hyperparameters and writes the predictive mean, sigma and log marginal likelihood as
// JSON to argv[2].
#include <fstream>
#include <iostream>
#include <locus/tune/gaussian_process.hpp>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: gp_sklearn_dump problem.json out.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  const auto j = nlohmann::json::parse(in);
  const auto X = j.at("X").get<std::vector<std::vector<double>>>();
  const auto Xs = j.at("Xs").get<std::vector<std::vector<double>>>();
  const auto y = j.at("y").get<std::vector<double>>();
  const std::size_t n = X.size(), d = X.at(0).size(), m = Xs.size();
  std::vector<double> x(n * d), xs(m * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) x[i * d + k] = X[i][k];
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t k = 0; k < d; ++k) xs[i * d + k] = Xs[i][k];
  locus::tune::GpHyperparameters h;
  h.mean = j.at("mean").get<double>();
  h.signal_variance = j.at("signal_variance").get<double>();
  h.length_scales = j.at("length_scales").get<std::vector<double>>();
  h.noise_variance = j.at("noise_variance").get<double>();
  locus::tune::GaussianProcess gp(h);
  gp.fit(x.data(), n, d, y.data());
  std::vector<double> mean(m), sigma(m);
  gp.predict(xs.data(), m, mean.data(), sigma.data(), 2);
  nlohmann::json out = {{"mean", mean}, {"sigma", sigma}, {"lml", gp.log_marginal_likelihood()}};
  std::ofstream(argv[2]) << out.dump();
  return 0;
}
