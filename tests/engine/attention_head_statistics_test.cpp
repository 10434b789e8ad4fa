// Per-head attention statistics against hand-computed values and loops.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hopscope/attention_head_statistics.h"
#include "hopscope/error.h"

using namespace hopscope;

TEST(AttentionHeadStatistics, HandComputedSmallCase) {
  // One sequence of 3 tokens (ids 5, 7, 9; the last is padding), one head, bidirectional.
  const at::Tensor probs = at::tensor({0.5, 0.5, 0.0,   //
                                       0.0, 0.25, 0.0,  //
                                       0.3, 0.3, 0.4},
                                      at::kDouble)
                               .view({1, 1, 3, 3});
  const at::Tensor ids = at::tensor({5L, 7L, 9L}).view({1, 3});
  const at::Tensor mask = at::tensor({1L, 1L, 0L}).view({1, 3});
  AttentionHeadStatistics stats;
  stats.add(probs, ids, mask, {7}, /*causal=*/false);
  ASSERT_EQ(stats.rows(), 2);  // the padded query is skipped
  const HeadSummary head = stats.head(0);
  EXPECT_NEAR(head.entropy, (std::log(2.0) + (-0.25 * std::log(0.25))) / 2, 1e-12);
  EXPECT_NEAR(head.firstTokenMass, (0.5 + 0.0) / 2, 1e-12);
  EXPECT_NEAR(head.delimiterMass, (0.5 + 0.25) / 2, 1e-12);
  EXPECT_NEAR(head.noOpMass, (0.0 + 0.75) / 2, 1e-12);
  EXPECT_NEAR(head.maxWeight, (0.5 + 0.25) / 2, 1e-12);
  // Allowed weights: 2 queries x 2 real keys = 4; exact zeros among them: row 1 key 0.
  EXPECT_NEAR(head.exactZeroFraction, 1.0 / 4, 1e-12);
}

TEST(AttentionHeadStatistics, CausalKeysAndMergeEqualsWhole) {
  at::manual_seed(3);
  const int64_t batch = 4, heads = 3, tokens = 6;
  at::Tensor scores = at::randn({batch, heads, tokens, tokens}, at::kDouble);
  const at::Tensor causal = at::ones({tokens, tokens}, at::kBool).triu(1);
  scores = scores.masked_fill(causal, -1e300);
  at::Tensor probs = at::softmax(scores, -1);
  probs = at::where(probs < 0.1, at::zeros_like(probs), probs);  // plant exact zeros
  const at::Tensor ids = at::randint(0, 4, {batch, tokens}, at::kLong);
  at::Tensor mask = at::ones({batch, tokens}, at::kLong);
  mask[1][5] = 0;
  mask[3][4] = 0;
  mask[3][5] = 0;

  AttentionHeadStatistics whole, first, second;
  whole.add(probs, ids, mask, {2}, true);
  first.add(probs.slice(0, 0, 2), ids.slice(0, 0, 2), mask.slice(0, 0, 2), {2}, true);
  second.add(probs.slice(0, 2), ids.slice(0, 2), mask.slice(0, 2), {2}, true);
  first.merge(second);

  // Loop reference for head 1.
  double zeros = 0, allowed = 0, delimiter = 0, rows = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t q = 0; q < tokens; ++q) {
      if (mask[b][q].item<int64_t>() == 0) continue;
      rows += 1;
      for (int64_t k = 0; k <= q; ++k) {
        if (mask[b][k].item<int64_t>() == 0) continue;
        allowed += 1;
        const double p = probs[b][1][q][k].item<double>();
        zeros += p == 0;
        if (ids[b][k].item<int64_t>() == 2) delimiter += p;
      }
    }
  EXPECT_EQ(whole.rows(), static_cast<int64_t>(rows));
  EXPECT_NEAR(whole.head(1).exactZeroFraction, zeros / allowed, 1e-12);
  EXPECT_NEAR(whole.head(1).delimiterMass, delimiter / rows, 1e-12);
  for (int64_t h = 0; h < heads; ++h) {
    EXPECT_NEAR(first.head(h).entropy, whole.head(h).entropy, 1e-12);
    EXPECT_NEAR(first.head(h).noOpMass, whole.head(h).noOpMass, 1e-12);
    EXPECT_NEAR(first.head(h).exactZeroFraction, whole.head(h).exactZeroFraction, 1e-12);
    EXPECT_NEAR(first.head(h).firstTokenMass, whole.head(h).firstTokenMass, 1e-12);
  }
}

namespace {

// The summary of head h computed by a plain float64 loop over the same values.
HeadSummary loopSummary(const at::Tensor& probs, const at::Tensor& ids, const at::Tensor& mask,
                        const std::vector<int64_t>& delimiterIds, bool causal, int64_t h) {
  const at::Tensor p = probs.to(at::kDouble).contiguous();
  const auto P = p.accessor<double, 4>();
  const auto id = ids.accessor<int64_t, 2>();
  const auto real = mask.accessor<int64_t, 2>();
  const int64_t batch = p.size(0), tokens = p.size(2);
  double rows = 0, allowed = 0, entropy = 0, first = 0, delimiter = 0, noOp = 0, zeros = 0, maxWeight = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t q = 0; q < tokens; ++q) {
      if (!real[b][q]) continue;
      rows += 1;
      double total = 0, largest = P[b][h][q][0];
      for (int64_t k = 0; k < tokens; ++k) {
        const double x = P[b][h][q][k];
        if (x > 0) entropy -= x * std::log(x);
        if (std::find(delimiterIds.begin(), delimiterIds.end(), id[b][k]) != delimiterIds.end()) delimiter += x;
        total += x;
        largest = std::max(largest, x);
        if (real[b][k] && (!causal || k <= q)) {
          allowed += 1;
          zeros += x == 0;
        }
      }
      first += P[b][h][q][0];
      noOp += 1 - total;
      maxWeight += largest;
    }
  HeadSummary summary;
  summary.entropy = entropy / rows;
  summary.firstTokenMass = first / rows;
  summary.delimiterMass = delimiter / rows;
  summary.noOpMass = noOp / rows;
  summary.exactZeroFraction = zeros / allowed;
  summary.maxWeight = maxWeight / rows;
  return summary;
}

// Softmax rows (causal ones with exact zeros above the diagonal), then exact zeros planted where
// the weight is small, so rows sum to less than 1 as softmax1 and clipped softmax leave them.
at::Tensor plantedProbabilities(int64_t batch, int64_t heads, int64_t tokens, bool causal, at::ScalarType type) {
  at::Tensor scores = at::randn({batch, heads, tokens, tokens}, at::kDouble) * 2;
  if (causal) scores = scores.masked_fill(at::ones({tokens, tokens}, at::kBool).triu(1), -INFINITY);
  at::Tensor probs = at::softmax(scores, -1).to(type);
  const double small = 0.5 / static_cast<double>(tokens);
  return at::where(probs < small, at::zeros_like(probs), probs);
}

void expectRelative(double actual, double expected, const char* field, int64_t h) {
  EXPECT_LE(std::fabs(actual - expected), 1e-6 * std::fabs(expected)) << field << " of head " << h << ": "
                                                                        << actual << " vs " << expected;
}

void expectMatchesLoop(int64_t batch, int64_t heads, int64_t tokens, bool causal, at::ScalarType type) {
  const at::Tensor probs = plantedProbabilities(batch, heads, tokens, causal, type);
  const at::Tensor ids = at::randint(0, 6, {batch, tokens}, at::kLong);
  at::Tensor mask = at::ones({batch, tokens}, at::kLong);
  mask[0].slice(0, tokens - 3).fill_(0);  // right padding
  mask[batch - 1].slice(0, tokens / 2).fill_(0);
  const std::vector<int64_t> delimiterIds = {1, 4};
  AttentionHeadStatistics stats;
  stats.add(probs, ids, mask, delimiterIds, causal);
  ASSERT_EQ(stats.rows(), mask.sum().item<int64_t>());
  for (int64_t h = 0; h < heads; ++h) {
    const HeadSummary expected = loopSummary(probs, ids, mask, delimiterIds, causal, h);
    const HeadSummary actual = stats.head(h);
    ASSERT_GT(expected.noOpMass, 0.01);  // the planted zeros took weight away: a relative check means something
    ASSERT_GT(expected.exactZeroFraction, 0.05);
    expectRelative(actual.entropy, expected.entropy, "entropy", h);
    expectRelative(actual.firstTokenMass, expected.firstTokenMass, "firstTokenMass", h);
    expectRelative(actual.delimiterMass, expected.delimiterMass, "delimiterMass", h);
    expectRelative(actual.noOpMass, expected.noOpMass, "noOpMass", h);
    expectRelative(actual.exactZeroFraction, expected.exactZeroFraction, "exactZeroFraction", h);
    expectRelative(actual.maxWeight, expected.maxWeight, "maxWeight", h);
  }
}

}  // namespace

// 37 keys: two full 16-wide vector steps and 5 keys left over per row.
TEST(AttentionHeadStatistics, MatchesFloat64LoopBidirectional) {
  at::manual_seed(11);
  expectMatchesLoop(3, 4, 37, /*causal=*/false, at::kFloat);
}

TEST(AttentionHeadStatistics, MatchesFloat64LoopCausal) {
  at::manual_seed(12);
  expectMatchesLoop(3, 4, 37, /*causal=*/true, at::kFloat);
}

TEST(AttentionHeadStatistics, MatchesFloat64LoopForFloat64Input) {
  at::manual_seed(13);
  expectMatchesLoop(3, 4, 37, /*causal=*/true, at::kDouble);
  expectMatchesLoop(2, 3, 37, /*causal=*/false, at::kDouble);
}

// Rows shorter than one vector step, exactly one, and longer than the float32 summation block (256).
TEST(AttentionHeadStatistics, MatchesFloat64LoopAtOtherRowLengths) {
  at::manual_seed(14);
  for (int64_t tokens : {7, 16, 300}) {
    SCOPED_TRACE(tokens);
    expectMatchesLoop(2, 2, tokens, /*causal=*/tokens != 7, at::kFloat);
  }
}

// Half-precision maps are summed as float32, like the float32 ones.
TEST(AttentionHeadStatistics, AcceptsHalfPrecision) {
  at::manual_seed(15);
  const at::Tensor probs = plantedProbabilities(2, 2, 20, true, at::kFloat).to(at::kHalf);
  const at::Tensor ids = at::randint(0, 6, {2, 20}, at::kLong);
  const at::Tensor mask = at::ones({2, 20}, at::kLong);
  AttentionHeadStatistics stats;
  stats.add(probs, ids, mask, {1}, true);
  const HeadSummary expected = loopSummary(probs, ids, mask, {1}, true, 1);
  expectRelative(stats.head(1).entropy, expected.entropy, "entropy", 1);
  expectRelative(stats.head(1).exactZeroFraction, expected.exactZeroFraction, "exactZeroFraction", 1);
}

// A NaN weight in a real row poisons that head's entropy, delimiter and no-op mass and maximum (as
// torch.max does) but not its zero count or the other head; padded query rows are never read.
TEST(AttentionHeadStatistics, NaNWeightsPropagateAndPaddedRowsAreSkipped) {
  at::Tensor probs = at::full({1, 2, 20, 20}, 0.05f);
  probs[0][0][3][7] = NAN;
  probs[0][1][19][2] = NAN;  // query 19 is padding
  const at::Tensor ids = at::zeros({1, 20}, at::kLong);
  at::Tensor mask = at::ones({1, 20}, at::kLong);
  mask[0][19] = 0;
  AttentionHeadStatistics stats;
  stats.add(probs, ids, mask, {5}, false);
  EXPECT_TRUE(std::isnan(stats.head(0).entropy));
  EXPECT_TRUE(std::isnan(stats.head(0).delimiterMass));
  EXPECT_TRUE(std::isnan(stats.head(0).noOpMass));
  EXPECT_TRUE(std::isnan(stats.head(0).maxWeight));
  EXPECT_EQ(stats.head(0).exactZeroFraction, 0.0);
  const double weight = 0.05f;
  EXPECT_NEAR(stats.head(1).entropy, -20 * weight * std::log(weight), 1e-6);
  EXPECT_EQ(stats.head(1).maxWeight, weight);
  EXPECT_NEAR(stats.head(1).noOpMass, 0.0, 1e-6);
}

TEST(AttentionHeadStatistics, RejectsIdsThatDoNotMatchTheProbabilities) {
  AttentionHeadStatistics stats;
  const at::Tensor probs = at::full({2, 1, 4, 4}, 0.25f);
  try {
    stats.add(probs, at::zeros({2, 5}, at::kLong), at::ones({2, 5}, at::kLong), {}, false);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "attention statistics: token ids [2, 5] and mask [2, 5] must both be [2, 4] to match the "
                 "attention probabilities [2, 1, 4, 4]");
  }
}
