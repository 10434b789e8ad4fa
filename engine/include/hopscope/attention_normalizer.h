#pragma once
// Attention normalizers over the last dimension of a score tensor (science.md section 2).
#include <ATen/core/Tensor.h>

#include "hopscope/normalizer_spec.h"

namespace hopscope {

// scores: [..., keys], already scaled and with the additive mask applied. Returns weights of the
// same shape. Differentiable. Rows masked everywhere with the dtype minimum give zeros for the
// softmax1 kinds (softmax gives a uniform row, as PyTorch does).
at::Tensor normalizeAttention(const at::Tensor& scores, const NormalizerSpec& spec);

}  // namespace hopscope
