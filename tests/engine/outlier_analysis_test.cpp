// The analysis pass against the fixture script's PyTorch-forward-hook computation of the reference
// protocol (tests/fixtures/make_protocol_fixtures.py): per-module kurtosis, inf-norm, row counts and
// the family summary, on the same token blocks and batches.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"

using namespace hopscope;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

class ProtocolParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ProtocolParity, MatchesHookBasedReference) {
  const std::string name = GetParam();
  const auto expected =
      nlohmann::json::parse(std::ifstream(kFixtures + "/expected/protocol/" + name + ".json"));
  std::vector<int64_t> flat;
  for (const auto& block : expected["blocks"])
    for (const auto& id : block) flat.push_back(id.get<int64_t>());
  const int64_t blocks = static_cast<int64_t>(expected["blocks"].size());
  const at::Tensor ids = at::tensor(flat, at::kLong).view({blocks, -1});

  const auto model = LoadedModel::open(kFixtures + "/models/" + name + "@softmax");
  AnalysisSettings settings;
  settings.batch = expected["batch"].get<int64_t>();
  settings.maskProb = 0;  // the reference hooks see the plain blocks
  const ModelAnalysis analysis = analyzeBlocks(*model, ids, settings);

  for (const auto& [module, reference] : expected["modules"].items()) {
    SCOPED_TRACE(module);
    const ModuleAnalysis* found = nullptr;
    for (const ModuleAnalysis& candidate : analysis.modules)
      if (candidate.name == module) found = &candidate;
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->stats.rows(), reference["rows"].get<int64_t>());
    EXPECT_NEAR(found->stats.meanInfNorm(), reference["inf_norm"].get<double>(), 1e-4);
    if (reference.contains("kurtosis"))
      EXPECT_NEAR(found->stats.meanKurtosis(), reference["kurtosis"].get<double>(), 1e-4);
  }
  for (const auto& [figure, value] : expected["summary"].items()) {
    bool seen = false;
    for (const Figure& ours : analysis.summary)
      if (ours.name == figure) {
        seen = true;
        EXPECT_NEAR(ours.value, value.get<double>(), 1e-4) << figure;
      }
    EXPECT_TRUE(seen) << figure;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ProtocolParity,
                         ::testing::Values("bert-tiny", "bert-tiny-gated", "opt-tiny", "opt-tiny-gated"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

// Batching must not change any figure beyond float32 rounding of the forward (matrix kernels block
// differently per batch size): statistics merge exactly.
TEST(OutlierAnalysis, BatchSizeDoesNotChangeResults) {
  const auto model = LoadedModel::open(kFixtures + "/models/bert-tiny-gated@softmax1");
  const at::Tensor ids = at::randint(5, 1000, {7, 24}, at::kLong);
  AnalysisSettings one, three;
  one.batch = 7;
  three.batch = 3;
  one.maskProb = three.maskProb = 0.2;
  one.seed = three.seed = 11;
  const ModelAnalysis a = analyzeBlocks(*model, ids, one);
  const ModelAnalysis b = analyzeBlocks(*model, ids, three);
  ASSERT_EQ(a.modules.size(), b.modules.size());
  EXPECT_NEAR(a.metric.value, b.metric.value, 1e-6 * a.metric.value);
  for (size_t i = 0; i < a.modules.size(); ++i) {
    EXPECT_EQ(a.modules[i].name, b.modules[i].name);
    EXPECT_NEAR(a.modules[i].stats.meanKurtosis(), b.modules[i].stats.meanKurtosis(), 1e-5);
    EXPECT_NEAR(a.modules[i].stats.maxAbs().value, b.modules[i].stats.maxAbs().value, 1e-5);
    EXPECT_EQ(a.modules[i].stats.maxAbs().sample, b.modules[i].stats.maxAbs().sample);
  }
  for (size_t i = 0; i < a.attention.size(); ++i)
    for (int64_t h = 0; h < a.attention[i].heads.heads(); ++h)
      EXPECT_NEAR(a.attention[i].heads.head(h).noOpMass, b.attention[i].heads.head(h).noOpMass, 1e-6);
}

TEST(OutlierAnalysis, AliasesShareNumbersAndCancelStops) {
  const auto model = LoadedModel::open(kFixtures + "/models/opt-tiny");
  const at::Tensor ids = at::randint(4, 600, {2, 10}, at::kLong);
  const ModelAnalysis analysis = analyzeBlocks(*model, ids, AnalysisSettings{});
  for (const ModuleAnalysis& module : analysis.modules)
    if (module.name == "model.decoder.layers.0.self_attn") {
      EXPECT_EQ(module.aliasOf, "model.decoder.layers.0.self_attn.out_proj");
      EXPECT_GT(module.stats.rows(), 0);
    }
  JobControl job;
  job.cancelled = [] { return true; };
  EXPECT_THROW(analyzeBlocks(*model, ids, AnalysisSettings{}, job), Cancelled);
}

}  // namespace
