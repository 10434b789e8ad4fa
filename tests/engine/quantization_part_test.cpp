// The quantization study in parts, as ranks run it: every range calibrated on all calibration
// blocks and evaluated on its own blocks, the parts through bytes and merged in block order, equal
// one pass over all blocks (metrics and diagnostics up to summation order, counts and ranges
// exactly); parts that do not fit together and malformed bytes are errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "error_message.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_part.h"
#include "hopscope/quantization_sweep.h"

using namespace hopscope;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

using Range = std::pair<int64_t, int64_t>;

void expectNear(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isinf(a)) {
    EXPECT_EQ(std::isnan(a), std::isnan(b)) << what;
    if (std::isinf(a)) EXPECT_EQ(a, b) << what;
    return;
  }
  EXPECT_NEAR(a, b, std::max(1e-12, 1e-9 * std::fabs(a))) << what << ": " << a << " vs " << b;
}

void expectSameMetric(const MetricValue& a, const MetricValue& b, const std::string& what) {
  EXPECT_EQ(a.name, b.name) << what;
  EXPECT_EQ(a.predictions, b.predictions) << what;
  expectNear(a.value, b.value, what + " value");
  expectNear(a.batchMean, b.batchMean, what + " batch mean");
}

void expectSameStudy(const QuantizationStudy& a, const QuantizationStudy& b) {
  expectSameMetric(a.fp, b.fp, "fp");
  ASSERT_EQ(a.sweep.size(), b.sweep.size());
  for (size_t i = 0; i < a.sweep.size(); ++i) {
    EXPECT_EQ(a.sweep[i].weightBits, b.sweep[i].weightBits);
    EXPECT_EQ(a.sweep[i].activationBits, b.sweep[i].activationBits);
    expectSameMetric(a.sweep[i].metric, b.sweep[i].metric, "sweep " + std::to_string(i));
  }
  expectSameMetric(a.main.metric, b.main.metric, "main");
  ASSERT_EQ(a.quantizers.size(), b.quantizers.size());
  for (size_t i = 0; i < a.quantizers.size(); ++i) {
    const QuantizerSummary &x = a.quantizers[i], &y = b.quantizers[i];
    SCOPED_TRACE(x.site);
    EXPECT_EQ(x.site, y.site);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.min, y.min);  // ranges: the same calibration everywhere
    EXPECT_EQ(x.max, y.max);
    EXPECT_EQ(x.scale, y.scale);
    EXPECT_EQ(x.zeroPoint, y.zeroPoint);
    EXPECT_EQ(x.values, y.values);
    EXPECT_EQ(x.levels99, y.levels99);
    EXPECT_EQ(x.clippedFraction, y.clippedFraction);
    expectNear(x.sqnrDb, y.sqnrDb, "sqnr");
  }
}

QuantizationSweepSettings sweepSettings() {
  QuantizationSweepSettings settings;
  settings.weightBits = {8, 4};
  settings.activationBits = {8, 6};
  settings.evaluation.batch = 2;
  settings.evaluation.seqLen = 16;  // the blocks' length
  settings.evaluation.maskProb = 0.3;
  settings.evaluation.seed = 4;
  settings.calibrationBatches = 2;
  return settings;
}

// Token blocks for the text fixtures, images with labels for the ViT.
std::pair<TaskData, TaskData> studyData(const LoadedModel& model, int64_t blocks, int64_t calibration) {
  if (model.info().imageSize > 0) {
    const ModelConfig& config = model.model().config();
    auto images = [&](int64_t count) {
      return TaskData(at::randn({count, config.channels, config.imageSize, config.imageSize}),
                      at::randint(0, static_cast<int64_t>(config.classLabels.size()), {count}, at::kLong));
    };
    return {images(blocks), images(calibration)};
  }
  return {at::randint(5, 500, {blocks, 16}, at::kLong), at::randint(5, 500, {calibration, 16}, at::kLong)};
}

// Parts of consecutive ranges (one empty), through bytes and merged in order, equal one pass.
TEST(QuantizationPart, PartsThroughBytesEqualOnePass) {
  for (const char* name : {"bert-tiny", "opt-tiny", "vit-tiny-hf"}) {
    SCOPED_TRACE(name);
    at::manual_seed(7);
    const auto model = LoadedModel::open(kFixtures + "/models/" + name);
    const QuantizationSweepSettings settings = sweepSettings();
    const auto studied = studyData(*model, 9, 4);  // not a structured binding: lambdas capture these
    const auto& data = studied.first;
    const auto& calibration = studied.second;
    const DataSource source;
    const QuantizationStudy whole = runQuantizationStudy(*model, data, source, calibration, source, settings);

    QuantizationPart merged;
    std::vector<QuantizerSummary> firstQuantizers;
    for (const Range& range : {Range{0, 4}, Range{4, 4}, Range{4, 6}, Range{6, 9}}) {
      QuantizedBlockRange part = quantizeBlockRange(*model, data, calibration, settings, range.first, range.second);
      if (range.first == 0) firstQuantizers = part.quantizers;
      merged.merge(decodeQuantizationPart(encodeQuantizationPart(part.part)));
    }
    ASSERT_EQ(merged.runs.size(), 4u);
    // The first range alone saw fewer activation values: the merge must supply the rest.
    const QuantizerSummary& lastActivation = firstQuantizers.back();
    ASSERT_EQ(lastActivation.kind, "activation");
    EXPECT_LT(lastActivation.values, whole.quantizers.back().values);
    expectSameStudy(whole,
                    finishQuantizationStudy(*model, data, source, source, settings, merged, firstQuantizers));
  }
}

TEST(QuantizationPart, PartsThatDoNotFitAreErrors) {
  const auto model = LoadedModel::open(kFixtures + "/models/bert-tiny");
  const QuantizationSweepSettings settings = sweepSettings();
  const auto studied = studyData(*model, 9, 4);  // not a structured binding: lambdas capture these
  const auto& data = studied.first;
  const auto& calibration = studied.second;
  QuantizedBlockRange first = quantizeBlockRange(*model, data, calibration, settings, 0, 2);
  QuantizationPart gap = first.part;
  EXPECT_ERROR_MESSAGE(gap.merge(quantizeBlockRange(*model, data, calibration, settings, 4, 6).part), "not adjacent");
  EXPECT_ERROR_MESSAGE(quantizeBlockRange(*model, data, calibration, settings, 1, 3), "not a range of whole batches");
  EXPECT_ERROR_MESSAGE(finishQuantizationStudy(*model, data, {}, {}, settings, gap, first.quantizers), "not all 9");

  QuantizationSweepSettings other = settings;
  other.weightBits = {8};
  QuantizationPart mixed = first.part;
  EXPECT_ERROR_MESSAGE(mixed.merge(quantizeBlockRange(*model, data, calibration, other, 2, 4).part),
                       "different configurations");
  other = settings;
  other.keepFloat = {"LayerNorm$"};
  mixed = first.part;
  EXPECT_ERROR_MESSAGE(mixed.merge(quantizeBlockRange(*model, data, calibration, other, 2, 4).part),
                       "different configurations or quantizers");
}

TEST(QuantizationPart, MalformedBytesAreAnError) {
  const auto model = LoadedModel::open(kFixtures + "/models/bert-tiny");
  QuantizationSweepSettings settings = sweepSettings();
  settings.weightBits = {8};
  settings.activationBits = {8};
  const auto studied = studyData(*model, 2, 2);  // not a structured binding: lambdas capture these
  const auto& data = studied.first;
  const auto& calibration = studied.second;
  std::vector<uint8_t> bytes = encodeQuantizationPart(quantizeBlockRange(*model, data, calibration, settings, 0, 2).part);
  EXPECT_EQ(encodeQuantizationPart(decodeQuantizationPart(bytes)), bytes);  // bit-exact both ways
  for (size_t cut : {size_t(0), size_t(5), size_t(40), bytes.size() / 2, bytes.size() - 1}) {
    const std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_ERROR_MESSAGE(decodeQuantizationPart(shorter), "partial quantization result from another rank is malformed");
  }
  bytes.push_back(0);
  EXPECT_ERROR_MESSAGE(decodeQuantizationPart(bytes), "malformed");
  // An analysis part is not a quantization part.
  std::vector<uint8_t> wrongMagic = bytes;
  wrongMagic[2] = 'A';
  EXPECT_ERROR_MESSAGE(decodeQuantizationPart(wrongMagic), "malformed");
}

}  // namespace
