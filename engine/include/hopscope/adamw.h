#pragma once
// AdamW with decoupled weight decay, exactly PyTorch's torch.optim.AdamW update (amsgrad off):
//   p <- p * (1 - lr * wd)            (only parameters with decay)
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
//   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Its state (step, m, v) saves to and loads from tensors, so a resumed run continues bit-exactly.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/tensor_map.h"

namespace hopscope {

struct AdamWSettings {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weightDecay = 0.01;
};

class AdamW {
 public:
  struct Parameter {
    std::string name;
    at::Tensor value;  // a leaf tensor that requires grad; updated in place
    bool decay = true; // biases and LayerNorm parameters take no weight decay
  };

  AdamW(std::vector<Parameter> parameters, const AdamWSettings& settings);

  // One update with the gradients the parameters hold; parameters without a gradient are skipped.
  void step(double learningRate);
  void zeroGrad();
  int64_t steps() const { return steps_; }

  // "exp_avg.<name>" and "exp_avg_sq.<name>" per parameter; the step count is kept by the caller.
  TensorMap state() const;
  // Error naming the tensor when one is missing or has another shape.
  void loadState(const TensorMap& state, int64_t steps);

 private:
  std::vector<Parameter> parameters_;
  std::vector<at::Tensor> expAvg_, expAvgSq_;
  AdamWSettings settings_;
  int64_t steps_ = 0;
};

// Scales every gradient so their global L2 norm is at most maxNorm (maxNorm <= 0: no clipping), as
// torch.nn.utils.clip_grad_norm_ does; returns the norm before clipping.
double clipGradientNorm(const std::vector<AdamW::Parameter>& parameters, double maxNorm);

// Hugging Face's linear schedule with warmup: the learning rate of optimizer step `step` (0-based)
// rises linearly from 0 over `warmup` steps to `peak`, then falls linearly to 0 at `total`.
double linearWarmupDecay(double peak, int64_t step, int64_t warmup, int64_t total);

}  // namespace hopscope
