#pragma once
// Pure functions turning a text run's attention probabilities into heatmaps: one head or the
// mean over heads of a layer, the no-op mass of every query row (1 − Σ_k p), and the difference
// of two variants' maps. No widgets; the attention grid draws what these return.
#include <QString>
#include <QStringList>

#include <vector>

#include "hopscope/loaded_model.h"
#include "plots/heatmap_plot.h"

namespace attention_maps {

// The labels of a run's tokens: display tokens when present ("␣the" for BPE), else the spelling.
QStringList tokenLabels(const hopscope::TextRunResult& run);

// The mean over heads is asked for with this head index.
constexpr int kMeanOverHeads = -1;

// 1 − Σ_k p for every query row of one head (or the mean over heads): the weight softmax1 gives
// its implicit zero key. About 0 for softmax and clipped softmax, computed anyway. Sums in double;
// a remainder below 1e-6 (float32 rounding of Σp) is 0.
std::vector<float> noOpMass(const hopscope::AttentionProbabilities& attention, int head);

// Layer `layer`, head `head` (kMeanOverHeads: the mean) as a query × key map with the no-op mass
// as its strip; causal runs have their upper triangle masked (NaN). Titles are left empty.
// Requires a valid layer and head.
HeatmapData attentionMap(const hopscope::TextRunResult& run, int layer, int head);

// Same token sequence (ids and spellings): the condition for a meaningful difference map.
bool sameTokens(const hopscope::TextRunResult& a, const hopscope::TextRunResult& b);

// map − reference, cell by cell and strip by strip (NaN where either is NaN); a diverging map.
// Requires equal shapes. Labels and titles come from `map`.
HeatmapData differenceMap(const HeatmapData& map, const HeatmapData& reference);

// The largest |value| over the cells and the strip (0 when all are NaN).
double largestMagnitude(const HeatmapData& map);

// What tells variants apart, for a pane's headline: the normalizer, plus the gate when there is one
// ("softmax1", "clipped:-0.025:1 + mlp gate").
QString variantLabel(const std::string& normalizer, const std::string& gate);

}  // namespace attention_maps
