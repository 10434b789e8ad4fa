#pragma once
// Finds and loads the tokenizer that sits beside a checkpoint: vocab.txt (+ tokenizer_config.json)
// for WordPiece, vocab.json + merges.txt for byte-level BPE. Which kind a model uses is declared by
// its family (model_family.h).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hopscope/tokenizer.h"

namespace hopscope {

enum class TokenizerKind { None, WordPiece, BytePairEncoding };

std::string tokenizerKindName(TokenizerKind kind);  // "none" | "wordpiece" | "bpe"

// What a family declares about its tokenizer. WordPiece frames with its own [CLS] ... [SEP]; a
// byte-level BPE prepends `startToken` (if any) and never splits `specialTokens`.
struct TokenizerSpec {
  TokenizerKind kind = TokenizerKind::None;
  std::string startToken;
  std::vector<std::string> specialTokens;
};

struct LoadedTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;  // nullptr when the folder has no such tokenizer files
  TokenizerKind kind = TokenizerKind::None;
};

// Throws Error when files exist but are malformed, or when the tokenizer's ids do not fit the
// model's vocabulary of `vocabSize`.
LoadedTokenizer loadTokenizer(const std::string& directory, const TokenizerSpec& spec, int64_t vocabSize);

}  // namespace hopscope
