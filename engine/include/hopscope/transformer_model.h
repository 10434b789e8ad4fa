#pragma once
// The common interface of the model families (BERT, OPT; ViT and Hopfield models later).
// Weights are plain tensors (float32, on the model's device), forwards are written with ATen ops.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "hopscope/attention_gate.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/model_config.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/tensor_map.h"

namespace hopscope {

struct ModelInputs {
  at::Tensor inputIds;       // int64 [B, T]
  at::Tensor attentionMask;  // int64 [B, T], 1 = real token, 0 = padding; undefined = all ones
};

// A tensor a family expects in a checkpoint.
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool optional = false;  // e.g. tied heads that checkpoints may omit
};

class TransformerModel {
 public:
  virtual ~TransformerModel() = default;

  virtual const ModelConfig& config() const = 0;
  virtual const NormalizerSpec& normalizer() const = 0;
  virtual GateKind gate() const = 0;
  virtual bool causal() const = 0;

  // Logits [B, T, vocab]. Hooks see every tap site (see forward_hooks.h). Thread-safe (const).
  virtual at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks = nullptr) const = 0;

  // Hugging Face module path of each layer's attention module, in layer order
  // (BERT "bert.encoder.layer.{i}.attention.self", OPT "model.decoder.layers.{i}.self_attn").
  virtual std::vector<std::string> attentionModules() const = 0;

  // Every tensor the model uses, under checkpoint names (tied tensors once). For saving, counting
  // parameters and training.
  virtual const TensorMap& weights() const = 0;
  // The same architecture, normalizer and gate with other weights of the same names and shapes
  // (e.g. fake-quantized ones). Tensors not replaced are shared, not copied.
  virtual std::unique_ptr<TransformerModel> withWeights(TensorMap weights) const = 0;
  int64_t parameterCount() const;
};

}  // namespace hopscope
