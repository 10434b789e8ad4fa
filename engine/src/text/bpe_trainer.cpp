// Trains a GPT-2 style byte-level BPE: the words are the GPT-2 pre-tokenizer's pieces, the initial
// symbols the 256 bytes (tokenizer_training.h).
#include "hopscope/error.h"
#include "hopscope/tokenizer_training.h"
#include "text/bpe_byte_alphabet.h"
#include "text/bpe_pretokenizer.h"
#include "text/bpe_utf8.h"
#include "text/merge_learner.h"

#include <map>
#include <unordered_map>

namespace hopscope {

const std::vector<std::string> kBpeSpecialTokens = {"<s>", "<pad>", "</s>", "<unk>"};

namespace {

std::string corpusName(const TextCorpus& corpus) {
  return corpus.path.empty() ? "the corpus" : "the corpus '" + corpus.path + "'";
}

}  // namespace

BpeVocabulary trainBytePairEncoding(const TextCorpus& corpus, int64_t vocabSize, const JobControl& job) {
  const int64_t special = static_cast<int64_t>(kBpeSpecialTokens.size());
  const int64_t needed = special + 256;
  if (vocabSize < needed)
    throw Error("a byte-level BPE vocabulary of " + std::to_string(vocabSize) + " tokens is too small: the " +
                std::to_string(special) + " special tokens and the 256 bytes need at least " + std::to_string(needed));

  // Documents are encoded one by one (each line is a document), so pieces never span two.
  const bpe::PreTokenizer& preTokenizer = bpe::sharedPreTokenizer();
  std::unordered_map<std::string, int64_t> pieceCounts;
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    const std::string& document = corpus.documents[d];
    if (bpe::firstInvalidUtf8(document) != std::string::npos)
      throw Error(corpusName(corpus) + ": document " + std::to_string(d + 1) + " is not valid UTF-8");
    for (const std::string_view piece : preTokenizer.split(document)) ++pieceCounts[std::string(piece)];
    if (d % 1024 == 0) job.checkCancelled();
  }
  if (pieceCounts.empty()) throw Error(corpusName(corpus) + " has no text to train a BPE vocabulary on");

  // Symbol id = byte value; sorted words so that nothing depends on hashing.
  std::vector<std::string> symbols;
  for (int byte = 0; byte < 256; ++byte) symbols.push_back(bpe::byteAlphabet().symbol(static_cast<uint8_t>(byte)));
  const std::map<std::string, int64_t> sortedPieces(pieceCounts.begin(), pieceCounts.end());
  std::vector<training::CountedWord> words;
  words.reserve(sortedPieces.size());
  for (const auto& [piece, count] : sortedPieces) {
    training::CountedWord counted{{}, count};
    for (const char byte : piece) counted.symbols.push_back(static_cast<uint8_t>(byte));
    words.push_back(std::move(counted));
  }

  const training::JoinSpellings join = [](const std::string& left, const std::string& right) { return left + right; };
  const training::LearnedMerges learned =
      training::learnMerges(std::move(symbols), std::move(words), static_cast<size_t>(vocabSize - special), join, job);
  BpeVocabulary vocabulary;
  vocabulary.tokens = kBpeSpecialTokens;
  vocabulary.tokens.insert(vocabulary.tokens.end(), learned.symbols.begin(), learned.symbols.end());
  for (const training::Merge& merge : learned.merges)
    vocabulary.merges.emplace_back(learned.symbols[merge.left], learned.symbols[merge.right]);
  return vocabulary;
}

}  // namespace hopscope
