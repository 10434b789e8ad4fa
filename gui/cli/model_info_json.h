#pragma once
// ModelInfo as JSON and as the human-readable block `info` prints.
#include <nlohmann/json.hpp>
#include <string>

#include "hopscope/loaded_model.h"

namespace hopscope::cli {

nlohmann::json modelInfoJson(const ModelInfo& info);
std::string modelInfoText(const ModelInfo& info);

// Writes JSON atomically (2-space indent, trailing newline).
void writeJsonFile(const std::string& path, const nlohmann::json& json);

}  // namespace hopscope::cli
