// PerplexityAccumulator against a 2x3x4 case worked in Python (math.log / math.exp), and on the
// fixture models against a loop over positions summing std::exp.
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/masked_lm.h"
#include "hopscope/perplexity.h"
#include "hopscope/text_corpus.h"
#include "hopscope/token_blocks.h"
#include "hopscope/transformer_model.h"
#include "error_message.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace hopscope {
namespace {

at::Tensor smallLogits() {
  return at::tensor(std::vector<double>{1, 2, 3, 4, 0, 0, 0, 0, 2, -1, 0.5, 1,
                                        -2, 0, 1, 3, 5, 1, 1, 1, 0.1, 0.2, 0.3, 0.4},
                    at::kDouble)
      .view({2, 3, 4});
}

at::Tensor ids2x3(std::vector<int64_t> values) {
  return at::tensor(values, at::kLong).view({2, 3});
}

// Predicted: (0,0) -> 3, (1,0) -> 0, (1,1) -> 1, (1,2) -> 2.
const std::vector<int64_t> kLabels = {3, -100, -100, 0, 1, 2};
// Python: log(sum(exp(row))) - row[target] for the four predictions.
const std::vector<double> kMaskedNll = {0.4401896985611957, 5.175515362616714, 4.053490449705934,
                                        1.3425355294551629};

TEST(PerplexityTest, MaskedLmByHand) {
  PerplexityAccumulator accumulator;
  accumulator.addMaskedLm(smallLogits(), ids2x3(kLabels));
  EXPECT_EQ(accumulator.predictions(), 4);
  EXPECT_EQ(accumulator.batches(), 1);
  EXPECT_NEAR(accumulator.nllSum(), 11.011731040339006, 1e-12);
  EXPECT_NEAR(accumulator.tokenWeighted(), 15.688575308188355, 1e-11);
  EXPECT_NEAR(accumulator.batchMean(), 15.688575308188355, 1e-11);
  EXPECT_EQ(accumulator.nonFinitePredictions(), 0);
}

TEST(PerplexityTest, BatchMeanAveragesPerBatchLosses) {
  // Row 0 (one prediction) and row 1 (three) as separate batches.
  const at::Tensor logits = smallLogits(), labels = ids2x3(kLabels);
  PerplexityAccumulator accumulator;
  accumulator.addMaskedLm(logits.narrow(0, 0, 1), labels.narrow(0, 0, 1));
  accumulator.addMaskedLm(logits.narrow(0, 1, 1), labels.narrow(0, 1, 1));
  EXPECT_EQ(accumulator.batches(), 2);
  // Python: exp((0.44018... + (5.1755... + 4.0534... + 1.3425...) / 3) / 2).
  EXPECT_NEAR(accumulator.batchMean(), 7.257376546090129, 1e-11);
  EXPECT_NEAR(accumulator.tokenWeighted(), 15.688575308188355, 1e-11);
}

TEST(PerplexityTest, CausalLmByHand) {
  // Position t predicts ids[t + 1]: (0,0) -> 1, (0,1) -> 2, (1,0) -> 3, (1,1) -> 0.
  PerplexityAccumulator accumulator;
  accumulator.addCausalLm(smallLogits(), ids2x3({0, 1, 2, 3, 3, 0}));
  EXPECT_EQ(accumulator.predictions(), 4);
  EXPECT_NEAR(accumulator.nllSum(), 4.055489872003736, 1e-12);
  EXPECT_NEAR(accumulator.tokenWeighted(), 2.7562538802181713, 1e-12);
  // Float32 logits are widened, not computed in float32.
  PerplexityAccumulator single;
  single.addCausalLm(smallLogits().to(at::kFloat), ids2x3({0, 1, 2, 3, 3, 0}));
  EXPECT_NEAR(single.nllSum(), 4.055489872003736, 1e-6);
}

TEST(PerplexityTest, MergeEqualsWhole) {
  const at::Tensor logits = smallLogits(), labels = ids2x3(kLabels);
  PerplexityAccumulator whole, first, second;
  whole.addMaskedLm(logits.narrow(0, 0, 1), labels.narrow(0, 0, 1));
  whole.addMaskedLm(logits.narrow(0, 1, 1), labels.narrow(0, 1, 1));
  first.addMaskedLm(logits.narrow(0, 0, 1), labels.narrow(0, 0, 1));
  second.addMaskedLm(logits.narrow(0, 1, 1), labels.narrow(0, 1, 1));
  first.merge(second);
  EXPECT_EQ(first.nllSum(), whole.nllSum());
  EXPECT_EQ(first.predictions(), whole.predictions());
  EXPECT_EQ(first.batches(), whole.batches());
  EXPECT_EQ(first.tokenWeighted(), whole.tokenWeighted());
  EXPECT_EQ(first.batchMean(), whole.batchMean());
}

TEST(PerplexityTest, NonFiniteLogitsAreCountedNotSummed) {
  at::Tensor logits = smallLogits();
  logits[1][1][2].fill_(std::numeric_limits<double>::quiet_NaN());  // prediction (1,1)
  logits[0][1][0].fill_(std::numeric_limits<double>::quiet_NaN());  // not predicted: ignored
  logits[1][2][0].fill_(std::numeric_limits<double>::infinity());  // prediction (1,2)
  PerplexityAccumulator accumulator;
  accumulator.addMaskedLm(logits, ids2x3(kLabels));
  EXPECT_EQ(accumulator.nonFinitePredictions(), 2);
  EXPECT_EQ(accumulator.predictions(), 2);
  EXPECT_NEAR(accumulator.nllSum(), kMaskedNll[0] + kMaskedNll[1], 1e-12);
  EXPECT_TRUE(std::isfinite(accumulator.tokenWeighted()));

  PerplexityAccumulator empty;
  empty.addMaskedLm(smallLogits(), at::full({2, 3}, kIgnoredLabel, at::kLong));
  EXPECT_EQ(empty.batches(), 0);
  EXPECT_TRUE(std::isnan(empty.tokenWeighted()));
  EXPECT_TRUE(std::isnan(empty.batchMean()));
}

TEST(PerplexityTest, ReportsErrors) {
  PerplexityAccumulator accumulator;
  EXPECT_EQ(test::errorMessage([&] { accumulator.addMaskedLm(smallLogits(), ids2x3(kLabels).t()); }),
            "perplexity: labels must be int64 [2, 3] to match the logits [2, 3, 4], got [3, 2]");
  EXPECT_EQ(test::errorMessage([&] { accumulator.addCausalLm(smallLogits()[0], ids2x3(kLabels)); }),
            "perplexity: logits must be a floating-point tensor [batch, tokens, vocab], "
            "got [3, 4]");
  const at::Tensor outside = ids2x3({4, -100, -100, 0, 1, 2});
  EXPECT_EQ(test::errorMessage([&] { accumulator.addMaskedLm(smallLogits(), outside); }),
            "perplexity: a target id is outside the vocabulary [0, 4) (labels may only be token "
            "ids or -100)");
  EXPECT_EQ(accumulator.predictions(), 0);
}

// -log softmax(logits[b, t])[target] by a plain loop, in double.
double loopNll(const at::Tensor& logits, int64_t b, int64_t t, int64_t target) {
  const at::Tensor row = logits[b][t].to(at::kDouble).contiguous();
  const double* values = row.data_ptr<double>();
  double sum = 0.0;
  for (int64_t v = 0; v < row.numel(); ++v) sum += std::exp(values[v]);
  return std::log(sum) - values[target];
}

TextCorpus mobyDickCorpus() {
  return readTextCorpus(std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt");
}

TEST(PerplexityTest, OptFixtureMatchesALoopOverPositions) {
  at::NoGradGuard noGrad;
  const auto model = LoadedModel::open(std::string(HOPSCOPE_FIXTURES_DIR) + "/models/opt-tiny");
  const TokenBlocks blocks = makeTokenBlocks(mobyDickCorpus(), *model->tokenizer(), 24, 6);
  const at::Tensor logits = model->model().forward({blocks.ids, {}});
  PerplexityAccumulator accumulator;
  accumulator.addCausalLm(logits, blocks.ids);
  double sum = 0.0;
  for (int64_t b = 0; b < 6; ++b)
    for (int64_t t = 0; t + 1 < 24; ++t)
      sum += loopNll(logits, b, t, blocks.ids[b][t + 1].item<int64_t>());
  EXPECT_EQ(accumulator.predictions(), 6 * 23);
  EXPECT_NEAR(accumulator.nllSum(), sum, 1e-9 * sum);
  const double loopPerplexity = std::exp(sum / (6 * 23));
  EXPECT_NEAR(accumulator.tokenWeighted(), loopPerplexity, 1e-9 * loopPerplexity);
  EXPECT_DOUBLE_EQ(accumulator.batchMean(), accumulator.tokenWeighted());  // one batch
  RecordProperty("perplexity", std::to_string(accumulator.tokenWeighted()));
}

TEST(PerplexityTest, BertFixtureMatchesALoopOverMaskedPositions) {
  at::NoGradGuard noGrad;
  const auto model = LoadedModel::open(std::string(HOPSCOPE_FIXTURES_DIR) + "/models/bert-tiny");
  const TokenBlocks blocks = makeTokenBlocks(mobyDickCorpus(), *model->tokenizer(), 32, 8);
  const MaskedBlocks masked =
      maskTokens(blocks.ids, maskingOptions(*model->tokenizer(), "[MASK]", {"[CLS]", "[SEP]", "[PAD]"}, 0.15, 1234));
  const at::Tensor logits = model->model().forward({masked.inputs, {}});
  PerplexityAccumulator accumulator;
  accumulator.addMaskedLm(logits, masked.labels);
  double sum = 0.0;
  int64_t count = 0;
  for (int64_t b = 0; b < 8; ++b)
    for (int64_t t = 0; t < 32; ++t) {
      const int64_t label = masked.labels[b][t].item<int64_t>();
      if (label == kIgnoredLabel) continue;
      sum += loopNll(logits, b, t, label);
      ++count;
    }
  ASSERT_GT(count, 0);
  EXPECT_EQ(accumulator.predictions(), count);
  EXPECT_NEAR(accumulator.nllSum(), sum, 1e-9 * sum);
  RecordProperty("perplexity", std::to_string(accumulator.tokenWeighted()));
  RecordProperty("maskedPositions", std::to_string(count));
}

}  // namespace
}  // namespace hopscope
