// Trains a WordPiece vocabulary the way Hugging Face's WordPieceTrainer does: BPE merges over the
// characters of the words, continuation symbols spelled with "##" (tokenizer_training.h).
#include "hopscope/error.h"
#include "hopscope/tokenizer_training.h"
#include "hopscope/wordpiece_tokenizer.h"
#include "text/bert_basic_tokenizer.h"
#include "text/bpe_utf8.h"
#include "text/merge_learner.h"

#include <iterator>
#include <map>
#include <unordered_map>

namespace hopscope {

const std::vector<std::string> kWordPieceSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

namespace {

constexpr const char* kContinuation = "##";

std::string corpusName(const TextCorpus& corpus) {
  return corpus.path.empty() ? "the corpus" : "the corpus '" + corpus.path + "'";
}

// The code points of a valid UTF-8 word, each as its own UTF-8 string.
std::vector<std::string> characters(const std::string& word) {
  std::vector<std::string> result;
  for (size_t offset = 0; offset < word.size();) {
    const size_t start = offset;
    bpe::nextCodePoint(word, offset);
    result.push_back(word.substr(start, offset - start));
  }
  return result;
}

}  // namespace

std::vector<std::string> trainWordPiece(const TextCorpus& corpus, int64_t vocabSize, const JobControl& job) {
  // Words as WordPieceTokenizer sees them with its default (uncased) options. Longer words than it
  // splits are one [UNK] to it: nothing to learn from them.
  const WordPieceOptions options;
  std::unordered_map<std::string, int64_t> wordCounts;
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    for (std::string& word : bert::basicTokenize(corpus.documents[d], options))
      if (bert::countCodePoints(word) <= options.maxInputCharsPerWord) ++wordCounts[std::move(word)];
    if (d % 1024 == 0) job.checkCancelled();
  }
  if (wordCounts.empty()) throw Error(corpusName(corpus) + " has no words to train a WordPiece vocabulary on");

  // Sorted, so that symbol ids and word order do not depend on hashing.
  const std::map<std::string, int64_t> sortedWords(wordCounts.begin(), wordCounts.end());
  std::map<std::string, int32_t> alphabet;  // character -> index in code point order
  for (const auto& [word, count] : sortedWords)
    for (std::string& c : characters(word)) alphabet.emplace(std::move(c), 0);
  const int64_t special = static_cast<int64_t>(kWordPieceSpecialTokens.size());
  const int64_t needed = special + 2 * static_cast<int64_t>(alphabet.size());
  if (vocabSize < needed)
    throw Error("a WordPiece vocabulary of " + std::to_string(vocabSize) + " tokens is too small for " +
                corpusName(corpus) + ": its " + std::to_string(alphabet.size()) +
                " characters (plain and ##-prefixed) and the " + std::to_string(special) +
                " special tokens need at least " + std::to_string(needed));

  // Symbols: every character plain (ids 0..n-1), then every character "##"-prefixed (n..2n-1).
  const auto characterCount = static_cast<int32_t>(alphabet.size());
  std::vector<std::string> symbols;
  int32_t next = 0;
  for (auto& [c, id] : alphabet) {
    id = next++;
    symbols.push_back(c);
  }
  for (const auto& [c, id] : alphabet) symbols.push_back(kContinuation + c);
  std::vector<training::CountedWord> words;
  words.reserve(sortedWords.size());
  for (const auto& [word, count] : sortedWords) {
    training::CountedWord counted{{}, count};
    for (const std::string& c : characters(word))  // the first character plain, the others continued
      counted.symbols.push_back(alphabet.at(c) + (counted.symbols.empty() ? 0 : characterCount));
    words.push_back(std::move(counted));
  }

  // The right part of a merge never starts a word, so it always carries the prefix, which the
  // merged piece drops: "th" + "##e" = "the", "##in" + "##g" = "##ing".
  const training::JoinSpellings join = [](const std::string& left, const std::string& right) {
    return left + right.substr(2);
  };
  training::LearnedMerges learned =
      training::learnMerges(std::move(symbols), std::move(words), static_cast<size_t>(vocabSize - special), join, job);
  std::vector<std::string> vocabulary = kWordPieceSpecialTokens;
  vocabulary.insert(vocabulary.end(), std::make_move_iterator(learned.symbols.begin()),
                    std::make_move_iterator(learned.symbols.end()));
  return vocabulary;
}

}  // namespace hopscope
