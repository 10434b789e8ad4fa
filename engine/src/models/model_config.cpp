#include "hopscope/model_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hopscope/error.h"

namespace hopscope {
namespace {

using nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const json& config, std::string source) : config_(config), source_(std::move(source)) {}

  int64_t integer(const char* key, int64_t fallback, int64_t minimum = 1) const {
    if (!config_.contains(key) || config_[key].is_null()) return fallback;
    const json& value = config_[key];
    if (!value.is_number_integer()) fail(key, "must be an integer, found " + value.dump());
    const int64_t result = value.get<int64_t>();
    if (result < minimum) fail(key, "must be at least " + std::to_string(minimum) + ", found " + value.dump());
    return result;
  }
  double number(const char* key, double fallback) const {
    if (!config_.contains(key) || config_[key].is_null()) return fallback;
    const json& value = config_[key];
    if (!value.is_number()) fail(key, "must be a number, found " + value.dump());
    return value.get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!config_.contains(key) || config_[key].is_null()) return fallback;
    const json& value = config_[key];
    if (!value.is_boolean()) fail(key, "must be true or false, found " + value.dump());
    return value.get<bool>();
  }
  std::string text(const char* key, const std::string& fallback) const {
    if (!config_.contains(key) || config_[key].is_null()) return fallback;
    const json& value = config_[key];
    if (!value.is_string()) fail(key, "must be a string, found " + value.dump());
    return value.get<std::string>();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw Error(source_ + ": \"" + key + "\" " + problem);
  }

 private:
  const json& config_;
  std::string source_;
};

}  // namespace

std::string familyName(ModelFamily family) {
  switch (family) {
    case ModelFamily::Bert: return "bert";
    case ModelFamily::Opt: return "opt";
  }
  return "bert";
}

ModelConfig parseModelConfig(const json& config, const std::string& source) {
  if (!config.is_object()) throw Error(source + ": expected a JSON object");
  ConfigReader read(config, source);
  ModelConfig result;
  result.modelType = read.text("model_type", "");
  if (result.modelType.empty())
    throw Error(source + ": missing \"model_type\" (expected \"bert\" or \"opt\")");
  std::string firstArchitecture;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string())
    firstArchitecture = config["architectures"][0].get<std::string>();

  if (result.modelType == "bert") {
    // Defaults of transformers.BertConfig.
    result.family = ModelFamily::Bert;
    result.architecture = firstArchitecture.empty() ? "BertForMaskedLM" : firstArchitecture;
    result.vocabSize = read.integer("vocab_size", 30522);
    result.hiddenSize = read.integer("hidden_size", 768);
    result.layers = read.integer("num_hidden_layers", 12);
    result.heads = read.integer("num_attention_heads", 12);
    result.intermediateSize = read.integer("intermediate_size", 3072);
    result.maxPositions = read.integer("max_position_embeddings", 512);
    result.typeVocabSize = read.integer("type_vocab_size", 2);
    result.layerNormEps = read.number("layer_norm_eps", 1e-12);
    result.activation = read.text("hidden_act", "gelu");
    result.padTokenId = read.integer("pad_token_id", 0, 0);
    if (result.activation != "gelu")
      read.fail("hidden_act", "is \"" + result.activation + "\"; only \"gelu\" (exact erf) is supported");
    const std::string positions = read.text("position_embedding_type", "absolute");
    if (positions != "absolute")
      read.fail("position_embedding_type", "is \"" + positions + "\"; only \"absolute\" is supported");
  } else if (result.modelType == "opt") {
    // Defaults of transformers.OPTConfig.
    result.family = ModelFamily::Opt;
    result.architecture = firstArchitecture.empty() ? "OPTForCausalLM" : firstArchitecture;
    result.vocabSize = read.integer("vocab_size", 50272);
    result.hiddenSize = read.integer("hidden_size", 768);
    result.layers = read.integer("num_hidden_layers", 12);
    result.heads = read.integer("num_attention_heads", 12);
    result.intermediateSize = read.integer("ffn_dim", 3072);
    result.maxPositions = read.integer("max_position_embeddings", 2048);
    result.layerNormEps = 1e-5;
    result.activation = read.text("activation_function", "relu");
    result.padTokenId = read.integer("pad_token_id", 1, 0);
    result.layerNormBefore = read.boolean("do_layer_norm_before", true);
    result.wordEmbedProjDim = read.integer("word_embed_proj_dim", result.hiddenSize);
    result.enableBias = read.boolean("enable_bias", true);
    result.layerNormAffine = read.boolean("layer_norm_elementwise_affine", true);
    if (result.activation != "relu")
      read.fail("activation_function", "is \"" + result.activation + "\"; only \"relu\" is supported");
    if (!result.layerNormBefore || result.wordEmbedProjDim != result.hiddenSize)
      throw Error(source + ": this is an OPT-350m style model (post-LayerNorm blocks and/or "
                  "word_embed_proj_dim " + std::to_string(result.wordEmbedProjDim) + " != hidden_size " +
                  std::to_string(result.hiddenSize) + " with project_in/project_out); hopscope supports "
                  "pre-LayerNorm OPT models whose embeddings have the hidden size (125m, 1.3b, ...)");
    if (!result.enableBias || !result.layerNormAffine)
      throw Error(source + ": OPT without biases or without LayerNorm affine parameters is not supported");
  } else {
    throw Error(source + ": model_type \"" + result.modelType +
                "\" is not supported (supported: \"bert\", \"opt\")");
  }
  if (result.hiddenSize % result.heads != 0)
    throw Error(source + ": hidden_size " + std::to_string(result.hiddenSize) +
                " is not divisible by num_attention_heads " + std::to_string(result.heads));
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

ModelConfig readModelConfig(const std::string& configPath) {
  std::ifstream file(configPath);
  if (!file) throw Error(configPath + ": cannot open (a checkpoint folder needs a config.json)");
  std::stringstream text;
  text << file.rdbuf();
  json parsed;
  try {
    parsed = json::parse(text.str());
  } catch (const json::parse_error& error) {
    throw Error(configPath + ": invalid JSON: " + error.what());
  }
  return parseModelConfig(parsed, configPath);
}

}  // namespace hopscope
