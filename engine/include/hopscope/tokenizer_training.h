#pragma once
// Training a small tokenizer vocabulary on a corpus, deterministically, so that a model trained
// from scratch can use a vocabulary of its own size instead of bert-base-uncased's 30,522 pieces or
// GPT-2's 50,257 tokens. Both kinds learn merges the way Hugging Face's trainers do: split the text
// into words, count each distinct word once, start from single characters (WordPiece) or bytes
// (BPE), and repeatedly merge the most frequent adjacent pair of symbols, counted over the words
// weighted by their counts. Ties go to the lexicographically smallest pair (left spelling, then
// right spelling, compared as bytes), so the same corpus always gives the same files.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hopscope/job_control.h"
#include "hopscope/text_corpus.h"
#include "hopscope/tokenizer_files.h"

namespace hopscope {

// The special tokens at the start of each trained vocabulary, in id order.
extern const std::vector<std::string> kWordPieceSpecialTokens;  // [PAD] [UNK] [CLS] [SEP] [MASK]
extern const std::vector<std::string> kBpeSpecialTokens;        // <s> <pad> </s> <unk> (as OPT's)

// A WordPiece vocabulary: the lines of vocab.txt (id = index). Words come from bert::basicTokenize
// with lower-casing and accent stripping, as WordPieceTokenizer sees them (words over 100 code
// points are skipped: the tokenizer maps them to [UNK] whole). Order: the specials, every character
// seen both plain and "##"-prefixed (so any word of seen characters can be covered wherever the
// character stands), then the learned pieces in the order they were learned. A merge of a
// word-initial piece with a continuation gives a word-initial piece ("th" + "##e" = "the"), two
// continuations give a continuation ("##in" + "##g" = "##ing").
std::vector<std::string> trainWordPiece(const TextCorpus& corpus, int64_t vocabSize, const JobControl& job = {});

// A GPT-2 style byte-level BPE vocabulary. Words are the GPT-2 pre-tokenizer's pieces of each
// document; symbols are spelled in GPT-2's byte alphabet ("Ġ" for a space).
struct BpeVocabulary {
  std::vector<std::string> tokens;                           // by id: specials, the 256 bytes, merged tokens
  std::vector<std::pair<std::string, std::string>> merges;   // in rank order (merges.txt lines)
};
BpeVocabulary trainBytePairEncoding(const TextCorpus& corpus, int64_t vocabSize, const JobControl& job = {});

// Trains the tokenizer of `kind` with exactly `vocabSize` tokens (fewer only when every word of the
// corpus already is one token) and writes it into `folder` (created if missing), each file
// atomically: WordPiece vocab.txt + tokenizer_config.json ({"do_lower_case": true}); BPE vocab.json +
// merges.txt. Nothing is written when the job is cancelled. Throws Error when vocabSize cannot hold
// the special tokens and the alphabet, when the corpus has no words, or for TokenizerKind::None.
void trainTokenizer(TokenizerKind kind, const TextCorpus& corpus, int64_t vocabSize, const std::string& folder,
                    const JobControl& job = {});

}  // namespace hopscope
