// Per-head attention statistics against hand-computed values and loops.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "hopscope/attention_head_statistics.h"

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
