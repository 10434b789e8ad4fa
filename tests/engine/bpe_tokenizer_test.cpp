// BpeTokenizer: GPT-2 ids against Hugging Face's Rust tokenizers (fixtures made by
// tests/fixtures/tokenizers/make_bpe_expected.mjs), round trips on Moby Dick, GPT-2's merge rule on
// a tiny hand-written vocabulary, and the errors a user can cause.
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"
#include "error_message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace hopscope {
namespace {

const std::string kGpt2Dir = std::string(HOPSCOPE_RESOURCES_DIR) + "/tokenizers/gpt2";
const std::string kMobyDickPath = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
const std::string kFixtures = std::string(HOPSCOPE_FIXTURES_DIR) + "/tokenizers";

BpeOptions gpt2Options() {
  BpeOptions options;
  options.bosToken = "";
  options.specialTokens = {"<|endoftext|>"};
  return options;
}

const BpeTokenizer& gpt2() {
  static const auto tokenizer =
      BpeTokenizer::fromFiles(kGpt2Dir + "/vocab.json", kGpt2Dir + "/merges.txt", gpt2Options());
  return *tokenizer;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A scratch directory holding one tokenizer's vocab.json and merges.txt.
class TinyFiles {
 public:
  TinyFiles(const std::string& vocabJson, const std::string& merges) {
    static int counter = 0;
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bpe_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    std::ofstream(vocabPath()) << vocabJson;
    std::ofstream(mergesPath()) << merges;
  }
  ~TinyFiles() { std::filesystem::remove_all(dir_); }
  std::string vocabPath() const { return (dir_ / "vocab.json").string(); }
  std::string mergesPath() const { return (dir_ / "merges.txt").string(); }
  std::unique_ptr<BpeTokenizer> load(const BpeOptions& options = {}) const {
    return BpeTokenizer::fromFiles(vocabPath(), mergesPath(), options);
  }

 private:
  std::filesystem::path dir_;
};

// OPT-style specials first, then letters; "Ġ" is GPT-2's spelling of the space byte.
const char* kTinyVocab = R"({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "b": 5, "c": 6,
  "ab": 7, "bc": 8, "abc": 9, "aba": 10, "aa": 11, "Ġ": 12, "Ġa": 13, "Ġab": 14, "Ċ": 15, "ĉ": 16})";

std::vector<int64_t> tinyIds(const std::string& merges, const std::string& text) {
  const TinyFiles files(kTinyVocab, merges);
  return files.load()->encode(text, false).ids;
}

uint64_t fnv1a64(const std::vector<int64_t>& ids) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const int64_t id : ids) {
    for (int shift = 0; shift < 32; shift += 8) {
      hash ^= (static_cast<uint64_t>(id) >> shift) & 0xff;
      hash *= 0x100000001b3ULL;
    }
  }
  return hash;
}

TEST(BpeTokenizerGpt2, MatchesHuggingFaceIdsOnHardStrings) {
  const auto cases = nlohmann::json::parse(readFile(kFixtures + "/gpt2_expected.json"));
  ASSERT_GE(cases.size(), 45u);
  for (const auto& item : cases) {
    const std::string text = item["text"];
    SCOPED_TRACE("text: " + nlohmann::json(text).dump());
    const Encoding encoding = gpt2().encode(text, true);  // GPT-2 options add nothing
    EXPECT_EQ(encoding.ids, item["ids"].get<std::vector<int64_t>>());
    EXPECT_EQ(encoding.tokens, item["tokens"].get<std::vector<std::string>>());
    EXPECT_EQ(gpt2().decode(encoding.ids, false), text);
  }
}

TEST(BpeTokenizerGpt2, MatchesHuggingFaceIdsOnMobyDick) {
  const auto expected = nlohmann::json::parse(readFile(kFixtures + "/gpt2_moby_dick_expected.json"));
  const std::vector<int64_t> ids = gpt2().encode(readFile(kMobyDickPath)).ids;
  ASSERT_EQ(static_cast<int64_t>(ids.size()), expected["tokenCount"].get<int64_t>());
  const auto firstIds = expected["firstIds"].get<std::vector<int64_t>>();
  EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.begin() + firstIds.size()), firstIds);
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(fnv1a64(ids)));
  EXPECT_EQ(std::string(hash), expected["fnv1a64OfIds"].get<std::string>());
}

TEST(BpeTokenizerGpt2, RoundTripsMobyDickWholeAndPerLine) {
  const std::string text = readFile(kMobyDickPath);
  ASSERT_GT(text.size(), 1000000u);
  EXPECT_TRUE(gpt2().decode(gpt2().encode(text).ids) == text);
  std::istringstream lines(text);
  std::string line;
  size_t mismatches = 0, count = 0;
  while (std::getline(lines, line)) {
    ++count;
    if (gpt2().decode(gpt2().encode(line).ids) != line) ++mismatches;
  }
  EXPECT_GT(count, 20000u);
  EXPECT_EQ(mismatches, 0u);
}

TEST(BpeTokenizerGpt2, EncodesTheSameFromSeveralThreads) {
  const std::string text = readFile(kMobyDickPath);
  const auto fresh = BpeTokenizer::fromFiles(kGpt2Dir + "/vocab.json", kGpt2Dir + "/merges.txt", gpt2Options());
  const std::vector<int64_t> reference = gpt2().encode(text).ids;
  std::vector<std::vector<int64_t>> results(3);
  std::vector<std::thread> threads;
  for (auto& result : results) threads.emplace_back([&] { result = fresh->encode(text).ids; });
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_TRUE(result == reference);
}

TEST(BpeTokenizerGpt2, DecodesInvalidUtf8AsPythonReplaceDoes) {
  // Ids of single-byte tokens (GPT-2 vocab.json): 0xE2 "â" 158, 0x82 "Ĥ" 224, 0xAC "¬" 105,
  // 0xFF "ÿ" 187, 0xED "í" 169, 0xA0 "ł" 254, 0x80 "Ģ" 222, 0xF0 "ð" 172, 0x9F "Ł" 253,
  // 0x98 "ĺ" 246, 0xC0 "À" 124, 0xAF "¯" 107, 'a' 64, 'b' 65. Expected strings are Python's
  // bytes.decode("utf-8", errors="replace") of the same bytes.
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(gpt2().decode({158, 224, 105}), "\xE2\x82\xAC");         // € from three byte tokens
  EXPECT_EQ(gpt2().decode({158, 224}), fffd);                        // truncated: one U+FFFD
  EXPECT_EQ(gpt2().decode({158, 224, 64}), fffd + "a");
  EXPECT_EQ(gpt2().decode({64, 187, 65}), "a" + fffd + "b");         // 0xFF never valid
  EXPECT_EQ(gpt2().decode({169, 254, 222}), fffd + fffd + fffd);     // surrogate D800
  EXPECT_EQ(gpt2().decode({172, 222, 222, 222}), fffd + fffd + fffd + fffd);  // overlong
  EXPECT_EQ(gpt2().decode({124, 107}), fffd + fffd);                 // overlong C0 AF
  EXPECT_EQ(gpt2().decode({172, 253, 246}), fffd);                   // emoji cut short
}

TEST(BpeTokenizerGpt2, DisplaysTokensReadably) {
  EXPECT_EQ(gpt2().displayToken(995), "\u2423world");  // "Ġworld"
  EXPECT_EQ(gpt2().displayToken(628), "\u21B5\u21B5");  // "ĊĊ": two newlines
  EXPECT_EQ(gpt2().displayToken(197), "\u2192");        // "ĉ": tab
  EXPECT_EQ(gpt2().displayToken(960), "\u2014");        // "âĢĶ": em dash
  EXPECT_EQ(gpt2().displayToken(158), "\xEF\xBF\xBD");  // "â": a lone lead byte
  EXPECT_EQ(gpt2().displayToken(50256), "<|endoftext|>");
  EXPECT_EQ(gpt2().tokenString(995), "\xC4\xA0world");
  EXPECT_EQ(gpt2().tokenId("\xC4\xA0world"), 995);
  EXPECT_EQ(gpt2().tokenId("no such token"), -1);
  EXPECT_EQ(gpt2().vocabSize(), 50257);
}

TEST(BpeTokenizerGpt2, KeepsSpecialTokensOnlyWhenAsked) {
  const std::vector<int64_t> ids = gpt2().encode("a<|endoftext|>b").ids;
  EXPECT_EQ(ids, (std::vector<int64_t>{64, 50256, 65}));
  EXPECT_EQ(gpt2().decode(ids), "ab");
  EXPECT_EQ(gpt2().decode(ids, false), "a<|endoftext|>b");
}

TEST(BpeTokenizerTiny, OptOptionsPrependEndOfSequenceToken) {
  const TinyFiles files(kTinyVocab, "#version: 0.2\na b\n");
  const auto tokenizer = files.load();  // default options: OPT's "</s>" first
  EXPECT_EQ(tokenizer->encode("ab</s>c").ids, (std::vector<int64_t>{2, 7, 2, 6}));
  EXPECT_EQ(tokenizer->encode("ab</s>c", false).ids, (std::vector<int64_t>{7, 2, 6}));
  EXPECT_EQ(tokenizer->encode("").ids, (std::vector<int64_t>{2}));
  EXPECT_EQ(tokenizer->encode("ab").tokens, (std::vector<std::string>{"</s>", "ab"}));
  EXPECT_EQ(tokenizer->decode({2, 7, 2, 6}), "abc");
  EXPECT_EQ(tokenizer->decode({2, 7, 2, 6}, false), "</s>ab</s>c");
  EXPECT_EQ(tokenizer->displayToken(2), "</s>");
}

TEST(BpeTokenizerTiny, LowestRankMergesFirstNotLeftmost) {
  EXPECT_EQ(tinyIds("b c\na b\n", "abc"), (std::vector<int64_t>{4, 8}));  // a + bc
  EXPECT_EQ(tinyIds("a b\nb c\n", "abc"), (std::vector<int64_t>{7, 6}));  // ab + c
}

TEST(BpeTokenizerTiny, MergesByRankNotInOnePassOverTheFile) {
  // "ab c" ranks first but only exists once "a b" (rank 1) has merged: one pass in file order
  // would stop at ab + c.
  EXPECT_EQ(tinyIds("ab c\na b\n", "abc"), (std::vector<int64_t>{9}));
}

TEST(BpeTokenizerTiny, MergesEveryOccurrenceOfTheBestPairPerStep) {
  // GPT-2 (Python) merges both "a b" of "abab" in one step, then "ab ab" has no rule: ab + ab.
  // (Hugging Face's Rust BPE merges one pair at a time and gives aba + b; the two agree whenever a
  // rule never uses a token before the rule creating it, as in every trained merges.txt.)
  EXPECT_EQ(tinyIds("ab a\na b\n", "abab"), (std::vector<int64_t>{7, 7}));
  EXPECT_EQ(tinyIds("a a\n", "aaa"), (std::vector<int64_t>{11, 4}));  // left to right, no overlap
}

TEST(BpeTokenizerTiny, SpaceJoinsTheFollowingWord) {
  EXPECT_EQ(tinyIds("\xC4\xA0 a\n\xC4\xA0" "a b\n", "a ab"), (std::vector<int64_t>{4, 14}));
  EXPECT_EQ(tinyIds("", "a\n\tb"), (std::vector<int64_t>{4, 15, 16, 5}));
}

TEST(BpeTokenizerTiny, UnknownBytesBecomeUnk) {
  EXPECT_EQ(tinyIds("a b\n", "ab!"), (std::vector<int64_t>{7, 3}));
  const TinyFiles noUnk(R"({"a": 0})", "");
  const auto tokenizer = noUnk.load(BpeOptions{"", {}});
  EXPECT_EQ(tokenizer->encode("aa").ids, (std::vector<int64_t>{0, 0}));
  EXPECT_NE(test::errorMessage([&] { tokenizer->encode("a!"); }).find("no \"<unk>\""), std::string::npos);
}

TEST(BpeTokenizerErrors, MissingFile) {
  const TinyFiles files(kTinyVocab, "");
  const std::string message =
      test::errorMessage([&] { BpeTokenizer::fromFiles(files.vocabPath() + ".missing", files.mergesPath()); });
  EXPECT_NE(message.find("Cannot open"), std::string::npos) << message;
  EXPECT_NE(message.find("vocab.json.missing"), std::string::npos) << message;
  const std::string merges =
      test::errorMessage([&] { BpeTokenizer::fromFiles(files.vocabPath(), files.mergesPath() + ".missing"); });
  EXPECT_NE(merges.find("merges.txt.missing"), std::string::npos) << merges;
}

TEST(BpeTokenizerErrors, MalformedVocabularyNamesFileAndLine) {
  const TinyFiles broken("{\n  \"a\": 0,\n  \"b\": ,\n}", "");
  const std::string message = test::errorMessage([&] { broken.load(BpeOptions{"", {}}); });
  EXPECT_NE(message.find(broken.vocabPath()), std::string::npos) << message;
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  const TinyFiles array("[1, 2]", "");
  EXPECT_NE(test::errorMessage([&] { array.load(BpeOptions{"", {}}); }).find("JSON object"), std::string::npos);
  const TinyFiles badId(R"({"a": 0, "b": "one"})", "");
  EXPECT_NE(test::errorMessage([&] { badId.load(BpeOptions{"", {}}); }).find("\"b\""), std::string::npos);
  const TinyFiles sharedId(R"({"a": 0, "b": 0})", "");
  EXPECT_NE(test::errorMessage([&] { sharedId.load(BpeOptions{"", {}}); }).find("both have id 0"), std::string::npos);
}

// The id table is sized by the largest id: an id far beyond the number of tokens is refused
// before it is allocated (a 50 million id in a 20-token file asked for 1.6 GB).
TEST(BpeTokenizerErrors, IdsFarBeyondTheTokenCountAreRefused) {
  const TinyFiles huge(R"({"a": 0, "b": 50000000})", "");
  EXPECT_EQ(test::errorMessage([&] { huge.load(BpeOptions{"", {}}); }),
            "BPE vocabulary '" + huge.vocabPath() + "': token \"b\" has id 50000000, but the file holds only 2 "
            "tokens (ids must be below 65538)");
  const TinyFiles gap(R"({"a": 0, "b": 65537})", "");
  EXPECT_EQ(gap.load(BpeOptions{"", {}})->vocabSize(), 65538);
}

TEST(BpeTokenizerErrors, MalformedMergesNameFileAndLine) {
  const TinyFiles onePart(kTinyVocab, "#version: 0.2\na b\nabc\n");
  const std::string message = test::errorMessage([&] { onePart.load(); });
  EXPECT_NE(message.find(onePart.mergesPath() + "' line 3"), std::string::npos) << message;
  EXPECT_NE(message.find("two symbols"), std::string::npos) << message;

  const TinyFiles absentPart(kTinyVocab, "#version: 0.2\na b\na z\n");
  const std::string absent = test::errorMessage([&] { absentPart.load(); });
  EXPECT_NE(absent.find("line 3"), std::string::npos) << absent;
  EXPECT_NE(absent.find("\"z\" is not in the vocabulary"), std::string::npos) << absent;

  const TinyFiles absentResult(kTinyVocab, "b a\n");
  const std::string result = test::errorMessage([&] { absentResult.load(); });
  EXPECT_NE(result.find("line 1"), std::string::npos) << result;
  EXPECT_NE(result.find("result \"ba\""), std::string::npos) << result;
}

TEST(BpeTokenizerErrors, OptionsAndInputs) {
  // GPT-2's vocabulary has no "<s>" or "</s>": the default (OPT) options must be refused clearly.
  const std::string bos = test::errorMessage([] { BpeTokenizer::fromFiles(kGpt2Dir + "/vocab.json", kGpt2Dir + "/merges.txt"); });
  EXPECT_NE(bos.find("\"<s>\" is not in the vocabulary"), std::string::npos) << bos;
  EXPECT_NE(test::errorMessage([] { gpt2().encode("bad \xC3 byte"); }).find("not valid UTF-8 (byte 4"), std::string::npos);
  EXPECT_NE(test::errorMessage([] { gpt2().decode({50257}); }).find("token id 50257"), std::string::npos);
  EXPECT_NE(test::errorMessage([] { gpt2().displayToken(-1); }).find("token id -1"), std::string::npos);
}

}  // namespace
}  // namespace hopscope
