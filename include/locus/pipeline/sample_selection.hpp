#pragma once
// Choosing the stars the Bayesian posterior labels (step 1 of paper 000's hybrid pipeline), in
// one streaming pass over a catalogue of any size, with memory bounded by the sample.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "locus/core/errors.hpp"

namespace locus::pipeline {

enum class Sampling { random, stratified_r };

inline const char* to_string(Sampling s) { return s == Sampling::random ? "random" : "stratified_r"; }

// What a row of the Bayes sample is used for.
enum class Role : std::uint8_t { none = 0, train = 1, validation = 2, check = 3 };

/* SampleOptions
   train: stars labelled for training, split into training proper and validation (early
   stopping) by validation_fraction; check: further labelled stars that training never sees,
   for NN − Bayes comparisons. random: a uniform sample of the eligible rows. stratified_r: the
   same number of stars from every r bin of stratum_width mag (bins with too few stars give all
   they have and the rest is shared among the others), so bright and faint stars are equally
   represented. seed fixes the choice. */
struct SampleOptions {
  std::size_t train = 10000;
  std::size_t check = 2000;
  double validation_fraction = 0.25;
  Sampling sampling = Sampling::random;
  double stratum_width = 1.0;
  std::uint64_t seed = 1;
};

// The chosen rows (increasing) and their roles.
struct Selection {
  std::vector<std::size_t> rows;
  std::vector<Role> roles;
  std::size_t count(Role r) const { return static_cast<std::size_t>(std::count(roles.begin(), roles.end(), r)); }
  std::vector<std::size_t> rows_of(Role r) const {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < rows.size(); ++k)
      if (roles[k] == r) out.push_back(rows[k]);
    return out;
  }
};

namespace detail {
// SplitMix64 finaliser: a row's random key depends only on (seed, row), so the sample is the
// same whatever the chunking or the order rows arrive in.
inline std::uint64_t row_key(std::uint64_t seed, std::uint64_t row) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + row + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace detail

/* SampleSelector
   Feed every row once with add(row, r, eligible) (rows in any order, each once); finish()
   returns the Selection. Only eligible rows are chosen. A sample larger than the eligible rows
   takes them all (training first, then check). Memory: O(sample) for random, O(sample × r bins)
   for stratified_r. */
class SampleSelector {
 public:
  explicit SampleSelector(SampleOptions o) : o_(o) {
    if (o_.train < 2) throw ConfigError("sample: at least 2 training stars are needed (training and validation)");
    if (!(o_.validation_fraction > 0 && o_.validation_fraction < 1))
      throw ConfigError("sample: validation_fraction must be in (0, 1)");
    if (o_.sampling == Sampling::stratified_r && !(o_.stratum_width > 0))
      throw ConfigError("sample: stratum_width must be positive");
    n_ = o_.train + o_.check;
  }

  void add(std::size_t row, double r, bool eligible) {
    ++seen_;
    if (!eligible) return;
    ++eligible_;
    const Item it{detail::row_key(o_.seed, row), row};
    long bin = 0;
    if (o_.sampling == Sampling::stratified_r) {
      if (!std::isfinite(r)) return;
      bin = static_cast<long>(std::floor(r / o_.stratum_width));
      ++available_[bin];
    }
    auto& heap = heaps_[bin];
    if (heap.size() < n_) heap.push(it);
    else if (it < heap.top()) {
      heap.pop();
      heap.push(it);
    }
  }

  std::size_t rows_seen() const { return seen_; }
  std::size_t rows_eligible() const { return eligible_; }

  Selection finish() {
    std::vector<Item> chosen;
    if (o_.sampling == Sampling::random) {
      for (auto& [b, h] : heaps_) drain(h, chosen, h.size());
    } else {
      // water-filling: equal shares, bins short of their share give all they have
      std::map<long, std::size_t> take;
      std::size_t left = n_, open = available_.size();
      std::map<long, std::size_t> avail = available_;
      while (left > 0 && open > 0) {
        const std::size_t share = std::max<std::size_t>(1, left / open);
        bool any = false;
        for (auto& [b, a] : avail) {
          if (a == 0 || left == 0) continue;
          const std::size_t t = std::min({share, a, left});
          take[b] += t, a -= t, left -= t, any = any || t > 0;
          if (a == 0) --open;
        }
        if (!any) break;
      }
      for (auto& [b, h] : heaps_) {
        // the heap holds the n_ smallest keys of the bin; keep the take[b] smallest
        std::vector<Item> v;
        drain(h, v, h.size());
        std::sort(v.begin(), v.end());
        v.resize(std::min(v.size(), take[b]));
        chosen.insert(chosen.end(), v.begin(), v.end());
      }
    }
    // roles by key order: training (then validation) first, check after
    std::sort(chosen.begin(), chosen.end());
    const std::size_t n_train = std::min(o_.train, chosen.size());
    const auto n_val = static_cast<std::size_t>(std::llround(o_.validation_fraction * static_cast<double>(n_train)));
    std::vector<std::pair<std::size_t, Role>> rr;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const Role role = k >= n_train ? Role::check : (k < n_train - n_val ? Role::train : Role::validation);
      rr.emplace_back(chosen[k].row, role);
    }
    std::sort(rr.begin(), rr.end());
    Selection s;
    for (const auto& [row, role] : rr) s.rows.push_back(row), s.roles.push_back(role);
    return s;
  }

 private:
  struct Item {
    std::uint64_t key;
    std::size_t row;
    bool operator<(const Item& o) const { return key != o.key ? key < o.key : row < o.row; }
  };
  using Heap = std::priority_queue<Item>;  // max-heap: top is the largest kept key
  static void drain(Heap& h, std::vector<Item>& out, std::size_t n) {
    for (std::size_t k = 0; k < n && !h.empty(); ++k) out.push_back(h.top()), h.pop();
  }

  SampleOptions o_;
  std::size_t n_ = 0, seen_ = 0, eligible_ = 0;
  std::map<long, Heap> heaps_;
  std::map<long, std::size_t> available_;
};

}  // namespace locus::pipeline
