#include "hopscope/dropout.h"

#include <ATen/ATen.h>

#include <string>

#include "hopscope/error.h"

namespace hopscope {

Dropout::Dropout(double hidden, double attention, at::Generator generator)
    : hidden_(hidden), attention_(attention), generator_(std::move(generator)) {
  for (double p : {hidden, attention})
    if (!(p >= 0 && p < 1)) throw Error("dropout probability " + std::to_string(p) + " is not in [0, 1)");
}

at::Tensor Dropout::apply(const at::Tensor& x, double p) const {
  if (p <= 0) return x;
  // The generator is a CPU one (the same draws on every device); the mask moves to x's device.
  at::Tensor keep = at::empty(x.sizes(), x.options().device(at::kCPU)).bernoulli_(1.0 - p, generator_);
  return x * keep.to(x.device()) * (1.0 / (1.0 - p));
}

}  // namespace hopscope
