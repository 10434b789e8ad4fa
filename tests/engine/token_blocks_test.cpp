// makeTokenBlocks: hand-worked blocks on a tiny in-memory WordPiece vocabulary, the OPT fixture's
// BPE framing on Moby Dick lines, early stopping and error cases.
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"
#include "hopscope/token_blocks.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "tiny_wordpiece.h"
#include "error_message.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace hopscope {
namespace {

const std::string kOptDir = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/opt-tiny";
const std::string kMobyDick = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";

// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7.
std::unique_ptr<WordPieceTokenizer> tinyTokenizer() { return test::tinyWordPiece(); }

TextCorpus inMemory(std::vector<std::string> documents) {
  TextCorpus corpus;
  corpus.documents = std::move(documents);
  return corpus;
}

std::vector<std::vector<int64_t>> rowsOf(const at::Tensor& ids) {
  std::vector<std::vector<int64_t>> rows;
  for (int64_t r = 0; r < ids.size(0); ++r) {
    const at::Tensor row = ids[r].contiguous();
    rows.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  return rows;
}

// Lines [first, first + count) of Moby Dick that are not blank.
TextCorpus mobyDickLines(size_t first, size_t count) {
  std::ifstream in(kMobyDick);
  std::string line;
  TextCorpus corpus;
  for (size_t number = 0; std::getline(in, line) && number < first + count; ++number)
    if (number >= first && !line.empty()) corpus.documents.push_back(line);
  return corpus;
}

// The stream is [CLS] a b [SEP] [CLS] c [SEP] [CLS] a a a [SEP] = 2 5 6 3 2 7 3 2 5 5 5 3.
const std::vector<std::string> kDocuments = {"a b", "c", "a a a"};

TEST(TokenBlocksTest, CutsTheFramedStreamIntoBlocksAndDropsTheTail) {
  const auto tokenizer = tinyTokenizer();
  const TokenBlocks blocks = makeTokenBlocks(inMemory(kDocuments), *tokenizer, 5);
  EXPECT_EQ(blocks.ids.scalar_type(), at::kLong);
  EXPECT_EQ(rowsOf(blocks.ids),
            (std::vector<std::vector<int64_t>>{{2, 5, 6, 3, 2}, {7, 3, 2, 5, 5}}));
  EXPECT_EQ(blocks.tokensUsed, 10);
  EXPECT_EQ(blocks.tokensDropped, 2);
  EXPECT_EQ(blocks.documentsEncoded, 3);

  const TokenBlocks exact = makeTokenBlocks(inMemory(kDocuments), *tokenizer, 4);
  EXPECT_EQ(rowsOf(exact.ids),
            (std::vector<std::vector<int64_t>>{{2, 5, 6, 3}, {2, 7, 3, 2}, {5, 5, 5, 3}}));
  EXPECT_EQ(exact.tokensDropped, 0);

  const TokenBlocks whole = makeTokenBlocks(inMemory(kDocuments), *tokenizer, 12);
  EXPECT_EQ(whole.ids.sizes(), (std::vector<int64_t>{1, 12}));
}

TEST(TokenBlocksTest, StopsEncodingOnceEnoughBlocksExist) {
  const auto tokenizer = tinyTokenizer();
  // After "a b" the stream has 4 tokens, after "c" 7 >= 5: "a a a" is never encoded.
  const TokenBlocks one = makeTokenBlocks(inMemory(kDocuments), *tokenizer, 5, 1);
  EXPECT_EQ(rowsOf(one.ids), (std::vector<std::vector<int64_t>>{{2, 5, 6, 3, 2}}));
  EXPECT_EQ(one.tokensUsed, 5);
  EXPECT_EQ(one.tokensDropped, 2);
  EXPECT_EQ(one.documentsEncoded, 2);
  // More blocks asked than exist: all of them.
  EXPECT_EQ(makeTokenBlocks(inMemory(kDocuments), *tokenizer, 5, 9).ids.size(0), 2);
}

TEST(TokenBlocksTest, OptFramingPrependsEndOfTextToEveryLine) {
  const auto tokenizer = BpeTokenizer::fromFiles(kOptDir + "/vocab.json", kOptDir + "/merges.txt");
  const int64_t eos = tokenizer->tokenId("</s>");
  ASSERT_EQ(eos, 2);
  const TextCorpus corpus = mobyDickLines(0, 60);
  ASSERT_EQ(corpus.documents.size(), 54u);  // 6 of the first 60 lines are blank

  std::vector<int64_t> stream;  // the framing spelled out: "</s>" + the line's own BPE
  for (const auto& document : corpus.documents) {
    stream.push_back(eos);
    const auto ids = tokenizer->encode(document, false).ids;
    stream.insert(stream.end(), ids.begin(), ids.end());
  }
  const int64_t length = 32;
  const TokenBlocks blocks = makeTokenBlocks(corpus, *tokenizer, length);
  const auto blockCount = static_cast<int64_t>(stream.size()) / length;
  ASSERT_EQ(blocks.ids.sizes(), (std::vector<int64_t>{blockCount, length}));
  EXPECT_EQ(blocks.tokensDropped, static_cast<int64_t>(stream.size()) - blockCount * length);
  stream.resize(static_cast<size_t>(blockCount * length));
  const at::Tensor flat = blocks.ids.reshape({-1}).contiguous();
  EXPECT_EQ(std::vector<int64_t>(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel()),
            stream);
  EXPECT_EQ(blocks.ids[0][0].item<int64_t>(), eos);

  // Stopping early gives a prefix of the same blocks.
  const TokenBlocks first = makeTokenBlocks(corpus, *tokenizer, length, 3);
  ASSERT_EQ(first.ids.size(0), 3);
  EXPECT_TRUE(first.ids.equal(blocks.ids.narrow(0, 0, 3)));
  EXPECT_LT(first.documentsEncoded, static_cast<int64_t>(corpus.documents.size()));
}

TEST(TokenBlocksTest, ReportsErrors) {
  const auto tokenizer = tinyTokenizer();
  EXPECT_EQ(test::errorMessage([&] { makeTokenBlocks(inMemory(kDocuments), *tokenizer, 1); }),
            "token blocks: the block length must be at least 2 tokens, got 1");
  EXPECT_EQ(test::errorMessage([&] { makeTokenBlocks(inMemory(kDocuments), *tokenizer, 4, -1); }),
            "token blocks: the number of blocks must be 0 (all) or more, got -1");
  EXPECT_EQ(test::errorMessage([&] { makeTokenBlocks(inMemory(kDocuments), *tokenizer, 13); }),
            "the corpus has only 12 tokens, fewer than one block of 13");
  TextCorpus named = inMemory({"a"});
  named.path = "short.txt";
  EXPECT_EQ(test::errorMessage([&] { makeTokenBlocks(named, *tokenizer, 4); }),
            "short.txt: the corpus has only 3 tokens, fewer than one block of 4");
}

}  // namespace
}  // namespace hopscope
