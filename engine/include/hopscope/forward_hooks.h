#pragma once
// Activation taps. A model calls the hooks at every named site of its forward pass: Hugging Face
// module paths ("bert.encoder.layer.3.output.dense"), attention probabilities
// ("<attention module>.probs", [batch, heads, query, key]) and module inputs that are not another
// module's output ("<module>.input", e.g. the residual sum entering a LayerNorm). With no hooks
// (nullptr) a forward does no extra work.
#include <ATen/core/Tensor.h>

#include <string>

namespace hopscope {

class ForwardHooks {
 public:
  virtual ~ForwardHooks() = default;
  // Returns the value the forward continues with: observers return `value` unchanged; a
  // quantization simulator returns the fake-quantized value.
  virtual at::Tensor onActivation(const std::string& site, const at::Tensor& value) = 0;
};

// Helper for model code: the one call at each site.
inline at::Tensor tap(ForwardHooks* hooks, const std::string& site, const at::Tensor& value) {
  return hooks ? hooks->onActivation(site, value) : value;
}

}  // namespace hopscope
