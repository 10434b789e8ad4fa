#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#include <string>

#include "hopscope/job_control.h"

namespace hopscope::cli {

class ProgressBar {
 public:
  ProgressBar();
  ~ProgressBar();  // clears the line
  JobControl job();  // a JobControl whose progress callback draws this bar

 private:
  void draw(double fraction, const std::string& stage);
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace hopscope::cli
