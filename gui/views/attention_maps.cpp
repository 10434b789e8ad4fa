#include "views/attention_maps.h"

#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attention_maps {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Σ of one row (probabilities, or their sums over heads) in double, in four interleaved partial
// sums: the additions no longer wait on one another, several times faster than one running sum
// (the no-op mass sums every row of every head on each switch). The other order changes only the
// last bits of the double, far below the float the no-op mass is stored in.
template <typename Value>
double rowSum(const Value* row, int64_t keys) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int64_t k = 0;
  for (; k + 4 <= keys; k += 4) {
    s0 += row[k];
    s1 += row[k + 1];
    s2 += row[k + 2];
    s3 += row[k + 3];
  }
  for (; k < keys; ++k) s0 += row[k];
  return (s0 + s1) + (s2 + s3);
}

// A query's no-op mass from the sum of its probabilities over keys and `heads` heads.
float massFromSum(double sum, double heads) {
  // float32 probabilities sum to 1 only up to their rounding (about 1e-7 per row): a remainder
  // below 1e-6 is rounding, not mass, and shows as 0 rather than as noise such as -8.7e-08.
  const double remainder = 1.0 - sum / heads;
  return std::abs(remainder) < 1e-6 ? 0.0f : static_cast<float>(remainder);
}

}  // namespace

QStringList tokenLabels(const hopscope::TextRunResult& run) {
  const std::vector<std::string>& labels = run.displayTokens.empty() ? run.tokens : run.displayTokens;
  QStringList out;
  out.reserve(static_cast<qsizetype>(labels.size()));
  for (const std::string& label : labels) out << QString::fromStdString(label);
  return out;
}

std::vector<float> noOpMass(const hopscope::AttentionProbabilities& attention, int head) {
  const int64_t queries = attention.queries, keys = attention.keys;
  std::vector<float> mass(static_cast<size_t>(queries));
  const int64_t firstHead = head < 0 ? 0 : head;
  const int64_t lastHead = head < 0 ? attention.heads : head + 1;
  const double heads = static_cast<double>(lastHead - firstHead);
  for (int64_t q = 0; q < queries; ++q) {
    double sum = 0.0;
    for (int64_t h = firstHead; h < lastHead; ++h) sum += rowSum(attention.probs.data() + (h * queries + q) * keys, keys);
    mass[static_cast<size_t>(q)] = massFromSum(sum, heads);
  }
  return mass;
}

HeatmapData attentionMap(const hopscope::TextRunResult& run, int layer, int head) {
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  const int64_t queries = attention.queries, keys = attention.keys;
  HeatmapData data;
  data.rowAxisTitle = QObject::tr("query token");
  data.columnAxisTitle = QObject::tr("key token");
  data.rowNoun = QObject::tr("query");
  data.columnNoun = QObject::tr("key");
  data.valueTitle = QObject::tr("attention probability");
  data.stripTitle = QObject::tr("no-op");
  data.stripNoun = QObject::tr("no-op mass 1 − Σp");
  const QStringList labels = tokenLabels(run);
  for (int64_t q = 0; q < queries; ++q)
    data.rowLabels << (q < labels.size() ? labels[q] : QString::number(q));
  for (int64_t k = 0; k < keys; ++k)
    data.columnLabels << (k < labels.size() ? labels[k] : QString::number(k));

  data.values.resize(static_cast<size_t>(queries * keys));
  float* out = data.values.data();
  if (head >= 0) {
    const float* in = attention.probs.data() + head * queries * keys;
    std::copy(in, in + queries * keys, out);
  } else {
    // Mean over heads: accumulate head by head in double, one row at a time (cache friendly).
    std::vector<double> row(static_cast<size_t>(keys));
    data.stripValues.resize(static_cast<size_t>(queries));
    for (int64_t q = 0; q < queries; ++q) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t h = 0; h < attention.heads; ++h) {
        const float* in = attention.probs.data() + (h * queries + q) * keys;
        for (int64_t k = 0; k < keys; ++k) row[static_cast<size_t>(k)] += in[k];
      }
      for (int64_t k = 0; k < keys; ++k)
        out[q * keys + k] = static_cast<float>(row[static_cast<size_t>(k)] / static_cast<double>(attention.heads));
      // The strip from the row just summed, rather than noOpMass's second pass over every head's
      // probabilities (the mean switch is bound by reading them from memory).
      data.stripValues[static_cast<size_t>(q)] = massFromSum(rowSum(row.data(), keys), static_cast<double>(attention.heads));
    }
  }
  if (run.causal)
    for (int64_t q = 0; q < queries; ++q)
      for (int64_t k = q + 1; k < keys; ++k) out[q * keys + k] = kNaN;
  if (head >= 0) data.stripValues = noOpMass(attention, head);
  return data;
}

bool sameTokens(const hopscope::TextRunResult& a, const hopscope::TextRunResult& b) {
  return a.ids == b.ids && a.tokens == b.tokens;
}

HeatmapData differenceMap(const HeatmapData& map, const HeatmapData& reference) {
  HeatmapData out = map;
  out.diverging = true;
  out.valueTitle = QObject::tr("p − p(reference)");
  const size_t cells = std::min(map.values.size(), reference.values.size());
  for (size_t i = 0; i < cells; ++i) {
    const float a = map.values[i], b = reference.values[i];
    out.values[i] = std::isnan(a) || std::isnan(b) ? kNaN : static_cast<float>(double(a) - double(b));
  }
  const size_t rows = std::min(map.stripValues.size(), reference.stripValues.size());
  for (size_t i = 0; i < rows; ++i) {
    const float a = map.stripValues[i], b = reference.stripValues[i];
    out.stripValues[i] = std::isnan(a) || std::isnan(b) ? kNaN : static_cast<float>(double(a) - double(b));
  }
  out.stripNoun = QObject::tr("Δ no-op mass");
  return out;
}

double largestMagnitude(const HeatmapData& map) {
  double largest = 0.0;
  for (float value : map.values)
    if (!std::isnan(value)) largest = std::max(largest, std::abs(double(value)));
  for (float value : map.stripValues)
    if (!std::isnan(value)) largest = std::max(largest, std::abs(double(value)));
  return largest;
}

QString variantLabel(const std::string& normalizer, const std::string& gate) {
  QString label = QString::fromStdString(normalizer.empty() ? std::string("softmax") : normalizer);
  if (!gate.empty() && gate != "none") label += QObject::tr(" + %1 gate").arg(QString::fromStdString(gate));
  return label;
}

}  // namespace attention_maps
