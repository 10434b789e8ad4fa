// The W8A8 simulator: placement per family, weights and single sites against PyTorch's own fake
// quantization, 16-bit runs against the float model, keep-float, and the calibration life cycle.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_simulator.h"
#include "hopscope/tap_recorder.h"
#include "hopscope/transformer_model.h"

using namespace hopscope;

namespace {

const std::string kModels = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/";

ModelInputs randomInputs(int64_t vocab, int64_t seed) {
  at::manual_seed(seed);
  ModelInputs inputs;
  inputs.inputIds = at::randint(5, vocab, {3, 12}, at::kLong);
  return inputs;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(QuantizationSimulator, PlacementFollowsTheReferenceProtocol) {
  const auto bert = LoadedModel::open(kModels + "bert-tiny-gated");
  const auto sites = activationQuantizerSites(bert->model());
  EXPECT_EQ(sites.size(), 2u + 2 * 13);
  for (const char* site : {"bert.embeddings.LayerNorm.input", "bert.embeddings.LayerNorm",
                           "bert.encoder.layer.1.attention.self.scores", "bert.encoder.layer.1.attention.self.probs",
                           "bert.encoder.layer.0.intermediate", "bert.encoder.layer.0.output.LayerNorm.input"})
    EXPECT_TRUE(contains(sites, site)) << site;
  const auto weights = weightQuantizerNames(bert->model());
  EXPECT_TRUE(contains(weights, "bert.embeddings.word_embeddings.weight"));
  EXPECT_TRUE(contains(weights, "bert.encoder.layer.0.output.LayerNorm.weight"));
  EXPECT_FALSE(contains(weights, "bert.encoder.layer.0.output.LayerNorm.bias"));
  EXPECT_FALSE(contains(weights, "bert.encoder.layer.0.attention.self.alpha.0.0.weight"));  // gate
  EXPECT_FALSE(contains(weights, "cls.predictions.transform.dense.weight"));                // MLM head
  EXPECT_FALSE(contains(weights, "cls.predictions.decoder.weight"));

  const auto opt = LoadedModel::open(kModels + "opt-tiny");
  const auto optSites = activationQuantizerSites(opt->model());
  EXPECT_TRUE(contains(optSites, "model.decoder.layers.0.self_attn_layer_norm.input"));
  EXPECT_TRUE(contains(optSites, "model.decoder.layers.1.activation_fn"));
  EXPECT_TRUE(contains(optSites, "model.decoder.layers.1"));
  EXPECT_TRUE(contains(optSites, "model.decoder.final_layer_norm"));
  EXPECT_FALSE(contains(weightQuantizerNames(opt->model()), "lm_head.weight"));
}

// Quantizing one site only: the forward sees exactly PyTorch's fake_quantize of the float value
// with the min-max range of the calibration batch.
TEST(QuantizationSimulator, SingleSiteMatchesTorchFakeQuantize) {
  const auto model = LoadedModel::open(kModels + "bert-tiny");
  const std::string site = "bert.encoder.layer.1.output.dense";
  QuantizationSettings settings;
  settings.estimator = "minmax";
  settings.keepFloat = {"^(?!" + std::string("bert\\.encoder\\.layer\\.1\\.output\\.dense") + "$)"};
  QuantizationSimulator simulator(model->model(), settings);
  const ModelInputs inputs = randomInputs(1000, 1);
  simulator.calibrate(inputs);
  simulator.freeze();
  TapRecorder quantized([&](const std::string& name) { return name == site; });
  simulator.forward(inputs, &quantized);

  at::NoGradGuard noGrad;
  TapRecorder reference([&](const std::string& name) { return name == site; });
  model->model().forward(inputs, &reference);
  const at::Tensor x = reference.recorded().at(site);
  const double low = std::min(0.0, x.min().item<double>()), high = std::max(1e-8, x.max().item<double>());
  const double scale = (high - low) / 255.0;
  const int64_t zeroPoint = std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(-low / scale)), 0, 255);
  const at::Tensor expected = at::fake_quantize_per_tensor_affine(x, scale, zeroPoint, 0, 255);
  EXPECT_LE((quantized.recorded().at(site) - expected).abs().max().item<double>(), 1e-6);

  const auto summaries = simulator.quantizers();
  ASSERT_EQ(summaries.size(), 1u);  // every weight and every other site kept float
  EXPECT_EQ(summaries[0].site, site);
  EXPECT_NEAR(summaries[0].scale, scale, 1e-9);
  EXPECT_EQ(summaries[0].zeroPoint, zeroPoint);
  EXPECT_EQ(summaries[0].clippedFraction, 0.0);  // evaluated on the calibration batch itself
}

TEST(QuantizationSimulator, WeightsMatchTorchPerTensorFakeQuantize) {
  const auto model = LoadedModel::open(kModels + "opt-tiny");
  QuantizationSimulator simulator(model->model(), QuantizationSettings{});
  const std::string name = "model.decoder.layers.1.fc1.weight";
  const at::Tensor w = model->model().weights().at(name);
  const double scale = std::max(std::abs(w.min().item<double>()), std::abs(w.max().item<double>())) / 127.0;
  const at::Tensor expected = at::fake_quantize_per_tensor_affine(w, scale, 0, -128, 127);
  EXPECT_LE((simulator.quantizedModel().weights().at(name) - expected).abs().max().item<double>(), 1e-7);
  // The tied lm_head keeps the float table while the embeddings are quantized.
  EXPECT_TRUE(at::equal(simulator.quantizedModel().weights().at("lm_head.weight"),
                        model->model().weights().at("model.decoder.embed_tokens.weight")));
  EXPECT_FALSE(at::equal(simulator.quantizedModel().weights().at("model.decoder.embed_tokens.weight"),
                         model->model().weights().at("model.decoder.embed_tokens.weight")));
}

TEST(QuantizationSimulator, SixteenBitsReproducesTheFloatModel) {
  for (const char* name : {"bert-tiny-gated@softmax1", "opt-tiny-gated@clipped:-0.025:1"}) {
    SCOPED_TRACE(name);
    const auto model = LoadedModel::open(kModels + name);
    QuantizationSettings settings;
    settings.weightBits = 16;
    settings.activationBits = 16;
    QuantizationSimulator simulator(model->model(), settings);
    const ModelInputs inputs = randomInputs(model->info().vocabSize, 2);
    simulator.calibrate(inputs);
    simulator.freeze();
    at::NoGradGuard noGrad;
    const at::Tensor quantized = simulator.forward(inputs);
    const at::Tensor reference = model->model().forward(inputs);
    EXPECT_LE((quantized - reference).abs().max().item<double>(), 2e-2 * reference.abs().max().item<double>());
    // Eight bits loses visibly more.
    QuantizationSimulator eight(model->model(), QuantizationSettings{});
    eight.calibrate(inputs);
    eight.freeze();
    EXPECT_GT((eight.forward(inputs) - reference).abs().max().item<double>(),
              (quantized - reference).abs().max().item<double>());
  }
}

TEST(QuantizationSimulator, KeepingEverythingFloatIsTheFloatModel) {
  const auto model = LoadedModel::open(kModels + "opt-tiny");
  QuantizationSettings settings;
  settings.keepFloat = {"."};
  QuantizationSimulator simulator(model->model(), settings);
  const ModelInputs inputs = randomInputs(600, 3);
  simulator.calibrate(inputs);
  simulator.freeze();
  at::NoGradGuard noGrad;
  EXPECT_TRUE(at::equal(simulator.forward(inputs), model->model().forward(inputs)));
  EXPECT_TRUE(simulator.quantizers().empty());
}

TEST(QuantizationSimulator, LifeCycleAndBadSettings) {
  const auto model = LoadedModel::open(kModels + "bert-tiny");
  QuantizationSimulator simulator(model->model(), QuantizationSettings{});
  const ModelInputs inputs = randomInputs(1000, 4);
  EXPECT_THROW(simulator.forward(inputs), Error);  // not calibrated
  EXPECT_THROW(simulator.freeze(), Error);          // nothing observed
  simulator.calibrate(inputs);
  simulator.freeze();
  EXPECT_THROW(simulator.calibrate(inputs), Error);  // frozen
  QuantizationSettings bad;
  bad.estimator = "median";
  EXPECT_THROW(QuantizationSimulator(model->model(), bad), Error);
  bad = QuantizationSettings{};
  bad.keepFloat = {"("};
  EXPECT_THROW(QuantizationSimulator(model->model(), bad), Error);
  bad = QuantizationSettings{};
  bad.weightBits = 1;
  EXPECT_THROW(QuantizationSimulator(model->model(), bad), Error);
}

}  // namespace
