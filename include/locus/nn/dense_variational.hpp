#pragma once
// DenseVariational<Act, T>: Bayes by backprop (Blundell et al. 2015; paper 001's Bayesian
// head). Every weight and bias has a Gaussian posterior q = N(μ, σ²), σ = softplus(ρ).
//  - Training: each chunk draws one weight sample W = μ + σ ε (ε ~ N(0, 1) from the pass's
//    seed: the reparameterisation trick) and runs Dense's kernels on it; the gradients reach
//    μ (∂W/∂μ = 1) and ρ (∂W/∂ρ = ε · sigmoid(ρ)).
//  - The KL divergence from q to the prior N(0, prior_sigma²),
//      KL = Σ [log(prior_sigma / σ) + (σ² + μ²) / (2 prior_sigma²) − ½],
//    enters the loss with weight kl_weight (typically 1 / training rows, so that the loss is
//    the negative ELBO per row). Its gradient is added once per mini-batch (each chunk adds
//    its share); the value fit() reports is the data loss alone — kl() gives the other term.
//  - Inference (predict) uses the posterior means μ. predict_samples() (below) draws weight
//    samples for a Monte-Carlo predictive mean and spread.
// Parameter blocks: μ_W, ρ_W, μ_b, ρ_b. Initialisation: μ as Dense (Glorot uniform, zero
// bias), ρ = rho_init (σ = softplus(−5) ≈ 0.0067 by default).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <span>
#include <string>
#include <vector>
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "dense.hpp"
#include "layer.hpp"
#include "network.hpp"

namespace locus::nn {

template <class Act, class T = float>
class DenseVariational {
  static_assert(detail::check_activation<Act, T>(), "DenseVariational<Act, T>: Act is not a locus::nn::Activation");

 public:
  using value_type = T;
  using activation_type = Act;
  using kernel = Dense<Act, T>;
  static constexpr std::string_view kind = "dense_variational";

  DenseVariational() = default;
  DenseVariational(std::size_t in, std::size_t out, Rng& rng, double kl_weight = 0.0, double prior_sigma = 1.0,
                   double rho_init = -5.0, Act act = {})
      : act_(act),
        kl_weight_(kl_weight),
        prior_sigma_(prior_sigma),
        rho_init_(rho_init),
        mu_w_(std::array<std::size_t, 2>{in, out}),
        rho_w_(std::array<std::size_t, 2>{in, out}),
        mu_b_(std::array<std::size_t, 1>{out}),
        rho_b_(std::array<std::size_t, 1>{out}) {
    if (in == 0 || out == 0) throw ConfigError("DenseVariational: layer sizes must be positive");
    if (!(kl_weight >= 0)) throw ConfigError("DenseVariational: kl_weight must be non-negative");
    if (!(prior_sigma > 0)) throw ConfigError("DenseVariational: prior_sigma must be positive");
    initialize(rng);
  }

  void initialize(Rng& rng) {
    const double limit = std::sqrt(6.0 / double(inputs() + outputs()));
    for (auto& v : mu_w_) v = static_cast<T>(rng.uniform(-limit, limit));
    mu_b_.fill(T(0));
    rho_w_.fill(static_cast<T>(rho_init_));
    rho_b_.fill(static_cast<T>(rho_init_));
  }
  std::size_t inputs() const { return mu_w_.shape(0); }
  std::size_t outputs() const { return mu_w_.shape(1); }
  double kl_weight() const { return kl_weight_; }
  void set_kl_weight(double w) {
    if (!(w >= 0)) throw ConfigError("DenseVariational: kl_weight must be non-negative");
    kl_weight_ = w;
  }
  double prior_sigma() const { return prior_sigma_; }
  const Act& activation() const { return act_; }
  Matrix<T>& mean_weights() { return mu_w_; }
  const Matrix<T>& mean_weights() const { return mu_w_; }
  Matrix<T>& rho_weights() { return rho_w_; }
  Vector<T>& mean_bias() { return mu_b_; }
  Vector<T>& rho_bias() { return rho_b_; }

  static double softplus(double r) { return r > 30 ? r : std::log1p(std::exp(r)); }
  static double sigmoid(double r) { return 1.0 / (1.0 + std::exp(-r)); }

  // KL(q ‖ prior), unweighted, in double precision.
  double kl() const {
    double s = 0;
    auto add = [&](const T* mu, const T* rho, std::size_t n) {
      const double p2 = prior_sigma_ * prior_sigma_;
      for (std::size_t i = 0; i < n; ++i) {
        const double sg = softplus(rho[i]), m = mu[i];
        s += std::log(prior_sigma_ / sg) + (sg * sg + m * m) / (2 * p2) - 0.5;
      }
    };
    add(mu_w_.data(), rho_w_.data(), mu_w_.size());
    add(mu_b_.data(), rho_b_.data(), mu_b_.size());
    return s;
  }

  std::size_t parameter_blocks() const { return 4; }
  void collect_parameters(std::vector<std::span<T>>& p) {
    p.emplace_back(mu_w_.data(), mu_w_.size());
    p.emplace_back(rho_w_.data(), rho_w_.size());
    p.emplace_back(mu_b_.data(), mu_b_.size());
    p.emplace_back(rho_b_.data(), rho_b_.size());
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    p.emplace_back(mu_w_.data(), mu_w_.size());
    p.emplace_back(rho_w_.data(), rho_w_.size());
    p.emplace_back(mu_b_.data(), mu_b_.size());
    p.emplace_back(rho_b_.data(), rho_b_.size());
  }

  std::size_t scratch_size(std::size_t) const { return 0; }
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    kernel::forward_kernel(act_, mu_w_.data(), mu_b_.data(), inputs(), outputs(), x, ldx, n, a, ld, nullptr);
  }

  // cache: z [out × ld], then the sampled W [in × out] and b [out], ε_W and ε_b, and room
  // for the sample's gradients dW and db
  std::size_t cache_size(std::size_t ld) const { return outputs() * ld + 3 * (mu_w_.size() + mu_b_.size()); }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T* cache,
                        const TrainPass& pass) const {
    const std::size_t nw = mu_w_.size(), nb = mu_b_.size();
    T* w = cache + outputs() * ld;
    T* b = w + nw;
    T* ew = b + nb;
    T* eb = ew + nw;
    Rng rng(pass.seed);
    for (std::size_t i = 0; i < nw; ++i) {
      ew[i] = static_cast<T>(rng.normal());
      w[i] = static_cast<T>(double(mu_w_.data()[i]) + softplus(rho_w_.data()[i]) * double(ew[i]));
    }
    for (std::size_t i = 0; i < nb; ++i) {
      eb[i] = static_cast<T>(rng.normal());
      b[i] = static_cast<T>(double(mu_b_[i]) + softplus(rho_b_[i]) * double(eb[i]));
    }
    kernel::forward_kernel(act_, w, b, inputs(), outputs(), x, ldx, n, a, ld, cache);
  }
  void backward_train_fm(const T* x, std::size_t ldx, T* cache, const T* a, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    const std::size_t nw = mu_w_.size(), nb = mu_b_.size();
    const T* w = cache + outputs() * ld;
    const T* ew = w + nw + nb;
    const T* eb = ew + nw;
    T* dw = cache + outputs() * ld + 2 * (nw + nb);
    T* db = dw + nw;
    // dL/dW and dL/db of the sample into the μ blocks, then spread to ρ and add the KL term.
    T* gmw = grads[0].data();
    T* grw = grads[1].data();
    T* gmb = grads[2].data();
    T* grb = grads[3].data();
    kernel::backward_kernel(act_, w, inputs(), outputs(), x, ldx, cache, a, da, ld, n, dw, db, false, dx, lddx);
    const double kw = kl_weight_ * pass.batch_share(), p2 = prior_sigma_ * prior_sigma_;
    auto spread = [&](const T* mu, const T* rho, const T* eps, const T* d, T* gm, T* gr, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i) {
        const double sg = softplus(rho[i]), sig = sigmoid(rho[i]);
        const double kl_mu = mu[i] / p2, kl_sigma = -1.0 / sg + sg / p2;
        const double g_mu = double(d[i]) + kw * kl_mu;
        const double g_rho = (double(d[i]) * double(eps[i]) + kw * kl_sigma) * sig;
        gm[i] = static_cast<T>(accumulate ? gm[i] + g_mu : g_mu);
        gr[i] = static_cast<T>(accumulate ? gr[i] + g_rho : g_rho);
      }
    };
    spread(mu_w_.data(), rho_w_.data(), ew, dw, gmw, grw, nw);
    spread(mu_b_.data(), rho_b_.data(), eb, db, gmb, grb, nb);
  }

 private:
  Act act_{};
  double kl_weight_ = 0.0, prior_sigma_ = 1.0, rho_init_ = -5.0;
  Matrix<T> mu_w_, rho_w_;
  Vector<T> mu_b_, rho_b_;
};

// Monte-Carlo prediction: `samples` training-mode passes (fresh weight samples in every
// DenseVariational layer, and dropout masks, from seed's streams), returning the mean and the
// standard deviation of each output over the samples. Deterministic for a seed.
template <class Net>
struct SampledPrediction {
  Matrix<typename Net::value_type> mean, spread;
};
template <class Net>
SampledPrediction<Net> predict_samples(const Net& net, const Matrix<typename Net::value_type>& x, std::size_t samples,
                                       std::uint64_t seed) {
  using T = typename Net::value_type;
  if (samples < 2) throw ConfigError("predict_samples: at least two samples are needed");
  const std::size_t n = x.shape(0), in = net.inputs(), out = net.outputs(), chunk = 512;
  std::vector<double> s1(n * out, 0.0), s2(n * out, 0.0);
  auto ws = net.workspace(chunk);
  const TrainPass base{0, seed};
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t r0 = 0; r0 < n; r0 += chunk) {
      const std::size_t rows = std::min(chunk, n - r0), np = simd::round_up<T>(rows);
      kernels::to_feature_major(x.data() + r0 * in, in, rows, in, ws.input(), ws.capacity, np);
      // one weight sample per (sample, chunk); rows of a chunk share it
      net.forward_train(ws, np, TrainPass{rows, base.stream_seed(s * ((n + chunk - 1) / chunk) + r0 / chunk)});
      for (std::size_t q = 0; q < out; ++q)
        for (std::size_t r = 0; r < rows; ++r) {
          const double v = ws.output()[q * ws.capacity + r];
          s1[(r0 + r) * out + q] += v;
          s2[(r0 + r) * out + q] += v * v;
        }
    }
  SampledPrediction<Net> p{Matrix<T>({n, out}), Matrix<T>({n, out})};
  for (std::size_t i = 0; i < n * out; ++i) {
    const double m = s1[i] / double(samples), v = std::max(0.0, (s2[i] - double(samples) * m * m) / double(samples - 1));
    p.mean.data()[i] = static_cast<T>(m);
    p.spread.data()[i] = static_cast<T>(std::sqrt(v));
  }
  return p;
}

}  // namespace locus::nn
