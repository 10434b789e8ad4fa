#pragma once
// The front ends' view of a model: open a MODEL argument, describe it, run text through it.
// Torch-free on purpose: GUI code includes this header without paying LibTorch's compile cost.
// Every number the GUI and the CLI show comes from these calls.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hopscope/decoded_image.h"
#include "hopscope/image_preprocessing.h"
#include "hopscope/job_control.h"
#include "hopscope/model_info.h"

namespace hopscope {

class TransformerModel;
class Tokenizer;
class TensorMap;
struct TextRunOverride;  // hopscope/text_run_override.h

// Attention probabilities of one attention module for batch item 0: probs[h][q][k].
struct AttentionProbabilities {
  std::string module;  // Hugging Face module path of the attention module
  int64_t layer = 0;
  int64_t heads = 0, queries = 0, keys = 0;
  std::vector<float> probs;  // heads * queries * keys, row-major
  float at(int64_t head, int64_t query, int64_t key) const {
    return probs[static_cast<size_t>((head * queries + query) * keys + key)];
  }
};

struct TokenPrediction {
  int64_t position = 0;             // input position whose output is predicted
  std::vector<std::string> tokens;  // top-k display tokens, most likely first
  std::vector<int64_t> ids;
  std::vector<float> probabilities;
};

struct TextRunResult {
  std::vector<int64_t> ids;                 // token ids the model saw (with special tokens)
  std::vector<std::string> tokens;          // vocabulary spelling of each id
  std::vector<std::string> displayTokens;   // readable labels for plots ("␣the" for BPE)
  bool causal = false;                      // decoder: attention is lower-triangular
  std::vector<AttentionProbabilities> attention;  // one per layer, in order
  // Masked LM: at each mask position (every position when there is none); causal LM: the next token
  // after every position.
  std::vector<TokenPrediction> predictions;
};

struct ClassPrediction {
  int64_t label = 0;
  std::string name;  // from the config's id2label, or "#<label>"
  float probability = 0;
};

struct ImageRunResult {
  int64_t gridHeight = 0, gridWidth = 0;          // patches; token 0 is the class token
  std::vector<AttentionProbabilities> attention;  // one per layer, in order
  std::vector<ClassPrediction> top;               // most likely first
  // The image as the model saw it: resized and cropped as preprocessing() says, 8-bit (the pixel
  // values with normalization and rescaling undone), grey or RGB; for front ends to draw.
  DecodedImage input;
};

class LoadedModel {
 public:
  // Opens PATH[@NORMALIZER] (design.md "Model argument") with its weights on `device` ("cpu",
  // "cuda", "cuda:1": model_builder.h parseDevice). Throws Error naming the file and problem.
  static std::shared_ptr<LoadedModel> open(const std::string& argument, const JobControl& job = {},
                                           const std::string& device = "cpu");
  ~LoadedModel();

  const ModelInfo& info() const;
  // Tokenizes and runs one text. Throws Error for empty text, text longer than the position table,
  // or a model without tokenizer files. Safe to call from any thread.
  // With `activations`, every tap site of the forward (design.md: module outputs, ".probs",
  // ".input") and "logits" are copied into it, for dumps.
  // With `override`, its forward replaces the model's (e.g. a quantized forward).
  TextRunResult runText(const std::string& text, int topK = 5, const JobControl& job = {},
                        TensorMap* activations = nullptr, const TextRunOverride* override = nullptr) const;

  // Image models: preprocesses one decoded image (preprocessing()) and classifies it, as runText
  // does for text (activations also get "pixel_values"). Error for a text model or a bad image.
  ImageRunResult runImage(const DecodedImage& image, int topK = 5, const JobControl& job = {},
                          TensorMap* activations = nullptr, const TextRunOverride* override = nullptr) const;
  // How images become this model's pixel values: preprocessor_config.json beside the checkpoint
  // when present, else the config's (timm pretrained_cfg, or Hugging Face's defaults).
  const ImagePreprocessing& preprocessing() const;

  // Engine-side access (LibTorch types) for the CLI and analysis code.
  const TransformerModel& model() const;
  const Tokenizer* tokenizer() const;  // nullptr when the checkpoint has no tokenizer files

 private:
  struct Impl;
  explicit LoadedModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hopscope
