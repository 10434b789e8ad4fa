// hopscope's W8A8 simulator (estimator minmax, one calibration batch, then frozen) against the
// independent fake-quantized forward of tests/fixtures/make_w8a8_fixtures.py: every activation
// range and the evaluation logits, for bert-tiny@softmax and opt-tiny-gated@softmax1.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "hopscope/loaded_model.h"
#include "hopscope/quantization_simulator.h"
#include "hopscope/safetensors.h"

using namespace hopscope;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

struct W8a8Case {
  const char* model;
  const char* normalizer;
};

std::string scientific(double value) {  // for the measured figures in the XML report
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", value);
  return text;
}

ModelInputs unpadded(const at::Tensor& ids) { return {ids, at::ones_like(ids)}; }

class W8a8Parity : public ::testing::TestWithParam<W8a8Case> {};

TEST_P(W8a8Parity, RangesAndLogitsMatchTheReference) {
  const W8a8Case c = GetParam();
  const auto loaded = LoadedModel::open(kFixtures + "/models/" + c.model + "@" + c.normalizer);
  const TensorMap expected =
      readSafetensors(kFixtures + "/expected/w8a8/" + c.model + ".safetensors").tensors;
  QuantizationSettings settings;
  settings.estimator = "minmax";
  QuantizationSimulator simulator(loaded->model(), settings);
  simulator.calibrate(unpadded(expected.at("calibration_ids")));
  simulator.freeze();
  const ModelInputs evaluation = unpadded(expected.at("evaluation_ids"));
  const at::Tensor logits = simulator.forward(evaluation);

  // Ranges: [min', max'] per activation site, relative 1e-5 (an exact 0 must stay exactly 0).
  int compared = 0, wrong = 0;
  double worstRelative = 0;
  std::ostringstream table;
  for (const QuantizerSummary& quantizer : simulator.quantizers()) {
    if (quantizer.kind != "activation") continue;
    const at::Tensor* reference = expected.find("range/" + quantizer.site);
    ASSERT_NE(reference, nullptr) << "the reference has no site " << quantizer.site;
    const double low = (*reference)[0].item<double>(), high = (*reference)[1].item<double>();
    const bool lowOk = std::abs(quantizer.min - low) <= 1e-5 * std::abs(low);
    const bool highOk = std::abs(quantizer.max - high) <= 1e-5 * std::abs(high);
    char line[256];
    std::snprintf(line, sizeof line, "%-52s min %12.7g ref %12.7g  max %12.7g ref %12.7g%s\n",
                  quantizer.site.c_str(), quantizer.min, low, quantizer.max, high,
                  lowOk && highOk ? "" : "  <-- differs");
    table << line;
    wrong += !(lowOk && highOk);
    if (low != 0) worstRelative = std::max(worstRelative, std::abs(quantizer.min - low) / std::abs(low));
    worstRelative = std::max(worstRelative, std::abs(quantizer.max - high) / std::abs(high));
    ++compared;
  }
  int referenceSites = 0;
  for (const auto& [name, tensor] : expected.items()) referenceSites += name.rfind("range/", 0) == 0;
  EXPECT_EQ(compared, referenceSites) << "the engine and the reference quantize different site sets";
  EXPECT_EQ(compared, 28);
  RecordProperty("max_relative_range_difference", scientific(worstRelative));
  EXPECT_EQ(wrong, 0) << "activation ranges, engine vs reference, in forward order:\n" << table.str();

  // Logits. Both sides compute in float32 but sum in different orders, so a value that lies within
  // ~1e-7 of a rounding tie x/Δ = k + 1/2 can land one grid step apart on the two sides; that step
  // (up to Δ ≈ range/255) then propagates to a few logits. So the bound on the largest difference is
  // loose (1e-3) while the mean stays at float32 noise (1e-5): a real bug moves most logits.
  const at::Tensor reference = expected.at("logits");
  ASSERT_EQ(logits.sizes(), reference.sizes());
  const at::Tensor difference = (logits - reference).abs();
  EXPECT_LE(difference.max().item<double>(), 1e-3);
  EXPECT_LE(difference.mean().item<double>(), 1e-5);
  RecordProperty("max_abs_logit_difference", scientific(difference.max().item<double>()));
  RecordProperty("mean_abs_logit_difference", scientific(difference.mean().item<double>()));

  // The float path on these inputs agrees, and W8A8 changes the logits visibly.
  const at::Tensor floatLogits = expected.at("float_logits");
  at::NoGradGuard noGrad;
  EXPECT_LE((loaded->model().forward(evaluation) - floatLogits).abs().max().item<double>(), 1e-4);
  EXPECT_GT((reference - floatLogits).abs().max().item<double>(), 1e-3);
  EXPECT_GT((logits - floatLogits).abs().max().item<double>(), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(W8a8, W8a8Parity,
                         ::testing::Values(W8a8Case{"bert-tiny", "softmax"},
                                           W8a8Case{"opt-tiny-gated", "softmax1"}),
                         [](const auto& info) {
                           std::string name = info.param.model;
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
