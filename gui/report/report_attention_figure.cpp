#include "report/report_attention_figure.h"

#include <QObject>

#include <limits>

#include "views/attention_maps.h"

// The Attention view's map (views/attention_maps.h) with a title naming the model, layer and head.
HeatmapData attentionHeatmap(const QString& modelName, const std::string& normalizer,
                             const hopscope::TextRunResult& run, int layer, int head) {
  (void)normalizer;  // every normalizer gets its no-op strip
  HeatmapData data = attention_maps::attentionMap(run, layer, head < 0 ? attention_maps::kMeanOverHeads : head);
  const int64_t heads = run.attention[static_cast<size_t>(layer)].heads;
  data.title = head < 0 ? QObject::tr("%1 — layer %2, mean over %3 heads").arg(modelName).arg(layer).arg(heads)
                        : QObject::tr("%1 — layer %2, head %3").arg(modelName).arg(layer).arg(head);
  return data;
}

double sampleNoOpMass(const hopscope::TextRunResult& run, int layer, int head) {
  if (layer < 0 || layer >= static_cast<int>(run.attention.size())) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<float> mass = attention_maps::noOpMass(run.attention[static_cast<size_t>(layer)], head);
  if (mass.empty()) return std::numeric_limits<double>::quiet_NaN();
  double total = 0.0;
  for (float value : mass) total += value;
  return total / static_cast<double>(mass.size());
}

int headWithMostNoOpMass(const hopscope::ModelAnalysis& analysis, int layer) {
  for (const hopscope::AttentionAnalysis& attention : analysis.attention) {
    if (attention.layer != layer) continue;
    int best = 0, bestDelimiter = 0;
    double most = -1, mostDelimiter = -1;
    for (int64_t h = 0; h < attention.heads.heads(); ++h) {
      const hopscope::HeadSummary summary = attention.heads.head(h);
      if (summary.noOpMass > most) most = summary.noOpMass, best = static_cast<int>(h);
      if (summary.delimiterMass > mostDelimiter) mostDelimiter = summary.delimiterMass, bestDelimiter = static_cast<int>(h);
    }
    return most > 1e-6 ? best : bestDelimiter;
  }
  return 0;
}
