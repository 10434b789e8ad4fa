// The pytorch_model.bin reader (zip directory, LibTorch's zip reader, unpickler, tensor views).
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/error.h"
#include "hopscope/pytorch_bin_reader.h"

#include <ATen/ATen.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto tensors =
        hopscope::readPytorchBin(hopscope::fuzz::writeInputFile("pytorch_model.bin", data, size));
    for (const auto& [name, tensor] : tensors.items()) (void)tensor.sum();  // touch the bytes
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
