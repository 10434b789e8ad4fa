#include "hopscope/model_config.h"

#include <nlohmann/json.hpp>

#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/message_text.h"
#include "hopscope/model_family.h"

namespace hopscope {

using nlohmann::json;

const std::string& ModelConfig::familyName() const {
  static const std::string none = "none";
  return family ? family->name : none;
}

ConfigReader::ConfigReader(const json& config, std::string source) : config_(config), source_(std::move(source)) {}

int64_t ConfigReader::integer(const char* key, int64_t fallback, int64_t minimum,
                              int64_t maximum) const {
  if (!config_.contains(key) || config_[key].is_null()) return fallback;
  const json& value = config_[key];
  if (!value.is_number_integer()) fail(key, "must be an integer, found " + jsonSnippet(value));
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail(key, "must be at most " + std::to_string(maximum) + ", found " + jsonSnippet(value));
  const int64_t result = value.get<int64_t>();
  if (result < minimum) fail(key, "must be at least " + std::to_string(minimum) + ", found " + jsonSnippet(value));
  if (result > maximum) fail(key, "must be at most " + std::to_string(maximum) + ", found " + jsonSnippet(value));
  return result;
}

double ConfigReader::number(const char* key, double fallback) const {
  if (!config_.contains(key) || config_[key].is_null()) return fallback;
  const json& value = config_[key];
  if (!value.is_number()) fail(key, "must be a number, found " + jsonSnippet(value));
  return value.get<double>();
}

bool ConfigReader::boolean(const char* key, bool fallback) const {
  if (!config_.contains(key) || config_[key].is_null()) return fallback;
  const json& value = config_[key];
  if (!value.is_boolean()) fail(key, "must be true or false, found " + jsonSnippet(value));
  return value.get<bool>();
}

std::string ConfigReader::text(const char* key, const std::string& fallback) const {
  if (!config_.contains(key) || config_[key].is_null()) return fallback;
  const json& value = config_[key];
  if (!value.is_string()) fail(key, "must be a string, found " + jsonSnippet(value));
  // Names and kinds only: a control character can only be damage, and would break messages.
  if (hasControlCharacters(value.get<std::string>()))
    fail(key, "contains control characters: " + jsonSnippet(value));
  return value.get<std::string>();
}

void ConfigReader::fail(const std::string& key, const std::string& problem) const {
  throw Error(source_ + ": \"" + key + "\" " + problem);
}

ModelConfig parseModelConfig(const json& config, const std::string& source) {
  if (!config.is_object()) throw Error(source + ": expected a JSON object");
  ConfigReader read(config, source);
  ModelConfig result;
  result.modelType = read.text("model_type", "");
  // A config without model_type may still be one a family reads (timm's ViT configs).
  if (result.modelType.empty() && !config.contains("model_type"))
    for (const ModelFamily* candidate : modelFamilies())
      if (candidate->readsUntypedConfig && candidate->readsUntypedConfig(config)) result.modelType = candidate->modelType;
  const ModelFamily& family = familyForModelType(result.modelType, source);
  result.family = &family;
  result.architecture = family.defaultArchitecture;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string())
    result.architecture = config["architectures"][0].get<std::string>();
  family.parseConfig(read, result);
  if (result.architecture.empty()) result.architecture = family.defaultArchitecture;
  if (result.hiddenSize % result.heads != 0)
    throw Error(source + ": hidden_size " + std::to_string(result.hiddenSize) +
                " is not divisible by num_attention_heads " + std::to_string(result.heads));
  if (result.padTokenId >= result.vocabSize)
    throw Error(source + ": \"pad_token_id\" " + std::to_string(result.padTokenId) +
                " is outside the vocabulary of vocab_size " + std::to_string(result.vocabSize));
  if (!(result.layerNormEps > 0.0 && result.layerNormEps < 1.0))
    throw Error(source + ": \"layer_norm_eps\" must be in (0, 1), found " +
                std::to_string(result.layerNormEps));
  if (config.contains("hopscope") && config["hopscope"].is_object() &&
      config["hopscope"].contains("normalizer")) {
    const json& stored = config["hopscope"]["normalizer"];
    if (!stored.is_string()) read.fail("hopscope.normalizer", "must be a string");
    try {
      result.storedNormalizer = parseNormalizer(stored.get<std::string>());
    } catch (const Error& error) {
      throw Error(source + ": \"hopscope.normalizer\": " + error.what());
    }
  }
  return result;
}

}  // namespace hopscope
