#pragma once
// The parts of a Hugging Face config.json hopscope uses, with the library's defaults filled in.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "hopscope/normalizer_spec.h"

namespace hopscope {

enum class ModelFamily { Bert, Opt };

std::string familyName(ModelFamily family);  // "bert" | "opt"

struct ModelConfig {
  ModelFamily family = ModelFamily::Bert;
  std::string modelType;     // config "model_type"
  std::string architecture;  // first of "architectures", or the family's default head
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t intermediateSize = 0;  // BERT intermediate_size, OPT ffn_dim
  int64_t maxPositions = 0;
  int64_t typeVocabSize = 0;     // BERT only
  double layerNormEps = 1e-12;
  std::string activation;        // "gelu" (BERT) or "relu" (OPT)
  int64_t padTokenId = 0;
  // OPT only
  bool layerNormBefore = true;
  int64_t wordEmbedProjDim = 0;
  bool enableBias = true;
  bool layerNormAffine = true;
  // hopscope's own key: the variant a model was trained with (design.md "Model argument").
  std::optional<NormalizerSpec> storedNormalizer;

  int64_t headDim() const { return hiddenSize / heads; }
};

// Parses config.json text. Throws Error naming `source` and the key on a missing model_type, an
// unsupported family or activation, a non-integer size, hidden_size not divisible by heads, ...
ModelConfig parseModelConfig(const nlohmann::json& json, const std::string& source);
ModelConfig readModelConfig(const std::string& configPath);

}  // namespace hopscope
