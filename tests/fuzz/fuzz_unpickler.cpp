// The restricted unpickler on raw bytes (data.pkl of a pytorch_model.bin).
#include "fuzz_checks.h"
#include "hopscope/error.h"
#include "io/restricted_unpickler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    hopscope::unpickleRestricted(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.pkl");
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
