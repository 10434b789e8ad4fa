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

// Parses "cpu", "cuda", "cuda:1", ...; Error when the name is malformed or this LibTorch build
// cannot use the device (e.g. CUDA without a CUDA build or without a GPU).
c10::Device parseDevice(const std::string& name);

}  // namespace hopscope
