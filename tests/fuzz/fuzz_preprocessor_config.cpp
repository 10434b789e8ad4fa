// preprocessor_config.json (Hugging Face) and timm's pretrained_cfg: nesting limited while parsing,
// every key type- and range-checked; the settings it yields then preprocess a small image.
#include <string>

#include "fuzz_checks.h"
#include "hopscope/error.h"
#include "hopscope/image_data.h"
#include "hopscope/json_limits.h"
#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json config = hopscope::parseJsonLimited(text, "preprocessor_config.json");
    const hopscope::ImagePreprocessing defaults = hopscope::defaultPreprocessing(16);
    const hopscope::ImagePreprocessing hf = hopscope::parsePreprocessorConfig(config, "preprocessor_config.json", defaults);
    const hopscope::ImagePreprocessing timm = hopscope::parseTimmPretrainedConfig(config, "config.json", 16);
    hopscope::DecodedImage image;
    image.width = 5;
    image.height = 3;
    image.channels = 3;
    image.pixels.assign(5 * 3 * 3, 200);
    image.source = "fuzz.png";
    // Sizes up to 16384 per side are valid (and LoadedModel ties the output to the model's input);
    // only small outputs are run here so that each input stays fast.
    for (const hopscope::ImagePreprocessing& p : {hf, timm})
      if (p.outputHeight() * p.outputWidth() <= 4096 && (p.resize != hopscope::ImagePreprocessing::Resize::ShortestEdge || p.height <= 4096))
        (void)hopscope::preprocessImage(image, p, 3);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  } catch (const nlohmann::json::parse_error&) {
    // a syntax error: the model loader words it with the file name
  }
  return 0;
}
