#pragma once
// BertForMaskedLM with Hugging Face semantics (science.md section 4), post-LayerNorm, any attention
// normalizer and an optional per-head gate.
#include "hopscope/transformer_model.h"

namespace hopscope {

class BertModel : public TransformerModel {
 public:
  // Tensors a checkpoint must hold for this config and gate (the tied decoder weight is optional).
  static std::vector<ExpectedTensor> expectedTensors(const ModelConfig& config, GateKind gate);

  // weights: float32, shapes already checked against expectedTensors, the decoder weight present
  // (the loader fills a tied one in).
  BertModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights);
  ~BertModel() override;

  const ModelConfig& config() const override { return config_; }
  const NormalizerSpec& normalizer() const override { return normalizer_; }
  GateKind gate() const override { return gate_; }
  bool causal() const override { return false; }
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks = nullptr) const override;
  std::vector<std::string> attentionModules() const override;
  const TensorMap& weights() const override { return weights_; }
  std::unique_ptr<TransformerModel> withWeights(TensorMap weights) const override;

 private:
  struct Layer;
  ModelConfig config_;
  NormalizerSpec normalizer_;
  GateKind gate_;
  TensorMap weights_;
  std::vector<Layer> layers_;
};

}  // namespace hopscope
