#include "views/attention_overview.h"

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plots/model_palette.h"
#include "views/attention_maps.h"
#include "views/loaded_models_model.h"

namespace {

// Viridis at t in [0, 1] (the heatmaps' colour map); NaN: the heatmaps' masked grey.
QRgb viridisAt(double t) {
  if (std::isnan(t)) return qRgb(236, 236, 236);
  static const int stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int low = std::min(3, static_cast<int>(t));
  const double f = t - low;
  auto mix = [&](int channel) {
    return static_cast<int>(std::lround(stops[low][channel] + f * (stops[low + 1][channel] - stops[low][channel])));
  };
  return qRgb(mix(0), mix(1), mix(2));
}

QImage imageOf(const std::vector<float>& pooled, int cells) {
  float largest = 0.0f;
  for (float value : pooled)
    if (!std::isnan(value)) largest = std::max(largest, value);
  QImage image(cells, cells, QImage::Format_RGB32);
  for (int row = 0; row < cells; ++row) {
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(row));
    for (int column = 0; column < cells; ++column) {
      const float value = pooled[static_cast<size_t>(row * cells + column)];
      line[column] = viridisAt(std::isnan(value) ? std::nan("") : largest > 0 ? value / largest : 0.0);
    }
  }
  return image;
}

}  // namespace

AttentionOverview::AttentionOverview(LoadedModelsModel* models, QWidget* parent)
    : QWidget(parent), models_(models) {
  setMouseTracking(true);
  setToolTip(tr("Every layer (rows) and head (columns, then their mean) of each variant, each map\n"
                "scaled to its own largest value; the bar under a map is the head's mean no-op mass.\n"
                "Click one to show that layer and head in every pane."));
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  timer_.setSingleShot(true);
  timer_.setInterval(0);
  connect(&timer_, &QTimer::timeout, this, &AttentionOverview::computeSlice);
  connect(models_, &LoadedModelsModel::runResultChanged, this, [this](int id) { invalidate(id); });
}

void AttentionOverview::setModelIds(const std::vector<int>& ids) {
  ids_ = ids;
  syncVariants();
}

void AttentionOverview::setCurrent(int layer, int head) {
  if (layer == layer_ && head == head_) return;
  layer_ = layer;
  head_ = head;
  update();
}

void AttentionOverview::invalidate(int modelId) {
  generation_[modelId] += 1;
  syncVariants();
}

AttentionOverview::Variant* AttentionOverview::variantFor(int modelId) {
  for (Variant& variant : variants_)
    if (variant.modelId == modelId) return &variant;
  return nullptr;
}

const AttentionOverview::Variant* AttentionOverview::variantFor(int modelId) const {
  for (const Variant& variant : variants_)
    if (variant.modelId == modelId) return &variant;
  return nullptr;
}

void AttentionOverview::syncVariants() {
  std::vector<Variant> next;
  for (int id : ids_) {
    const LoadedModelsModel::Entry* entry = models_->entryById(id);
    const int generation = generation_.value(id);
    Variant* existing = variantFor(id);
    if (existing && existing->generation == generation) {
      next.push_back(std::move(*existing));
      continue;
    }
    Variant variant;
    variant.modelId = id;
    variant.generation = generation;
    const std::vector<hopscope::AttentionProbabilities>* attention = entry ? entry->attention() : nullptr;
    if (attention && !attention->empty()) {  // a text run, or an image run (its tokens: class token + patches)
      variant.layers = static_cast<int>(attention->size());
      variant.heads = static_cast<int>(attention->front().heads);
      variant.cells = static_cast<int>(std::min<int64_t>(attention->front().queries, kThumbnailCells));
      const size_t count = static_cast<size_t>(variant.layers) * static_cast<size_t>(variant.heads + 1);
      variant.pooled.resize(count);
      variant.thumbnails.resize(count);
    }
    next.push_back(std::move(variant));
  }
  variants_ = std::move(next);
  fitHeight();
  update();
  if (isVisible() && !isComplete()) timer_.start();
}

bool AttentionOverview::isComplete() const {
  for (const Variant& variant : variants_)
    for (const Thumbnail& thumbnail : variant.thumbnails)
      if (!thumbnail.ready) return false;
  return true;
}

bool AttentionOverview::computeNext() {
  for (Variant& variant : variants_) {
    const int columns = variant.heads + 1;
    for (int layer = 0; layer < variant.layers; ++layer) {
      for (int head = 0; head <= variant.heads; ++head) {
        const size_t index = static_cast<size_t>(layer * columns + head);
        if (variant.thumbnails[index].ready) continue;
        const LoadedModelsModel::Entry* entry = models_->entryById(variant.modelId);
        if (!entry || !entry->attention() || generation_.value(variant.modelId) != variant.generation) {
          for (Thumbnail& thumbnail : variant.thumbnails) thumbnail.ready = true;  // stale: drawn empty
          return true;
        }
        const hopscope::AttentionProbabilities& attention = (*entry->attention())[static_cast<size_t>(layer)];
        const int cells = variant.cells;
        std::vector<float>& pooled = variant.pooled[index];
        Thumbnail& thumbnail = variant.thumbnails[index];
        if (head < variant.heads) {
          // Block means of one head; causal runs leave out the masked upper triangle.
          const int64_t queries = attention.queries, keys = attention.keys;
          std::vector<double> sum(static_cast<size_t>(cells * cells), 0.0);
          std::vector<int64_t> count(static_cast<size_t>(cells * cells), 0);
          const bool causal = entry->lastRun && entry->lastRun->causal;
          for (int64_t q = 0; q < queries; ++q) {
            const float* row = attention.probs.data() + (head * queries + q) * keys;
            const int64_t blockRow = q * cells / queries;
            const int64_t lastKey = causal ? std::min(q + 1, keys) : keys;
            for (int64_t k = 0; k < lastKey; ++k) {
              const size_t cell = static_cast<size_t>(blockRow * cells + k * cells / keys);
              sum[cell] += row[k];
              count[cell] += 1;
            }
          }
          pooled.resize(sum.size());
          for (size_t cell = 0; cell < sum.size(); ++cell)
            pooled[cell] = count[cell] ? static_cast<float>(sum[cell] / count[cell]) : std::numeric_limits<float>::quiet_NaN();
          const std::vector<float> mass = attention_maps::noOpMass(attention, head);
          double total = 0.0;
          for (float value : mass) total += value;
          thumbnail.noOpMass = mass.empty() ? 0.0 : total / static_cast<double>(mass.size());
        } else {
          // The head mean, from the heads' block means (all ready: heads come first in a row).
          pooled.assign(static_cast<size_t>(cells * cells), 0.0f);
          double mass = 0.0;
          for (int h = 0; h < variant.heads; ++h) {
            const std::vector<float>& one = variant.pooled[static_cast<size_t>(layer * columns + h)];
            for (size_t cell = 0; cell < pooled.size(); ++cell) pooled[cell] += one[cell] / static_cast<float>(variant.heads);
            mass += variant.thumbnails[static_cast<size_t>(layer * columns + h)].noOpMass;
          }
          thumbnail.noOpMass = variant.heads ? mass / variant.heads : 0.0;
        }
        thumbnail.image = imageOf(pooled, cells);
        thumbnail.ready = true;
        return true;
      }
    }
  }
  return false;
}

void AttentionOverview::computeSlice() {
  QElapsedTimer clock;
  clock.start();
  bool more = true;
  while (more && clock.elapsed() < 8) more = computeNext();
  update();
  if (more && isVisible()) timer_.start();
}

void AttentionOverview::computeAll() {
  while (computeNext()) {
  }
  update();
}

// The height follows the width (thumbnails scale with it); set from the resize, not from a size
// hint, so a scroll area around it does not loop.
void AttentionOverview::fitHeight() {
  const int height = heightForWidth(width() > 0 ? width() : 280);
  if (minimumHeight() != height) setFixedHeight(height);
  update();
}

void AttentionOverview::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  fitHeight();
}

void AttentionOverview::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!isComplete()) timer_.start();
}

double AttentionOverview::meanNoOpMass(int modelId, int layer, int head) const {
  const Variant* variant = variantFor(modelId);
  if (!variant || layer < 0 || layer >= variant->layers || head >= variant->heads) return std::nan("");
  const int column = head < 0 ? variant->heads : head;
  const Thumbnail& thumbnail = variant->thumbnails[static_cast<size_t>(layer * (variant->heads + 1) + column)];
  return thumbnail.ready ? thumbnail.noOpMass : std::nan("");
}

AttentionOverview::Geometry AttentionOverview::geometry(int width) const {
  Geometry g;
  const QFontMetrics metrics(font());
  g.labelWidth = metrics.horizontalAdvance(QStringLiteral("L00")) + 8;
  g.headerHeight = metrics.height() + 10;
  g.columnLabelHeight = metrics.height() + 2;
  int columns = 1;
  for (const Variant& variant : variants_) columns = std::max(columns, variant.heads + 1);
  const int available = width - g.labelWidth - 8;
  g.thumbnail = std::clamp(available / columns - g.gap, 18, 72);
  return g;
}

QString AttentionOverview::headerText(const Variant& variant) const {
  const int row = models_->rowOfId(variant.modelId);
  const LoadedModelsModel::Entry* entry = models_->entryById(variant.modelId);
  if (entry && entry->model)
    return QStringLiteral("%1  (%2)").arg(attention_maps::variantLabel(entry->model->info().normalizer,
                                                                       entry->model->info().gate),
                                          QString::fromStdString(entry->model->info().name));
  return row >= 0 ? models_->index(row, LoadedModelsModel::Name).data().toString() : QString();
}

QRect AttentionOverview::headerRect(const Variant& variant, int top) const {
  QFont bold = font();
  bold.setBold(true);
  const int left = 12 + QFontMetrics(font()).ascent();
  const int width = std::max(60, this->width() - left - 4);
  // Wrapped, never elided: the whole name is always readable.
  const QRect needed = QFontMetrics(bold).boundingRect(QRect(0, 0, width, 1000), Qt::TextWrapAnywhere, headerText(variant));
  return QRect(left, top + 4, width, needed.height() + 4);
}

int AttentionOverview::variantHeight(const Variant& variant, const Geometry& g) const {
  const int header = headerRect(variant, 0).bottom() + 2;
  if (variant.layers == 0) return header + g.columnLabelHeight;
  return header + g.columnLabelHeight + variant.layers * (g.thumbnail + g.bar + 2 * g.gap) + g.gap;
}

int AttentionOverview::heightForWidth(int width) const {
  const Geometry g = geometry(width);
  int height = 4;
  for (const Variant& variant : variants_) height += variantHeight(variant, g);
  return std::max(height, 60);
}

QSize AttentionOverview::sizeHint() const { return QSize(280, heightForWidth(280)); }

QRect AttentionOverview::thumbnailRect(int modelId, int layer, int head) const {
  const Geometry g = geometry(width());
  int top = 4;
  for (const Variant& variant : variants_) {
    if (variant.modelId == modelId) {
      if (layer < 0 || layer >= variant.layers || head >= variant.heads) return {};
      const int column = head < 0 ? variant.heads : head;
      const int x = g.labelWidth + column * (g.thumbnail + g.gap) + (head < 0 ? g.gap : 0);
      const int y = headerRect(variant, top).bottom() + 2 + g.columnLabelHeight + layer * (g.thumbnail + g.bar + 2 * g.gap);
      return QRect(x, y, g.thumbnail, g.thumbnail);
    }
    top += variantHeight(variant, g);
  }
  return {};
}

void AttentionOverview::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  const Geometry g = geometry(width());
  const QFontMetrics metrics(font());
  QFont small = font();
  small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.85));
  int top = 4;
  if (variants_.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignTop | Qt::AlignLeft | Qt::TextWordWrap,
                     tr("No attention yet: run a text to see every layer and head here."));
    return;
  }
  for (const Variant& variant : variants_) {
    const int row = models_->rowOfId(variant.modelId);
    const QRect header = headerRect(variant, top);
    // Header: swatch and the whole name, wrapped when long.
    const QColor colour = modelColour(std::max(row, 0));
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(colour.darker(140), 1));
    painter.setBrush(colour);
    const int side = metrics.ascent();
    painter.drawRoundedRect(QRectF(6, header.top() + 2 + (metrics.height() - side) / 2.0, side, side), 2, 2);
    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setPen(palette().color(QPalette::Text));
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(header.adjusted(0, 2, 0, 0), Qt::AlignTop | Qt::AlignLeft | Qt::TextWrapAnywhere, headerText(variant));
    painter.setFont(small);
    const int labelsTop = header.bottom() + 2;
    if (variant.layers == 0) {
      painter.setPen(palette().color(QPalette::PlaceholderText));
      painter.drawText(QRect(g.labelWidth, labelsTop, width() - g.labelWidth, g.columnLabelHeight),
                       Qt::AlignLeft | Qt::AlignVCenter, tr("no run yet"));
    }
    painter.setPen(palette().color(QPalette::Text));
    for (int head = -1; head < variant.heads && variant.layers > 0; ++head) {
      const QRect cell = thumbnailRect(variant.modelId, 0, head);
      painter.drawText(QRect(cell.left() - 4, labelsTop, cell.width() + 8, g.columnLabelHeight),
                       Qt::AlignCenter, head < 0 ? tr("mean") : QStringLiteral("H%1").arg(head));
    }
    for (int layer = 0; layer < variant.layers; ++layer) {
      const QRect first = thumbnailRect(variant.modelId, layer, 0);
      painter.setPen(palette().color(QPalette::Text));
      painter.drawText(QRect(0, first.top(), g.labelWidth - 4, first.height()), Qt::AlignRight | Qt::AlignVCenter,
                       QStringLiteral("L%1").arg(layer));
      for (int head = -1; head < variant.heads; ++head) {
        const QRect cell = thumbnailRect(variant.modelId, layer, head);
        const int column = head < 0 ? variant.heads : head;
        const Thumbnail& thumbnail = variant.thumbnails[static_cast<size_t>(layer * (variant.heads + 1) + column)];
        if (thumbnail.ready && !thumbnail.image.isNull()) {
          painter.drawImage(cell, thumbnail.image);
        } else {
          painter.fillRect(cell, QColor(225, 225, 225));
        }
        // No-op mass bar: its length is the head's mean mass (0 to 1).
        const QRect bar(cell.left(), cell.bottom() + 2, cell.width(), g.bar);
        painter.fillRect(bar, QColor(230, 230, 230));
        if (thumbnail.ready)
          painter.fillRect(QRect(bar.left(), bar.top(),
                                 static_cast<int>(std::lround(std::clamp(thumbnail.noOpMass, 0.0, 1.0) * bar.width())),
                                 bar.height()),
                           QColor(204, 121, 167));
        const bool current = layer == layer_ && head == head_;
        if (current) {
          painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
          painter.setBrush(Qt::NoBrush);
          painter.drawRect(cell.adjusted(-2, -2, 1, g.bar + 3));
        }
      }
    }
    top += variantHeight(variant, g);
    painter.setFont(font());
  }
}

void AttentionOverview::mousePressEvent(QMouseEvent* event) {
  for (const Variant& variant : variants_)
    for (int layer = 0; layer < variant.layers; ++layer)
      for (int head = -1; head < variant.heads; ++head)
        if (thumbnailRect(variant.modelId, layer, head).adjusted(-2, -2, 2, 2 + 6).contains(event->pos())) {
          emit picked(layer, head);
          return;
        }
  QWidget::mousePressEvent(event);
}
