#pragma once
// Every result value as JSON, in one place (design.md "JSON output"): the `info`, `analyze` and
// `quantize` documents of hopscope-cli and their per-model objects, which the GUI shows too. The
// documented keys keep their meaning across versions; new keys may be added.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hopscope/model_analysis.h"
#include "hopscope/model_info.h"
#include "hopscope/quantization_study.h"

namespace hopscope {

// {name, argument, path, family, normalizer, gate}: how every result names its model.
nlohmann::json modelIdentityJson(const ModelInfo& info);
// The identity plus architecture, sizes, format, tokenizer, device and notes (`info --json`).
nlohmann::json modelInfoJson(const ModelInfo& info);

// One element of the `analyze` document's "models" array.
nlohmann::json modelAnalysisJson(const ModelAnalysis& analysis);
// The `analyze` document: tool, settings and data of the first analysis, and every model.
nlohmann::json analysisJson(const std::vector<ModelAnalysis>& analyses);

// One element of the `quantize` document's "models" array.
nlohmann::json quantizationStudyJson(const QuantizationStudy& study);
// The `quantize` document: tool, settings, data and calibration data of the first study, and every model.
nlohmann::json quantizationJson(const std::vector<QuantizationStudy>& studies);

// One row per module: name, row mode, rows, kurtosis, inf-norm, max |x| and where, moments.
std::string moduleCsv(const ModelAnalysis& analysis);
// One row per model: metric and protocol figures.
std::string summaryCsv(const std::vector<ModelAnalysis>& analyses);

}  // namespace hopscope
