#pragma once
// Another forward for LoadedModel::runText, e.g. the quantization simulator's, so a text can be run
// through a variant of the model with the same tokenization, dumps and attention maps.
#include <ATen/core/Tensor.h>

#include <functional>

#include "hopscope/forward_hooks.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

struct TextRunOverride {
  std::function<at::Tensor(const ModelInputs& inputs, ForwardHooks* hooks)> forward;
};

}  // namespace hopscope
