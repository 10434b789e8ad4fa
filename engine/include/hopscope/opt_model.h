#pragma once
// OPTForCausalLM with Hugging Face semantics (science.md section 4): pre-LayerNorm blocks, learned
// positions offset by 2, q scaled after its bias, causal mask clamped at the dtype minimum, ReLU,
// final LayerNorm, any attention normalizer and an optional per-head linear gate.
#include "hopscope/transformer_model.h"

namespace hopscope {

class OptModel : public TransformerModel {
 public:
  static std::vector<ExpectedTensor> expectedTensors(const ModelConfig& config, GateKind gate);

  // weights: float32, shapes checked, lm_head.weight present (the loader fills a tied one in).
  OptModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights);
  ~OptModel() override;

  const ModelConfig& config() const override { return config_; }
  const NormalizerSpec& normalizer() const override { return normalizer_; }
  GateKind gate() const override { return gate_; }
  bool causal() const override { return true; }
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks = nullptr) const override;
  std::vector<std::string> attentionModules() const override;
  const TensorMap& weights() const override { return weights_; }
  std::unique_ptr<TransformerModel> withWeights(TensorMap weights) const override;

  static constexpr int64_t kPositionOffset = 2;  // OPT's learned position table starts at row 2

 private:
  struct Layer;
  ModelConfig config_;
  NormalizerSpec normalizer_;
  GateKind gate_;
  TensorMap weights_;
  std::vector<Layer> layers_;
};

}  // namespace hopscope
