#pragma once
// Finding and reading a checkpoint: the MODEL argument PATH[@NORMALIZER], the Hugging Face folder
// (config.json + model.safetensors or pytorch_model.bin + tokenizer files), and building the family's
// model from it with every tensor checked against the config.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hopscope/job_control.h"
#include "hopscope/model_config.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/tensor_map.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

struct ModelArgument {
  std::string path;
  std::optional<NormalizerSpec> normalizer;  // after '@'; absent: stored variant or softmax
};

// Splits at the last '@' when what follows names a normalizer (so paths containing '@' still work).
// Throws Error for an empty path or a malformed normalizer after '@'.
ModelArgument parseModelArgument(const std::string& argument);

struct CheckpointFiles {
  std::string directory;
  std::string configPath;
  std::string weightsPath;
  std::string format;  // "safetensors" | "pytorch_model.bin"
};

// PATH is a folder (config.json + model.safetensors or pytorch_model.bin; safetensors preferred)
// or a .safetensors / .bin file with a config.json beside it.
CheckpointFiles locateCheckpoint(const std::string& path);

struct Checkpoint {
  CheckpointFiles files;
  ModelConfig config;
  TensorMap tensors;  // as stored in the file (any dtype)
};

Checkpoint readCheckpoint(const std::string& path, const JobControl& job = {});

// Gate kind from the tensor names (science.md section 3); Error on a partial or mixed gate.
GateKind detectGate(const TensorMap& tensors, ModelFamily family);

struct BuiltModel {
  std::unique_ptr<TransformerModel> model;
  std::vector<std::string> notes;  // user-facing remarks: tied weights filled in, tensors ignored
};

// Converts to float32, checks names and shapes against the family (one Error listing shape
// mismatches with expected and found shapes, missing and unexpected names), refuses NaN/Inf
// weights, fills tied heads in, and builds the model.
BuiltModel buildModel(const Checkpoint& checkpoint, const NormalizerSpec& normalizer);

}  // namespace hopscope
