// Encoding arbitrary bytes with the bundled bert-base-uncased WordPiece tokenizer.
#include "fuzz_checks.h"
#include "hopscope/error.h"
#include "hopscope/wordpiece_tokenizer.h"

namespace {
const hopscope::WordPieceTokenizer& tokenizer() {
  static const auto loaded = hopscope::WordPieceTokenizer::fromVocabFile(
      HOPSCOPE_RESOURCES_DIR "/tokenizers/bert-base-uncased/vocab.txt", hopscope::WordPieceOptions{});
  return *loaded;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto encoding = tokenizer().encode(std::string(reinterpret_cast<const char*>(data), size));
    (void)tokenizer().decode(encoding.ids, true);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
