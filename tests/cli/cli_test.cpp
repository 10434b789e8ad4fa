// hopscope-cli end to end: the binary on fixture checkpoints, its JSON and dumps compared with the
// fixture script's independent reference forward, and its exit codes and messages on bad input.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hopscope/safetensors.h"
#include "hopscope/text_corpus.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

struct CommandResult {
  int exitCode = -1;
  std::string out, err;
};

std::string quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string readText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() / ("hopscope-cli-test-" + std::to_string(::getpid()));
    fs::create_directories(scratch_);
  }
  void TearDown() override { fs::remove_all(scratch_); }

  // RESOURCES, when given, becomes HOPSCOPE_RESOURCES; otherwise the variable is unset so that the
  // bundled-data lookup falls back to the source tree's resources folder whatever the caller's shell has.
  // PREFIX, when given, runs first in the same shell (e.g. a ulimit for the command).
  CommandResult run(const std::vector<std::string>& arguments, const std::string& resources = {},
                    const std::string& prefix = {}) {
    std::string command = prefix;
    command += resources.empty() ? "env -u HOPSCOPE_RESOURCES " : "env HOPSCOPE_RESOURCES=" + quote(resources) + " ";
    command += quote(HOPSCOPE_CLI);
    for (const std::string& argument : arguments) command += " " + quote(argument);
    const fs::path out = scratch_ / "stdout", err = scratch_ / "stderr";
    command += " > " + quote(out.string()) + " 2> " + quote(err.string()) + " < /dev/null";
    const int status = std::system(command.c_str());
    CommandResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = readText(out);
    result.err = readText(err);
    return result;
  }
  std::string model(const std::string& name) { return kFixtures + "/models/" + name; }
  std::string file(const std::string& name) { return (scratch_ / name).string(); }

  fs::path scratch_;
};

double maxDifference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST_F(CliTest, InfoDescribesTheCheckpoint) {
  const CommandResult result = run({"info", model("bert-tiny-gated-bin") + "@softmax1", "--json", file("info.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("gate          mlp"), std::string::npos) << result.out;
  const auto json = nlohmann::json::parse(readText(file("info.json")));
  EXPECT_EQ(json["family"], "bert");
  EXPECT_EQ(json["normalizer"], "softmax1");
  EXPECT_EQ(json["gate"], "mlp");
  EXPECT_EQ(json["format"], "pytorch_model.bin");
  EXPECT_EQ(json["layers"], 2);
  EXPECT_EQ(json["tokenizer"], "wordpiece");
  // Counted from the fixture's shapes: embeddings 1000*32 + 64*32 + 2*32 + 2*32, per layer
  // 4*(32*32+32) + 2*2*32 + (64*32+64) + (32*64+32) + 4 heads*(2*8+2+2+1), head 32*32+32 + 2*32 + 1000;
  // the tied decoder counted once.
  const int64_t embeddings = 1000 * 32 + 64 * 32 + 2 * 32 + 2 * 32;
  const int64_t layer = 4 * (32 * 32 + 32) + 2 * 2 * 32 + (64 * 32 + 64) + (32 * 64 + 32) + 4 * (2 * 8 + 2 + 2 + 1);
  const int64_t head = 32 * 32 + 32 + 2 * 32 + 1000;
  EXPECT_EQ(json["parameters"].get<int64_t>(), embeddings + 2 * layer + head);
}

// The text of the fixture's first BERT row gives its ids, and the dump holds the reference's
// logits and attention probabilities.
TEST_F(CliTest, RunBertMatchesTheReferenceForward) {
  const CommandResult result = run({"run", model("bert-tiny-bin") + "@clipped-softmax1:-0.025:1.1", "--text",
                                    "the [MASK] swam towards the ship,", "--json", file("run.json"),
                                    "--dump", file("dump.safetensors")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const TensorMap expected = readSafetensors(kFixtures + "/expected/bert-tiny-bin.safetensors").tensors;
  const auto json = nlohmann::json::parse(readText(file("run.json")));
  const std::vector<int64_t> ids = json["ids"].get<std::vector<int64_t>>();
  const at::Tensor expectedIds = expected.at("input_ids")[0];
  ASSERT_EQ(static_cast<int64_t>(ids.size()), expectedIds.size(0));
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], expectedIds[i].item<int64_t>()) << i;
  EXPECT_EQ(json["tokens"][1], "the");
  EXPECT_EQ(json["tokens"][2], "[MASK]");
  ASSERT_EQ(json["predictions"].size(), 1u);  // only the [MASK] position
  EXPECT_EQ(json["predictions"][0]["position"], 2);

  const TensorMap dump = readSafetensors(file("dump.safetensors")).tensors;
  const std::string n = "clipped-softmax1:-0.025:1.1/";
  EXPECT_LE(maxDifference(dump.at("logits")[0], expected.at(n + "logits")[0]), 1e-4);
  EXPECT_LE(maxDifference(dump.at("bert.encoder.layer.1.attention.self.probs")[0],
                          expected.at(n + "bert.encoder.layer.1.attention.self.probs")[0]), 1e-4);
  EXPECT_LE(maxDifference(dump.at("bert.encoder.layer.0.output.dense")[0],
                          expected.at(n + "bert.encoder.layer.0.output.dense")[0]), 1e-4);
  // The top prediction is the argmax of the reference logits at the [MASK] position.
  EXPECT_EQ(json["predictions"][0]["top"][0]["id"].get<int64_t>(),
            expected.at(n + "logits")[0][2].argmax().item<int64_t>());
}

TEST_F(CliTest, RunOptMatchesTheReferenceForward) {
  const CommandResult result = run({"run", model("opt-tiny-gated") + "@softmax1", "--text",
                                    " Call me Ishmael. The", "--json", file("run.json"), "--dump",
                                    file("dump.safetensors")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const TensorMap expected = readSafetensors(kFixtures + "/expected/opt-tiny-gated.safetensors").tensors;
  const auto json = nlohmann::json::parse(readText(file("run.json")));
  const std::vector<int64_t> ids = json["ids"].get<std::vector<int64_t>>();
  const at::Tensor expectedIds = expected.at("input_ids")[0];
  ASSERT_EQ(static_cast<int64_t>(ids.size()), expectedIds.size(0));
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], expectedIds[i].item<int64_t>()) << i;
  EXPECT_EQ(ids[0], 2);  // OPT's </s> prefix
  const TensorMap dump = readSafetensors(file("dump.safetensors")).tensors;
  EXPECT_LE(maxDifference(dump.at("logits")[0], expected.at("softmax1/logits")[0]), 1e-4);
  const at::Tensor probs = dump.at("model.decoder.layers.0.self_attn.probs");
  EXPECT_EQ(probs.sizes(), at::IntArrayRef({1, 4, 12, 12}));
  EXPECT_EQ(probs.triu(1).abs().sum().item<float>(), 0.0f);  // causal
  EXPECT_EQ(json["predictions"].size(), 12u);                  // next token after every position
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run({}).exitCode, 2);
  EXPECT_EQ(run({"run", model("bert-tiny")}).exitCode, 2);  // --text missing
  EXPECT_EQ(run({"frobnicate"}).exitCode, 2);
  const CommandResult help = run({"run", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("--dump"), std::string::npos);
}

TEST_F(CliTest, BadInputsExitWithOneAndOneClearLine) {
  struct Case {
    std::vector<std::string> arguments;
    std::string phrase;
  };
  const std::string longText(5000, 'a');
  std::string manyWords;
  for (int i = 0; i < 10000; ++i) manyWords += "the ";
  const std::vector<Case> cases = {
      {{"info", file("missing")}, "no such file or folder"},
      {{"info", model("bert-tiny") + "@softmax9"}, "unknown normalizer 'softmax9'"},
      {{"info", model("bert-tiny") + "@clipped:0.1:1"}, "GAMMA must be negative"},
      {{"run", model("bert-tiny"), "--text", ""}, "the text is empty"},
      {{"run", model("bert-tiny"), "--text", " \t\n"}, "the text is empty"},
      {{"run", model("opt-tiny"), "--text", manyWords}, "takes at most 64"},
      {{"run", model("bert-tiny"), "--text", "hello", "--json", file("no/such/dir/x.json")}, "x.json"},
  };
  for (const Case& c : cases) {
    const CommandResult result = run(c.arguments);
    EXPECT_EQ(result.exitCode, 1) << c.phrase << "\n" << result.err;
    EXPECT_NE(result.err.find(c.phrase), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

// Several models in one call see the very same blocks and masks: the safetensors and .bin copies of
// one checkpoint give identical figures, and the JSON holds every section design.md names.
TEST_F(CliTest, AnalyzeComparesModelsOnTheSameData) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  const CommandResult result = run({"analyze", model("bert-tiny"), model("bert-tiny-bin"), model("bert-tiny") + "@softmax1",
                                    "--data", corpus, "--samples", "6", "--seq-len", "32", "--batch", "4",
                                    "--json", file("analysis.json"), "--csv", file("csv")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("analysis.json")));
  ASSERT_EQ(json["models"].size(), 3u);
  EXPECT_EQ(json["settings"]["samples"], 6);
  EXPECT_EQ(json["data"]["files"].size(), 1u);
  EXPECT_FALSE(json["data"]["fingerprint"].get<std::string>().empty());
  const auto& a = json["models"][0];
  const auto& b = json["models"][1];
  const auto& c = json["models"][2];
  EXPECT_EQ(a["metric"]["name"], "masked_lm_perplexity");
  EXPECT_GT(a["metric"]["predictions"].get<int64_t>(), 0);
  EXPECT_EQ(a["metric"]["value"], b["metric"]["value"]);
  EXPECT_EQ(a["summary"], b["summary"]);
  EXPECT_EQ(a["metric"]["predictions"], c["metric"]["predictions"]);  // same masks
  EXPECT_NE(a["metric"]["value"], c["metric"]["value"]);              // other normalizer
  for (const char* figure : {"avg_kurtosis", "max_kurtosis", "max_inf_norm", "max_ffn_inf_norm",
                             "max_ln_input_inf_norm", "max_ln_output_inf_norm"})
    EXPECT_TRUE(a["summary"][figure].is_number()) << figure;
  bool sawFfn = false;
  for (const auto& module : a["modules"]) {
    if (module["name"] == "bert.encoder.layer.1.output.dense") {
      sawFfn = true;
      EXPECT_EQ(module["rows"], 6);  // one row per sequence
      EXPECT_EQ(module["histogram"]["counts"].size(), module["histogram"]["bins"].get<size_t>());
      EXPECT_FALSE(module["max_abs"]["token_text"].get<std::string>().empty());
    }
  }
  EXPECT_TRUE(sawFfn);
  ASSERT_EQ(a["attention"].size(), 2u);
  EXPECT_EQ(a["attention"][0]["heads"].size(), 4u);
  EXPECT_NEAR(a["attention"][0]["heads"][0]["no_op_mass"].get<double>(), 0.0, 1e-6);  // softmax rows sum to 1
  EXPECT_GT(c["attention"][0]["heads"][0]["no_op_mass"].get<double>(), 0.0);            // softmax1 rows do not
  EXPECT_TRUE(fs::exists(file("csv") + "/summary.csv"));
  EXPECT_TRUE(fs::exists(file("csv") + "/bert-tiny_softmax1.modules.csv"));
}

TEST_F(CliTest, AnalyzeOptUsesTokenRowsForTheFfn) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  const CommandResult result = run({"analyze", model("opt-tiny-gated"), "--data", corpus, "--samples", "3",
                                    "--seq-len", "20", "--json", file("analysis.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("analysis.json")));
  const auto& model = json["models"][0];
  EXPECT_EQ(model["metric"]["name"], "causal_lm_perplexity");
  EXPECT_EQ(model["metric"]["predictions"], 3 * 19);
  for (const auto& module : model["modules"]) {
    if (module["name"] == "model.decoder.layers.0.fc2") EXPECT_EQ(module["rows"], 3 * 20);
    if (module["name"] == "model.decoder.layers.0") EXPECT_EQ(module["rows"], 3);
    if (module["name"] == "model.decoder.final_layer_norm") EXPECT_EQ(module["rows"], 3);
  }
}

TEST_F(CliTest, AnalyzeBadInputs) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  std::ofstream(file("empty.txt")) << "\n\n";
  struct Case {
    std::vector<std::string> arguments;
    std::string phrase;
  };
  const std::vector<Case> cases = {
      {{"analyze", model("bert-tiny"), "--data", file("missing.txt"), "--json", file("x.json")}, "missing.txt"},
      {{"analyze", model("bert-tiny"), "--data", file("empty.txt"), "--json", file("x.json")}, "empty.txt"},
      {{"analyze", model("bert-tiny"), "--data", corpus, "--seq-len", "100", "--json", file("x.json")},
       "exceeds bert-tiny@softmax's position table of 64"},
  };
  for (const Case& c : cases) {
    const CommandResult result = run(c.arguments);
    EXPECT_EQ(result.exitCode, 1) << c.phrase << "\n" << result.err;
    EXPECT_NE(result.err.find(c.phrase), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(file("x.json")));  // nothing partial
  }
  EXPECT_EQ(run({"analyze", model("bert-tiny"), "--data", corpus, "--json", file("x.json"), "--mask-prob", "2"}).exitCode, 2);
}

TEST_F(CliTest, QuantizeReportsFpQuantizedAndEveryQuantizer) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  const CommandResult result = run({"quantize", model("bert-tiny"), model("opt-tiny-gated") + "@softmax1", "--data",
                                    corpus, "--samples", "4", "--seq-len", "16", "--batch", "2",
                                    "--calib-batches", "2", "--abits", "8,16", "--json", file("quant.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("quant.json")));
  ASSERT_EQ(json["models"].size(), 2u);
  for (const auto& entry : json["models"]) {
    SCOPED_TRACE(entry["name"].get<std::string>());
    const double fp = entry["metric"]["fp"].get<double>();
    const double quantized = entry["metric"]["quantized"].get<double>();
    EXPECT_GT(fp, 1.0);
    EXPECT_GT(quantized, 1.0);
    ASSERT_EQ(entry["sweep"].size(), 2u);
    EXPECT_EQ(entry["sweep"][0]["abits"], 8);
    EXPECT_EQ(entry["sweep"][0]["quantized"]["value"].get<double>(), quantized);
    EXPECT_EQ(entry["sweep"][1]["abits"], 16);
    EXPECT_GT(entry["sweep"][1]["quantized"]["value"].get<double>(), 1.0);
    EXPECT_EQ(entry["metric"]["fp_detail"]["predictions"], entry["metric"]["quantized_detail"]["predictions"]);
    int weights = 0, activations = 0;
    for (const auto& q : entry["quantizers"]) {
      for (const char* key : {"site", "kind", "bits", "min", "max", "scale", "zero_point", "clipped_fraction",
                              "sqnr_db", "levels_99"})
        EXPECT_TRUE(q.contains(key)) << key;
      (q["kind"] == "weight" ? weights : activations) += 1;
      EXPECT_LE(q["levels_99"].get<int64_t>(), 256);
    }
    EXPECT_GT(weights, 10);
    EXPECT_GT(activations, 20);
  }
}

// Without --data, analyze and quantize evaluate on the bundled held-out chapters (125-135, 115,838 bytes
// as scripts/split_moby_dick.py wrote them); quantize calibrates on the disjoint chapters before them.
TEST_F(CliTest, AnalyzeDefaultsToTheBundledEvaluationText) {
  const std::string evaluation = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick-eval.txt";
  const CommandResult result = run({"analyze", model("bert-tiny"), "--samples", "2", "--seq-len", "16", "--json",
                                    file("analysis.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("analysis.json")));
  EXPECT_EQ(json["data"]["path"], evaluation);
  EXPECT_EQ(json["data"]["files"], nlohmann::json::array({evaluation}));
  EXPECT_EQ(json["data"]["bytes"], 115838);
  const CommandResult help = run({"analyze", "--help"});
  EXPECT_NE(help.out.find("default: " + evaluation), std::string::npos) << help.out;
}

TEST_F(CliTest, QuantizeCalibratesOnTheBundledTrainingText) {
  const std::string corpora = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/";
  const CommandResult result = run({"quantize", model("bert-tiny"), "--samples", "2", "--seq-len", "16", "--batch", "2",
                                    "--calib-batches", "1", "--json", file("quant.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("quant.json")));
  EXPECT_EQ(json["data"]["path"], corpora + "moby-dick-eval.txt");
  EXPECT_EQ(json["data"]["fingerprint"], corpusFingerprint(readText(corpora + "moby-dick-eval.txt")));
  EXPECT_EQ(json["calib"]["path"], corpora + "moby-dick-train.txt");
  EXPECT_EQ(json["calib"]["fingerprint"], corpusFingerprint(readText(corpora + "moby-dick-train.txt")));
  const CommandResult help = run({"quantize", "--help"});
  EXPECT_NE(help.out.find("default: " + corpora + "moby-dick-train.txt"), std::string::npos) << help.out;
}

// --weight-grid auto: weights without negative values (the fixture's LayerNorm gains) get the unsigned
// grid, Δ = max / 255; every other weight stays signed, Δ = max|w| / 127.
TEST_F(CliTest, QuantizeWeightGridAutoUsesTheUnsignedGridForNonNegativeWeights) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  const CommandResult result = run({"quantize", model("bert-tiny"), "--data", corpus, "--samples", "2", "--seq-len",
                                    "16", "--calib-batches", "1", "--weight-grid", "auto", "--json", file("q.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("q.json")));
  const auto& entry = json["models"][0];
  EXPECT_EQ(entry["quantization"]["weight_grid"], "auto");
  int unsignedWeights = 0;
  for (const auto& q : entry["quantizers"]) {
    if (q["kind"] != "weight") continue;
    SCOPED_TRACE(q["site"].get<std::string>());
    const double min = q["min"].get<double>(), max = q["max"].get<double>();
    if (min >= 0) {
      EXPECT_EQ(q["grid"], "unsigned");
      EXPECT_NEAR(q["scale"].get<double>(), max / 255.0, 1e-6 * max);
      ++unsignedWeights;
    } else {
      EXPECT_EQ(q["grid"], "signed");
      EXPECT_NEAR(q["scale"].get<double>(), std::max(-min, max) / 127.0, 1e-6 * std::max(-min, max));
    }
  }
  EXPECT_EQ(unsignedWeights, 5);  // the embedding LayerNorm and two per layer
  EXPECT_EQ(run({"quantize", model("bert-tiny"), "--weight-grid", "unsigned", "--json", file("x.json")}).exitCode, 2);
}

// HOPSCOPE_RESOURCES is an explicit choice: a folder without the corpora is an error naming the file looked for.
TEST_F(CliTest, MissingBundledTextExitsWithOneNamingTheFile) {
  const fs::path empty = scratch_ / "no-resources";
  fs::create_directories(empty);
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  struct Case {
    std::vector<std::string> arguments;
    std::string missing, option;
  };
  const std::vector<Case> cases = {
      {{"analyze", model("bert-tiny"), "--json", file("x.json")}, "moby-dick-eval.txt", "--data"},
      {{"quantize", model("bert-tiny"), "--json", file("x.json")}, "moby-dick-eval.txt", "--data"},
      {{"quantize", model("bert-tiny"), "--data", corpus, "--json", file("x.json")}, "moby-dick-train.txt", "--calib"},
  };
  for (const Case& c : cases) {
    const CommandResult result = run(c.arguments, empty.string());
    EXPECT_EQ(result.exitCode, 1) << c.missing << "\n" << result.err;
    EXPECT_NE(result.err.find((empty / "corpora" / c.missing).string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("give " + c.option + " FILE"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_FALSE(fs::exists(file("x.json")));
  }
}

// run --quant dumps the quantized forward: a quantized site holds at most 2^8 distinct values.
TEST_F(CliTest, RunQuantDumpsTheQuantizedForward) {
  const std::string corpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
  const std::string text = "the whale swam towards the ship, and the men cheered loudly.";
  ASSERT_EQ(run({"run", model("bert-tiny"), "--text", text, "--dump", file("float.safetensors")}).exitCode, 0);
  const CommandResult result = run({"run", model("bert-tiny"), "--text", text, "--quant", "w8a8", "--calib", corpus,
                                    "--calib-batches", "1", "--dump", file("w8a8.safetensors")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const TensorMap fp = readSafetensors(file("float.safetensors")).tensors;
  const TensorMap q = readSafetensors(file("w8a8.safetensors")).tensors;
  const std::string site = "bert.encoder.layer.1.output.dense";
  EXPECT_LE(std::get<0>(at::_unique(q.at(site))).numel(), 256);
  EXPECT_GT(std::get<0>(at::_unique(fp.at(site))).numel(), 256);
  const double difference = maxDifference(q.at("logits"), fp.at("logits"));
  EXPECT_GT(difference, 1e-4);
  EXPECT_LT(difference, 0.5 * fp.at("logits").abs().max().item<double>());
  // Without --calib the bundled training text calibrates; without it either, a one-line error.
  EXPECT_EQ(run({"run", model("bert-tiny"), "--text", text, "--quant", "w8a8", "--calib-batches", "1"}).exitCode, 0);
  const fs::path empty = scratch_ / "no-resources";
  fs::create_directories(empty);
  const CommandResult noCalibration = run({"run", model("bert-tiny"), "--text", text, "--quant", "w8a8"}, empty.string());
  EXPECT_EQ(noCalibration.exitCode, 1);
  EXPECT_NE(noCalibration.err.find("moby-dick-train.txt"), std::string::npos) << noCalibration.err;
  EXPECT_EQ(run({"run", model("bert-tiny"), "--text", text, "--quant", "int8", "--calib", corpus}).exitCode, 1);
}

// Broken checkpoint files: the CLI names the file and the problem in one line and exits with 1.
TEST_F(CliTest, BrokenCheckpointsExitWithOne) {
  struct Case {
    std::string weights;  // file put into a copy of bert-tiny-bin as pytorch_model.bin
    std::string phrase;
  };
  const std::vector<Case> cases = {
      {"os_system.bin", "refusing pickle global 'os.system'"},
      {"truncated.bin", "pytorch_model.bin"},
      {"legacy.bin", "pytorch_model.bin"},
      {"not_a_zip.bin", "pytorch_model.bin"},
  };
  for (const Case& c : cases) {
    const fs::path folder = scratch_ / ("broken-" + c.weights);
    fs::create_directories(folder);
    fs::copy_file(kFixtures + "/models/bert-tiny-bin/config.json", folder / "config.json");
    fs::copy_file(kFixtures + "/pickle/" + c.weights, folder / "pytorch_model.bin");
    const CommandResult result = run({"info", folder.string()});
    EXPECT_EQ(result.exitCode, 1) << c.weights << "\n" << result.err;
    EXPECT_NE(result.err.find(c.phrase), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  // A safetensors file cut in half.
  const fs::path folder = scratch_ / "cut";
  fs::create_directories(folder);
  fs::copy_file(kFixtures + "/models/bert-tiny/config.json", folder / "config.json");
  fs::copy_file(kFixtures + "/models/bert-tiny/model.safetensors", folder / "model.safetensors");
  fs::resize_file(folder / "model.safetensors", fs::file_size(folder / "model.safetensors") / 2);
  const CommandResult cut = run({"run", folder.string(), "--text", "the whale"});
  EXPECT_EQ(cut.exitCode, 1);
  EXPECT_NE(cut.err.find("model.safetensors"), std::string::npos) << cut.err;
}

// Sanitizer builds (HOPSCOPE_SANITIZE) run several times slower and reserve terabytes of shadow
// address space: the time bound is scaled and the address-space limit left out there.
#if defined(__SANITIZE_ADDRESS__)
#define HOPSCOPE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOPSCOPE_UNDER_ASAN 1
#endif
#endif
#ifdef HOPSCOPE_UNDER_ASAN
constexpr double kSlowdown = 5.0;
const char* const kAddressSpaceLimit = "";
#else
constexpr double kSlowdown = 1.0;
const char* const kAddressSpaceLimit = "ulimit -v 4194304; ";
#endif

// Every reproducer of the fuzzing campaign (tests/fixtures/bad, made by make_bad_fixtures.py):
// the one file in the case folder replaces its namesake in a copy of the fixture model its name
// starts with. hopscope-cli must refuse it with exit code 1 and one line naming that file, within
// a second of starting, under a 4 GiB address-space limit (LibTorch alone maps about 1 GiB of it).
TEST_F(CliTest, FuzzingReproducersAreRefusedQuicklyWithOneLine) {
  const std::vector<std::pair<std::string, std::string>> bases = {
      {"bert-bin-", "bert-tiny-bin"}, {"bert-", "bert-tiny"}, {"opt-", "opt-tiny"}};
  // "Within a second" is on top of starting the process (loading LibTorch alone takes about a
  // second on a busy machine), measured here as the time of --help.
  const auto helpStart = std::chrono::steady_clock::now();
  ASSERT_EQ(run({"--help"}).exitCode, 0);
  const double startup = std::chrono::duration<double>(std::chrono::steady_clock::now() - helpStart).count();
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(kFixtures + "/bad")) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    std::string base;
    for (const auto& [prefix, model] : bases)
      if (base.empty() && name.rfind(prefix, 0) == 0) base = model;
    ASSERT_FALSE(base.empty()) << name << ": the folder name must start with bert-bin-, bert- or opt-";
    const fs::path folder = scratch_ / name;
    fs::copy(kFixtures + "/models/" + base, folder);
    std::string replaced;
    for (const auto& file : fs::directory_iterator(entry.path())) {
      replaced = file.path().filename().string();
      fs::copy_file(file.path(), folder / replaced, fs::copy_options::overwrite_existing);
    }
    const auto start = std::chrono::steady_clock::now();
    const CommandResult result = run({"run", folder.string(), "--text", "the whale"}, {}, kAddressSpaceLimit);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(result.exitCode, 1) << name << "\n" << result.err;
    EXPECT_NE(result.err.find(replaced), std::string::npos) << name << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << name << ": " << result.err;
    EXPECT_EQ(result.err.find("bad_alloc"), std::string::npos) << name << ": " << result.err;
    EXPECT_LT(seconds, startup + 1.0 * kSlowdown) << name << " (startup " << startup << " s)";
    ++cases;
  }
  EXPECT_GE(cases, 12);
}

}  // namespace

namespace {

const std::string kImages = std::string(HOPSCOPE_FIXTURES_DIR) + "/images";

// ViT: a PNG classified, its logits equal to the engine's on the same pixels (the fixture's first
// Fashion-MNIST test image, preprocessed as preprocessor_config.json says), top-k with class names.
TEST_F(CliTest, RunImageClassifiesAPngWithClassNames) {
  const CommandResult result = run({"run", model("vit-tiny-hf"), "--image", kImages + "/ankle-boot.png", "--top-k", "3",
                                    "--json", file("run.json"), "--dump", file("dump.safetensors")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("run.json")));
  ASSERT_EQ(json["predictions"].size(), 3u);
  EXPECT_EQ(json["model"]["image_size"], 28);
  const TensorMap dump = readSafetensors(file("dump.safetensors")).tensors;
  const TensorMap expected = readSafetensors(kFixtures + "/expected/vit-tiny-hf.safetensors").tensors;
  EXPECT_LE(maxDifference(dump.at("pixel_values")[0], expected.at("pixel_values")[0]), 1e-6);
  const at::Tensor logits = expected.at("softmax/logits")[0];
  EXPECT_LE(maxDifference(dump.at("logits")[0], logits), 1e-4);
  const int64_t best = logits.argmax().item<int64_t>();
  EXPECT_EQ(json["predictions"][0]["label"], best);
  EXPECT_FALSE(json["predictions"][0]["name"].get<std::string>().empty());
  EXPECT_TRUE(dump.contains("vit.encoder.layer.1.attention.attention.probs"));
}

// JPEG: the same Fashion-MNIST image saved as a JPEG (quality 95, see tests/fixtures/README.md)
// decodes to nearly the PNG's pixels: JPEG is lossy, so a few grey levels apart at most.
TEST_F(CliTest, RunImageReadsAJpeg) {
  const CommandResult jpeg = run({"run", model("vit-tiny-hf"), "--image", kImages + "/ankle-boot.jpg", "--dump",
                                  file("jpeg.safetensors")});
  ASSERT_EQ(jpeg.exitCode, 0) << jpeg.err;
  const at::Tensor pixels = readSafetensors(file("jpeg.safetensors")).tensors.at("pixel_values")[0];
  const at::Tensor png = readSafetensors(kFixtures + "/expected/vit-tiny-hf.safetensors").tensors.at("pixel_values")[0];
  ASSERT_EQ(pixels.sizes(), png.sizes());
  // pixel values are (x / 255 - 0.5) / 0.5: one grey level is 2 / 255.
  EXPECT_LE(maxDifference(pixels, png), 12 * 2.0 / 255.0);
  EXPECT_LE((pixels - png).abs().mean().item<double>(), 2 * 2.0 / 255.0);
  EXPECT_GT(maxDifference(pixels, png), 0.0);  // really the lossy file, not the PNG
}

TEST_F(CliTest, BadImagesExitWithOneNamingTheFile) {
  for (const char* bad : {"truncated.png", "text.png", "empty.png", "missing.png"}) {
    SCOPED_TRACE(bad);
    const std::string path = kImages + "/bad/" + bad;
    const CommandResult result = run({"run", model("vit-tiny-hf"), "--image", path});
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  const CommandResult text = run({"run", model("vit-tiny-hf"), "--text", "hello"});
  EXPECT_EQ(text.exitCode, 1);
  const CommandResult both = run({"run", model("bert-tiny"), "--image", kImages + "/ankle-boot.png"});
  EXPECT_EQ(both.exitCode, 1);
  EXPECT_NE(both.err.find("text model"), std::string::npos) << both.err;
  const CommandResult lying = run({"analyze", model("vit-tiny-hf"), "--images", kImages + "/bad/lying-header-idx3-ubyte",
                                   "--json", file("a.json")});
  EXPECT_EQ(lying.exitCode, 1);
  EXPECT_NE(lying.err.find("lying-header-idx3-ubyte"), std::string::npos) << lying.err;
}

TEST_F(CliTest, AnalyzeImagesReportsEveryModuleAndAccuracy) {
  const CommandResult result = run({"analyze", model("vit-tiny-timm-gated") + "@softmax1", model("vit-tiny-hf"),
                                    "--images", kImages + "/fashion24-images-idx3-ubyte.gz", "--samples", "8",
                                    "--batch", "3", "--per-class", "--json", file("analysis.json")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto json = nlohmann::json::parse(readText(file("analysis.json")));
  ASSERT_EQ(json["models"].size(), 2u);
  for (const auto& entry : json["models"]) {
    SCOPED_TRACE(entry["name"].get<std::string>());
    EXPECT_EQ(entry["family"], "vit");
    EXPECT_EQ(entry["samples"], 8);
    EXPECT_EQ(entry["metric"]["name"], "top1_accuracy");
    EXPECT_EQ(entry["metric"]["predictions"], 8);
    EXPECT_TRUE(entry["metric"]["cross_entropy"].is_number());
    EXPECT_FALSE(entry["metric"]["per_class"].empty());
    for (const char* figure : {"max_inf_norm", "max_ffn_inf_norm", "max_block_inf_norm", "avg_kurtosis", "max_kurtosis"}) {
      ASSERT_TRUE(entry["summary"][figure].is_number()) << figure;
      EXPECT_TRUE(std::isfinite(entry["summary"][figure].get<double>())) << figure;
    }
    std::set<std::string> names;
    for (const auto& module : entry["modules"]) names.insert(module["name"].get<std::string>());
    for (const char* name : {"vit.embeddings", "vit.encoder.layer.0.layernorm_before", "vit.encoder.layer.0.output.dense",
                             "vit.encoder.layer.1", "vit.encoder.layer.1.attention.attention", "vit.layernorm"})
      EXPECT_TRUE(names.count(name)) << name;
    EXPECT_EQ(entry["attention"].size(), 2u);
  }
}

TEST_F(CliTest, QuantizeImagesInBothBlockModes) {
  for (const char* mode : {"pre-norm", "reference-compat"}) {
    SCOPED_TRACE(mode);
    const CommandResult result = run({"quantize", model("vit-tiny-hf-gated-bin"), "--images", kImages + "/folder",
                                      "--samples", "4", "--batch", "2", "--calib-batches", "2", "--vit-quant-mode",
                                      mode, "--json", file("quant.json")});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const auto json = nlohmann::json::parse(readText(file("quant.json")));
    const auto& entry = json["models"][0];
    EXPECT_EQ(entry["metric"]["name"], "top1_accuracy");
    const double fp = entry["metric"]["fp"].get<double>(), quantized = entry["metric"]["quantized"].get<double>();
    EXPECT_GE(fp, 0.0);
    EXPECT_LE(fp, 1.0);
    EXPECT_GE(quantized, 0.0);
    EXPECT_LE(quantized, 1.0);
    EXPECT_TRUE(entry["metric"]["quantized_detail"]["cross_entropy"].is_number());
    EXPECT_EQ(entry["quantization"]["block_mode"], mode);
    std::set<std::string> sites;
    for (const auto& q : entry["quantizers"]) sites.insert(q["site"].get<std::string>());
    for (const char* site : {"vit.embeddings", "vit.encoder.layer.0.layernorm_before", "vit.encoder.layer.0.intermediate",
                             "vit.encoder.layer.1", "vit.layernorm",
                             "vit.embeddings.patch_embeddings.projection.weight"})
      EXPECT_TRUE(sites.count(site)) << site;
    EXPECT_FALSE(sites.count("classifier.weight"));
  }
  const CommandResult text = run({"quantize", model("bert-tiny"), "--vit-quant-mode", "reference-compat", "--samples", "2",
                                  "--seq-len", "8", "--json", file("q.json")});
  EXPECT_EQ(text.exitCode, 1);
}

}  // namespace
