#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace hopscope::cli {

ProgressBar::ProgressBar() : enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
}

JobControl ProgressBar::job() {
  JobControl control;
  control.progress = [this](double fraction, const std::string& stage) { draw(fraction, stage); };
  return control;
}

void ProgressBar::draw(double fraction, const std::string& stage) {
  if (!enabled_) return;
  const int width = 30;
  const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width + 0.5);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, ' ');
  std::fprintf(stderr, "\r\033[K[%s] %3d%% %s", bar.c_str(), static_cast<int>(fraction * 100 + 0.5),
               stage.substr(0, 60).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace hopscope::cli
