#pragma once
// Checkpoint: a training callback that saves the model file whenever the monitored loss
// improves (or after every epoch, with best_only = false).
//
// Specification. Checkpoint(net, path, info) keeps a reference to the network being
// trained and a copy of `info` (scalers, metadata); at the end of an improving epoch it
// writes save(net, path, info) with info.training["checkpoint"] = {epoch, train_loss,
// val_loss}. Files are written atomically, so `path` always holds a complete, loadable
// model: the best one so far, which is also what fit() restores at the end.
#include <cstddef>
#include <string>
#include "callbacks.hpp"
#include "serialization.hpp"

namespace locus::nn {

template <class Net>
class Checkpoint {
 public:
  Checkpoint(const Net& net, std::string path, ModelInfo info = {}, bool best_only = true)
      : net_(&net), path_(std::move(path)), info_(std::move(info)), best_only_(best_only) {}

  void on_epoch_end(const EpochEnd& e) {
    if (best_only_ && !e.improved) return;
    info_.training["checkpoint"] = {{"epoch", e.epoch}, {"train_loss", e.train_loss},
                                    {"val_loss", std::isfinite(e.val_loss) ? nlohmann::json(e.val_loss) : nlohmann::json()}};
    save(*net_, path_, info_);
    ++saves_;
  }
  std::size_t saves() const { return saves_; }
  const std::string& path() const { return path_; }

 private:
  const Net* net_;
  std::string path_;
  ModelInfo info_;
  bool best_only_;
  std::size_t saves_ = 0;
};

}  // namespace locus::nn
