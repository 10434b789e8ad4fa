#pragma once
// The parts of a Hugging Face config.json hopscope uses, with the library's defaults filled in by
// the model's family (model_family.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hopscope/image_preprocessing.h"
#include "hopscope/normalizer_spec.h"

namespace hopscope {

struct ModelFamily;

struct ModelConfig {
  const ModelFamily* family = nullptr;  // from "model_type", never null after parsing
  std::string modelType;     // config "model_type"
  std::string architecture;  // first of "architectures", or the family's default head
  int64_t vocabSize = 0;         // vocabulary, or for a classifier its number of classes
  int64_t hiddenSize = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t intermediateSize = 0;  // FFN width
  int64_t maxPositions = 0;      // position table rows a sequence may use (image families: tokens)
  int64_t typeVocabSize = 0;     // token type table (0: none)
  double layerNormEps = 1e-12;
  std::string activation;        // FFN nonlinearity, e.g. "gelu" or "relu"
  int64_t padTokenId = 0;
  // hopscope's own key: the variant a model was trained with (design.md "Model argument").
  std::optional<NormalizerSpec> storedNormalizer;

  // Image families (ViT); zero / empty for text families.
  int64_t imageSize = 0;  // square input side in pixels
  int64_t patchSize = 0;
  int64_t channels = 0;
  std::vector<std::string> classLabels;  // one per class (id2label), "" where the config names none
  ImagePreprocessing preprocessing;      // from the config; preprocessor_config.json overrides it
  bool embeddingNorm = false;            // a LayerNorm after the embeddings (timm norm_pre), from the weights
  // The OutEffHop reference's quantized ViT block applies each LayerNorm to its sublayer's output
  // (x + LN(f(x))) instead of its input (README "reference-compat"); only a family that declares
  // supportsNormAfterSublayer honours it.
  bool normAfterSublayer = false;

  int64_t headDim() const { return hiddenSize / heads; }
  const std::string& familyName() const;
};

// Ranges config.json values must fall in, checked as each key is read, before any loop over layers
// or any allocation sized by them. Each is well above the largest public BERT / OPT model
// (OPT-175B: 96 layers, 96 heads, hidden 12288, FFN 49152, 2048 positions; vocabularies < 300k).
struct ConfigLimits {
  static constexpr int64_t kMaxLayers = 1024;
  static constexpr int64_t kMaxHeads = 1024;
  static constexpr int64_t kMaxHiddenSize = 65536;
  static constexpr int64_t kMaxIntermediateSize = 262144;
  static constexpr int64_t kMaxVocabSize = 4'194'304;
  static constexpr int64_t kMaxPositions = 1'048'576;
  static constexpr int64_t kMaxTypeVocabSize = 1024;
};

// Typed reads of config.json keys with defaults; errors name the source file and the key.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string source);
  // An integer in [minimum, maximum]; the default maximum only keeps it an int32 (ids, counts).
  int64_t integer(const char* key, int64_t fallback, int64_t minimum = 1,
                  int64_t maximum = INT32_MAX) const;
  double number(const char* key, double fallback) const;
  bool boolean(const char* key, bool fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  const std::string& source() const { return source_; }
  const nlohmann::json& object() const { return config_; }  // for nested objects (id2label, model_args)

 private:
  const nlohmann::json& config_;
  std::string source_;
};

// Parses config.json: "model_type" picks the family (Error naming the supported types when none
// reads it), the family reads its keys within ConfigLimits; then the common checks (hidden_size
// divisible by heads, pad_token_id inside the vocabulary, a finite positive LayerNorm epsilon)
// and hopscope's stored normalizer.
ModelConfig parseModelConfig(const nlohmann::json& json, const std::string& source);

}  // namespace hopscope
