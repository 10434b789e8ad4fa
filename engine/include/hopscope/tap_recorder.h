#pragma once
// A ForwardHooks observer that keeps copies of the activations at chosen sites (for dumps and for
// the attention maps the GUI draws). Not for statistics over whole datasets: those stream.
#include <functional>
#include <string>

#include "hopscope/forward_hooks.h"
#include "hopscope/tensor_map.h"

namespace hopscope {

class TapRecorder : public ForwardHooks {
 public:
  // Records every site for which wanted(site) is true; every site when wanted is empty.
  explicit TapRecorder(std::function<bool(const std::string&)> wanted = {});
  at::Tensor onActivation(const std::string& site, const at::Tensor& value) override;
  const TensorMap& recorded() const { return recorded_; }

 private:
  std::function<bool(const std::string&)> wanted_;
  TensorMap recorded_;
};

}  // namespace hopscope
