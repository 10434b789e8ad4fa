#pragma once
// Finding and reading a checkpoint's files: the Hugging Face folder (config.json +
// model.safetensors or pytorch_model.bin + tokenizer files) or a weights file with a config.json
// beside it. Bytes become tensors and the config's JSON here; models/model_builder.h makes a model.
#include <string>

#include <nlohmann/json.hpp>

#include "hopscope/job_control.h"
#include "hopscope/tensor_map.h"

namespace hopscope {

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
  nlohmann::json config;  // config.json as parsed
  TensorMap tensors;      // as stored in the file (any dtype)
};

// Error naming the file on a missing file, invalid JSON or a malformed weights file.
Checkpoint readCheckpoint(const std::string& path, const JobControl& job = {});

}  // namespace hopscope
