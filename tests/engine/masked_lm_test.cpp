// Deterministic masking against values computed with the header's Python formula
// (/usr/bin/python3, exact doubles), proportions over 10^5 positions, and edge cases.
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"
#include "hopscope/masked_lm.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "error_message.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace hopscope {
namespace {

at::Tensor idsTensor(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return at::tensor(flat, at::kLong)
      .view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
}

// Vocabulary of 50 with [MASK] = 4 and specials [PAD] = 0, [CLS] = 2, [SEP] = 3.
MaskingOptions smallOptions(double probability, uint64_t seed) {
  MaskingOptions options;
  options.probability = probability;
  options.seed = seed;
  options.maskId = 4;
  options.vocabSize = 50;
  options.specialIds = {0, 2, 3};
  return options;
}

const std::vector<std::vector<int64_t>> kIds = {{2, 10, 11, 12, 13, 14, 15, 3},
                                                {16, 17, 18, 19, 3, 0, 0, 0}};

TEST(MaskedLmTest, UniformsMatchPython) {
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);  // SplitMix64's first output for seed 0
  EXPECT_EQ(splitmix64(1), 0x910a2dec89025cc1ULL);
  EXPECT_EQ(maskingUniform(0, 0, 0, 0), 0.13870941014555427);
  EXPECT_EQ(maskingUniform(0, 0, 0, 1), 0.18436667429957676);
  EXPECT_EQ(maskingUniform(42, 3, 17, 2), 0.8567040403383512);
  EXPECT_EQ(maskingUniform(12345, 1000000, 511, 0), 0.5060873835902071);
  EXPECT_EQ(maskingUniform(UINT64_MAX, 7, 0, 1), 0.8229820690799966);
}

TEST(MaskedLmTest, MasksMatchPython) {
  // Seed 23, p = 0.5: (0,5) -> [MASK], (1,1) -> random id 23, (1,2) kept.
  const MaskedBlocks masked = maskTokens(idsTensor(kIds), smallOptions(0.5, 23));
  EXPECT_TRUE(masked.inputs.equal(idsTensor({{2, 10, 11, 12, 13, 4, 15, 3},
                                             {16, 23, 18, 19, 3, 0, 0, 0}})));
  EXPECT_TRUE(masked.labels.equal(idsTensor({{-100, -100, -100, -100, -100, 14, -100, -100},
                                             {-100, 17, 18, -100, -100, -100, -100, -100}})));
  EXPECT_EQ(masked.selected, 3);

  // Seed 7 with the rows being global blocks 5 and 6.
  MaskingOptions offset = smallOptions(0.5, 7);
  offset.firstBlockIndex = 5;
  const MaskedBlocks shifted = maskTokens(idsTensor(kIds), offset);
  EXPECT_TRUE(shifted.inputs.equal(idsTensor({{2, 10, 11, 12, 4, 14, 15, 3},
                                              {16, 4, 4, 19, 3, 0, 0, 0}})));
  EXPECT_TRUE(shifted.labels.equal(idsTensor({{-100, -100, -100, -100, 13, -100, -100, -100},
                                              {-100, 17, 18, -100, -100, -100, -100, -100}})));
}

TEST(MaskedLmTest, ProportionsOverAHundredThousandPositions) {
  MaskingOptions options = smallOptions(0.15, 2024);
  options.vocabSize = 1000;
  const at::Tensor ids = (at::arange(100000, at::kLong) % 900 + 100).view({1000, 100});
  const MaskedBlocks masked = maskTokens(ids, options);
  const at::Tensor selected = masked.labels.ne(kIgnoredLabel);
  const int64_t count = selected.sum().item<int64_t>();
  EXPECT_EQ(count, masked.selected);
  EXPECT_TRUE(masked.labels.masked_select(selected).equal(ids.masked_select(selected)));
  EXPECT_TRUE(masked.inputs.masked_select(selected.logical_not())
                  .equal(ids.masked_select(selected.logical_not())));
  // Binomial standard deviations: 0.0011 for the selection, 0.0033 / 0.0025 for the kinds.
  EXPECT_NEAR(count / 1e5, 0.15, 0.005);
  const at::Tensor inputs = masked.inputs.masked_select(selected);
  const at::Tensor originals = ids.masked_select(selected);
  const double total = static_cast<double>(count);
  const double masks = inputs.eq(4).sum().item<int64_t>() / total;
  const double kept = inputs.eq(originals).sum().item<int64_t>() / total;
  EXPECT_NEAR(masks, 0.8, 0.015);
  EXPECT_NEAR(kept, 0.1, 0.012);  // includes random draws equal to the original (1 in 1000)
  EXPECT_NEAR(1.0 - masks - kept, 0.1, 0.012);
  EXPECT_TRUE(inputs.ge(0).logical_and(inputs.lt(1000)).all().item<bool>());
  // The exact counts from the Python formula: selected, input [MASK] (12031 masked plus one random
  // draw of id 4), input unchanged.
  EXPECT_EQ(count, 14992);
  EXPECT_EQ(inputs.eq(4).sum().item<int64_t>(), 12032);
  EXPECT_EQ(inputs.eq(originals).sum().item<int64_t>(), 1526);
}

TEST(MaskedLmTest, SameSeedSameMasksOtherSeedOtherMasks) {
  const at::Tensor ids = (at::arange(4000, at::kLong) % 40 + 5).view({40, 100});
  const MaskedBlocks a = maskTokens(ids, smallOptions(0.15, 1));
  const MaskedBlocks b = maskTokens(ids, smallOptions(0.15, 1));
  const MaskedBlocks c = maskTokens(ids, smallOptions(0.15, 2));
  EXPECT_TRUE(a.inputs.equal(b.inputs));
  EXPECT_TRUE(a.labels.equal(b.labels));
  EXPECT_FALSE(a.labels.equal(c.labels));
  // Batching does not matter: rows 10..19 masked alone, as global blocks 10..19.
  MaskingOptions part = smallOptions(0.15, 1);
  part.firstBlockIndex = 10;
  const MaskedBlocks d = maskTokens(ids.narrow(0, 10, 10), part);
  EXPECT_TRUE(d.inputs.equal(a.inputs.narrow(0, 10, 10)));
  EXPECT_TRUE(d.labels.equal(a.labels.narrow(0, 10, 10)));
}

TEST(MaskedLmTest, ProbabilityZeroAndOneAndSpecials) {
  const at::Tensor ids = idsTensor(kIds);
  const MaskedBlocks none = maskTokens(ids, smallOptions(0.0, 5));
  EXPECT_TRUE(none.inputs.equal(ids));
  EXPECT_TRUE(none.labels.eq(kIgnoredLabel).all().item<bool>());
  EXPECT_EQ(none.selected, 0);
  // p = 1 selects every non-special position and never a special one.
  const MaskedBlocks all = maskTokens(ids, smallOptions(1.0, 5));
  EXPECT_TRUE(all.labels.equal(idsTensor({{-100, 10, 11, 12, 13, 14, 15, -100},
                                          {16, 17, 18, 19, -100, -100, -100, -100}})));
  EXPECT_EQ(all.selected, 10);
}

TEST(MaskedLmTest, BertOptionsFromTheTokenizer) {
  const auto tokenizer =
      WordPieceTokenizer::fromVocabText("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n");
  const std::vector<std::string> unmaskable = {"[CLS]", "[SEP]", "[PAD]"};
  const MaskingOptions options = maskingOptions(*tokenizer, "[MASK]", unmaskable, 0.15, 9);
  EXPECT_EQ(options.maskId, 4);
  EXPECT_EQ(options.vocabSize, 7);
  EXPECT_EQ(options.specialIds, (std::vector<int64_t>{2, 3, 0}));
  EXPECT_EQ(options.seed, 9u);
  const std::string opt = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/opt-tiny";
  const auto bpe = BpeTokenizer::fromFiles(opt + "/vocab.json", opt + "/merges.txt");
  EXPECT_EQ(test::errorMessage([&] { maskingOptions(*bpe, "[MASK]", unmaskable, 0.15, 9); }),
            "masked-LM evaluation needs a [MASK] token, and the vocabulary has none");
}

TEST(MaskedLmTest, ReportsErrors) {
  const at::Tensor ids = idsTensor(kIds);
  EXPECT_EQ(test::errorMessage([&] { maskTokens(ids, smallOptions(1.5, 0)); }),
            "mask probability must be in [0, 1], got 1.500000");
  EXPECT_EQ(test::errorMessage([&] { maskTokens(ids.to(at::kInt), smallOptions(0.1, 0)); }),
            "masking needs int64 token ids of shape [blocks, length]");
  EXPECT_EQ(test::errorMessage([&] { maskTokens(ids.view({-1}), smallOptions(0.1, 0)); }),
            "masking needs int64 token ids of shape [blocks, length]");
  MaskingOptions badMask = smallOptions(0.1, 0);
  badMask.maskId = 50;
  EXPECT_EQ(test::errorMessage([&] { maskTokens(ids, badMask); }),
            "masking: mask id 50 is not in the vocabulary of 50 tokens");
}

}  // namespace
}  // namespace hopscope
