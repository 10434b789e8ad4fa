#include "report/report_attention_figure.h"

#include <QObject>

#include <limits>

namespace {

QString fromStd(const std::string& text) { return QString::fromStdString(text); }

// softmax1 and its variants let a row sum to less than 1; the rest is the head's "no-op" weight.
bool rowsMayLoseMass(const std::string& normalizer) { return normalizer.find("softmax1") != std::string::npos; }

double probability(const hopscope::AttentionProbabilities& attention, int head, int64_t q, int64_t k) {
  if (head >= 0) return attention.at(head, q, k);
  double value = 0.0;
  for (int64_t h = 0; h < attention.heads; ++h) value += attention.at(h, q, k);
  return value / static_cast<double>(attention.heads);
}

}  // namespace

// Copied from views/attention_view.cpp (anonymous namespace there).
HeatmapData attentionHeatmap(const QString& modelName, const std::string& normalizer,
                             const hopscope::TextRunResult& run, int layer, int head) {
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  HeatmapData data;
  data.title = head < 0 ? QObject::tr("%1 — layer %2, mean over %3 heads").arg(modelName).arg(layer).arg(attention.heads)
                        : QObject::tr("%1 — layer %2, head %3").arg(modelName).arg(layer).arg(head);
  data.rowAxisTitle = QObject::tr("query token");
  data.columnAxisTitle = QObject::tr("key token");
  data.rowNoun = QObject::tr("query");
  data.columnNoun = QObject::tr("key");
  data.valueTitle = QObject::tr("attention probability");
  const std::vector<std::string>& labels = run.displayTokens.empty() ? run.tokens : run.displayTokens;
  for (int64_t q = 0; q < attention.queries; ++q)
    data.rowLabels << (q < static_cast<int64_t>(labels.size()) ? fromStd(labels[q]) : QString::number(q));
  for (int64_t k = 0; k < attention.keys; ++k)
    data.columnLabels << (k < static_cast<int64_t>(labels.size()) ? fromStd(labels[k]) : QString::number(k));

  const bool showMissingMass = rowsMayLoseMass(normalizer);
  data.values.reserve(static_cast<size_t>(attention.queries * attention.keys));
  for (int64_t q = 0; q < attention.queries; ++q) {
    double rowSum = 0.0;
    for (int64_t k = 0; k < attention.keys; ++k) {
      const double value = probability(attention, head, q, k);
      rowSum += value;
      const bool masked = run.causal && k > q;
      data.values.push_back(masked ? std::numeric_limits<double>::quiet_NaN() : value);
    }
    if (showMissingMass) data.rowNotes << QObject::tr("row missing mass 1 − Σp = %1").arg(1.0 - rowSum, 0, 'f', 4);
  }
  return data;
}

double sampleNoOpMass(const hopscope::TextRunResult& run, int layer, int head) {
  if (layer < 0 || layer >= static_cast<int>(run.attention.size())) return std::numeric_limits<double>::quiet_NaN();
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  if (attention.queries <= 0) return std::numeric_limits<double>::quiet_NaN();
  double total = 0.0;
  for (int64_t q = 0; q < attention.queries; ++q) {
    double rowSum = 0.0;
    for (int64_t k = 0; k < attention.keys; ++k) rowSum += probability(attention, head, q, k);
    total += 1.0 - rowSum;
  }
  return total / static_cast<double>(attention.queries);
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
