// WordPieceTokenizer against ids made by Hugging Face's Rust tokenizers
// (tests/fixtures/tokenizers/make_wordpiece_expected.mjs), plus hand cases on tiny vocabularies.
#include "hopscope/error.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "error_message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace hopscope {
namespace {

const std::string kBertVocab =
    std::string(HOPSCOPE_RESOURCES_DIR) + "/tokenizers/bert-base-uncased/vocab.txt";
const std::string kExpected =
    std::string(HOPSCOPE_FIXTURES_DIR) + "/tokenizers/bert_base_uncased_expected.json";

// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then the pieces.
std::unique_ptr<WordPieceTokenizer> tinyTokenizer(const std::vector<std::string>& pieces,
                                                  const WordPieceOptions& options = {}) {
  std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const auto& piece : pieces) text += piece + "\n";
  return WordPieceTokenizer::fromVocabText(text, options);
}

std::vector<int64_t> idsOf(const WordPieceTokenizer& tokenizer, const std::string& text) {
  return tokenizer.encode(text, false).ids;
}

TEST(WordPieceTokenizerTest, BertBaseUncasedVocabIsTheRealOne) {
  const auto tokenizer = WordPieceTokenizer::fromVocabFile(kBertVocab);
  EXPECT_EQ(tokenizer->vocabSize(), 30522);
  EXPECT_EQ(tokenizer->tokenString(0), "[PAD]");
  EXPECT_EQ(tokenizer->tokenString(1), "[unused0]");
  EXPECT_EQ(tokenizer->tokenString(1996), "the");
  EXPECT_EQ(tokenizer->tokenString(30521), "##\xEF\xBD\x9E");  // "##～" (U+FF5E)
  EXPECT_EQ(tokenizer->padId(), 0);
  EXPECT_EQ(tokenizer->unkId(), 100);
  EXPECT_EQ(tokenizer->clsId(), 101);
  EXPECT_EQ(tokenizer->sepId(), 102);
  EXPECT_EQ(tokenizer->maskId(), 103);
  EXPECT_EQ(tokenizer->tokenId("##ing"), 2075);
  EXPECT_EQ(tokenizer->tokenId("not-a-token"), -1);
  EXPECT_EQ(tokenizer->displayToken(2075), "##ing");
}

TEST(WordPieceTokenizerTest, MatchesHuggingFaceRustTokenizersOnHardStrings) {
  const auto tokenizer = WordPieceTokenizer::fromVocabFile(kBertVocab);
  std::ifstream file(kExpected);
  ASSERT_TRUE(file) << "missing fixture " << kExpected;
  const auto cases = nlohmann::json::parse(file);
  ASSERT_GE(cases.size(), 45u);
  for (const auto& expected : cases) {
    const auto text = expected.at("text").get<std::string>();
    SCOPED_TRACE("text: " + nlohmann::json(text).dump());
    const Encoding encoding = tokenizer->encode(text);
    EXPECT_EQ(encoding.ids, expected.at("ids").get<std::vector<int64_t>>());
    EXPECT_EQ(encoding.tokens, expected.at("tokens").get<std::vector<std::string>>());
    EXPECT_EQ(tokenizer->decode(encoding.ids), expected.at("decoded").get<std::string>());
  }
}

TEST(WordPieceTokenizerTest, GreedyLongestMatchFirstNotBestSplit) {
  const auto tokenizer = tinyTokenizer({"ab", "a", "##c", "##bc", "##b"});  // ids 5..9
  // "ab" is taken first although "a" + "##bc" would also cover the word.
  EXPECT_EQ(idsOf(*tokenizer, "abc"), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(idsOf(*tokenizer, "a"), (std::vector<int64_t>{6}));
  EXPECT_EQ(idsOf(*tokenizer, "abbc"), (std::vector<int64_t>{5, 8}));
  EXPECT_EQ(tokenizer->encode("abc").ids, (std::vector<int64_t>{2, 5, 7, 3}));
}

TEST(WordPieceTokenizerTest, WordThatCannotBeCoveredIsOneUnk) {
  const auto tokenizer = tinyTokenizer({"ab", "##c", "x"});  // ids 5..7
  // "ab" matches but nothing covers "d": the whole word is one [UNK], not "ab" + [UNK].
  EXPECT_EQ(idsOf(*tokenizer, "abd x abc"), (std::vector<int64_t>{1, 7, 5, 6}));
  EXPECT_EQ(idsOf(*tokenizer, "c"), (std::vector<int64_t>{1}));  // "##c" does not start a word
}

TEST(WordPieceTokenizerTest, WordsLongerThanTheLimitAreUnk) {
  const auto tokenizer = tinyTokenizer({"a", "##a"});  // ids 5, 6
  const std::vector<int64_t> hundred = idsOf(*tokenizer, std::string(100, 'a'));
  ASSERT_EQ(hundred.size(), 100u);
  EXPECT_EQ(hundred.front(), 5);
  EXPECT_EQ(hundred.back(), 6);
  EXPECT_EQ(idsOf(*tokenizer, std::string(101, 'a')), (std::vector<int64_t>{1}));

  WordPieceOptions shortWords;
  shortWords.maxInputCharsPerWord = 3;
  const auto strict = tinyTokenizer({"a", "##a", "\xC3\xA4", "##\xC3\xA4"}, shortWords);
  EXPECT_EQ(idsOf(*strict, "aaa aaaa"), (std::vector<int64_t>{5, 6, 6, 1}));
  // The limit counts code points, not bytes: three "ä" (6 bytes) are still a word.
  WordPieceOptions cased = shortWords;
  cased.lowerCase = false;
  const auto umlauts = tinyTokenizer({"\xC3\xA4", "##\xC3\xA4"}, cased);
  EXPECT_EQ(idsOf(*umlauts, "\xC3\xA4\xC3\xA4\xC3\xA4"), (std::vector<int64_t>{5, 6, 6}));
  EXPECT_EQ(idsOf(*umlauts, "\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4"), (std::vector<int64_t>{1}));
}

TEST(WordPieceTokenizerTest, SpecialTokensSpelledInTheTextAreKept) {
  const auto tokenizer = tinyTokenizer({"a", "b", "[", "]", "mask"});  // ids 5..9
  EXPECT_EQ(idsOf(*tokenizer, "a[MASK]b"), (std::vector<int64_t>{5, 4, 6}));
  EXPECT_EQ(idsOf(*tokenizer, "[mask]"), (std::vector<int64_t>{7, 9, 8}));  // lower case: text
}

TEST(WordPieceTokenizerTest, OptionsControlCaseAccentsAndChineseSpacing) {
  const std::vector<std::string> pieces = {"cafe", "caf\xC3\xA9", "Caf\xC3\xA9", "i", "i\xCC\x87",
                                           "\xE4\xB8\xAD", "##\xE6\x96\x87"};  // ids 5..11
  const auto uncased = tinyTokenizer(pieces);
  EXPECT_EQ(idsOf(*uncased, "Caf\xC3\xA9"), (std::vector<int64_t>{5}));
  EXPECT_EQ(idsOf(*uncased, "\xC4\xB0"), (std::vector<int64_t>{8}));  // "İ" -> "i"
  EXPECT_EQ(idsOf(*uncased, "\xE4\xB8\xAD\xE6\x96\x87"), (std::vector<int64_t>{10, 1}));

  WordPieceOptions keepAccents;
  keepAccents.stripAccents = false;
  const auto accented = tinyTokenizer(pieces, keepAccents);
  EXPECT_EQ(idsOf(*accented, "CAF\xC3\x89"), (std::vector<int64_t>{6}));
  // Python's and Rust's lower() turn "İ" into "i" + U+0307, utf8proc's simple mapping into "i".
  EXPECT_EQ(idsOf(*accented, "\xC4\xB0"), (std::vector<int64_t>{9}));

  WordPieceOptions cased;
  cased.lowerCase = false;
  cased.tokenizeChineseChars = false;
  const auto casedTokenizer = tinyTokenizer(pieces, cased);
  EXPECT_EQ(idsOf(*casedTokenizer, "Caf\xC3\xA9"), (std::vector<int64_t>{7}));
  EXPECT_EQ(idsOf(*casedTokenizer, "\xE4\xB8\xAD\xE6\x96\x87"), (std::vector<int64_t>{10, 11}));
}

TEST(WordPieceTokenizerTest, DecodeOfPlainLowerCaseTextGivesTheTextBack) {
  const auto tokenizer = WordPieceTokenizer::fromVocabFile(kBertVocab);
  for (const std::string text : {"the quick brown fox jumps over the lazy dog",
                                 "unaffable hopfield outliers in transformers",
                                 "pneumonoultramicroscopicsilicovolcanoconiosis is a long word"}) {
    const Encoding encoding = tokenizer->encode(text);
    ASSERT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), tokenizer->unkId()), 0);
    EXPECT_EQ(tokenizer->decode(encoding.ids), text);
  }
  // Normalised: lower case, punctuation spaced out, whitespace runs collapsed.
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(" Hello,\tWORLD!  ").ids), "hello , world !");
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("play").ids, false), "[CLS] play [SEP]");
}

TEST(WordPieceTokenizerTest, BadVocabulariesAndInputsThrowClearErrors) {
  const std::string missing = "/nonexistent/dir/vocab.txt";
  EXPECT_NE(test::errorMessage([&] { WordPieceTokenizer::fromVocabFile(missing); }).find(missing),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { WordPieceTokenizer::fromVocabText(""); }).find("empty"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { WordPieceTokenizer::fromVocabText("[CLS]\n[SEP]\nthe\n"); })
                .find("no [UNK]"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { WordPieceTokenizer::fromVocabText("[UNK]\n[SEP]\n"); })
                .find("no [CLS]"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { WordPieceTokenizer::fromVocabText("[UNK]\n[CLS]\n"); })
                .find("no [SEP]"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { WordPieceTokenizer::fromVocabText("[UNK]\n\xFF\n"); })
                .find("line 2 is not valid UTF-8"),
            std::string::npos);

  const auto tokenizer = tinyTokenizer({"a"});
  EXPECT_NE(test::errorMessage([&] { tokenizer->encode("a\xC3"); }).find("not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([&] { tokenizer->decode({5, 6}); }).find("token id 6"),
            std::string::npos);
  EXPECT_THROW(tokenizer->tokenString(-1), Error);
}

}  // namespace
}  // namespace hopscope
