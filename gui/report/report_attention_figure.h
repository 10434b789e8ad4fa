#pragma once
// The report's attention maps: one model's run of the sample text at a layer and head (or the mean
// over heads) as a heatmap panel, titled with its no-op mass (the mean over query rows of 1 − Σp).
// The maps themselves are the Attention view's (views/attention_maps.h).
#include <QString>

#include <string>

#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "plots/heatmap_plot.h"

HeatmapData attentionHeatmap(const QString& modelName, const std::string& normalizer,
                             const hopscope::TextRunResult& run, int layer, int head);

// Mean over query rows of 1 − Σ_k p of one head (head < 0: the mean over heads) on the run.
double sampleNoOpMass(const hopscope::TextRunResult& run, int layer, int head);

// The head with the most no-op mass over the evaluated text in that layer, or, when no head has
// any (rows summing to 1), the one with the most delimiter mass; 0 when unknown.
int headWithMostNoOpMass(const hopscope::ModelAnalysis& analysis, int layer);
