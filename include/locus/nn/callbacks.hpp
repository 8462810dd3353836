#pragma once
// Training callbacks, found by their signatures (as in ensmallen).
//
// Specification. fit(..., callbacks...) notifies every callback of five events, in this order:
//   TrainBegin, then per epoch EpochBegin, BatchEnd (per mini-batch), EpochEnd, and TrainEnd.
// A callback handles an event if it has the matching member function
//   on_train_begin(const TrainBegin&), on_epoch_begin(const EpochBegin&),
//   on_batch_end(const BatchEnd&), on_epoch_end(const EpochEnd&), on_train_end(const TrainEnd&)
// or if it is callable with the event (a lambda taking `const EpochEnd&`, say). Events it
// does not handle cost nothing. A handler may return Action::stop to end training: after a
// batch, the epoch is cut short, its validation loss is still computed and recorded, and
// the best weights are restored as usual. Any other return type is ignored.
//
// Provided: ProgressBar (stderr), CsvHistory (one line per epoch, flushed as it goes) and,
// in checkpoint.hpp, Checkpoint (saves the model whenever the monitored loss improves).
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <type_traits>
#include "../core/errors.hpp"
#include "../core/progress.hpp"
#include "history.hpp"

namespace locus::nn {

enum class Action { proceed, stop };

struct TrainBegin {
  std::size_t max_epochs, batches_per_epoch, train_rows, validation_rows;
};
struct EpochBegin {
  std::size_t epoch;
  double learning_rate;
};
struct BatchEnd {
  std::size_t epoch, batch, rows;
  double loss, learning_rate;
};
struct EpochEnd {
  std::size_t epoch;
  double train_loss, val_loss, learning_rate, seconds;
  bool improved;  // the monitored loss improved: these weights are the best so far
  const History& history;
};
struct TrainEnd {
  const History& history;
};

namespace detail {
template <class R>
bool wants_stop(R&& r) {
  if constexpr (std::is_same_v<std::decay_t<R>, Action>)
    return r == Action::stop;
  else
    return false;
}
#define LOCUS_NN_CALLBACK_HOOK(Event, member)                                   \
  template <class C>                                                           \
  bool notify(C& c, const Event& e) {                                          \
    if constexpr (requires { c.member(e); }) {                                 \
      if constexpr (std::is_void_v<decltype(c.member(e))>) {                   \
        c.member(e);                                                           \
        return false;                                                          \
      } else {                                                                 \
        return wants_stop(c.member(e));                                        \
      }                                                                        \
    } else if constexpr (std::is_invocable_v<C&, const Event&>) {             \
      if constexpr (std::is_void_v<std::invoke_result_t<C&, const Event&>>) { \
        c(e);                                                                  \
        return false;                                                          \
      } else {                                                                 \
        return wants_stop(c(e));                                               \
      }                                                                        \
    } else {                                                                   \
      return false;                                                            \
    }                                                                          \
  }
LOCUS_NN_CALLBACK_HOOK(TrainBegin, on_train_begin)
LOCUS_NN_CALLBACK_HOOK(EpochBegin, on_epoch_begin)
LOCUS_NN_CALLBACK_HOOK(BatchEnd, on_batch_end)
LOCUS_NN_CALLBACK_HOOK(EpochEnd, on_epoch_end)
LOCUS_NN_CALLBACK_HOOK(TrainEnd, on_train_end)
#undef LOCUS_NN_CALLBACK_HOOK

// Notifies every callback (all of them, even after one asked to stop); true if any did.
template <class Event, class... Cs>
bool notify_all(const Event& e, Cs&... cs) {
  bool stop = false;
  ((stop = notify(cs, e) || stop), ...);
  return stop;
}
}  // namespace detail

// A progress bar over epochs on stderr (locus::Progress): shown when stderr is a terminal,
// when LOCUS_PROGRESS=1, or with Progress::Show::always.
class ProgressBar {
 public:
  explicit ProgressBar(Progress::Show show = Progress::Show::automatic, std::string label = "training")
      : show_(show), label_(std::move(label)) {}
  void on_train_begin(const TrainBegin& e) { bar_ = std::make_unique<Progress>(e.max_epochs, label_, show_); }
  void on_epoch_end(const EpochEnd&) {
    if (bar_) bar_->advance(1);
  }
  void on_train_end(const TrainEnd&) {
    if (bar_) bar_->finish();
    bar_.reset();
  }
  bool enabled() const { return bar_ && bar_->enabled(); }

 private:
  Progress::Show show_;
  std::string label_;
  std::unique_ptr<Progress> bar_;
};

// Writes the History as CSV (epoch,train_loss,val_loss,learning_rate,seconds), one line per
// epoch, flushed after each so a long run can be watched. Numbers use 17 significant digits.
class CsvHistory {
 public:
  explicit CsvHistory(std::string path) : path_(std::move(path)) {}
  void on_train_begin(const TrainBegin&) {
    out_.open(path_, std::ios::trunc);
    if (!out_) throw OutputError("CsvHistory: cannot open " + path_ + " for writing");
    out_ << "epoch,train_loss,val_loss,learning_rate,seconds\n";
    out_.flush();
  }
  void on_epoch_end(const EpochEnd& e) {
    char line[160];
    std::snprintf(line, sizeof line, "%zu,%.17g,%.17g,%.17g,%.6f\n", e.epoch, e.train_loss, e.val_loss,
                  e.learning_rate, e.seconds);
    out_ << line;
    out_.flush();
    if (!out_) throw OutputError("CsvHistory: writing " + path_ + " failed");
  }
  void on_train_end(const TrainEnd&) { out_.close(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace locus::nn
