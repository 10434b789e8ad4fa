#pragma once
// Readers for the two files of a GPT-2 style tokenizer: vocab.json (token -> id) and merges.txt
// (one "left right" pair per line, ranked by line order, optional "#version" first line).
#include "text/bpe_merge_table.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hopscope::bpe {

struct Vocabulary {
  std::unordered_map<std::string, int64_t> ids;
  std::vector<std::string> tokens;  // by id; ids missing from the file have an empty spelling
  std::vector<char> present;        // by id: whether the file defines that id

  int64_t find(const std::string& token) const {
    const auto it = ids.find(token);
    return it == ids.end() ? -1 : it->second;
  }
};

// How far ids may run past the number of tokens in vocab.json (gaps are allowed, e.g. for ids
// of added tokens kept elsewhere, but the id table is sized by the largest id).
constexpr int64_t kMaxBpeIdGap = 65536;

// Throws Error naming the file (and the line of a JSON syntax error) when it cannot be read, is not
// a JSON object of token -> non-negative integer id below the token count + kMaxBpeIdGap, nests
// deeper than kMaxJsonDepth, or gives one id to two tokens.
Vocabulary readVocabJson(const std::string& path);

// Throws Error naming the file and line for a line that is not two symbols separated by one space,
// or a merge whose parts or result are not in the vocabulary.
MergeTable readMerges(const std::string& path, const Vocabulary& vocabulary,
                      const std::string& vocabPath);

}  // namespace hopscope::bpe
