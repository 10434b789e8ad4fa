// BPE vocab.json + merges.txt loading (the input holds both, separated by the first NUL byte),
// then encoding a fixed text with what was loaded.
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* split = std::find(data, data + size, uint8_t{0});
  const size_t vocabBytes = static_cast<size_t>(split - data);
  const size_t mergesStart = std::min(size, vocabBytes + 1);
  const std::string vocab = hopscope::fuzz::writeInputFile("vocab.json", data, vocabBytes);
  const std::string merges =
      hopscope::fuzz::writeInputFile("merges.txt", data + mergesStart, size - mergesStart);
  try {
    const auto tokenizer = hopscope::BpeTokenizer::fromFiles(vocab, merges, hopscope::BpeOptions{});
    (void)tokenizer->encode("Call me Ishmael. Some years ago\xe2\x80\x94never mind how long");
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
