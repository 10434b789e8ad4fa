#pragma once
// What a loaded model is, as the front ends show it and every result records it. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace hopscope {

struct ModelInfo {
  std::string argument;      // the MODEL argument as given, e.g. "models/bert@softmax1"
  std::string name;          // short display name: folder name + "@" + normalizer
  std::string path;          // the checkpoint directory
  std::string family;        // the family's name (model_family.h)
  std::string task;          // "masked_lm" | "causal_lm"
  std::string device;        // where the weights live: "cpu", "cuda:0", ...
  std::string architecture;  // from config.json, e.g. "BertForMaskedLM"
  std::string normalizer;    // canonical spec, e.g. "softmax1", "clipped:-0.025:1"
  std::string gate;          // "none" | "linear" | "mlp"
  std::string format;        // "safetensors" | "pytorch_model.bin"
  std::string tokenizer;     // "wordpiece" | "bpe" | "none" (no tokenizer files found)
  int64_t layers = 0, hidden = 0, heads = 0, intermediate = 0;
  int64_t vocabSize = 0, maxPositions = 0;
  int64_t parameterCount = 0;  // elements of the tensors the model uses (tied ones counted once)
  int64_t tensorCount = 0;     // tensors in the checkpoint file
  std::vector<std::string> notes;  // e.g. "lm head tied to the token embeddings", ignored tensors
  // Image families: input side, patch side, channels, class names (vocabSize = classes,
  // maxPositions = tokens) and where the preprocessing came from.
  int64_t imageSize = 0, patchSize = 0, channels = 0;
  std::vector<std::string> classLabels;
  std::string preprocessing;
};

}  // namespace hopscope
