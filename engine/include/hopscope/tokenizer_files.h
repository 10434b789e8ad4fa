#pragma once
// Finds and loads the tokenizer that sits beside a checkpoint: vocab.txt (+ tokenizer_config.json)
// for BERT WordPiece, vocab.json + merges.txt for GPT-2/OPT byte-level BPE.
#include <memory>
#include <string>

#include "hopscope/model_config.h"
#include "hopscope/tokenizer.h"

namespace hopscope {

struct LoadedTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;  // nullptr when the folder has no tokenizer files
  std::string kind;                      // "wordpiece" | "bpe" | "none"
};

// Throws Error when files exist but are malformed, or when the tokenizer's ids do not fit the
// model's vocabulary.
LoadedTokenizer loadTokenizer(const std::string& directory, const ModelConfig& config);

}  // namespace hopscope
