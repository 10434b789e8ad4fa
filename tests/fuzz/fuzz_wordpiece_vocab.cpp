// WordPiece vocab.txt loading, then encoding a fixed text with what was loaded.
#include "fuzz_checks.h"
#include "hopscope/error.h"
#include "hopscope/wordpiece_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto tokenizer = hopscope::WordPieceTokenizer::fromVocabText(
        std::string(reinterpret_cast<const char*>(data), size), hopscope::WordPieceOptions{});
    (void)tokenizer->encode("Call me Ishmael. [MASK] unaffable ##ing [SEP] caf\xc3\xa9");
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
