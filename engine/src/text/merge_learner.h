#pragma once
// The merge loop the WordPiece and the byte-level BPE trainers share (Hugging Face's BPE trainer
// algorithm): distinct words with their counts, each a sequence of symbols; repeatedly merge the
// most frequent adjacent pair everywhere it occurs. Pair counts and the words holding each pair are
// kept up to date incrementally, so a merge costs only the words it touches.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hopscope/job_control.h"

namespace hopscope::training {

struct CountedWord {
  std::vector<int32_t> symbols;  // ids into the symbol table
  int64_t count = 0;             // occurrences in the corpus
};

struct Merge {
  int32_t left, right, merged;  // symbol ids
};

struct LearnedMerges {
  std::vector<std::string> symbols;  // the initial symbols, then each new spelling as it was created
  std::vector<Merge> merges;         // in the order learned (the rank order of merges.txt)
};

// Spelling of the symbol a merge makes from its two parts.
using JoinSpellings = std::function<std::string(const std::string& left, const std::string& right)>;

// Merges until there are `symbolLimit` distinct symbols or no adjacent pair is left. The pair to
// merge is the one with the highest count, ties going to the smallest (left, right) spelling in byte
// order. Each occurrence is merged left to right without overlap, as GPT-2 applies merges. A merge
// whose spelling already exists (reached by another pair) reuses that symbol: it is recorded but
// does not add a symbol, as in Hugging Face's trainer. Throws Cancelled when the job is cancelled.
LearnedMerges learnMerges(std::vector<std::string> symbols, std::vector<CountedWord> words, size_t symbolLimit,
                          const JoinSpellings& join, const JobControl& job);

}  // namespace hopscope::training
