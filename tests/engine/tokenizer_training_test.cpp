// Tokenizer training: hand-computed merges on tiny corpora, the incremental merge loop against a
// plain recount-everything reference, determinism, exact sizes and special ids, the existing
// tokenizers loading the files and round-tripping text, compression against character-level and
// the bundled full-size vocabularies, errors, cancel, and train() with a trained vocabulary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "error_message.h"
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_family.h"
#include "hopscope/tokenizer_training.h"
#include "hopscope/trainer.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "text/bert_basic_tokenizer.h"
#include "text/bpe_byte_alphabet.h"
#include "text/bpe_pretokenizer.h"
#include "text/bpe_utf8.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

const std::string kResources = HOPSCOPE_RESOURCES_DIR;
const std::string kTrainText = kResources + "/corpora/moby-dick-train.txt";
const std::string kEvalText = kResources + "/corpora/moby-dick-eval.txt";

TextCorpus corpusOf(const std::vector<std::string>& documents) {
  TextCorpus corpus;
  corpus.documents = documents;
  return corpus;
}

// The held-out chapters (116 kB): big enough for real merges, small enough to train in a blink.
const TextCorpus& smallCorpus() {
  static const TextCorpus corpus = readTextCorpus(kEvalText);
  return corpus;
}

// The characters of the words WordPiece training sees, in code point order.
std::set<std::string> wordCharacters(const TextCorpus& corpus) {
  std::set<std::string> characters;
  for (const std::string& document : corpus.documents)
    for (const std::string& word : bert::basicTokenize(document, WordPieceOptions{}))
      for (size_t offset = 0; offset < word.size();) {
        const size_t start = offset;
        bpe::nextCodePoint(word, offset);
        characters.insert(word.substr(start, offset - start));
      }
  return characters;
}

std::string fileBytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

LoadedTokenizer loadFamilyTokenizer(const std::string& folder, const std::string& family) {
  return loadTokenizer(folder, findFamily(family)->tokenizer, std::numeric_limits<int64_t>::max());
}

int64_t whitespaceWords(const TextCorpus& corpus) {
  int64_t words = 0;
  for (const std::string& document : corpus.documents) {
    std::istringstream stream(document);
    for (std::string word; stream >> word;) ++words;
  }
  return words;
}

// Tokens the tokenizer spends on the corpus (no framing), and how many of them are `unk`.
std::pair<int64_t, int64_t> tokenCount(const Tokenizer& tokenizer, const TextCorpus& corpus, int64_t unk = -1) {
  int64_t tokens = 0, unknown = 0;
  for (const std::string& document : corpus.documents) {
    const std::vector<int64_t> ids = tokenizer.encode(document, false).ids;
    tokens += static_cast<int64_t>(ids.size());
    unknown += std::count(ids.begin(), ids.end(), unk);
  }
  return {tokens, unknown};
}

class TokenizerTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("hopscope-tokenizer-training-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  std::string out(const std::string& name) const { return (folder_ / name).string(); }

  fs::path folder_;
};

// "hug hugs bug": ##u ##g (3) first, then h ##ug (2), then a tie of one each between b ##ug and
// hug ##s, which the smaller left spelling "b" wins; then nothing is left to merge.
TEST(TokenizerTraining, WordPieceLearnsTheMostFrequentPairsFirst) {
  const std::vector<std::string> vocabulary = trainWordPiece(corpusOf({"Hug hugs BUG"}), 100);
  const std::vector<std::string> expected = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b",   "g",
                                             "h",     "s",     "u",     "##b",   "##g",    "##h", "##s",
                                             "##u",   "##ug",  "hug",   "bug",   "hugs"};
  EXPECT_EQ(vocabulary, expected);
  const std::vector<std::string> cut = trainWordPiece(corpusOf({"Hug hugs BUG"}), 17);
  EXPECT_EQ(cut, std::vector<std::string>(expected.begin(), expected.begin() + 17));
}

// Pieces "cd", " cd", "ab" (each document on its own): (c, d) counts 2 and goes first; then three
// pairs count one each and go in byte order of their spellings: "Ġ" (U+0120) sorts after "a".
TEST(TokenizerTraining, BpeLearnsTheMostFrequentPairsFirst) {
  const BpeVocabulary vocabulary = trainBytePairEncoding(corpusOf({"cd cd", "ab"}), 1000);
  using Merges = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(vocabulary.merges, (Merges{{"c", "d"}, {"a", "b"}, {"Ġ", "cd"}}));
  ASSERT_EQ(vocabulary.tokens.size(), 263u);
  EXPECT_EQ(std::vector<std::string>(vocabulary.tokens.begin() + 260, vocabulary.tokens.end()),
            (std::vector<std::string>{"cd", "ab", "Ġcd"}));
}

// The same merges as recounting every pair of every word after each merge, the plain definition.
TEST(TokenizerTraining, IncrementalCountsGiveTheMergesOfAFullRecount) {
  std::vector<std::string> documents(smallCorpus().documents.begin(), smallCorpus().documents.begin() + 300);
  documents.push_back("aaaa aaa aaaaa baaab");  // overlapping pairs: merged left to right
  const TextCorpus corpus = corpusOf(documents);
  const int64_t size = 900;
  const BpeVocabulary trained = trainBytePairEncoding(corpus, size);

  std::map<std::vector<std::string>, int64_t> words;  // symbols -> count
  for (const std::string& document : documents)
    for (const std::string_view piece : bpe::sharedPreTokenizer().split(document)) {
      std::vector<std::string> symbols;
      for (const char byte : piece) symbols.push_back(bpe::byteAlphabet().symbol(static_cast<uint8_t>(byte)));
      ++words[symbols];
    }
  std::set<std::string> vocabulary(trained.tokens.begin(), trained.tokens.begin() + 260);
  std::vector<std::pair<std::string, std::string>> merges;
  while (static_cast<int64_t>(vocabulary.size()) < size) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const auto& [symbols, count] : words)
      for (size_t i = 0; i + 1 < symbols.size(); ++i) pairs[{symbols[i], symbols[i + 1]}] += count;
    if (pairs.empty()) break;
    auto best = pairs.begin();  // the map is in (left, right) order: the first of the highest count
    for (auto it = pairs.begin(); it != pairs.end(); ++it)
      if (it->second > best->second) best = it;
    const auto [left, right] = best->first;
    merges.push_back(best->first);
    vocabulary.insert(left + right);
    std::map<std::vector<std::string>, int64_t> merged;
    for (const auto& [symbols, count] : words) {
      std::vector<std::string> result;
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
          result.push_back(left + right);
          ++i;
        } else {
          result.push_back(symbols[i]);
        }
      }
      merged[result] += count;
    }
    words = std::move(merged);
  }
  EXPECT_EQ(trained.merges, merges);
  EXPECT_EQ(trained.tokens.size(), static_cast<size_t>(size));
}

TEST_F(TokenizerTrainingTest, WordPieceFilesAreDeterministicWithExactSizeAndSpecialsFirst) {
  trainTokenizer(TokenizerKind::WordPiece, smallCorpus(), 1000, out("a"));
  trainTokenizer(TokenizerKind::WordPiece, smallCorpus(), 1000, out("b"));
  const std::string vocab = fileBytes(folder_ / "a" / "vocab.txt");
  EXPECT_EQ(vocab, fileBytes(folder_ / "b" / "vocab.txt"));
  EXPECT_EQ(nlohmann::json::parse(fileBytes(folder_ / "a" / "tokenizer_config.json")),
            nlohmann::json({{"do_lower_case", true}}));

  const std::vector<std::string> tokens = linesOf(vocab);
  ASSERT_EQ(tokens.size(), 1000u);
  EXPECT_EQ(std::vector<std::string>(tokens.begin(), tokens.begin() + 5), kWordPieceSpecialTokens);
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size()) << "a token twice";
  // Every character of the text, plain and continued, right after the specials.
  const std::set<std::string> characters = wordCharacters(smallCorpus());
  std::vector<std::string> alphabet(characters.begin(), characters.end());
  for (const std::string& c : characters) alphabet.push_back("##" + c);
  EXPECT_EQ(std::vector<std::string>(tokens.begin() + 5, tokens.begin() + 5 + static_cast<long>(alphabet.size())),
            alphabet);

  const LoadedTokenizer loaded = loadFamilyTokenizer(out("a"), "bert");
  ASSERT_TRUE(loaded.tokenizer);
  const auto& tokenizer = dynamic_cast<const WordPieceTokenizer&>(*loaded.tokenizer);
  EXPECT_EQ(tokenizer.vocabSize(), 1000);
  EXPECT_EQ(tokenizer.padId(), 0);
  EXPECT_EQ(tokenizer.unkId(), 1);
  EXPECT_EQ(tokenizer.clsId(), 2);
  EXPECT_EQ(tokenizer.sepId(), 3);
  EXPECT_EQ(tokenizer.maskId(), 4);
}

TEST_F(TokenizerTrainingTest, BpeFilesAreDeterministicWithExactSizeAndSpecialsFirst) {
  trainTokenizer(TokenizerKind::BytePairEncoding, smallCorpus(), 1000, out("a"));
  trainTokenizer(TokenizerKind::BytePairEncoding, smallCorpus(), 1000, out("b"));
  EXPECT_EQ(fileBytes(folder_ / "a" / "vocab.json"), fileBytes(folder_ / "b" / "vocab.json"));
  const std::string merges = fileBytes(folder_ / "a" / "merges.txt");
  EXPECT_EQ(merges, fileBytes(folder_ / "b" / "merges.txt"));
  const std::vector<std::string> mergeLines = linesOf(merges);
  ASSERT_FALSE(mergeLines.empty());
  EXPECT_EQ(mergeLines[0], "#version: 0.2");
  EXPECT_GE(mergeLines.size() - 1, 1000u - 260u);  // a merge may re-make an existing token

  const nlohmann::json vocab = nlohmann::json::parse(fileBytes(folder_ / "a" / "vocab.json"));
  ASSERT_EQ(vocab.size(), 1000u);
  for (size_t id = 0; id < kBpeSpecialTokens.size(); ++id) EXPECT_EQ(vocab.at(kBpeSpecialTokens[id]), id);
  for (int byte = 0; byte < 256; ++byte) EXPECT_EQ(vocab.at(bpe::byteAlphabet().symbol(static_cast<uint8_t>(byte))), 4 + byte);
  std::set<int64_t> ids;
  for (const auto& [token, id] : vocab.items()) ids.insert(id.get<int64_t>());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(*ids.rbegin(), 999);

  const LoadedTokenizer loaded = loadFamilyTokenizer(out("a"), "opt");
  ASSERT_TRUE(loaded.tokenizer);
  EXPECT_EQ(loaded.tokenizer->vocabSize(), 1000);
  EXPECT_EQ(loaded.tokenizer->encode("x").ids.front(), 2);  // OPT's </s> start token
  EXPECT_EQ(loaded.tokenizer->tokenId("<pad>"), 1);
}

TEST_F(TokenizerTrainingTest, TrainedBpeRoundTripsAnyText) {
  trainTokenizer(TokenizerKind::BytePairEncoding, smallCorpus(), 1200, out("bpe"));
  const LoadedTokenizer loaded = loadFamilyTokenizer(out("bpe"), "opt");
  const Tokenizer& tokenizer = *loaded.tokenizer;
  std::vector<std::string> texts = smallCorpus().documents;
  texts.insert(texts.end(), {"Call me Ishmael.\n\tSome years ago—never mind how long precisely—",
                             "日本語のテキスト and emoji 🐋🐳 with combining e\u0301 and \x01\x7f bytes",
                             "  leading and trailing spaces  ", "</s> inside <pad> text", "", "x"});
  for (const std::string& text : texts) {
    const Encoding encoding = tokenizer.encode(text, false);
    EXPECT_EQ(tokenizer.decode(encoding.ids, false), text);
    EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), 3), 0) << "<unk> in " << text;
  }
  // Learned tokens are used: common words of the training text are single tokens.
  EXPECT_EQ(tokenizer.encode(" the", false).ids.size(), 1u);
}

TEST_F(TokenizerTrainingTest, TrainedWordPieceRoundTripsTextUpToNormalization) {
  trainTokenizer(TokenizerKind::WordPiece, smallCorpus(), 1200, out("wp"));
  const LoadedTokenizer loaded = loadFamilyTokenizer(out("wp"), "bert");
  const auto& tokenizer = dynamic_cast<const WordPieceTokenizer&>(*loaded.tokenizer);
  std::vector<std::string> texts = smallCorpus().documents;
  texts.push_back("CALL me   Ishmaël, said the whale-ship’s captain.");  // the text's own apostrophe
  int64_t unknown = 0;
  for (const std::string& text : texts) {
    std::string normalized;  // the basic tokenizer's words, one space apart
    for (const std::string& word : bert::basicTokenize(text, WordPieceOptions{}))
      normalized += (normalized.empty() ? "" : " ") + word;
    const Encoding encoding = tokenizer.encode(text, false);
    unknown += std::count(encoding.ids.begin(), encoding.ids.end(), tokenizer.unkId());
    EXPECT_EQ(tokenizer.decode(encoding.ids), normalized);
  }
  EXPECT_EQ(unknown, 0);
  EXPECT_EQ(tokenizer.encode("the", false).tokens, std::vector<std::string>{"the"});
  // Moby-Dick spells its apostrophes "’": the ASCII one was never seen, so that word is [UNK].
  EXPECT_EQ(tokenizer.encode("ship's", false).tokens, (std::vector<std::string>{"ship", "[UNK]", "s"}));
}

// A vocabulary with no room for merges is character (byte) level; learned pieces must beat it by far.
TEST_F(TokenizerTrainingTest, LearnedPiecesGiveMuchShorterEncodingsThanCharacters) {
  const TextCorpus& corpus = smallCorpus();
  const BpeVocabulary bytes = trainBytePairEncoding(corpus, 260);
  EXPECT_TRUE(bytes.merges.empty());
  trainTokenizer(TokenizerKind::BytePairEncoding, corpus, 260, out("bpe-bytes"));
  trainTokenizer(TokenizerKind::BytePairEncoding, corpus, 1000, out("bpe"));
  const int64_t byteTokens = tokenCount(*loadFamilyTokenizer(out("bpe-bytes"), "opt").tokenizer, corpus).first;
  const int64_t bpeTokens = tokenCount(*loadFamilyTokenizer(out("bpe"), "opt").tokenizer, corpus).first;
  EXPECT_LT(bpeTokens * 2, byteTokens) << bpeTokens << " vs " << byteTokens;

  const auto minimum = static_cast<int64_t>(5 + 2 * wordCharacters(corpus).size());  // specials + alphabet
  trainTokenizer(TokenizerKind::WordPiece, corpus, minimum, out("wp-chars"));
  trainTokenizer(TokenizerKind::WordPiece, corpus, 1000, out("wp"));
  const auto chars = tokenCount(*loadFamilyTokenizer(out("wp-chars"), "bert").tokenizer, corpus, 1);
  const auto pieces = tokenCount(*loadFamilyTokenizer(out("wp"), "bert").tokenizer, corpus, 1);
  EXPECT_EQ(linesOf(fileBytes(folder_ / "wp-chars" / "vocab.txt")).size(), static_cast<size_t>(minimum));
  EXPECT_LT(pieces.first * 2, chars.first) << pieces.first << " vs " << chars.first;
  EXPECT_EQ(chars.second, 0);
  EXPECT_EQ(pieces.second, 0);
}

// 4,096 tokens learned from the training chapters, measured on the held-out ones: close to the
// bundled 30,522 / 50,257-token vocabularies on this text (measured tokens per whitespace word:
// WordPiece 1.538 vs bert-base-uncased 1.434, BPE 1.618 vs GPT-2 1.499).
TEST_F(TokenizerTrainingTest, AMobyDickVocabularyComesCloseToTheFullSizeOnes) {
  const TextCorpus train = readTextCorpus(kTrainText);
  const TextCorpus eval = readTextCorpus(kEvalText);
  const double words = static_cast<double>(whitespaceWords(eval));

  trainTokenizer(TokenizerKind::WordPiece, train, 4096, out("wp"));
  const auto trainedWordPiece = loadFamilyTokenizer(out("wp"), "bert");
  const auto bert = WordPieceTokenizer::fromVocabFile(kResources + "/tokenizers/bert-base-uncased/vocab.txt");
  const double wordPiecePerWord = static_cast<double>(tokenCount(*trainedWordPiece.tokenizer, eval).first) / words;
  const double bertPerWord = static_cast<double>(tokenCount(*bert, eval).first) / words;
  EXPECT_LT(wordPiecePerWord, 1.15 * bertPerWord) << wordPiecePerWord << " vs " << bertPerWord;

  trainTokenizer(TokenizerKind::BytePairEncoding, train, 4096, out("bpe"));
  const auto trainedBpe = loadFamilyTokenizer(out("bpe"), "opt");
  BpeOptions gpt2Options;
  gpt2Options.bosToken = "";
  gpt2Options.specialTokens = {"<|endoftext|>"};
  const auto gpt2 = BpeTokenizer::fromFiles(kResources + "/tokenizers/gpt2/vocab.json",
                                            kResources + "/tokenizers/gpt2/merges.txt", gpt2Options);
  const double bpePerWord = static_cast<double>(tokenCount(*trainedBpe.tokenizer, eval).first) / words;
  const double gpt2PerWord = static_cast<double>(tokenCount(*gpt2, eval).first) / words;
  EXPECT_LT(bpePerWord, 1.15 * gpt2PerWord) << bpePerWord << " vs " << gpt2PerWord;
}

TEST_F(TokenizerTrainingTest, ErrorsAreOneClearLine) {
  EXPECT_EQ(test::errorMessage([] { trainBytePairEncoding(corpusOf({"some text"}), 259); }),
            "a byte-level BPE vocabulary of 259 tokens is too small: the 4 special tokens and the 256 bytes need at "
            "least 260");
  TextCorpus corpus = corpusOf({"abc cab"});
  corpus.path = "tiny.txt";
  EXPECT_EQ(test::errorMessage([&] { trainWordPiece(corpus, 10); }),
            "a WordPiece vocabulary of 10 tokens is too small for the corpus 'tiny.txt': its 3 characters (plain and "
            "##-prefixed) and the 5 special tokens need at least 11");
  EXPECT_EQ(trainWordPiece(corpus, 11).size(), 11u);
  EXPECT_EQ(test::errorMessage([] { trainWordPiece(corpusOf({}), 4096); }),
            "the corpus has no words to train a WordPiece vocabulary on");
  EXPECT_EQ(test::errorMessage([] { trainWordPiece(corpusOf({" \t ", "\u00a0"}), 4096); }),
            "the corpus has no words to train a WordPiece vocabulary on");
  EXPECT_EQ(test::errorMessage([] { trainBytePairEncoding(corpusOf({}), 4096); }),
            "the corpus has no text to train a BPE vocabulary on");
  EXPECT_EQ(test::errorMessage([&] { trainTokenizer(TokenizerKind::None, corpus, 4096, out("none")); }),
            "cannot train a tokenizer of kind 'none'");
  EXPECT_FALSE(fs::exists(out("none")));
}

TEST_F(TokenizerTrainingTest, ACancelledTrainingWritesNothing) {
  JobControl job;
  int polls = 0;
  job.cancelled = [&] { return ++polls > 3; };
  for (TokenizerKind kind : {TokenizerKind::WordPiece, TokenizerKind::BytePairEncoding}) {
    polls = 0;
    EXPECT_THROW(trainTokenizer(kind, smallCorpus(), 2000, out("cancelled"), job), Cancelled);
    EXPECT_FALSE(fs::exists(out("cancelled")));
  }
}

// train() with --vocab-size: the family's tokenizer trained on the data into the checkpoint.
TEST_F(TokenizerTrainingTest, TrainerTrainsTheFamilysTokenizer) {
  for (const std::string family : {"bert", "opt"}) {
    SCOPED_TRACE(family);
    TrainingSettings s;
    s.family = family;
    s.data = s.evalData = kEvalText;
    s.vocabSize = 600;
    s.layers = 1;
    s.hidden = 16;
    s.heads = 2;
    s.ffn = 32;
    s.seqLen = 32;
    s.batch = 4;
    s.steps = s.evalEvery = 2;
    s.warmup = 0;
    s.evalSamples = 4;
    const TrainingResult result = train(s, out(family), false);
    ASSERT_EQ(result.records.size(), 1u);
    EXPECT_TRUE(std::isfinite(result.records[0]["loss"].get<double>()));

    const TrainingSettings stored = readTrainingSettings(out(family));
    EXPECT_EQ(stored.vocabSize, 600);
    EXPECT_EQ(stored.tokenizerDir, "");
    const nlohmann::json config = nlohmann::json::parse(fileBytes(folder_ / family / "config.json"));
    EXPECT_EQ(config["vocab_size"], 600);
    EXPECT_EQ(config["hopscope"]["training"]["vocab_size"], 600);
    const auto model = LoadedModel::open(out(family));
    const std::vector<int64_t> ids = model->runText("call me ishmael.").ids;
    EXPECT_GT(ids.size(), 2u);
    for (const int64_t id : ids) EXPECT_LT(id, 600);

    // Resuming uses the tokenizer in the folder; the settings keep saying it was trained.
    const TrainingResult resumed = train({}, out(family), true);
    EXPECT_EQ(resumed.steps, 2);
  }
}

TEST_F(TokenizerTrainingTest, TrainerNeedsExactlyOneTokenizerSource) {
  TrainingSettings s;
  s.family = "bert";
  s.data = s.evalData = kEvalText;
  EXPECT_EQ(test::errorMessage([&] { train(s, out("x"), false); }), "--tokenizer DIR or --vocab-size N is required");
  s.tokenizerDir = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/bert-tiny";
  s.vocabSize = 1000;
  EXPECT_EQ(test::errorMessage([&] { train(s, out("x"), false); }),
            "give either --tokenizer (use its files) or --vocab-size (train a tokenizer), not both");
  s.tokenizerDir.clear();
  s.vocabSize = 20;
  EXPECT_NE(test::errorMessage([&] { train(s, out("x"), false); }).find("is too small"), std::string::npos);
  EXPECT_FALSE(fs::exists(folder_ / "x" / "config.json"));
}

}  // namespace
