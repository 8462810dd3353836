#pragma once
// History: what fit() returns — one entry per epoch run, plus how the run ended.
//
// Specification. train_loss[e] is the mean training loss over epoch e's mini-batches
// (weighted by batch size, as Keras reports it); val_loss[e] the loss on the whole
// validation set after the epoch (NaN without validation data); learning_rate[e] the rate
// of the epoch's last step; seconds[e] its wall time. best_epoch/best_loss give the epoch
// whose weights fit() restored. timing splits the training time into the passes (CPU
// seconds summed over row chunks, so with several threads it is CPU time, not wall time).
// Everything except seconds and timing is a deterministic function of the inputs and seed.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace locus::nn {

struct TrainingTiming {
  double forward = 0;     // gathering the batch and the forward pass
  double loss = 0;        // loss value and gradient
  double backward = 0;    // back-propagation (parameter gradients)
  double reduce = 0;      // summing per-chunk gradients in chunk order
  double optimizer = 0;   // optimizer steps
  double validation = 0;  // validation predictions and loss
};

struct History {
  std::vector<double> train_loss, val_loss, learning_rate, seconds;
  std::size_t best_epoch = 0;
  double best_loss = std::numeric_limits<double>::infinity();
  // "epoch limit", "early stopping", "stopped by callback" or "non-finite loss"
  std::string stop_reason;
  std::size_t steps = 0;  // optimizer steps taken
  TrainingTiming timing;

  std::size_t epochs() const { return train_loss.size(); }
  double total_seconds() const {
    double s = 0;
    for (double v : seconds) s += v;
    return s;
  }
};

}  // namespace locus::nn
