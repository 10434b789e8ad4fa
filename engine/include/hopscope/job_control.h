#pragma once
// Progress and cancel hooks for long engine work (load, run, analysis, training). The CLI draws a
// progress bar and the GUI a progress widget from the same callbacks.
#include <functional>
#include <string>

#include "hopscope/error.h"

namespace hopscope {

struct JobControl {
  // fraction in [0, 1]; stage is a short user-facing label ("reading weights", "layer 3/12").
  std::function<void(double fraction, const std::string& stage)> progress;
  // Polled between steps; returning true makes the job throw Cancelled.
  std::function<bool()> cancelled;

  void report(double fraction, const std::string& stage) const {
    if (progress) progress(fraction, stage);
  }
  void checkCancelled() const;  // throws Cancelled when cancelled() says so
  // The same job seen by one part of the work: its progress [0, 1] maps onto [begin, end].
  JobControl slice(double begin, double end) const {
    JobControl part;
    part.cancelled = cancelled;
    if (progress)
      part.progress = [whole = progress, begin, end](double fraction, const std::string& stage) {
        whole(begin + (end - begin) * fraction, stage);
      };
    return part;
  }
};

// Thrown when a job stops because it was cancelled; nothing partial is written.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

inline void JobControl::checkCancelled() const {
  if (cancelled && cancelled()) throw Cancelled();
}

}  // namespace hopscope
