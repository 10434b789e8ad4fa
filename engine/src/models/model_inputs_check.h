#pragma once
// Input validation shared by the families: clear errors instead of index crashes.
#include <ATen/core/Tensor.h>

#include "hopscope/model_config.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

// Checks ids (int64 [B, T], T >= 1, T <= max positions, ids within the vocabulary) and the mask
// (same shape, 0/1). Returns the mask (all ones when the inputs have none) as int64.
at::Tensor checkModelInputs(const ModelInputs& inputs, const ModelConfig& config);

// Image families: pixel values float [B >= 1, config.channels, config.imageSize, config.imageSize],
// finite. Returns them.
const at::Tensor& checkImageInputs(const ModelInputs& inputs, const ModelConfig& config);

}  // namespace hopscope
