#include "model_info_json.h"

#include <sstream>

#include "hopscope/atomic_file.h"

namespace hopscope::cli {

nlohmann::json modelInfoJson(const ModelInfo& info) {
  return {{"name", info.name},
          {"argument", info.argument},
          {"path", info.path},
          {"family", info.family},
          {"architecture", info.architecture},
          {"normalizer", info.normalizer},
          {"gate", info.gate},
          {"format", info.format},
          {"tokenizer", info.tokenizer},
          {"layers", info.layers},
          {"hidden_size", info.hidden},
          {"heads", info.heads},
          {"intermediate_size", info.intermediate},
          {"vocab_size", info.vocabSize},
          {"max_positions", info.maxPositions},
          {"parameters", info.parameterCount},
          {"tensors", info.tensorCount},
          {"notes", info.notes}};
}

std::string modelInfoText(const ModelInfo& info) {
  std::ostringstream out;
  out << info.name << "\n"
      << "  path          " << info.path << "\n"
      << "  family        " << info.family << " (" << info.architecture << ")\n"
      << "  normalizer    " << info.normalizer << "\n"
      << "  gate          " << info.gate << "\n"
      << "  size          " << info.layers << " layers, hidden " << info.hidden << ", " << info.heads
      << " heads, ffn " << info.intermediate << "\n"
      << "  vocabulary    " << info.vocabSize << " (tokenizer: " << info.tokenizer << ")\n"
      << "  positions     " << info.maxPositions << "\n"
      << "  parameters    " << info.parameterCount << "\n"
      << "  file          " << info.format << ", " << info.tensorCount << " tensors\n";
  for (const std::string& note : info.notes) out << "  note          " << note << "\n";
  return out.str();
}

void writeJsonFile(const std::string& path, const nlohmann::json& json) {
  writeFileAtomically(path, json.dump(2) + "\n");
}

}  // namespace hopscope::cli
