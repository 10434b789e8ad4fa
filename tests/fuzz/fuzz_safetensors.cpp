// The safetensors header parser on raw bytes, then the whole file reader on the same bytes.
// Only hopscope::Error may escape a parser; anything else (bad_alloc, c10::Error) is a finding.
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/error.h"
#include "hopscope/safetensors.h"
#include "io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    hopscope::parseSafetensorsHeader(data, size, "fuzz.safetensors");
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  try {
    const auto contents =
        hopscope::readSafetensors(hopscope::fuzz::writeInputFile("model.safetensors", data, size));
    for (const auto& [name, tensor] : contents.tensors.items()) (void)tensor.sum();  // touch the bytes
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
