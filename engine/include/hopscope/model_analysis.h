#pragma once
// The result of the outlier analysis of one model (outlier_analysis.h) as a value: what was run
// (model, settings, data), the task metric, every tapped module's mergeable statistics with its
// layer and role, the attention-head statistics, and the family's protocol figures. Torch-free, so
// the GUI holds it as a shared immutable value; result_json.h writes it.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hopscope/activation_statistics.h"
#include "hopscope/attention_head_statistics.h"
#include "hopscope/evaluation_settings.h"
#include "hopscope/model_info.h"
#include "hopscope/tap_site.h"
#include "hopscope/token_context.h"

namespace hopscope {

using AnalysisSettings = EvaluationSettings;

struct ModuleAnalysis {
  std::string name;       // Hugging Face module path (or "<module>.input")
  int64_t layer = -1;     // -1: outside the layers
  SiteRole role = SiteRole::Other;
  std::string shortName;  // e.g. "L3 output.dense"
  std::string aliasOf;    // non-empty when the same tensor was tapped under another name
  ModuleStatistics stats{RowMode::PerSample};
  std::string maxAbsToken;  // display text of the token holding the global max |x|
  // The text whose run shows that token's block with the token at maxAbsContext.token (text models).
  TokenContext maxAbsContext;
};

struct AttentionAnalysis {
  std::string module;  // attention module path
  int64_t layer = -1;
  AttentionHeadStatistics heads;
};

// One protocol figure (model_family.h ProtocolFigure) with its value; NaN when undefined.
struct Figure {
  std::string name;
  std::string description;
  double value = 0;
};
using Figures = std::vector<Figure>;

struct ModelAnalysis {
  ModelInfo info;
  EvaluationSettings settings;
  DataSource data;
  MetricValue metric;
  int64_t samples = 0, tokens = 0;
  std::vector<ModuleAnalysis> modules;       // in forward order
  std::vector<AttentionAnalysis> attention;  // in layer order
  Figures summary;     // the family's reference-protocol figures
  Figures allModules;  // the same kind of figures over every tracked module

  // The module of this name, or of this role in this layer (the first such); nullptr when absent.
  const ModuleAnalysis* module(const std::string& name) const;
  const ModuleAnalysis* module(SiteRole role, int64_t layer) const;
  // The value of a summary figure by name; NaN when absent.
  double figure(const std::string& name) const;
};

// The `count` channels with the largest |x| of a module, largest first: {channel, max |x|}.
std::vector<std::pair<int64_t, double>> topChannels(const ModuleStatistics& stats, size_t count);

// How front ends hold a result: shared and immutable.
using ModelAnalysisPtr = std::shared_ptr<const ModelAnalysis>;

}  // namespace hopscope
