#include "cli_output.h"

#include <sstream>

#include "hopscope/atomic_file.h"

namespace hopscope::cli {

std::string modelInfoText(const ModelInfo& info) {
  std::ostringstream out;
  out << info.name << "\n"
      << "  path          " << info.path << "\n"
      << "  family        " << info.family << " (" << info.architecture << ")\n"
      << "  normalizer    " << info.normalizer << "\n"
      << "  task          " << info.task << " on " << info.device << "\n"
      << "  gate          " << info.gate << "\n"
      << "  size          " << info.layers << " layers, hidden " << info.hidden << ", " << info.heads
      << " heads, ffn " << info.intermediate << "\n"
      ;
  if (info.imageSize > 0)
    out << "  images        " << info.channels << " x " << info.imageSize << " x " << info.imageSize << ", patch "
        << info.patchSize << " (" << info.maxPositions << " tokens with the class token)\n"
        << "  classes       " << info.vocabSize << "\n"
        << "  preprocessing " << info.preprocessing << "\n";
  else
    out << "  vocabulary    " << info.vocabSize << " (tokenizer: " << info.tokenizer << ")\n"
        << "  positions     " << info.maxPositions << "\n";
  out << "  parameters    " << info.parameterCount << "\n"
      << "  file          " << info.format << ", " << info.tensorCount << " tensors\n";
  for (const std::string& note : info.notes) out << "  note          " << note << "\n";
  return out.str();
}

void writeJsonFile(const std::string& path, const nlohmann::json& json) {
  writeFileAtomically(path, json.dump(2) + "\n");
}

}  // namespace hopscope::cli
