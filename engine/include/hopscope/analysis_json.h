#pragma once
// The `analyze` JSON document (design.md "JSON output"): every figure a view or report shows.
#include <nlohmann/json.hpp>
#include <vector>

#include "hopscope/outlier_analysis.h"

namespace hopscope {

nlohmann::json analysisJson(const std::vector<ModelAnalysis>& analyses, const AnalysisSettings& settings,
                            const TextCorpus& corpus);

// One row per module: name, row mode, rows, kurtosis, inf-norm, max |x| and where, moments.
std::string moduleCsv(const ModelAnalysis& analysis);
// One row per model: metric and protocol figures.
std::string summaryCsv(const std::vector<ModelAnalysis>& analyses);

}  // namespace hopscope
