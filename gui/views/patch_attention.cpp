#include "views/patch_attention.h"

#include <QObject>

#include <cstring>
#include <limits>

#include "views/attention_maps.h"

namespace patch_attention {
namespace {

QStringList indexLabels(int64_t count) {
  QStringList labels;
  for (int64_t i = 0; i < count; ++i) labels << QString::number(i);
  return labels;
}

// The patch grid over the image: rows and columns labelled by index, the image beneath.
HeatmapData patchGrid(const hopscope::ImageRunResult& run) {
  HeatmapData data;
  data.rowLabels = indexLabels(run.gridHeight);
  data.columnLabels = indexLabels(run.gridWidth);
  data.rowAxisTitle = QObject::tr("patch row");
  data.columnAxisTitle = QObject::tr("patch column");
  data.rowNoun = QObject::tr("row");
  data.columnNoun = QObject::tr("column");
  data.image = inputImage(run.input);
  if (data.image.isNull()) {  // no pixels to show: a neutral backdrop keeps the pane an image pane
    data.image = QImage(static_cast<int>(run.gridWidth), static_cast<int>(run.gridHeight), QImage::Format_Grayscale8);
    data.image.fill(Qt::gray);
  }
  data.values.assign(static_cast<size_t>(run.gridHeight * run.gridWidth), 0.0f);
  return data;
}

}  // namespace

int queryToken(const hopscope::ImageRunResult& run, PatchQuery query) {
  if (query.isClassToken()) return 0;
  if (query.row >= run.gridHeight || query.column >= run.gridWidth) return -1;
  return 1 + query.row * static_cast<int>(run.gridWidth) + query.column;
}

QString queryText(PatchQuery query) {
  return query.isClassToken() ? QObject::tr("class token")
                              : QObject::tr("patch (%1, %2)").arg(query.row).arg(query.column);
}

QImage inputImage(const hopscope::DecodedImage& image) {
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != static_cast<size_t>(image.width * image.height * image.channels))
    return {};
  QImage result(static_cast<int>(image.width), static_cast<int>(image.height),
                image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const size_t rowBytes = static_cast<size_t>(image.width * image.channels);
  for (int y = 0; y < result.height(); ++y)
    std::memcpy(result.scanLine(y), image.pixels.data() + static_cast<size_t>(y) * rowBytes, rowBytes);
  return result;
}

double probability(const hopscope::AttentionProbabilities& attention, int head, int query, int key) {
  if (head >= 0) return attention.at(head, query, key);
  double sum = 0;
  for (int h = 0; h < attention.heads; ++h) sum += attention.at(h, query, key);
  return sum / static_cast<double>(attention.heads);
}

HeatmapData queryMap(const hopscope::ImageRunResult& run, int layer, int head, int query) {
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  HeatmapData data = patchGrid(run);
  const int patches = static_cast<int>(run.gridHeight * run.gridWidth);
  for (int patch = 0; patch < patches && patch + 1 < attention.keys; ++patch)
    data.values[static_cast<size_t>(patch)] = static_cast<float>(probability(attention, head, query, patch + 1));
  data.classTokenWeight = probability(attention, head, query, 0);
  data.noOpMass = attention_maps::noOpMass(attention, head)[static_cast<size_t>(query)];
  data.valueTitle = QObject::tr("attention p");
  data.cellNoun = query == 0 ? QObject::tr("attention from the class token")
                             : QObject::tr("attention from the query patch");
  return data;
}

HeatmapData noOpMap(const hopscope::ImageRunResult& run, int layer, int head) {
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  HeatmapData data = patchGrid(run);
  const std::vector<float> mass = attention_maps::noOpMass(attention, head);
  const size_t patches = data.values.size();
  for (size_t patch = 0; patch < patches && patch + 1 < mass.size(); ++patch) data.values[patch] = mass[patch + 1];
  data.classTokenWeight = std::numeric_limits<double>::quiet_NaN();
  data.noOpMass = mass.empty() ? std::numeric_limits<double>::quiet_NaN() : mass.front();
  data.valueTitle = QObject::tr("no-op mass 1 − Σp");
  data.cellNoun = QObject::tr("no-op mass 1 − Σp of its query");
  return data;
}

}  // namespace patch_attention
