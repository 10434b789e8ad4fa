// config.json values are range-checked as they are read (ConfigLimits), before anything is sized
// or looped over by them; errors name the file and the key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "error_message.h"
#include "hopscope/model_config.h"

using namespace hopscope;

namespace {

std::string problemWith(const std::string& modelType, const std::string& key, const nlohmann::json& value) {
  nlohmann::json config = {{"model_type", modelType}};
  config[key] = value;
  return test::errorMessage([&] { parseModelConfig(config, "config.json"); });
}

TEST(ModelConfigLimitsTest, EverySizeHasAnUpperBound) {
  const std::vector<std::tuple<std::string, std::string, int64_t>> limits = {
      {"bert", "num_hidden_layers", ConfigLimits::kMaxLayers},
      {"bert", "num_attention_heads", ConfigLimits::kMaxHeads},
      {"bert", "hidden_size", ConfigLimits::kMaxHiddenSize},
      {"bert", "intermediate_size", ConfigLimits::kMaxIntermediateSize},
      {"bert", "vocab_size", ConfigLimits::kMaxVocabSize},
      {"bert", "max_position_embeddings", ConfigLimits::kMaxPositions},
      {"bert", "type_vocab_size", ConfigLimits::kMaxTypeVocabSize},
      {"opt", "num_hidden_layers", ConfigLimits::kMaxLayers},
      {"opt", "num_attention_heads", ConfigLimits::kMaxHeads},
      {"opt", "hidden_size", ConfigLimits::kMaxHiddenSize},
      {"opt", "ffn_dim", ConfigLimits::kMaxIntermediateSize},
      {"opt", "vocab_size", ConfigLimits::kMaxVocabSize},
      {"opt", "max_position_embeddings", ConfigLimits::kMaxPositions},
  };
  for (const auto& [family, key, limit] : limits) {
    EXPECT_EQ(problemWith(family, key, limit + 1),
              "config.json: \"" + key + "\" must be at most " + std::to_string(limit) + ", found " +
                  std::to_string(limit + 1))
        << family;
    EXPECT_NE(problemWith(family, key, nlohmann::json(UINT64_MAX)).find("must be at most"), std::string::npos);
  }
}

TEST(ModelConfigLimitsTest, LimitsThemselvesAreAccepted) {
  nlohmann::json config = {{"model_type", "bert"}, {"num_hidden_layers", ConfigLimits::kMaxLayers},
                           {"num_attention_heads", 16}, {"hidden_size", 64}};
  EXPECT_EQ(parseModelConfig(config, "config.json").layers, ConfigLimits::kMaxLayers);
}

TEST(ModelConfigLimitsTest, CommonChecks) {
  EXPECT_EQ(problemWith("bert", "pad_token_id", 30522),
            "config.json: \"pad_token_id\" 30522 is outside the vocabulary of vocab_size 30522");
  EXPECT_NE(problemWith("bert", "layer_norm_eps", -1.0).find("\"layer_norm_eps\" must be in (0, 1)"),
            std::string::npos);
  EXPECT_NE(problemWith("bert", "num_attention_heads", 7).find("not divisible by num_attention_heads 7"),
            std::string::npos);
}

TEST(ModelConfigLimitsTest, HugeValuesInMessagesAreCut) {
  const std::string message = problemWith("bert", "num_hidden_layers", std::string(100000, 'x'));
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_NE(message.find("\"num_hidden_layers\" must be an integer"), std::string::npos);
}

}  // namespace
