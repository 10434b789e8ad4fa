// Loading checkpoints: the MODEL argument, config.json rules, tensor/config fit, tied heads, NaN
// weights, and the messages users see when something is wrong.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hopscope/checkpoint.h"
#include "hopscope/model_builder.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/safetensors.h"
#include "error_message.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

const std::string kModels = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/";

// A scratch copy of a fixture folder whose config or tensors a test then breaks.
class BrokenCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("hopscope-checkpoint-test-" + std::to_string(::getpid()));
    fs::remove_all(folder_);
    fs::copy(kModels + "bert-tiny", folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  nlohmann::json config() { return nlohmann::json::parse(std::ifstream(kModels + "bert-tiny/config.json")); }
  void writeConfig(const nlohmann::json& json) { std::ofstream(folder_ / "config.json") << json.dump(); }
  void writeConfigText(const std::string& text) { std::ofstream(folder_ / "config.json") << text; }
  TensorMap tensors() { return readSafetensors((folder_ / "model.safetensors").string()).tensors; }
  void writeTensors(const TensorMap& map) {
    TensorMap copy;  // detach from the mapping of the file about to be replaced
    for (const auto& [name, tensor] : map.items()) copy.insert(name, tensor.clone());
    writeSafetensors((folder_ / "model.safetensors").string(), copy);
  }
  std::string load() {
    return test::errorMessage([&] { LoadedModel::open(folder_.string()); });
  }

  fs::path folder_;
};

TEST(ModelArgument, SplitsPathAndNormalizer) {
  ModelArgument plain = parseModelArgument("models/bert");
  EXPECT_EQ(plain.path, "models/bert");
  EXPECT_FALSE(plain.normalizer.has_value());
  ModelArgument clipped = parseModelArgument("models/bert@clipped:-0.025:1");
  EXPECT_EQ(clipped.path, "models/bert");
  ASSERT_TRUE(clipped.normalizer.has_value());
  EXPECT_EQ(clipped.normalizer->toString(), "clipped:-0.025:1");
  // An '@' in a folder name is part of the path.
  EXPECT_EQ(parseModelArgument("/data/user@host/bert").path, "/data/user@host/bert");
  EXPECT_NE(test::errorMessage([] { parseModelArgument(kModels + "bert-tiny@softmax9"); }).find("unknown normalizer 'softmax9'"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { parseModelArgument("@softmax1"); }).find("empty path"), std::string::npos);
}

TEST(LoadedModelInfo, DescribesFixtures) {
  const auto bert = LoadedModel::open(kModels + "bert-tiny-gated@clipped:-0.025:1");
  EXPECT_EQ(bert->info().family, "bert");
  EXPECT_EQ(bert->info().gate, "mlp");
  EXPECT_EQ(bert->info().normalizer, "clipped:-0.025:1");
  EXPECT_EQ(bert->info().name, "bert-tiny-gated@clipped:-0.025:1");
  const auto opt = LoadedModel::open(kModels + "opt-tiny-bin");
  EXPECT_EQ(opt->info().family, "opt");
  EXPECT_EQ(opt->info().format, "pytorch_model.bin");
  EXPECT_EQ(opt->info().normalizer, "softmax");
  EXPECT_EQ(opt->info().tokenizer, "bpe");
  // The .bin holds lm_head.weight sharing the embeddings: counted once, like the safetensors twin.
  EXPECT_EQ(opt->info().parameterCount, LoadedModel::open(kModels + "opt-tiny")->info().parameterCount);
}

TEST(LoadedModelRun, AttentionMapsMatchTheDump) {
  const auto model = LoadedModel::open(kModels + "opt-tiny@softmax1");
  TensorMap dump;
  const TextRunResult run = model->runText(" Call me Ishmael.", 3, {}, &dump);
  ASSERT_EQ(run.attention.size(), 2u);
  EXPECT_TRUE(run.causal);
  const at::Tensor probs = dump.at("model.decoder.layers.1.self_attn.probs")[0];
  const AttentionProbabilities& maps = run.attention[1];
  EXPECT_EQ(maps.heads, 4);
  EXPECT_EQ(maps.queries, static_cast<int64_t>(run.ids.size()));
  for (int64_t h = 0; h < maps.heads; ++h)
    for (int64_t q = 0; q < maps.queries; ++q)
      for (int64_t k = 0; k < maps.keys; ++k) ASSERT_EQ(maps.at(h, q, k), probs[h][q][k].item<float>());
  // softmax1 rows sum to less than one.
  EXPECT_LT(probs.sum(-1).max().item<float>(), 1.0f);
  EXPECT_EQ(run.predictions.size(), run.ids.size());
  EXPECT_EQ(run.predictions[0].tokens.size(), 3u);
}

TEST_F(BrokenCheckpoint, MissingConfigKeyUsesHuggingFaceDefaultsAndThenDoesNotFit) {
  nlohmann::json json = config();
  json.erase("hidden_size");  // BertConfig default 768 does not fit the 32-wide tensors
  writeConfig(json);
  const std::string message = load();
  EXPECT_NE(message.find("tensors do not fit"), std::string::npos) << message;
  EXPECT_NE(message.find("bert.embeddings.word_embeddings.weight expected [1000, 768] found [1000, 32]"),
            std::string::npos) << message;
}

TEST_F(BrokenCheckpoint, InvalidConfigs) {
  writeConfigText("{\"model_type\": \"bert\", ");
  EXPECT_NE(load().find("config.json: invalid JSON"), std::string::npos) << load();
  writeConfigText("{\"hidden_size\": 32}");
  EXPECT_NE(load().find("missing \"model_type\""), std::string::npos) << load();
  writeConfigText("{\"model_type\": \"gpt_neox\"}");
  EXPECT_NE(load().find("model_type \"gpt_neox\" is not supported"), std::string::npos) << load();
  nlohmann::json json = config();
  json["num_attention_heads"] = 5;
  writeConfig(json);
  EXPECT_NE(load().find("hidden_size 32 is not divisible by num_attention_heads 5"), std::string::npos) << load();
  json = config();
  json["num_hidden_layers"] = "two";
  writeConfig(json);
  EXPECT_NE(load().find("\"num_hidden_layers\" must be an integer"), std::string::npos) << load();
  json = nlohmann::json::parse(std::ifstream(kModels + "opt-tiny/config.json"));
  json["do_layer_norm_before"] = false;
  writeConfig(json);
  EXPECT_NE(load().find("OPT-350m style model"), std::string::npos) << load();
}

TEST_F(BrokenCheckpoint, MissingWrongShapeAndUnexpectedTensorsAreListed) {
  TensorMap map = tensors();
  map.erase("bert.encoder.layer.1.output.dense.bias");
  TensorMap changed;
  for (const auto& [name, tensor] : map.items())
    changed.insert(name, name == "bert.encoder.layer.0.attention.self.query.weight" ? at::zeros({32, 16}) : tensor);
  changed.insert("bert.encoder.layer.0.attention.self.rotary.weight", at::zeros({4}));
  writeTensors(changed);
  const std::string message = load();
  EXPECT_NE(message.find("wrong shape: bert.encoder.layer.0.attention.self.query.weight expected [32, 32] found [32, 16]"),
            std::string::npos) << message;
  EXPECT_NE(message.find("missing: bert.encoder.layer.1.output.dense.bias"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected: bert.encoder.layer.0.attention.self.rotary.weight"), std::string::npos) << message;
}

TEST_F(BrokenCheckpoint, NanWeightsAndIntegerWeightsAreRefused) {
  TensorMap map = tensors();
  TensorMap changed;
  for (const auto& [name, tensor] : map.items()) {
    at::Tensor value = tensor.clone();
    if (name == "bert.encoder.layer.1.intermediate.dense.weight") {
      value[3][4] = std::nanf("");
      value[5][6] = INFINITY;
    }
    changed.insert(name, value);
  }
  writeTensors(changed);
  EXPECT_NE(load().find("'bert.encoder.layer.1.intermediate.dense.weight' contains 2 NaN or infinite values"),
            std::string::npos) << load();

  TensorMap integers;
  for (const auto& [name, tensor] : map.items())
    integers.insert(name, name == "bert.embeddings.LayerNorm.bias" ? at::zeros({32}, at::kLong) : tensor.clone());
  writeTensors(integers);
  EXPECT_NE(load().find("'bert.embeddings.LayerNorm.bias' has integer dtype"), std::string::npos) << load();
}

TEST_F(BrokenCheckpoint, HalfPrecisionWeightsAreConvertedToFloat) {
  TensorMap map = tensors();
  TensorMap half;
  for (const auto& [name, tensor] : map.items())
    half.insert(name, tensor.is_floating_point() ? tensor.to(at::kHalf) : tensor.clone());
  writeTensors(half);
  const auto model = LoadedModel::open(folder_.string());
  const at::Tensor& weight = model->model().weights().at("bert.encoder.layer.0.output.dense.weight");
  EXPECT_EQ(weight.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(weight, map.at("bert.encoder.layer.0.output.dense.weight").to(at::kHalf).to(at::kFloat)));
}

TEST_F(BrokenCheckpoint, TruncatedWeightsFileNamesTheFile) {
  const fs::path weights = folder_ / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) / 2);
  const std::string message = load();
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
  fs::remove(weights);
  EXPECT_NE(load().find("no model.safetensors or pytorch_model.bin"), std::string::npos) << load();
}

TEST_F(BrokenCheckpoint, NoTokenizerMeansNoTextButInfoWorks) {
  fs::remove(folder_ / "vocab.txt");
  const auto model = LoadedModel::open(folder_.string());
  EXPECT_EQ(model->info().tokenizer, "none");
  EXPECT_NE(test::errorMessage([&] { model->runText("hello"); }).find("no tokenizer files"), std::string::npos);
}

TEST(LoadedModelRun, TooLongAndEmptyTextsAreRefused) {
  const auto model = LoadedModel::open(kModels + "bert-tiny");
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "the ";
  EXPECT_NE(test::errorMessage([&] { model->runText(text); }).find("is 10002 tokens long but bert-tiny@softmax takes at most 64"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([&] { model->runText(""); }).find("the text is empty"), std::string::npos);
}

TEST(LoadedModelRun, CancelStopsTheRun) {
  const auto model = LoadedModel::open(kModels + "bert-tiny");
  JobControl job;
  job.cancelled = [] { return true; };
  EXPECT_THROW(model->runText("the whale", 5, job), Cancelled);
}

}  // namespace
