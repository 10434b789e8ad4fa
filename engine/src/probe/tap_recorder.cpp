#include "hopscope/tap_recorder.h"

#include <ATen/ATen.h>

namespace hopscope {

TapRecorder::TapRecorder(std::function<bool(const std::string&)> wanted) : wanted_(std::move(wanted)) {}

at::Tensor TapRecorder::onActivation(const std::string& site, const at::Tensor& value) {
  if (!wanted_ || wanted_(site)) recorded_.insert(site, value.detach().contiguous().clone());
  return value;
}

}  // namespace hopscope
