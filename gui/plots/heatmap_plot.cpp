#include "plots/heatmap_plot.h"

#include <QFontMetrics>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plots/token_axis_ticker.h"

// The colour map's cell buffer, written directly: one pass over the values instead of a setCell
// call (with its bounds bookkeeping) per cell.
class HeatmapCells : public QCPColorMapData {
 public:
  HeatmapCells() : QCPColorMapData(0, 0, QCPRange(0, 1), QCPRange(0, 1)) {}
  double* raw() { return mData; }
  void markWritten(const QCPRange& bounds) {
    mDataBounds = bounds;
    mDataModified = true;
  }
};

// The title with the variant's colour: a bar along the top of the plot and a swatch before the text.
class HeatmapTitle : public QCPTextElement {
 public:
  HeatmapTitle(QCustomPlot* plot, const QFont& font) : QCPTextElement(plot, QString(), font) {}
  QColor accent;

 protected:
  void draw(QCPPainter* painter) override {
    if (accent.isValid()) painter->fillRect(QRectF(mOuterRect.left(), mOuterRect.top(), mOuterRect.width(), 3), accent);
    QCPTextElement::draw(painter);
    if (accent.isValid() && !mText.isEmpty()) {
      const QFontMetricsF metrics(mFont);
      const double side = std::round(metrics.ascent() * 0.85);
      const QRectF swatch(mTextBoundingRect.left() - side - 6,
                          mTextBoundingRect.top() + (metrics.height() - side) / 2.0, side, side);
      painter->setRenderHint(QPainter::Antialiasing, true);
      painter->setPen(QPen(accent.darker(140), 1));
      painter->setBrush(accent);
      painter->drawRoundedRect(swatch, 2, 2);
    }
  }
};

namespace {

// Viridis: perceptually uniform and readable in grey print; masked cells get a light neutral grey
// that no value maps to.
QCPColorGradient viridis() {
  QCPColorGradient gradient;
  gradient.clearColorStops();
  gradient.setColorStopAt(0.00, QColor(68, 1, 84));
  gradient.setColorStopAt(0.25, QColor(59, 82, 139));
  gradient.setColorStopAt(0.50, QColor(33, 145, 140));
  gradient.setColorStopAt(0.75, QColor(94, 201, 98));
  gradient.setColorStopAt(1.00, QColor(253, 231, 37));
  gradient.setColorInterpolation(QCPColorGradient::ciRGB);
  gradient.setNanHandling(QCPColorGradient::nhNanColor);
  gradient.setNanColor(QColor(236, 236, 236));
  return gradient;
}

// Red–blue (ColorBrewer RdBu): blue below 0, white at 0, red above; masked cells a mid grey that
// stays apart from the near-white of small differences.
QCPColorGradient divergingRedBlue() {
  QCPColorGradient gradient;
  gradient.clearColorStops();
  gradient.setColorStopAt(0.00, QColor(5, 48, 97));
  gradient.setColorStopAt(0.25, QColor(67, 147, 195));
  gradient.setColorStopAt(0.50, QColor(247, 247, 247));
  gradient.setColorStopAt(0.75, QColor(214, 96, 77));
  gradient.setColorStopAt(1.00, QColor(103, 0, 31));
  gradient.setColorInterpolation(QCPColorGradient::ciRGB);
  gradient.setNanHandling(QCPColorGradient::nhNanColor);
  gradient.setNanColor(QColor(178, 178, 178));
  return gradient;
}

QString formatValue(double value) {
  if (value == 0.0 || std::abs(value) >= 1e-3) return QString::number(value, 'f', 4);
  return QString::number(value, 'e', 2);
}

// Word-wraps text to a pixel width (a word longer than the width is broken between characters),
// so a title is never clipped however narrow the pane.
QString wrapToWidth(const QString& text, const QFont& font, int width) {
  const QFontMetrics metrics(font);
  QStringList lines;
  for (const QString& paragraph : text.split(QLatin1Char('\n'))) {
    QString line;
    for (QString word : paragraph.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
      const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
      if (metrics.horizontalAdvance(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (!line.isEmpty()) lines << line;
      while (word.size() > 1 && metrics.horizontalAdvance(word) > width) {
        int cut = static_cast<int>(word.size()) - 1;
        while (cut > 1 && metrics.horizontalAdvance(word.left(cut)) > width) --cut;
        lines << word.left(cut);
        word = word.mid(cut);
      }
      line = word;
    }
    lines << line;
  }
  return lines.join(QLatin1Char('\n'));
}

QCPItemRect* markerRect(QCustomPlot* plot, QCPLayer* layer, QCPAxisRect* rect, const QPen& pen) {
  auto* item = new QCPItemRect(plot);
  item->setLayer(layer);
  item->setClipAxisRect(rect);
  for (QCPItemPosition* position : {item->topLeft, item->bottomRight})
    position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  item->setPen(pen);
  item->setBrush(Qt::NoBrush);
  item->setSelectable(false);
  item->setVisible(false);
  return item;
}

void placeCell(QCPItemRect* item, double left, double top, double right, double bottom) {
  item->topLeft->setCoords(left, top);
  item->bottomRight->setCoords(right, bottom);
  item->setVisible(true);
}

}  // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent) : QCustomPlot(parent) {
  setMinimumSize(220, 220);
  setToolTip({});  // the tooltip follows the mouse cell by cell (mouseMoveEvent)
  setMouseTracking(true);
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setNoAntialiasingOnDrag(true);

  // Layout: title, subtitle, then [map | strip | colour scale].
  QCPAxisRect* map = axisRect();
  plotLayout()->take(map);
  plotLayout()->simplify();
  title_ = new HeatmapTitle(this, QFont(font().family(), 11, QFont::Bold));
  title_->setMargins(QMargins(8, 8, 8, 0));
  subtitle_ = new QCPTextElement(this, QString(), QFont(font().family(), 9));
  subtitle_->setTextColor(QColor(70, 70, 70));
  subtitle_->setMargins(QMargins(8, 2, 8, 2));
  plotLayout()->addElement(0, 0, title_);
  plotLayout()->addElement(1, 0, subtitle_);
  auto* body = new QCPLayoutGrid;
  plotLayout()->addElement(2, 0, body);
  plotLayout()->setRowSpacing(0);
  body->addElement(0, 0, map);
  body->setColumnSpacing(0);

  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
    axis->setTickLabelFont(QFont(font().family(), 8));
    axis->setLabelFont(QFont(font().family(), 9));
  }
  yAxis->setRangeReversed(true);  // first query token at the top, as the text reads
  xAxis->setTickLabelRotation(60);

  colorMap_ = new QCPColorMap(xAxis, yAxis);
  colorMap_->setData(new HeatmapCells, false);
  colorMap_->setInterpolate(false);
  colorMap_->setTightBoundary(false);

  // The strip: one column beside the map sharing its rows (two identical cells wide, which keeps
  // QCPColorMap's cell geometry well defined).
  stripRect_ = new QCPAxisRect(this, false);
  QCPAxis* stripX = stripRect_->addAxis(QCPAxis::atBottom);
  QCPAxis* stripY = stripRect_->addAxis(QCPAxis::atLeft);
  stripRect_->setMinimumSize(QSize(16, 0));
  stripRect_->setMaximumSize(QSize(16, QWIDGETSIZE_MAX));
  stripRect_->setAutoMargins(QCP::msTop | QCP::msBottom);
  stripRect_->setMargins(QMargins(6, 0, 2, 0));
  stripRect_->setRangeDrag(Qt::Orientations());
  stripRect_->setRangeZoom(Qt::Orientations());
  stripX->grid()->setVisible(false);
  stripY->grid()->setVisible(false);
  stripY->setTickLabels(false);
  stripY->setTicks(false);
  stripY->setRangeReversed(true);
  stripX->setRange(-0.5, 1.5);
  stripX->setTickLength(0, 3);
  stripX->setSubTicks(false);
  stripX->setTickLabelRotation(60);
  stripX->setTickLabelFont(QFont(font().family(), 8, QFont::Bold));
  body->addElement(0, 1, stripRect_);
  stripMap_ = new QCPColorMap(stripX, stripY);
  stripMap_->setData(new HeatmapCells, false);
  stripMap_->setInterpolate(false);
  stripMap_->setTightBoundary(false);

  colorScale_ = new QCPColorScale(this);
  colorScale_->setType(QCPAxis::atRight);
  colorScale_->setBarWidth(12);
  colorScale_->setRangeDrag(false);
  colorScale_->setRangeZoom(false);
  colorScale_->axis()->setLabelFont(QFont(font().family(), 9));
  colorScale_->axis()->setTickLabelFont(QFont(font().family(), 8));
  body->addElement(0, 2, colorScale_);
  colorMap_->setColorScale(colorScale_);
  stripMap_->setColorScale(colorScale_);  // one scale for map and strip: the strip is another key
  colorScale_->setGradient(viridis());

  // Keep the strip and the colour bar exactly as tall as the matrix.
  auto* margins = new QCPMarginGroup(this);
  map->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  stripRect_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  colorScale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

  // Patch maps: the image beneath the cells (grid layer, below main), the patch grid above them.
  addLayer(QStringLiteral("patches"), layer(QStringLiteral("main")), QCustomPlot::limAbove);
  patchLayer_ = layer(QStringLiteral("patches"));
  imageItem_ = new QCPItemPixmap(this);
  imageItem_->setLayer(QStringLiteral("grid"));
  imageItem_->setClipAxisRect(map);
  imageItem_->topLeft->setAxes(xAxis, yAxis);
  imageItem_->bottomRight->setAxes(xAxis, yAxis);
  imageItem_->setScaled(true, Qt::IgnoreAspectRatio, Qt::FastTransformation);  // pixels as the model saw them
  imageItem_->setSelectable(false);
  imageItem_->setVisible(false);

  // Markers on their own buffered layer: hovering redraws only that layer.
  addLayer(QStringLiteral("markers"), layer(QStringLiteral("patches")), QCustomPlot::limAbove);
  overlay_ = layer(QStringLiteral("markers"));
  overlay_->setMode(QCPLayer::lmBuffered);
  const QPen hoverPen(QColor(255, 255, 255, 210), 1.2);
  const QPen selectedPen(QColor(255, 45, 120), 2.4);
  QPen selectedRowPen(QColor(255, 45, 120, 200), 1.2, Qt::DashLine);
  hoverRowItem_ = markerRect(this, overlay_, map, hoverPen);
  hoverColumnItem_ = markerRect(this, overlay_, map, hoverPen);
  selectedRowItem_ = markerRect(this, overlay_, map, selectedRowPen);
  selectedItem_ = markerRect(this, overlay_, map, selectedPen);
  hoverStripItem_ = markerRect(this, overlay_, stripRect_, hoverPen);
  selectedStripItem_ = markerRect(this, overlay_, stripRect_, selectedPen);

  connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { onRangeChanged(); });
  connect(yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, stripY](const QCPRange& range) {
    stripY->setRange(range);
    onRangeChanged();
  });

  // Tick labels are chosen before the layout settles: when the settled size fits another label
  // step, draw once more. Patch maps fit their square cells to the settled axis rect (also when
  // rendered at another size for export) and regenerate the ticks for that range at once.
  connect(this, &QCustomPlot::afterLayout, this, [this] {
    if (data_.isPatchMap() && fitPatchMap()) axisRect()->update(QCPLayoutElement::upPreparation);
    for (QCPAxis* axis : {xAxis, yAxis})
      if (auto ticker = axis->ticker().dynamicCast<TokenAxisTicker>(); ticker && ticker->stale()) {
        scheduleReplot();
        return;
      }
  });

  connect(this, &QCustomPlot::beforeReplot, this, [this] { replotScheduled_ = false; });

  clear(tr("no attention map yet"));
}

void HeatmapPlot::scheduleReplot() {
  if (replotScheduled_) return;
  replotScheduled_ = true;
  QMetaObject::invokeMethod(this, [this] { if (replotScheduled_) replot(); }, Qt::QueuedConnection);
}

QString HeatmapPlot::title() const { return titleText_; }
QString HeatmapPlot::subtitle() const { return subtitleText_; }

void HeatmapPlot::setAccentColour(const QColor& colour) {
  if (title_->accent == colour) return;
  title_->accent = colour;
  scheduleReplot();
}

void HeatmapPlot::clear(const QString& message) {
  data_ = HeatmapData{};
  colorMap_->data()->clear();
  stripMap_->data()->clear();
  colorMap_->setVisible(false);
  stripMap_->setVisible(false);
  colorScale_->setVisible(false);
  stripRect_->setVisible(false);
  stripRect_->axis(QCPAxis::atBottom)->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  titleText_ = message;
  subtitleText_.clear();
  updateTitles();
  xAxis->setLabel({});
  yAxis->setLabel({});
  xAxis->setVisible(false);  // a message pane shows its message, not empty axes
  yAxis->setVisible(false);
  xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  settingRange_ = true;
  xAxis->setRange(0, 1);
  yAxis->setRange(0, 1);
  settingRange_ = false;
  hoverRow_ = hoverColumn_ = selectedRow_ = selectedColumn_ = -1;
  for (QCPItemRect* item : {hoverRowItem_, hoverColumnItem_, selectedItem_, selectedRowItem_, hoverStripItem_,
                            selectedStripItem_})
    item->setVisible(false);
  placePatchImage();
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  scheduleReplot();
}

void HeatmapPlot::placePatchImage() {
  for (QCPItemLine* line : patchLines_) removeItem(line);
  patchLines_.clear();
  if (!data_.isPatchMap()) {
    imageItem_->setVisible(false);  // keeps its last pixmap (QCPItemPixmap warns about a null one)
    colorMap_->data()->clearAlpha();
    return;
  }
  const int rows = data_.rows(), columns = data_.columns();
  imageItem_->setPixmap(QPixmap::fromImage(data_.image));
  imageItem_->topLeft->setCoords(-0.5, -0.5);
  imageItem_->bottomRight->setCoords(columns - 0.5, rows - 0.5);
  imageItem_->setVisible(true);
  // Translucent cells: the image shows through, the colours still read against the scale.
  colorMap_->data()->fillAlpha(140);
  const QPen pen(QColor(255, 255, 255, 150), 1);
  auto line = [&](double x0, double y0, double x1, double y1) {
    auto* item = new QCPItemLine(this);
    item->setLayer(patchLayer_);
    item->setClipAxisRect(axisRect());
    item->start->setAxes(xAxis, yAxis);
    item->end->setAxes(xAxis, yAxis);
    item->start->setCoords(x0, y0);
    item->end->setCoords(x1, y1);
    item->setPen(pen);
    item->setSelectable(false);
    patchLines_.push_back(item);
  };
  for (int row = 0; row <= rows; ++row) line(-0.5, row - 0.5, columns - 0.5, row - 0.5);
  for (int column = 0; column <= columns; ++column) line(column - 0.5, -0.5, column - 0.5, rows - 0.5);
}

bool HeatmapPlot::fitPatchMap() {
  const QRect rect = axisRect()->rect();
  const int rows = data_.rows(), columns = data_.columns();
  if (rect.width() < 2 || rect.height() < 2 || rows < 1 || columns < 1) return false;
  const double cell = std::min(rect.width() / double(columns), rect.height() / double(rows));
  const double width = rect.width() / cell, height = rect.height() / double(cell);
  const QCPRange x((columns - 1) / 2.0 - width / 2.0, (columns - 1) / 2.0 + width / 2.0);
  const QCPRange y((rows - 1) / 2.0 - height / 2.0, (rows - 1) / 2.0 + height / 2.0);
  const auto same = [](const QCPRange& a, const QCPRange& b) {
    return std::abs(a.lower - b.lower) < 1e-9 && std::abs(a.upper - b.upper) < 1e-9;
  };
  if (same(xAxis->range(), x) && same(yAxis->range(), y)) return false;
  const bool wasSetting = settingRange_;
  settingRange_ = true;
  xAxis->setRange(x);
  yAxis->setRange(y);
  settingRange_ = wasSetting;
  return true;
}

void HeatmapPlot::setData(HeatmapData data) {
  if (data.rows() == 0 || data.columns() == 0 ||
      data.values.size() != static_cast<size_t>(data.rows()) * static_cast<size_t>(data.columns()) ||
      (data.hasStrip() && data.stripValues.size() != static_cast<size_t>(data.rows()))) {
    clear(data.title.isEmpty() ? tr("nothing to show") : data.title);
    return;
  }
  const bool sameShape = data_.rows() == data.rows() && data_.columns() == data.columns() &&
                         data_.rowLabels == data.rowLabels && data_.columnLabels == data.columnLabels;
  data_ = std::move(data);
  const int rows = data_.rows(), columns = data_.columns();
  // Cell (column, row) is centred on the integer coordinates (column, row).
  colorMap_->data()->setSize(columns, rows);
  colorMap_->data()->setRange(QCPRange(0, std::max(columns - 1, 1)), QCPRange(0, std::max(rows - 1, 1)));
  stripMap_->data()->setSize(2, data_.hasStrip() ? rows : 0);
  stripMap_->data()->setRange(QCPRange(0, 1), QCPRange(0, std::max(rows - 1, 1)));
  writeCells();

  titleText_ = data_.title;
  subtitleText_ = data_.subtitle;
  updateTitles();
  xAxis->setLabel(data_.columnAxisTitle);
  yAxis->setLabel(data_.rowAxisTitle);
  colorScale_->axis()->setLabel(data_.valueTitle);
  if (!sameShape) {
    const double lineHeight = QFontMetricsF(xAxis->tickLabelFont()).height();
    xAxis->setTicker(QSharedPointer<TokenAxisTicker>::create(xAxis, data_.columnLabels, lineHeight * 1.25));
    yAxis->setTicker(QSharedPointer<TokenAxisTicker>::create(yAxis, data_.rowLabels, lineHeight * 1.1));
    auto stripTicker = QSharedPointer<QCPAxisTickerText>::create();
    stripTicker->addTick(0.5, data_.stripTitle);
    stripRect_->axis(QCPAxis::atBottom)->setTicker(stripTicker);
    resetView();
  } else {
    auto stripTicker = QSharedPointer<QCPAxisTickerText>::create();
    stripTicker->addTick(0.5, data_.stripTitle);
    stripRect_->axis(QCPAxis::atBottom)->setTicker(stripTicker);
  }
  colorMap_->setVisible(true);
  colorScale_->setVisible(true);
  xAxis->setVisible(true);
  yAxis->setVisible(true);
  stripRect_->setVisible(data_.hasStrip());
  stripMap_->setVisible(data_.hasStrip());
  placePatchImage();
  // A patch map is always the whole image: no zoom or pan (the grid is small; cells stay square).
  setInteractions(data_.isPatchMap() ? QCP::Interactions() : QCP::Interactions(QCP::iRangeDrag | QCP::iRangeZoom));
  xAxis->setTickLabelRotation(data_.isPatchMap() ? 0 : 60);  // patch indices are short: upright
  if (data_.isPatchMap()) fitPatchMap();
  applyColourScale();
  if (hoverRow_ >= rows || hoverColumn_ >= columns) hoverRow_ = hoverColumn_ = -1;
  if (selectedRow_ >= rows || selectedColumn_ >= columns) selectedRow_ = selectedColumn_ = -1;
  updateMarkers();
  scheduleReplot();
}

void HeatmapPlot::writeCells() {
  const bool logClamp = scale_ == Scale::Log && !data_.diverging;
  const double floor = kLogFloor;
  double low = std::numeric_limits<double>::infinity(), high = -low;
  auto store = [&](double* out, float value) {
    double v = value;
    if (!std::isnan(v)) {
      low = std::min(low, v);
      high = std::max(high, v);
      if (logClamp) v = std::max(v, floor);
    }
    *out = v;
  };
  const size_t cells = data_.values.size();
  auto* map = static_cast<HeatmapCells*>(colorMap_->data());
  double* out = map->raw();
  for (size_t i = 0; i < cells; ++i) store(out + i, data_.values[i]);
  const QCPRange mapBounds = low <= high ? QCPRange(low, high) : QCPRange(0, 1);
  map->markWritten(mapBounds);
  if (data_.hasStrip()) {
    auto* strip = static_cast<HeatmapCells*>(stripMap_->data());
    double* stripOut = strip->raw();
    for (size_t row = 0; row < data_.stripValues.size(); ++row) {
      store(stripOut + 2 * row, data_.stripValues[row]);
      stripOut[2 * row + 1] = stripOut[2 * row];
    }
    strip->markWritten(low <= high ? QCPRange(low, high) : QCPRange(0, 1));
  }
  valueRange_ = low <= high ? QCPRange(low, high) : QCPRange(0, 1);
  cellsClampedForLog_ = logClamp;
}

QCPRange HeatmapPlot::valueRange() const { return valueRange_; }

void HeatmapPlot::setFixedUnitRange(bool fixed) {
  fixedUnitRange_ = fixed;
  givenRange_ = false;
  scale_ = Scale::Linear;
  if (!hasMap()) return;
  if (cellsClampedForLog_) writeCells();
  applyColourScale();
  scheduleReplot();
}

void HeatmapPlot::setColourScale(Scale scale, const QCPRange& range) {
  givenRange_ = true;
  scale_ = scale;
  range_ = range;
  if (!hasMap()) return;
  if (cellsClampedForLog_ != (scale_ == Scale::Log && !data_.diverging)) writeCells();
  applyColourScale();
  scheduleReplot();
}

void HeatmapPlot::applyColourScale() {
  const bool log = scale_ == Scale::Log && !data_.diverging;
  QCPRange range;
  if (givenRange_) {
    range = range_;
  } else if (fixedUnitRange_) {
    range = data_.diverging ? QCPRange(-1, 1) : QCPRange(0, 1);
  } else if (data_.diverging) {
    const double largest = std::max(std::abs(valueRange_.lower), std::abs(valueRange_.upper));
    range = QCPRange(-largest, largest);
  } else {
    range = valueRange_;
  }
  if (log) {
    range.lower = std::max(range.lower, kLogFloor);
    range.upper = std::max(range.upper, range.lower * 10);
  }
  if (range.size() < 1e-9) range = QCPRange(range.lower - 5e-10, range.lower + 5e-10);
  if (range.size() < 1e-9 || !QCPRange::validRange(range)) range = data_.diverging ? QCPRange(-1e-6, 1e-6) : QCPRange(0, 1);

  colorScale_->setGradient(data_.diverging ? divergingRedBlue() : viridis());
  const QCPAxis::ScaleType type = log ? QCPAxis::stLogarithmic : QCPAxis::stLinear;
  if (colorScale_->dataScaleType() != type) {
    colorScale_->setDataScaleType(type);
    if (log)
      colorScale_->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
      colorScale_->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    colorScale_->axis()->setNumberFormat(log ? QStringLiteral("eb") : QStringLiteral("gb"));
    colorScale_->axis()->setNumberPrecision(log ? 0 : 6);
  }
  colorScale_->setDataRange(range);
}

void HeatmapPlot::updateTitles() {
  const int width = std::max(80, this->width() - 40);  // room for the swatch and margins
  title_->setText(wrapToWidth(titleText_, title_->font(), width));
  subtitle_->setText(wrapToWidth(subtitleText_, subtitle_->font(), width));
  subtitle_->setVisible(!subtitleText_.isEmpty());
}

void HeatmapPlot::resizeEvent(QResizeEvent* event) {
  updateTitles();
  QCustomPlot::resizeEvent(event);
}

void HeatmapPlot::clampRange(QCPAxis* axis, int cells) {
  const QCPRange full(-0.5, cells - 0.5);
  const QCPRange range = axis->range();
  double size = std::min(range.size(), full.size());
  size = std::max(size, std::min(2.0, full.size()));
  const double lower = std::clamp(range.lower, full.lower, full.upper - size);
  const QCPRange clamped(lower, lower + size);
  if (std::abs(clamped.lower - range.lower) > 1e-9 || std::abs(clamped.upper - range.upper) > 1e-9)
    axis->setRange(clamped);
}

void HeatmapPlot::onRangeChanged() {
  if (!hasMap() || data_.isPatchMap()) return;
  const bool wasSetting = settingRange_;
  settingRange_ = true;
  clampRange(xAxis, data_.columns());
  clampRange(yAxis, data_.rows());
  settingRange_ = wasSetting;
  if (!settingRange_) emit viewRangeChanged(xAxis->range(), yAxis->range());
}

void HeatmapPlot::setViewRange(const QCPRange& columns, const QCPRange& rows) {
  if (!hasMap() || data_.isPatchMap()) return;
  if (xAxis->range() == columns && yAxis->range() == rows) return;
  settingRange_ = true;
  xAxis->setRange(columns);
  yAxis->setRange(rows);
  clampRange(xAxis, data_.columns());
  clampRange(yAxis, data_.rows());
  settingRange_ = false;
  scheduleReplot();
}

void HeatmapPlot::resetView() {
  if (!hasMap()) return;
  if (data_.isPatchMap()) {
    if (fitPatchMap()) scheduleReplot();
    return;
  }
  setViewRange(QCPRange(-0.5, data_.columns() - 0.5), QCPRange(-0.5, data_.rows() - 0.5));
}

void HeatmapPlot::setHoverCell(int row, int column) {
  if (row == hoverRow_ && column == hoverColumn_) return;
  hoverRow_ = row;
  hoverColumn_ = column;
  updateMarkers();
  overlay_->replot();
}

void HeatmapPlot::setSelectedCell(int row, int column) {
  if (row == selectedRow_ && column == selectedColumn_) return;
  selectedRow_ = row;
  selectedColumn_ = column;
  updateMarkers();
  overlay_->replot();
}

void HeatmapPlot::updateMarkers() {
  const int rows = data_.rows(), columns = data_.columns();
  const bool map = rows > 0;
  const bool hoverRow = map && hoverRow_ >= 0 && hoverRow_ < rows;
  const bool hoverColumn = map && hoverColumn_ >= 0 && hoverColumn_ < columns;
  const bool selectedRow = map && selectedRow_ >= 0 && selectedRow_ < rows;
  const bool selectedCell = selectedRow && selectedColumn_ >= 0 && selectedColumn_ < columns;
  hoverRowItem_->setVisible(false);
  hoverColumnItem_->setVisible(false);
  selectedItem_->setVisible(false);
  selectedRowItem_->setVisible(false);
  hoverStripItem_->setVisible(false);
  selectedStripItem_->setVisible(false);
  if (data_.isPatchMap()) {  // outlines of the hovered patch and of the query patch
    if (hoverRow && hoverColumn)
      placeCell(hoverRowItem_, hoverColumn_ - 0.5, hoverRow_ - 0.5, hoverColumn_ + 0.5, hoverRow_ + 0.5);
    if (selectedCell)
      placeCell(selectedItem_, selectedColumn_ - 0.5, selectedRow_ - 0.5, selectedColumn_ + 0.5, selectedRow_ + 0.5);
    return;
  }
  if (hoverRow) {
    placeCell(hoverRowItem_, -0.5, hoverRow_ - 0.5, columns - 0.5, hoverRow_ + 0.5);
    if (data_.hasStrip()) placeCell(hoverStripItem_, -0.5, hoverRow_ - 0.5, 1.5, hoverRow_ + 0.5);
  }
  if (hoverColumn) placeCell(hoverColumnItem_, hoverColumn_ - 0.5, -0.5, hoverColumn_ + 0.5, rows - 0.5);
  if (selectedRow) {
    placeCell(selectedRowItem_, -0.5, selectedRow_ - 0.5, columns - 0.5, selectedRow_ + 0.5);
    if (data_.hasStrip()) placeCell(selectedStripItem_, -0.5, selectedRow_ - 0.5, 1.5, selectedRow_ + 0.5);
  }
  if (selectedCell)
    placeCell(selectedItem_, selectedColumn_ - 0.5, selectedRow_ - 0.5, selectedColumn_ + 0.5, selectedRow_ + 0.5);
}

bool HeatmapPlot::cellAt(const QPoint& position, int& row, int& column) const {
  if (!hasMap() || !axisRect()->rect().contains(position)) return false;
  column = static_cast<int>(std::lround(xAxis->pixelToCoord(position.x())));
  row = static_cast<int>(std::lround(yAxis->pixelToCoord(position.y())));
  return row >= 0 && row < data_.rows() && column >= 0 && column < data_.columns();
}

bool HeatmapPlot::stripRowAt(const QPoint& position, int& row) const {
  if (!hasMap() || !data_.hasStrip() || !stripRect_->rect().contains(position)) return false;
  row = static_cast<int>(std::lround(stripRect_->axis(QCPAxis::atLeft)->pixelToCoord(position.y())));
  return row >= 0 && row < data_.rows();
}

QString HeatmapPlot::tooltipForCell(int row, int column) const {
  if (row < 0 || row >= data_.rows() || column < 0 || column >= data_.columns()) return {};
  const double value = data_.at(row, column);
  if (data_.isPatchMap())
    return tr("patch (%1, %2): %3 %4").arg(row).arg(column).arg(data_.cellNoun, formatValue(value));
  QString text = QStringLiteral("%1 '%2' (%3) → %4 '%5' (%6): ")
                     .arg(data_.rowNoun, data_.rowLabels[row])
                     .arg(row)
                     .arg(data_.columnNoun, data_.columnLabels[column])
                     .arg(column);
  text += std::isnan(value) ? tr("masked") : formatValue(value);
  if (data_.hasStrip()) text += QStringLiteral("\n%1 = %2").arg(data_.stripNoun, formatValue(data_.stripValues[row]));
  if (row < data_.rowNotes.size() && !data_.rowNotes[row].isEmpty())
    text += QLatin1Char('\n') + data_.rowNotes[row];
  return text;
}

QString HeatmapPlot::tooltipForStripRow(int row) const {
  if (!data_.hasStrip() || row < 0 || row >= data_.rows()) return {};
  QString text = QStringLiteral("%1 '%2' (%3): %4 = %5")
                     .arg(data_.rowNoun, data_.rowLabels[row])
                     .arg(row)
                     .arg(data_.stripNoun, formatValue(data_.stripValues[row]));
  if (row < data_.rowNotes.size() && !data_.rowNotes[row].isEmpty())
    text += QLatin1Char('\n') + data_.rowNotes[row];
  return text;
}

void HeatmapPlot::mousePressEvent(QMouseEvent* event) {
  pressPosition_ = event->pos();
  pressed_ = event->button() == Qt::LeftButton;
  QCustomPlot::mousePressEvent(event);
}

void HeatmapPlot::mouseMoveEvent(QMouseEvent* event) {
  QCustomPlot::mouseMoveEvent(event);
  int row = -1, column = -1;
  if (cellAt(event->pos(), row, column)) {
    QToolTip::showText(event->globalPosition().toPoint(), tooltipForCell(row, column), this);
  } else if (stripRowAt(event->pos(), row)) {
    column = -1;
    QToolTip::showText(event->globalPosition().toPoint(), tooltipForStripRow(row), this);
  } else {
    row = column = -1;
    QToolTip::hideText();
  }
  if (row != hoverRow_ || column != hoverColumn_) {
    setHoverCell(row, column);
    emit cellHovered(row, column);
  }
}

void HeatmapPlot::mouseReleaseEvent(QMouseEvent* event) {
  QCustomPlot::mouseReleaseEvent(event);
  if (!pressed_ || event->button() != Qt::LeftButton) return;
  pressed_ = false;
  if ((event->pos() - pressPosition_).manhattanLength() > 3) return;  // a drag, not a click
  int row = -1, column = -1;
  if (cellAt(event->pos(), row, column) || (stripRowAt(event->pos(), row) && ((column = -1), true))) {
    setSelectedCell(row, column);
    emit cellClicked(row, column);
  }
}

void HeatmapPlot::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  if (!hasMap()) return;
  resetView();
  emit viewResetRequested();
}

void HeatmapPlot::leaveEvent(QEvent* event) {
  QCustomPlot::leaveEvent(event);
  QToolTip::hideText();
  if (hoverRow_ != -1 || hoverColumn_ != -1) {
    setHoverCell(-1, -1);
    emit cellHovered(-1, -1);
  }
}
