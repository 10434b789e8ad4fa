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

const at::Tensor& checkImageInputs(const ModelInputs& inputs, const ModelConfig& config) {
  const at::Tensor& pixels = inputs.pixelValues;
  const std::string size = std::to_string(config.imageSize);
  const std::string wanted = "[batch, " + std::to_string(config.channels) + ", " + size + ", " + size + "]";
  if (!pixels.defined()) throw Error("this is an image model: it takes pixel values " + wanted + ", not token ids");
  if (pixels.dim() != 4 || pixels.size(0) < 1 || pixels.size(1) != config.channels ||
      pixels.size(2) != config.imageSize || pixels.size(3) != config.imageSize) {
    std::string found = "[";
    for (int64_t i = 0; i < pixels.dim(); ++i) found += (i ? ", " : "") + std::to_string(pixels.size(i));
    throw Error("pixel values must be " + wanted + ", found " + found + "]");
  }
  if (pixels.scalar_type() != at::kFloat) throw Error("pixel values must be float32");
  if (!at::isfinite(pixels).all().item<bool>()) throw Error("pixel values contain NaN or infinite values");
  return pixels;
}

}  // namespace hopscope
