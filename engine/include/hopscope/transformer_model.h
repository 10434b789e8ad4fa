#pragma once
// The common part of every model family: configuration, attention variant, gate and weights.
// Weights are plain tensors (float32, on the model's device); each family's forward is written with
// ATen ops in its family file (engine/src/models/<family>.cpp).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "hopscope/attention_gate.h"
#include "hopscope/dropout.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/model_config.h"
#include "hopscope/model_family.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/tensor_map.h"

namespace hopscope {

struct ModelInputs {
  at::Tensor inputIds;       // text families: int64 [B, T] on the model's device
  at::Tensor attentionMask;  // int64 [B, T], 1 = real token, 0 = padding; undefined = all ones
  at::Tensor pixelValues;    // image families: float [B, C, H, W], preprocessed (image_preprocessing.h)
  const Dropout* dropout = nullptr;  // training only: where the family applies dropout
};

class TransformerModel {
 public:
  TransformerModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights);
  virtual ~TransformerModel();

  const ModelConfig& config() const { return config_; }
  const ModelFamily& family() const { return *config_.family; }
  const NormalizerSpec& normalizer() const { return normalizer_; }
  GateKind gate() const { return gate_; }
  bool causal() const { return family().task == TaskKind::CausalLanguageModel; }
  c10::Device device() const;  // where the weights live

  // Logits [B, T, vocab] (image classifiers: [B, classes]). Hooks see every tap site (see forward_hooks.h). Thread-safe (const).
  virtual at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks = nullptr) const = 0;

  // The family's tap sites for this configuration, in forward order.
  std::vector<TapSite> tapSites() const { return family().tapSites(config_); }
  // Hugging Face module path of each layer's attention module, in layer order (the sites whose
  // probabilities are tapped, without ".probs").
  std::vector<std::string> attentionModules() const;

  // Every tensor the model uses, under checkpoint names (tied tensors once). For saving, counting
  // parameters and training.
  const TensorMap& weights() const { return weights_; }
  // The same architecture, normalizer and gate with other weights of the same names and shapes
  // (e.g. fake-quantized ones). Tensors not replaced are shared, not copied.
  std::unique_ptr<TransformerModel> withWeights(TensorMap weights) const;
  int64_t parameterCount() const;

 protected:
  ModelConfig config_;
  NormalizerSpec normalizer_;
  GateKind gate_;
  TensorMap weights_;
};

}  // namespace hopscope
