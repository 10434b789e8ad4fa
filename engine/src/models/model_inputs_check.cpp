#include "model_inputs_check.h"

#include <ATen/ATen.h>

#include "hopscope/error.h"

namespace hopscope {

at::Tensor checkModelInputs(const ModelInputs& inputs, const ModelConfig& config) {
  const at::Tensor& ids = inputs.inputIds;
  if (!ids.defined() || ids.dim() != 2)
    throw Error("input ids must be a [batch, tokens] tensor");
  if (ids.scalar_type() != at::kLong) throw Error("input ids must be int64");
  if (ids.size(0) < 1 || ids.size(1) < 1) throw Error("empty input: no tokens to run");
  if (ids.size(1) > config.maxPositions)
    throw Error("input has " + std::to_string(ids.size(1)) + " tokens but this model's position table holds " +
                std::to_string(config.maxPositions) + "; shorten the text");
  const int64_t lowest = ids.min().item<int64_t>(), highest = ids.max().item<int64_t>();
  if (lowest < 0 || highest >= config.vocabSize)
    throw Error("token id " + std::to_string(lowest < 0 ? lowest : highest) +
                " is outside this model's vocabulary of " + std::to_string(config.vocabSize) +
                " (tokenizer and checkpoint do not match?)");
  if (!inputs.attentionMask.defined()) return at::ones_like(ids);
  if (inputs.attentionMask.sizes() != ids.sizes())
    throw Error("attention mask shape differs from the input ids shape");
  return inputs.attentionMask.to(at::kLong);
}

}  // namespace hopscope
