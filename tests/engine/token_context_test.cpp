// tokenContext: the text whose run shows one token of an evaluation block. Hand-worked blocks on a
// tiny WordPiece vocabulary (framing left out and mapped, [MASK] spelled out, the position table
// cut), then every position of real blocks of the OPT fixture's BPE on Moby Dick: the run's token
// at the returned index is always the block's token.
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/token_blocks.h"
#include "hopscope/token_context.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "tiny_wordpiece.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace hopscope {
namespace {

const std::string kOptDir = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/opt-tiny";
const std::string kMobyDick = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";

// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7.
std::unique_ptr<WordPieceTokenizer> tinyTokenizer() { return test::tinyWordPiece(); }

std::vector<int64_t> runIds(const Tokenizer& tokenizer, const TokenContext& context) {
  return tokenizer.encode(context.text, true).ids;
}

TEST(TokenContextTest, LeavesTheBlocksFramingToTheRunAndMapsTheToken) {
  const auto tokenizer = tinyTokenizer();
  // [CLS] a b [SEP] [CLS]: the leading [CLS] is the run's own; the trailing one is content.
  const std::vector<int64_t> block = {2, 5, 6, 3, 2};
  const TokenContext b = tokenContext(*tokenizer, block, 2, 512);
  EXPECT_EQ(b.text, "a b [SEP] [CLS]");
  EXPECT_TRUE(b.exact);
  EXPECT_EQ(b.token, 2);
  EXPECT_EQ(b.id, 6);
  EXPECT_EQ(runIds(*tokenizer, b), (std::vector<int64_t>{2, 5, 6, 3, 2, 3}));
  // The leading [CLS] itself is the run's first token.
  EXPECT_EQ(tokenContext(*tokenizer, block, 0, 512).token, 0);
  // A block ending in [SEP]: that [SEP] is the run's last.
  const std::vector<int64_t> closed = {7, 3, 2, 5, 3};
  const TokenContext last = tokenContext(*tokenizer, closed, 4, 512);
  EXPECT_TRUE(last.exact);
  EXPECT_EQ(last.text, "c [SEP] [CLS] a");
  EXPECT_EQ(last.token, 5);
  EXPECT_EQ(runIds(*tokenizer, last)[static_cast<size_t>(last.token)], 3);
}

TEST(TokenContextTest, SpellsMasksOutAndCutsToThePositionTable) {
  const auto tokenizer = tinyTokenizer();
  // As the model saw it after masking: [MASK] and a random replacement stay what they were.
  const std::vector<int64_t> block = {2, 5, 4, 6, 7, 4, 5, 3, 2, 6, 6, 7};
  const TokenContext mask = tokenContext(*tokenizer, block, 5, 512);
  EXPECT_TRUE(mask.exact);
  EXPECT_EQ(runIds(*tokenizer, mask)[static_cast<size_t>(mask.token)], 4);
  // Six positions: [CLS] + four block tokens around the token + [SEP].
  for (int64_t token = 0; token < static_cast<int64_t>(block.size()); ++token) {
    const TokenContext cut = tokenContext(*tokenizer, block, token, 6);
    const std::vector<int64_t> run = runIds(*tokenizer, cut);
    EXPECT_LE(run.size(), 6u) << token;
    EXPECT_TRUE(cut.exact) << token;
    ASSERT_GE(cut.token, 0);
    EXPECT_EQ(run[static_cast<size_t>(cut.token)], block[static_cast<size_t>(token)]) << token;
  }
  // No room for any block token beside the framing, or no such token: no context.
  EXPECT_TRUE(tokenContext(*tokenizer, block, 3, 2).text.empty());
  EXPECT_EQ(tokenContext(*tokenizer, block, 12, 512).token, -1);
}

TEST(TokenContextTest, EveryPositionOfRealBpeBlocksIsTheRunsTokenAtTheIndex) {
  const auto tokenizer = BpeTokenizer::fromFiles(kOptDir + "/vocab.json", kOptDir + "/merges.txt");
  std::ifstream in(kMobyDick);
  TextCorpus corpus;
  std::string line;
  for (size_t number = 0; std::getline(in, line) && corpus.documents.size() < 200; ++number)
    if (number >= 500 && !line.empty()) corpus.documents.push_back(line);
  const int64_t length = 32;
  const TokenBlocks blocks = makeTokenBlocks(corpus, *tokenizer, length, 6);
  ASSERT_EQ(blocks.ids.size(0), 6);
  int exact = 0, total = 0;
  for (int64_t b = 0; b < blocks.ids.size(0); ++b) {
    const at::Tensor row = blocks.ids[b].contiguous();
    const std::vector<int64_t> ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
    for (int64_t token = 0; token < length; ++token) {
      // The position table of the block length: the run's </s> costs a block token where the
      // block does not start a document.
      const TokenContext context = tokenContext(*tokenizer, ids, token, length);
      const std::vector<int64_t> run = runIds(*tokenizer, context);
      ASSERT_FALSE(context.text.empty());
      EXPECT_LE(static_cast<int64_t>(run.size()), length);
      ASSERT_GE(context.token, 0);
      ASSERT_LT(context.token, static_cast<int64_t>(run.size()));
      EXPECT_EQ(run[static_cast<size_t>(context.token)], ids[static_cast<size_t>(token)]) << "block " << b << " token " << token;
      exact += context.exact ? 1 : 0;
      ++total;
    }
  }
  // Byte-level BPE re-encodes decoded text almost always as it was.
  EXPECT_EQ(total, 6 * 32);
  EXPECT_GE(exact, total * 9 / 10) << exact << " of " << total;
}

}  // namespace
}  // namespace hopscope
