// hopscope's ViT forward against the fixture script's independent reference forwards
// (tests/fixtures/make_vit_fixtures.py): both checkpoint layouts (Hugging Face and timm, the latter
// mapped to the Hugging Face names at load), both file formats, every normalizer, with and without
// the linear gate; and the reference-compat block (LayerNorm after each sublayer).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "hopscope/checkpoint.h"
#include "hopscope/model_builder.h"
#include "hopscope/safetensors.h"
#include "hopscope/tap_recorder.h"

using namespace hopscope;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;
const char* kNormalizers[] = {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.025:1",
                              "clipped-softmax1:-0.025:1.1"};

std::string expectedFile(std::string model) {
  if (model.size() > 4 && model.compare(model.size() - 4, 4, "-bin") == 0) model.resize(model.size() - 4);
  return kFixtures + "/expected/" + model + ".safetensors";  // the -bin twin holds the same weights
}

class VitParity : public ::testing::TestWithParam<std::string> {};

TEST_P(VitParity, MatchesReferenceForEveryNormalizer) {
  const std::string model = GetParam();
  const Checkpoint checkpoint = readCheckpoint(kFixtures + "/models/" + model);
  const TensorMap expected = readSafetensors(expectedFile(model)).tensors;
  ModelInputs inputs;
  inputs.pixelValues = expected.at("pixel_values");
  at::NoGradGuard noGrad;
  double worst = 0;
  for (const char* normalizer : kNormalizers) {
    SCOPED_TRACE(model + "@" + normalizer);
    const BuiltModel built = buildModel(checkpoint, parseNormalizer(normalizer));
    EXPECT_EQ(built.model->family().name, "vit");
    EXPECT_EQ(gateKindName(built.model->gate()), model.find("gated") != std::string::npos ? "linear" : "none");
    TapRecorder recorder;
    const at::Tensor logits = built.model->forward(inputs, &recorder);
    const std::string prefix = std::string(normalizer) + "/";
    int compared = 0;
    for (const auto& [name, reference] : expected.items()) {
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string site = name.substr(prefix.size());
      const at::Tensor actual = site == "logits" ? logits : recorder.recorded().at(site);
      ASSERT_EQ(actual.sizes(), reference.sizes()) << site;
      const double difference = (actual - reference).abs().max().item<double>();
      worst = std::max(worst, difference);
      EXPECT_LE(difference, 1e-4) << site;
      ++compared;
    }
    EXPECT_GE(compared, 8);
  }
  std::cout << model << ": largest difference from the reference " << worst << "\n";
}

TEST_P(VitParity, ReferenceCompatBlockMatchesTheScript) {
  const std::string model = GetParam();
  const Checkpoint checkpoint = readCheckpoint(kFixtures + "/models/" + model);
  const TensorMap expected = readSafetensors(expectedFile(model)).tensors;
  ModelConfig config = parseModelConfig(checkpoint.config, checkpoint.files.configPath);
  config.normAfterSublayer = true;
  const BuiltModel built = buildModel(checkpoint, config, parseNormalizer("softmax"));
  ModelInputs inputs;
  inputs.pixelValues = expected.at("pixel_values");
  at::NoGradGuard noGrad;
  const at::Tensor logits = built.model->forward(inputs);
  EXPECT_LE((logits - expected.at("reference-compat/logits")).abs().max().item<double>(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VitParity,
                         ::testing::Values("vit-tiny-hf", "vit-tiny-hf-bin", "vit-tiny-hf-gated", "vit-tiny-hf-gated-bin",
                                           "vit-tiny-timm", "vit-tiny-timm-bin", "vit-tiny-timm-gated",
                                           "vit-tiny-timm-gated-bin"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(VitLayouts, TimmCheckpointsAreMappedToHuggingFaceNames) {
  const Checkpoint checkpoint = readCheckpoint(kFixtures + "/models/vit-tiny-timm");
  const BuiltModel built = buildModel(checkpoint, parseNormalizer("softmax"));
  const ModelConfig& config = built.model->config();
  EXPECT_EQ(config.hiddenSize, 32);
  EXPECT_EQ(config.layers, 2);
  EXPECT_EQ(config.heads, 4);
  EXPECT_EQ(config.intermediateSize, 64);
  EXPECT_EQ(config.imageSize, 28);
  EXPECT_EQ(config.patchSize, 7);
  EXPECT_EQ(config.vocabSize, 10);
  EXPECT_EQ(config.maxPositions, 17);
  EXPECT_DOUBLE_EQ(config.layerNormEps, 1e-6);
  EXPECT_EQ(config.classLabels.at(9), "Ankle boot");
  EXPECT_TRUE(built.model->weights().contains("vit.encoder.layer.1.attention.attention.key.weight"));
  EXPECT_TRUE(built.model->weights().contains("vit.pre_layernorm.weight"));
  EXPECT_FALSE(built.model->weights().contains("vit.encoder.layer.0.attention.attention.query.bias"));
  bool noted = false;
  for (const std::string& note : built.notes) noted = noted || note.find("timm layout") != std::string::npos;
  EXPECT_TRUE(noted);
  // The timm preprocessing comes from pretrained_cfg: crop_pct 1 -> resize the short side to 28.
  EXPECT_EQ(config.preprocessing.resize, ImagePreprocessing::Resize::ShortestEdge);
  EXPECT_EQ(config.preprocessing.height, 28);
  EXPECT_TRUE(config.preprocessing.centerCrop);
}

TEST(VitLayouts, WrongPixelShapesAreClearErrors) {
  const BuiltModel built = buildModel(readCheckpoint(kFixtures + "/models/vit-tiny-hf"), parseNormalizer("softmax"));
  ModelInputs inputs;
  inputs.pixelValues = at::zeros({1, 3, 32, 32});
  at::NoGradGuard noGrad;
  try {
    built.model->forward(inputs);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("[batch, 3, 28, 28]"), std::string::npos) << error.what();
  }
  ModelInputs text;
  text.inputIds = at::zeros({1, 4}, at::kLong);
  EXPECT_THROW(built.model->forward(text), Error);
}

}  // namespace
