#pragma once
// The parts of a Hugging Face config.json hopscope uses, with the library's defaults filled in by
// the model's family (model_family.h).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "hopscope/normalizer_spec.h"

namespace hopscope {

struct ModelFamily;

struct ModelConfig {
  const ModelFamily* family = nullptr;  // from "model_type", never null after parsing
  std::string modelType;     // config "model_type"
  std::string architecture;  // first of "architectures", or the family's default head
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t intermediateSize = 0;  // FFN width
  int64_t maxPositions = 0;      // position table rows a sequence may use
  int64_t typeVocabSize = 0;     // token type table (0: none)
  double layerNormEps = 1e-12;
  std::string activation;        // FFN nonlinearity, e.g. "gelu" or "relu"
  int64_t padTokenId = 0;
  // hopscope's own key: the variant a model was trained with (design.md "Model argument").
  std::optional<NormalizerSpec> storedNormalizer;

  int64_t headDim() const { return hiddenSize / heads; }
  const std::string& familyName() const;
};

// Typed reads of config.json keys with defaults; errors name the source file and the key.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string source);
  int64_t integer(const char* key, int64_t fallback, int64_t minimum = 1) const;
  double number(const char* key, double fallback) const;
  bool boolean(const char* key, bool fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  const std::string& source() const { return source_; }

 private:
  const nlohmann::json& config_;
  std::string source_;
};

// Parses config.json: "model_type" picks the family (Error naming the supported types when none
// reads it), the family reads its keys; then the common checks (hidden_size divisible by heads)
// and hopscope's stored normalizer.
ModelConfig parseModelConfig(const nlohmann::json& json, const std::string& source);

}  // namespace hopscope
