#pragma once
// Input validation shared by the families: clear errors instead of index crashes.
#include <ATen/core/Tensor.h>

#include "hopscope/model_config.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

// Checks ids (int64 [B, T], T >= 1, T <= max positions, ids within the vocabulary) and the mask
// (same shape, 0/1). Returns the mask (all ones when the inputs have none) as int64.
at::Tensor checkModelInputs(const ModelInputs& inputs, const ModelConfig& config);

}  // namespace hopscope
