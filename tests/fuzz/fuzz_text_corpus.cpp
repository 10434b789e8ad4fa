// The text corpus reader (one file: UTF-8 check, line splitting, BOM and blank-line handling).
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/error.h"
#include "hopscope/text_corpus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)hopscope::readTextCorpus(hopscope::fuzz::writeInputFile("corpus.txt", data, size), 1 << 20);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
