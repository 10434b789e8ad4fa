#include "views/attention_grid.h"

#include <QEvent>
#include <QFrame>
#include <QGridLayout>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "plots/heatmap_plot.h"
#include "plots/model_palette.h"
#include "plots/plot_export.h"
#include "views/attention_maps.h"
#include "views/loaded_models_model.h"
#include "views/patch_attention.h"

namespace {

QString modelName(const LoadedModelsModel& models, const LoadedModelsModel::Entry& entry) {
  if (entry.model) return QString::fromStdString(entry.model->info().name);
  return models.index(models.rowOfId(entry.id), LoadedModelsModel::Name).data().toString();
}

QString variantOf(const LoadedModelsModel::Entry& entry) {
  if (!entry.model) return {};
  return attention_maps::variantLabel(entry.model->info().normalizer, entry.model->info().gate);
}

QString formatNumber(double value) {
  if (value == 0.0 || std::abs(value) >= 1e-3) return QString::number(value, 'f', 4);
  return QString::number(value, 'e', 2);
}

QString headText(int head, int heads) {
  return head < 0 ? QObject::tr("mean over %1 heads").arg(heads) : QObject::tr("head %1").arg(head);
}

// Grid columns for n panes: one for one, two up to four, three up to six, then four.
int columnsFor(int panes) { return panes <= 1 ? 1 : panes <= 4 ? 2 : panes <= 6 ? 3 : 4; }

}  // namespace

AttentionGrid::AttentionGrid(LoadedModelsModel* models, QWidget* parent)
    : QWidget(parent), models_(models) {
  layout_ = new QGridLayout(this);
  layout_->setContentsMargins(0, 0, 0, 0);
  layout_->setSpacing(4);

  connect(models_, &LoadedModelsModel::runResultChanged, this, [this](int id) {
    generation_[id] += 1;
    viewRange_.reset();  // new tokens: start from the whole map
    refresh();
    emit runsChanged();
  });
  connect(models_, &QAbstractItemModel::dataChanged, this, [this] { refresh(); });
  connect(models_, &QAbstractItemModel::rowsInserted, this, [this] { refresh(); });
  connect(models_, &QAbstractItemModel::rowsRemoved, this, [this] {
    refresh();
    emit runsChanged();
  });
  connect(models_, &QAbstractItemModel::modelReset, this, [this] { refresh(); });
  refresh();
}

HeatmapPlot* AttentionGrid::pane(int index) const {
  return index >= 0 && index < paneCount() ? panes_[static_cast<size_t>(index)].plot : nullptr;
}

int AttentionGrid::paneModelId(int index) const {
  return index >= 0 && index < paneCount() ? panes_[static_cast<size_t>(index)].modelId : -1;
}

HeatmapPlot* AttentionGrid::paneForModel(int id) const {
  for (const Pane& pane : panes_)
    if (pane.modelId == id) return pane.plot;
  return nullptr;
}

HeatmapPlot* AttentionGrid::currentPane() const {
  HeatmapPlot* plot = paneForModel(currentId_);
  return plot ? plot : panes_.front().plot;
}

std::vector<int> AttentionGrid::shownModelIds() const {
  std::vector<int> ids;
  for (const Pane& pane : panes_)
    if (pane.modelId >= 0) ids.push_back(pane.modelId);
  return ids;
}

AttentionGrid::Pane* AttentionGrid::paneFor(int id) {
  for (Pane& pane : panes_)
    if (pane.modelId == id) return &pane;
  return nullptr;
}

AttentionGrid::Pane& AttentionGrid::addPane(int id) {
  Pane pane;
  pane.modelId = id;
  pane.frame = new QFrame;
  pane.frame->setObjectName(QStringLiteral("attentionPane"));
  auto* box = new QVBoxLayout(pane.frame);
  box->setContentsMargins(2, 2, 2, 2);
  pane.plot = new HeatmapPlot;
  pane.plot->setToolTipDuration(-1);
  box->addWidget(pane.plot);
  pane.plot->installEventFilter(this);
  HeatmapPlot* plot = pane.plot;
  connect(plot, &HeatmapPlot::viewRangeChanged, this, [this, plot](const QCPRange& columns, const QCPRange& rows) {
    if (syncing_ || plot->heatmapData().isPatchMap()) return;
    viewRange_ = std::make_pair(columns, rows);
    syncing_ = true;
    for (Pane& other : panes_)
      if (other.plot != plot && !other.image) other.plot->setViewRange(columns, rows);
    syncing_ = false;
    emit viewRangeChanged(columns, rows);
  });
  connect(plot, &HeatmapPlot::viewResetRequested, this, [this] { resetView(); });
  // Image panes share their hover and query among themselves; text panes theirs.
  connect(plot, &HeatmapPlot::cellHovered, this, [this, plot](int row, int column) {
    if (plot->heatmapData().isPatchMap()) setImageHover(row, column);
    else setHoverCell(row, column);
  });
  connect(plot, &HeatmapPlot::cellClicked, this, [this, plot](int row, int column) {
    if (!plot->heatmapData().isPatchMap()) return setSelectedCell(row, column);
    if (imageNoOp_ || column < 0) return;  // the no-op map has no query to pick
    const patch_attention::PatchQuery clicked{row, column};
    setImageQuery(clicked == imageQuery_ ? patch_attention::PatchQuery{} : clicked);
  });
  panes_.push_back(pane);
  return panes_.back();
}

bool AttentionGrid::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::MouseButtonPress)
    for (const Pane& pane : panes_)
      if (pane.plot == watched && pane.modelId >= 0) setCurrentModelId(pane.modelId);
  return QWidget::eventFilter(watched, event);
}

void AttentionGrid::refresh() {
  // The panes wanted: every model not hidden, in table order; a message pane when there is none.
  std::vector<int> wanted;
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (!hidden_.contains(entry.id)) wanted.push_back(entry.id);
  if (wanted.empty()) wanted.push_back(-1);

  std::vector<int> current;
  for (const Pane& pane : panes_) current.push_back(pane.modelId);
  if (current != wanted) {
    std::vector<Pane> kept;
    for (int id : wanted) {
      auto found = std::find_if(panes_.begin(), panes_.end(), [id](const Pane& pane) { return pane.modelId == id; });
      if (found != panes_.end()) {
        kept.push_back(*found);
        panes_.erase(found);
      } else {
        addPane(id);
        kept.push_back(panes_.back());
        panes_.pop_back();
      }
    }
    for (Pane& gone : panes_) {
      layout_->removeWidget(gone.frame);
      delete gone.frame;
    }
    panes_ = std::move(kept);
    layoutPanes();
  }
  if (currentId_ < 0 || !paneFor(currentId_)) {
    const int first = panes_.front().modelId;
    if (first != currentId_) {
      currentId_ = first;
      emit currentModelChanged(currentId_);
    }
  }
  if (referenceId_ >= 0 && models_->rowOfId(referenceId_) < 0) referenceId_ = -1;
  highlightCurrent();
  updatePanes();
}

int AttentionGrid::columnsForWidth() const {
  // As many as the count asks for, but never so many that panes fall below a readable width.
  const int fitting = std::max(1, width() / 300);
  return std::max(1, std::min(columnsFor(paneCount()), width() > 0 ? fitting : columnsFor(paneCount())));
}

void AttentionGrid::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (columnsForWidth() != columns_) layoutPanes();
}

void AttentionGrid::layoutPanes() {
  for (const Pane& pane : panes_) layout_->removeWidget(pane.frame);
  columns_ = columnsForWidth();
  for (int index = 0; index < paneCount(); ++index)
    layout_->addWidget(panes_[static_cast<size_t>(index)].frame, index / columns_, index % columns_);
  for (int column = 0; column < 8; ++column) layout_->setColumnStretch(column, column < columns_ ? 1 : 0);
  const int rows = (paneCount() + columns_ - 1) / columns_;
  for (int row = 0; row < 8; ++row) layout_->setRowStretch(row, row < rows ? 1 : 0);
}

void AttentionGrid::highlightCurrent() {
  for (const Pane& pane : panes_) {
    const bool current = pane.modelId == currentId_ && paneCount() > 1;
    pane.frame->setStyleSheet(current ? QStringLiteral("QFrame#attentionPane { border: 2px solid palette(highlight); border-radius: 3px; }")
                                      : QStringLiteral("QFrame#attentionPane { border: 2px solid transparent; }"));
  }
}

int AttentionGrid::layerCount() const {
  int layers = 0;
  for (const Pane& pane : panes_) {
    const LoadedModelsModel::Entry* entry = models_->entryById(pane.modelId);
    if (const auto* attention = entry ? entry->attention() : nullptr)
      layers = std::max(layers, static_cast<int>(attention->size()));
  }
  return layers;
}

int AttentionGrid::headCount() const {
  int heads = 0;
  for (const Pane& pane : panes_) {
    const LoadedModelsModel::Entry* entry = models_->entryById(pane.modelId);
    const auto* attention = entry ? entry->attention() : nullptr;
    if (attention && layer_ < static_cast<int>(attention->size()))
      heads = std::max(heads, static_cast<int>((*attention)[static_cast<size_t>(layer_)].heads));
  }
  return heads;
}

bool AttentionGrid::hasImagePanes() const {
  for (const Pane& pane : panes_)
    if (pane.image) return true;
  return false;
}

bool AttentionGrid::isImagePane(int index) const {
  return index >= 0 && index < paneCount() && panes_[static_cast<size_t>(index)].image;
}

bool AttentionGrid::buildImageMap(const Pane& pane, const QString& name, const QString& title, HeatmapData& map,
                                  QString& message) const {
  const LoadedModelsModel::Entry* entry = models_->entryById(pane.modelId);
  const hopscope::ImageRunResult& run = *entry->lastImageRun;
  const int layers = static_cast<int>(run.attention.size());
  if (layer_ >= layers) {
    message = tr("%1 has %n layer(s): no layer %2", nullptr, layers).arg(name).arg(layer_);
    return false;
  }
  const int heads = static_cast<int>(run.attention[static_cast<size_t>(layer_)].heads);
  if (head_ >= heads) {
    message = tr("%1 has %n head(s) per layer: no head %2", nullptr, heads).arg(name).arg(head_);
    return false;
  }
  const QString where = tr("%1 — layer %2, %3").arg(name).arg(layer_).arg(headText(head_, heads));
  if (imageNoOp_) {
    map = patch_attention::noOpMap(run, layer_, head_);
    map.title = title;
    map.subtitle = tr("%1\nno-op mass 1 − Σp of each patch's query · class token's %2")
                       .arg(where, formatNumber(map.noOpMass));
    return true;
  }
  patch_attention::PatchQuery query = imageQuery_;
  int token = patch_attention::queryToken(run, query);
  QString outside;
  if (token < 0) {  // a patch of a larger grid than this model's: its class token instead
    outside = tr(" (%1 is outside its %2 × %3 grid)").arg(patch_attention::queryText(query)).arg(run.gridHeight).arg(run.gridWidth);
    query = {};
    token = 0;
  }
  map = patch_attention::queryMap(run, layer_, head_, token);
  map.title = title;
  map.subtitle = tr("%1\nquery: %2%3 · p(→ CLS) %4 · no-op %5")
                     .arg(where, patch_attention::queryText(query), outside, formatNumber(map.classTokenWeight),
                          formatNumber(map.noOpMass));
  return true;
}

void AttentionGrid::updatePanes() {
  // Headlines lead with the normalizer and gate; when two shown models share them, the name too.
  QStringList variants;
  for (const Pane& pane : panes_)
    if (const LoadedModelsModel::Entry* entry = models_->entryById(pane.modelId)) variants << variantOf(*entry);
  const bool variantsUnique = QSet<QString>(variants.begin(), variants.end()).size() == variants.size();

  const LoadedModelsModel::Entry* reference = referenceId_ >= 0 ? models_->entryById(referenceId_) : nullptr;
  const bool referenceHasMap = reference && reference->lastRun &&
                               layer_ < static_cast<int>(reference->lastRun->attention.size()) &&
                               head_ < reference->lastRun->attention[static_cast<size_t>(layer_)].heads;
  std::optional<HeatmapData> referenceMap;
  const QString referenceName = reference ? modelName(*models_, *reference) : QString();

  for (Pane& pane : panes_) {
    const LoadedModelsModel::Entry* entry = models_->entryById(pane.modelId);
    const int row = models_->rowOfId(pane.modelId);
    const bool differencing = reference && pane.modelId != referenceId_;
    const bool image = entry && entry->lastImageRun && !entry->lastImageRun->attention.empty();
    const QString imageKey = image ? QStringLiteral("%1,%2,%3").arg(imageQuery_.row).arg(imageQuery_.column).arg(imageNoOp_)
                                   : QString();
    const QString key = QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|")
                            .arg(pane.modelId)
                            .arg(generation_.value(pane.modelId))
                            .arg(entry ? static_cast<int>(entry->state) : -1)
                            .arg(entry ? entry->message : QString())
                            .arg(layer_)
                            .arg(head_)
                            .arg(differencing ? QStringLiteral("%1:%2").arg(referenceId_).arg(generation_.value(referenceId_)) : QString())
                            .arg(row)
                            .arg(variantsUnique ? 1 : 0) + imageKey;
    if (key == pane.key) continue;
    pane.key = key;
    pane.image = image;
    HeatmapPlot* plot = pane.plot;
    plot->setAccentColour(row >= 0 ? modelColour(row) : QColor());
    if (!entry) {
      plot->clear(tr("Open a model with File ▸ Open model… (Ctrl+O)"));
      continue;
    }
    const QString name = modelName(*models_, *entry);
    const QString variant = variantOf(*entry);
    if (image) {
      HeatmapData map;
      QString message;
      if (!buildImageMap(pane, name, variantsUnique ? variant : QStringLiteral("%1 — %2").arg(variant, name), map,
                         message)) {
        plot->clear(message);
        continue;
      }
      if (differencing) map.subtitle += tr("\n(image panes show no difference maps)");
      plot->setData(std::move(map));
      const patch_attention::PatchQuery query = imageNoOp_ ? patch_attention::PatchQuery{} : imageQuery_;
      plot->setHoverCell(imageHoverRow_, imageHoverColumn_);
      plot->setSelectedCell(query.isClassToken() ? -1 : query.row, query.isClassToken() ? -1 : query.column);
      continue;
    }
    if (!entry->lastRun || entry->lastRun->attention.empty()) {
      QString why = entry->isImageModel()
                        ? tr("an image model: open an image (Open image… beside the text, or drop a PNG, JPEG "
                             "or idx file on the window) to see its attention")
                        : tr("run a text to see its attention");
      if (entry->state == LoadedModelsModel::State::Loading) why = tr("loading…");
      if (entry->state == LoadedModelsModel::State::Running) why = tr("running…");
      if (entry->state == LoadedModelsModel::State::Failed) why = entry->message;
      plot->clear(QStringLiteral("%1: %2").arg(name, why));
      continue;
    }
    const hopscope::TextRunResult& run = *entry->lastRun;
    const int layers = static_cast<int>(run.attention.size());
    if (layer_ >= layers) {
      plot->clear(tr("%1 has %n layer(s): no layer %2", nullptr, layers).arg(name).arg(layer_));
      continue;
    }
    const int heads = static_cast<int>(run.attention[static_cast<size_t>(layer_)].heads);
    if (head_ >= heads) {
      plot->clear(tr("%1 has %n head(s) per layer: no head %2", nullptr, heads).arg(name).arg(head_));
      continue;
    }
    HeatmapData map = attention_maps::attentionMap(run, layer_, head_);
    map.title = variantsUnique ? variant : QStringLiteral("%1 — %2").arg(variant, name);
    map.subtitle = tr("%1 — layer %2, %3").arg(name).arg(layer_).arg(headText(head_, heads));
    if (differencing) {
      if (reference->lastImageRun) {
        map.subtitle += tr("\nno difference: %1 ran an image, not this text").arg(referenceName);
      } else if (!referenceHasMap) {
        map.subtitle += tr("\nno difference: %1 has no layer %2, %3 to compare with")
                            .arg(referenceName).arg(layer_).arg(headText(head_, heads));
      } else if (!attention_maps::sameTokens(run, *reference->lastRun)) {
        map.subtitle += tr("\nno difference: its tokens differ from those of %1").arg(referenceName);
      } else {
        if (!referenceMap) referenceMap = attention_maps::attentionMap(*reference->lastRun, layer_, head_);
        HeatmapData difference = attention_maps::differenceMap(map, *referenceMap);
        difference.title = tr("%1 − %2").arg(map.title, variantOf(*reference));
        difference.subtitle = tr("%1 minus %2 — layer %3, %4").arg(name, referenceName).arg(layer_).arg(headText(head_, heads));
        map = std::move(difference);
      }
    } else if (reference && pane.modelId == referenceId_) {
      map.subtitle += tr(" (reference)");
    }
    plot->setData(std::move(map));
    if (viewRange_) plot->setViewRange(viewRange_->first, viewRange_->second);
    plot->setHoverCell(hoverRow_, hoverColumn_);
    plot->setSelectedCell(selectedRow_, selectedColumn_);
  }
  applyColours();
}

void AttentionGrid::applyColours() {
  double low = 0.0, high = 1.0, largestDifference = 0.0;
  bool any = false;
  for (const Pane& pane : panes_) {
    if (!pane.plot->hasMap()) continue;
    if (pane.plot->heatmapData().diverging) {
      largestDifference = std::max(largestDifference, attention_maps::largestMagnitude(pane.plot->heatmapData()));
      continue;
    }
    const QCPRange range = pane.plot->valueRange();
    low = any ? std::min(low, range.lower) : range.lower;
    high = any ? std::max(high, range.upper) : range.upper;
    any = true;
  }
  if (largestDifference <= 0) largestDifference = 1e-6;
  const QCPRange symmetric(-largestDifference, largestDifference);
  for (const Pane& pane : panes_) {
    HeatmapPlot* plot = pane.plot;
    if (!plot->hasMap()) continue;
    const bool diverging = plot->heatmapData().diverging;
    switch (colourMode_) {
      case ColourMode::UnitRange:
        plot->setColourScale(HeatmapPlot::Scale::Linear, diverging ? symmetric : QCPRange(0, 1));
        break;
      case ColourMode::SharedRange:
        plot->setColourScale(HeatmapPlot::Scale::Linear, diverging ? symmetric : QCPRange(low, high));
        break;
      case ColourMode::PerMap: {
        const QCPRange own = plot->valueRange();
        const double largest = std::max(std::abs(own.lower), std::abs(own.upper));
        plot->setColourScale(HeatmapPlot::Scale::Linear, diverging ? QCPRange(-largest, largest) : own);
        break;
      }
      case ColourMode::Log:
        plot->setColourScale(diverging ? HeatmapPlot::Scale::Linear : HeatmapPlot::Scale::Log,
                             diverging ? symmetric : QCPRange(HeatmapPlot::kLogFloor, 1));
        break;
    }
  }
}

void AttentionGrid::setLayer(int layer) {
  layer = std::max(0, layer);
  if (layer == layer_) return;
  layer_ = layer;
  updatePanes();
}

void AttentionGrid::setHead(int head) {
  head = std::max(-1, head);
  if (head == head_) return;
  head_ = head;
  updatePanes();
}

void AttentionGrid::setColourMode(ColourMode mode) {
  if (mode == colourMode_) return;
  colourMode_ = mode;
  applyColours();
}

void AttentionGrid::setReferenceModelId(int id) {
  if (id == referenceId_) return;
  referenceId_ = id;
  updatePanes();
}

void AttentionGrid::setModelHidden(int id, bool hidden) {
  if (hidden == hidden_.contains(id)) return;
  if (hidden)
    hidden_.insert(id);
  else
    hidden_.remove(id);
  refresh();
}

void AttentionGrid::setViewRange(const QCPRange& columns, const QCPRange& rows) {
  viewRange_ = std::make_pair(columns, rows);
  syncing_ = true;
  for (Pane& pane : panes_)
    if (!pane.image) pane.plot->setViewRange(columns, rows);
  syncing_ = false;
  emit viewRangeChanged(columns, rows);
}

void AttentionGrid::resetView() {
  viewRange_.reset();
  syncing_ = true;
  for (Pane& pane : panes_) pane.plot->resetView();
  syncing_ = false;
}

void AttentionGrid::setHoverCell(int row, int column) {
  if (row == hoverRow_ && column == hoverColumn_) return;
  hoverRow_ = row;
  hoverColumn_ = column;
  for (Pane& pane : panes_)
    if (!pane.image) pane.plot->setHoverCell(row, column);
  emit hoverChanged(row, column);
}

void AttentionGrid::setImageHover(int row, int column) {
  if (row == imageHoverRow_ && column == imageHoverColumn_) return;
  imageHoverRow_ = row;
  imageHoverColumn_ = column;
  for (Pane& pane : panes_)
    if (pane.image) pane.plot->setHoverCell(row, column);
}

void AttentionGrid::setImageQuery(patch_attention::PatchQuery query) {
  if (query.isClassToken()) query = {};
  if (query == imageQuery_) return;
  imageQuery_ = query;
  updatePanes();
  emit imageQueryChanged();
}

void AttentionGrid::setImageNoOp(bool noOp) {
  if (noOp == imageNoOp_) return;
  imageNoOp_ = noOp;
  updatePanes();
  emit imageQueryChanged();
}

void AttentionGrid::setSelectedCell(int row, int column) {
  if (row == selectedRow_ && column == selectedColumn_) return;
  selectedRow_ = row;
  selectedColumn_ = column;
  for (Pane& pane : panes_)
    if (!pane.image) pane.plot->setSelectedCell(row, column);
  emit selectionChanged(row, column);
}

void AttentionGrid::setCurrentModelId(int id) {
  if (id == currentId_ || !paneFor(id)) return;
  currentId_ = id;
  highlightCurrent();
  emit currentModelChanged(id);
}

void AttentionGrid::exportGrid(const QString& path) const {
  std::vector<QCustomPlot*> plots;
  for (const Pane& pane : panes_) plots.push_back(pane.plot);
  exportPlotGrid(plots, path, columns_);
}
