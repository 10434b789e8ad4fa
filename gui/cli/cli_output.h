#pragma once
// What the CLI prints and writes besides the engine's JSON (result_json.h): the human-readable
// block `info` prints, and atomic JSON files.
#include <nlohmann/json.hpp>
#include <string>

#include "hopscope/model_info.h"

namespace hopscope::cli {

std::string modelInfoText(const ModelInfo& info);

// Writes JSON atomically (2-space indent, trailing newline).
void writeJsonFile(const std::string& path, const nlohmann::json& json);

}  // namespace hopscope::cli
