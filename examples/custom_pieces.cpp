// The program behind docs/extending.md: a custom activation (Mish), a custom loss (log-cosh)
// and a custom layer (a trainable per-feature scale and shift), each checked by finite
// differences, and a network with all three trained on a small problem. It also checks that
// every C++ block of docs/extending.md appears in this file verbatim, so the page cannot
// drift from code that compiles and runs.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>
#include <locus/locus.hpp>

using namespace locus;
using namespace locus::nn;

// --- activation ---------------------------------------------------------------------------
// Mish (Misra 2019): x·tanh(softplus(x)). Built from locus's own Softplus, Tanh and Sigmoid,
// which are vectorised and stable for any x, so Mish is too.
struct Mish {
  static constexpr std::string_view name = "mish";
  static constexpr bool elementwise = true;  // applied to each value on its own
  template <class V>  // V = float, double or a SIMD batch of them
  static V value(V x) {
    return x * Tanh::value(Softplus::value(x));
  }
  template <class V>  // dMish/dx, given x and y = value(x)
  static V derivative(V x, V) {
    const V t = Tanh::value(Softplus::value(x));
    return t + x * (V(1) - t * t) * Sigmoid::value(x);
  }
};
// --- end activation

// --- loss ---------------------------------------------------------------------------------
// Log-cosh loss: ℓ = log cosh(p − t), quadratic for small errors and linear for large ones.
// Loss<LogCosh> supplies value(), gradient() and the input checks from the per-target term.
struct LogCosh : Loss<LogCosh> {
  static constexpr std::string_view name = "log_cosh";
  static constexpr std::size_t pred_per_target = 1;  // one prediction column per target
  static double default_weight(std::size_t K) { return 1.0 / double(K); }  // mean over targets
  template <class T>
  double term(const T* p, const T* t, std::size_t k, std::size_t) const {
    const double e = std::abs(double(p[k]) - double(t[k]));
    return e + std::log1p(std::exp(-2 * e)) - std::log(2.0);  // log cosh e, without overflow
  }
  template <class T>
  void dterm(const T* p, const T* t, std::size_t k, std::size_t, double w, T* g) const {
    g[k] += T(w * std::tanh(double(p[k]) - double(t[k])));  // add w · dℓ/dp
  }
};
// --- end loss

// --- layer --------------------------------------------------------------------------------
// y = γ ⊙ x + β with a trainable γ and β per feature. Buffers are feature-major: feature q
// of row r is at p[q*ld + r]; the first pass.rows rows are real, the rest padding.
template <class T = float>
class ScaleShift {
 public:
  using value_type = T;

  ScaleShift() = default;
  explicit ScaleShift(std::size_t width) : gamma_(width, T(1)), beta_(width, T(0)) {}

  std::size_t inputs() const { return gamma_.size(); }
  std::size_t outputs() const { return gamma_.size(); }
  void initialize(Rng&) {  // the identity, as LayerNorm's scale and shift start
    std::fill(gamma_.begin(), gamma_.end(), T(1));
    std::fill(beta_.begin(), beta_.end(), T(0));
  }

  std::size_t parameter_blocks() const { return 2; }
  void collect_parameters(std::vector<std::span<T>>& p) {
    p.emplace_back(gamma_);
    p.emplace_back(beta_);
  }
  void collect_parameters(std::vector<std::span<const T>>& p) const {
    p.emplace_back(gamma_);
    p.emplace_back(beta_);
  }

  std::size_t scratch_size(std::size_t) const { return 0; }
  std::size_t cache_size(std::size_t) const { return 0; }  // backward needs only x, which it is given
  void infer_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*) const {
    for (std::size_t q = 0; q < outputs(); ++q)
      for (std::size_t r = 0; r < n; ++r) a[q * ld + r] = gamma_[q] * x[q * ldx + r] + beta_[q];
  }
  void forward_train_fm(const T* x, std::size_t ldx, std::size_t n, T* a, std::size_t ld, T*,
                        const TrainPass&) const {
    infer_fm(x, ldx, n, a, ld, nullptr);
  }
  void backward_train_fm(const T* x, std::size_t ldx, T*, const T*, T* da, std::size_t ld, std::size_t n,
                         std::vector<T>* grads, bool accumulate, T* dx, std::size_t lddx,
                         const TrainPass& pass) const {
    for (std::size_t q = 0; q < outputs(); ++q) {
      double dg = 0, db = 0;
      for (std::size_t r = 0; r < pass.rows; ++r) {  // padding rows carry no gradient
        dg += double(da[q * ld + r]) * double(x[q * ldx + r]);
        db += double(da[q * ld + r]);
      }
      grads[0][q] = T(accumulate ? double(grads[0][q]) + dg : dg);
      grads[1][q] = T(accumulate ? double(grads[1][q]) + db : db);
      if (dx)  // zero in padding rows, as the contract requires
        for (std::size_t r = 0; r < n; ++r) dx[q * lddx + r] = r < pass.rows ? gamma_[q] * da[q * ld + r] : T(0);
    }
  }

 private:
  std::vector<T> gamma_, beta_;
};
// --- end layer

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

// Every ```cpp block of docs/extending.md must occur verbatim in this file.
void check_doc() {
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string doc = slurp(LOCUS_SOURCE_DIR "/docs/extending.md");
  const std::string src = slurp(LOCUS_SOURCE_DIR "/examples/custom_pieces.cpp");
  std::size_t blocks = 0, found = 0;
  for (std::size_t at = doc.find("```cpp\n"); at != std::string::npos; at = doc.find("```cpp\n", at)) {
    const std::size_t begin = at + 7, end = doc.find("```", begin);
    if (end == std::string::npos) break;
    ++blocks;
    if (src.find(doc.substr(begin, end - begin)) != std::string::npos)
      ++found;
    else
      std::printf("docs/extending.md block %zu is not in examples/custom_pieces.cpp:\n%s\n", blocks,
                  doc.substr(begin, end - begin).c_str());
    at = end + 3;
  }
  std::printf("docs/extending.md: %zu of %zu C++ blocks found verbatim here\n", found, blocks);
  expect(blocks >= 5 && found == blocks, "every C++ block of docs/extending.md is code of this example");
}
}  // namespace

int main() {
  check_doc();

  // The contracts, checked as the unit tests check the built-in pieces.
  static_assert(Activation<Mish> && Activation<Mish, double>);
  static_assert(LossFunction<LogCosh> && NetworkLayer<ScaleShift<>>);

  // Mish's derivative, inside a double-precision network, against finite differences.
  Rng rng(7);
  {
    Stack net(Dense<Mish, double>(3, 5, rng), Dense<Linear, double>(5, 2, rng));
    Matrix<double> x({6, 3});
    for (auto& v : x) v = 2 * rng.normal();
    const auto check = gradcheck_network(net, x, rng);
    std::printf("Mish network: %zu coordinates, max relative error %.1e\n", check.checked, check.max_error);
    expect(check.max_error < 1e-6, "Mish's derivative matches finite differences");
  }

  // The loss's gradient with respect to the predictions, against finite differences.
  {
    Matrix<double> pred({5, 2}), target({5, 2}), grad;
    for (auto& v : pred) v = 3 * rng.normal();
    for (auto& v : target) v = rng.normal();
    LogCosh loss;
    loss.gradient(pred, target, grad);
    auto value = [&](const std::vector<double>& p) {
      Matrix<double> m = pred;
      std::copy(p.begin(), p.end(), m.begin());
      return loss.value(m, target);
    };
    const auto check = gradcheck(value, std::vector<double>(pred.begin(), pred.end()),
                                 std::vector<double>(grad.begin(), grad.end()));
    std::printf("LogCosh: %zu coordinates, max relative error %.1e\n", check.checked, check.max_error);
    expect(check.max_error < 1e-8, "LogCosh's gradient matches finite differences");
    Matrix<double> big({1, 1}, 1000.0), zero({1, 1}, 0.0);
    expect(std::abs(loss.value(big, zero) - (1000 - std::log(2.0))) < 1e-9, "LogCosh is finite for an error of 1000");
  }

  // The layer's backward pass, with 7 rows so that SIMD padding rows exist.
  {
    Stack net(Dense<Tanh, double>(3, 4, rng), ScaleShift<double>(4), Dense<Linear, double>(4, 2, rng));
    std::vector<std::span<double>> gamma_beta;
    net.layer<1>().collect_parameters(gamma_beta);
    for (auto p : gamma_beta)  // off the identity, so that a swapped γ and β would show
      for (auto& v : p) v += 0.3 * rng.normal();
    Matrix<double> x({7, 3});
    for (auto& v : x) v = rng.normal();
    const auto check = gradcheck_network(net, x, rng);
    std::printf("ScaleShift network: %zu coordinates, max relative error %.1e\n", check.checked, check.max_error);
    expect(check.max_error < 1e-6, "ScaleShift's gradients match finite differences");
  }

  // All three pieces train together: y = sin(2 x0) + x1² / 2 from 2 inputs.
  {
    // --- train
    Rng data_rng(11);
    Matrix<float> x({2000, 2}), y({2000, 1});
    for (std::size_t r = 0; r < x.shape(0); ++r) {
      x(r, 0) = float(data_rng.uniform(-1.5, 1.5));
      x(r, 1) = float(data_rng.uniform(-1.5, 1.5));
      y(r, 0) = float(std::sin(2 * x(r, 0)) + 0.5 * x(r, 1) * x(r, 1));
    }
    Rng init(5);
    Stack net{Dense<Mish>(2, 32, init), ScaleShift<float>(32), Dense<Mish>(32, 32, init), Dense<Linear>(32, 1, init)};
    Adam adam{.learning_rate = 3e-3};
    Constant constant;
    const double before = evaluate(net, LogCosh{}, {x, y});
    const History h = fit(net, LogCosh{}, adam, constant, {x, y}, {}, FitOptions{.epochs = 40, .batch_size = 64});
    const double after = evaluate(net, LogCosh{}, {x, y});
    // --- end train
    std::printf("training loss: %.4f before, %.4f after %zu epochs\n", before, after, h.epochs());
    expect(after < 0.1 * before, "the network with Mish, LogCosh and ScaleShift trains (loss down 10x)");
  }

  // for_each_type visits the types of a type_list, here every activation's name string.
  {
    // --- names
    std::string names;
    for_each_type(all_activations{}, [&]<class A>() { names += std::string(A::name) + " "; });
    // --- end names
    std::printf("activations: %s\n", names.c_str());
    expect(names.find("leaky_relu") != std::string::npos && names.find("gelu") != std::string::npos,
           "for_each_type visits every activation");
  }

  // A Stack built from layers that each draw from rng, and a DynamicStack given the same
  // seed, start from different weights; Stack::initialize draws as DynamicStack does.
  {
    // --- seeds
    Rng a(9), b(9);
    Stack fixed{Dense<Gelu>(10, 8, a), Dense<Linear>(8, 1, a)};  // layer by layer from a's stream
    DynamicStack<paper_activations> dynamic(10, {{8, "gelu"}, {1, "linear"}}, b);  // layer i from b.split(i)
    // fixed.initialize(r), with a fresh Rng r(9), redraws the Stack as the DynamicStack
    // --- end seeds
    auto same = [&] {
      const auto p = fixed.parameters(), q = dynamic.parameters();
      for (std::size_t i = 0; i < p.size(); ++i)
        if (!std::equal(p[i].begin(), p[i].end(), q[i].begin())) return false;
      return true;
    };
    expect(!same(), "a Stack built from an Rng and a DynamicStack from the same seed differ");
    Rng c(9);
    fixed.initialize(c);
    expect(same(), "after Stack::initialize(Rng(9)) they are equal");
  }

  std::printf("%s\n", failures == 0 ? "all checks passed" : "some checks FAILED");
  return failures == 0 ? 0 : 1;
}
