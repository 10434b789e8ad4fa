// config.json -> ModelConfig: JSON parsing with the depth limit, then the family's and the common
// checks; a parsed config must be safe to derive the expected tensor list from.
#include "fuzz_checks.h"
#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/model_config.h"
#include "hopscope/model_family.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const nlohmann::json json = hopscope::parseJsonLimited(
        std::string_view(reinterpret_cast<const char*>(data), size), "config.json");
    const hopscope::ModelConfig config = hopscope::parseModelConfig(json, "config.json");
    (void)config.family->expectedTensors(config, hopscope::GateKind::None);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  } catch (const nlohmann::json::parse_error&) {
  }
  return 0;
}
