// The family registry: model_type lookup with a clear error, every family's tap-site table against
// the sites its forward really taps, module names described by layer, the protocol and quantizer
// placement selected by role, and the device a model is opened on.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <nlohmann/json.hpp>
#include <set>

#include "error_message.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_builder.h"
#include "hopscope/model_config.h"
#include "hopscope/model_family.h"
#include "hopscope/quantization_simulator.h"
#include "hopscope/transformer_model.h"

using namespace hopscope;

namespace {

const std::string kModels = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/";

// Sites in the order a forward taps them.
class SiteOrder : public ForwardHooks {
 public:
  at::Tensor onActivation(const std::string& site, const at::Tensor& value) override {
    sites.push_back(site);
    return value;
  }
  std::vector<std::string> sites;
};

TEST(FamilyRegistry, UnknownModelTypeNamesTheSupportedOnes) {
  EXPECT_EQ(test::errorMessage([] { parseModelConfig({{"model_type", "gpt_neox"}}, "x/config.json"); }),
            "x/config.json: model_type \"gpt_neox\" is not supported (supported: \"bert\", \"opt\", \"vit\")");
  EXPECT_EQ(test::errorMessage([] { parseModelConfig({{"hidden_size", 32}}, "x/config.json"); }),
            "x/config.json: missing \"model_type\" (supported: \"bert\", \"opt\", \"vit\")");
  // Text from the file is cut so the message stays one readable line (control characters are
  // refused earlier, by the config reader).
  EXPECT_EQ(test::errorMessage([] { parseModelConfig({{"model_type", std::string(200, 'c')}}, "x/config.json"); }),
            "x/config.json: model_type \"" + std::string(80, 'c') + "...\" is not supported (supported: \"bert\", \"opt\", \"vit\")");
}

TEST(FamilyRegistry, FamiliesAreFoundByNameAndModelType) {
  ASSERT_EQ(modelFamilies().size(), 3u);
  for (const ModelFamily* family : modelFamilies()) {
    EXPECT_EQ(findFamily(family->name), family);
    EXPECT_EQ(&familyForModelType(family->modelType, "config.json"), family);
    EXPECT_TRUE(family->parseConfig && family->expectedTensors && family->ignoredReason && family->tapSites &&
                family->create)
        << family->name;
    EXPECT_FALSE(family->protocol.empty()) << family->name;
  }
  EXPECT_EQ(findFamily("stanhop"), nullptr);
  EXPECT_EQ(findFamily("vit")->task, TaskKind::ImageClassification);
  EXPECT_EQ(findFamily("bert")->task, TaskKind::MaskedLanguageModel);
  EXPECT_EQ(findFamily("opt")->task, TaskKind::CausalLanguageModel);
}

TEST(FamilyRegistry, ModuleNamesAreDescribedByLayer) {
  const ModelFamily& bert = *findFamily("bert");
  const ModelFamily& opt = *findFamily("opt");
  EXPECT_EQ(describeModule(bert, "bert.encoder.layer.3.output.dense").layer, 3);
  EXPECT_EQ(describeModule(bert, "bert.encoder.layer.3.output.dense").shortName, "L3 output.dense");
  EXPECT_EQ(describeModule(bert, "bert.encoder.layer.11.attention.self.query.weight").shortName,
            "L11 attention.self.query.weight");
  EXPECT_EQ(describeModule(opt, "model.decoder.layers.1").shortName, "L1");
  EXPECT_EQ(describeModule(opt, "model.decoder.layers.1").layer, 1);
  EXPECT_EQ(describeModule(opt, "model.decoder.final_layer_norm").shortName, "final_layer_norm");
  EXPECT_EQ(describeModule(opt, "model.decoder.final_layer_norm").layer, -1);
  EXPECT_EQ(describeModule(opt, "lm_head").shortName, "lm_head");
  EXPECT_EQ(describeModule(opt, "model.decoder.layers.x").layer, -1);  // not a layer index
}

class EveryFixtureFamily : public ::testing::TestWithParam<std::string> {};

// The table is the contract the protocol, the quantizer placement and the views rely on: it must
// list exactly the sites the forward taps, in the same order.
TEST_P(EveryFixtureFamily, TapSiteTableMatchesTheForward) {
  const auto loaded = LoadedModel::open(kModels + GetParam());
  const TransformerModel& model = loaded->model();
  at::NoGradGuard noGrad;
  SiteOrder order;
  ModelInputs inputs;
  if (model.family().task == TaskKind::ImageClassification)
    inputs.pixelValues = at::randn({1, model.config().channels, model.config().imageSize, model.config().imageSize});
  else
    inputs.inputIds = at::randint(4, 200, {1, 9}, at::kLong);
  model.forward(inputs, &order);
  std::vector<std::string> declared;
  for (const TapSite& site : model.tapSites()) {
    declared.push_back(site.name);
    EXPECT_GE(site.layer, -1);
    EXPECT_LT(site.layer, model.config().layers);
  }
  EXPECT_EQ(declared, order.sites);
  EXPECT_EQ(loaded->info().family, model.family().name);
}

TEST_P(EveryFixtureFamily, ProtocolRolesAndQuantizerSitesExistInTheTable) {
  const auto loaded = LoadedModel::open(kModels + GetParam());
  const TransformerModel& model = loaded->model();
  std::set<SiteRole> roles;
  for (const TapSite& site : model.tapSites()) roles.insert(site.role);
  for (const ProtocolFigure& figure : model.family().protocol)
    for (SiteRole role : figure.roles) EXPECT_TRUE(roles.count(role)) << figure.name << " " << roleName(role);
  // One block output, one FFN output and one attention map per layer.
  for (SiteRole role : {SiteRole::BlockOutput, SiteRole::FfnOutput, SiteRole::Probs}) {
    std::vector<int64_t> layers;
    for (const TapSite& site : model.tapSites())
      if (site.role == role) layers.push_back(site.layer);
    std::vector<int64_t> expected(static_cast<size_t>(model.config().layers));
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(layers, expected) << roleName(role);
  }
  EXPECT_EQ(model.attentionModules().size(), static_cast<size_t>(model.config().layers));
  for (const std::string& name : weightQuantizerNames(model))
    for (const std::string& prefix : model.family().floatWeightPrefixes) EXPECT_NE(name.rfind(prefix, 0), 0u) << name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryFixtureFamily, ::testing::Values("bert-tiny-gated", "opt-tiny-gated", "vit-tiny-timm-gated"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(FamilyRegistry, RoleNamesRoundTrip) {
  for (SiteRole role : {SiteRole::Embedding, SiteRole::BlockOutput, SiteRole::FfnOutput, SiteRole::Probs,
                        SiteRole::FinalNorm, SiteRole::OutputHead, SiteRole::Other})
    EXPECT_EQ(roleFromName(roleName(role)), role);
  EXPECT_EQ(roleName(SiteRole::BlockOutput), "block_output");
  EXPECT_EQ(roleFromName("no such role"), SiteRole::Other);
}

TEST(Device, ModelsOpenOnTheChosenDevice) {
  const auto model = LoadedModel::open(kModels + "bert-tiny", {}, "cpu");
  EXPECT_EQ(model->info().device, "cpu");
  EXPECT_TRUE(model->model().device().is_cpu());
  EXPECT_EQ(test::errorMessage([] { parseDevice("gpu0"); }),
            "device 'gpu0' is not a device name (expected cpu, cuda or cuda:N)");
  if (!at::hasCUDA())
    EXPECT_EQ(test::errorMessage([] { LoadedModel::open(kModels + "bert-tiny", {}, "cuda"); }),
              "device 'cuda': this LibTorch build has no CUDA support or no GPU is present");
}

}  // namespace
