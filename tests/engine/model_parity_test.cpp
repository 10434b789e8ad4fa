// hopscope's BERT and OPT forwards against the fixture script's independent reference forward
// (tests/fixtures/make_model_fixtures.py): logits and every recorded activation, every normalizer,
// with and without gates, from safetensors and from pytorch_model.bin.
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

class ModelParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelParity, MatchesReferenceForEveryNormalizer) {
  const std::string model = GetParam();
  const Checkpoint checkpoint = readCheckpoint(kFixtures + "/models/" + model);
  const TensorMap expected = readSafetensors(kFixtures + "/expected/" + model + ".safetensors").tensors;
  ModelInputs inputs;
  inputs.inputIds = expected.at("input_ids");
  inputs.attentionMask = expected.at("attention_mask");
  at::NoGradGuard noGrad;

  for (const char* normalizer : kNormalizers) {
    SCOPED_TRACE(model + "@" + normalizer);
    const BuiltModel built = buildModel(checkpoint, parseNormalizer(normalizer));
    EXPECT_EQ(gateKindName(built.model->gate()), model.find("gated") != std::string::npos
                                                     ? (model.rfind("bert", 0) == 0 ? "mlp" : "linear")
                                                     : "none");
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
      EXPECT_LE(difference, 1e-4) << site;
      ++compared;
    }
    EXPECT_GE(compared, 10);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelParity,
                         ::testing::Values("bert-tiny", "bert-tiny-bin", "bert-tiny-gated",
                                           "bert-tiny-gated-bin", "opt-tiny", "opt-tiny-bin",
                                           "opt-tiny-gated", "opt-tiny-gated-bin"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
