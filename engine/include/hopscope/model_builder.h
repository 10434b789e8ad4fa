#pragma once
// From a MODEL argument and a checkpoint's files to a model of its family: the argument
// PATH[@NORMALIZER], gate detection, every tensor checked against the family's expectations, tied
// heads, and the weights placed on the chosen device.
#include <c10/core/Device.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hopscope/checkpoint.h"
#include "hopscope/model_config.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

struct ModelArgument {
  std::string path;
  std::optional<NormalizerSpec> normalizer;  // after '@'; absent: stored variant or softmax
};

// Splits at the last '@' when what follows names a normalizer (so paths containing '@' still work).
// Throws Error for an empty path or a malformed normalizer after '@'.
ModelArgument parseModelArgument(const std::string& argument);

// Gate kind from the tensor names (science.md section 3); Error on a partial or mixed gate.
GateKind detectGate(const TensorMap& tensors, const ModelFamily& family);

struct BuiltModel {
  std::unique_ptr<TransformerModel> model;
  std::vector<std::string> notes;  // user-facing remarks: tied weights filled in, tensors ignored
};

// Converts to float32, checks names and shapes against the family (one Error listing shape
// mismatches with expected and found shapes, missing and unexpected names), refuses NaN/Inf
// weights, fills tied heads in, moves the weights to `device` and builds the model.
BuiltModel buildModel(const Checkpoint& checkpoint, const ModelConfig& config, const NormalizerSpec& normalizer,
                      c10::Device device = c10::Device(c10::kCPU));
// The same with the config parsed from the checkpoint's config.json.
BuiltModel buildModel(const Checkpoint& checkpoint, const NormalizerSpec& normalizer);

// Fresh weights for training from scratch, as Hugging Face initialises these models: Linear and
// embedding weights N(0, 0.02), biases 0, LayerNorm gains 1; gate networks PyTorch's default
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with a linear gate's bias at logit(0.25) (science.md section 3).
// Tied tensors are left out (buildModel ties them). Deterministic in `seed`.
TensorMap initialWeights(const ModelConfig& config, GateKind gate, uint64_t seed);

// The config.json hopscope writes for a config: the family's keys, "architectures" and
// {"hopscope": {"normalizer": ...}} plus `extra` under "hopscope".
nlohmann::json checkpointConfigJson(const ModelConfig& config, const NormalizerSpec& normalizer,
                                    const nlohmann::json& extra);

// Parses "cpu", "cuda", "cuda:1", ...; Error when the name is malformed or this LibTorch build
// cannot use the device (e.g. CUDA without a CUDA build or without a GPU).
c10::Device parseDevice(const std::string& name);

}  // namespace hopscope
