// Encoding arbitrary bytes with the bundled GPT-2 byte-level BPE tokenizer.
#include "fuzz_checks.h"
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"

namespace {
const hopscope::BpeTokenizer& tokenizer() {
  static const auto loaded = [] {
    hopscope::BpeOptions options;
    options.bosToken = "<|endoftext|>";
    options.specialTokens = {"<|endoftext|>"};
    return hopscope::BpeTokenizer::fromFiles(HOPSCOPE_RESOURCES_DIR "/tokenizers/gpt2/vocab.json",
                                             HOPSCOPE_RESOURCES_DIR "/tokenizers/gpt2/merges.txt", options);
  }();
  return *loaded;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto encoding = tokenizer().encode(std::string(reinterpret_cast<const char*>(data), size));
    (void)tokenizer().decode(encoding.ids, false);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
