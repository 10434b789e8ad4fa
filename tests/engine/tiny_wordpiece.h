#pragma once
// A WordPiece tokenizer of eight tokens for hand-worked token blocks:
// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7.
#include <memory>

#include "hopscope/wordpiece_tokenizer.h"

namespace hopscope::test {

inline std::unique_ptr<WordPieceTokenizer> tinyWordPiece() {
  return WordPieceTokenizer::fromVocabText("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\n");
}

}  // namespace hopscope::test
