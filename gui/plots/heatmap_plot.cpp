#include "plots/heatmap_plot.h"

#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

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

// At most this many tick labels per axis; beyond it every n-th token is labelled so the labels
// stay legible.
constexpr int kMaxLabels = 64;

QSharedPointer<QCPAxisTickerText> tickerFor(const QStringList& labels) {
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  const int step = std::max(1, static_cast<int>(std::ceil(labels.size() / double(kMaxLabels))));
  for (int i = 0; i < labels.size(); i += step) ticker->addTick(i, labels[i]);
  return ticker;
}

}  // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent) : QCustomPlot(parent) {
  setMinimumSize(360, 300);
  setToolTip({});  // the tooltip follows the mouse cell by cell (mouseMoveEvent)
  setMouseTracking(true);

  title_ = new QCPTextElement(this, QString(), QFont(font().family(), 12, QFont::Bold));
  plotLayout()->insertRow(0);
  plotLayout()->addElement(0, 0, title_);

  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
    axis->setTickLabelFont(QFont(font().family(), 9));
    axis->setLabelFont(QFont(font().family(), 10));
  }
  yAxis->setRangeReversed(true);  // first query token at the top, as the text reads
  xAxis->setTickLabelRotation(60);

  colorMap_ = new QCPColorMap(xAxis, yAxis);
  colorMap_->setInterpolate(false);
  colorMap_->setTightBoundary(false);

  colorScale_ = new QCPColorScale(this);
  colorScale_->setType(QCPAxis::atRight);
  colorScale_->setBarWidth(14);
  colorScale_->axis()->setLabelFont(QFont(font().family(), 10));
  colorScale_->axis()->setTickLabelFont(QFont(font().family(), 9));
  plotLayout()->addElement(1, 1, colorScale_);
  colorMap_->setColorScale(colorScale_);
  colorScale_->setGradient(viridis());  // a bound scale pushes its gradient onto the map

  // Keep the colour bar exactly as tall as the matrix.
  auto* margins = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  colorScale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

  clear(tr("no attention map yet"));
}

QString HeatmapPlot::title() const { return title_->text(); }

void HeatmapPlot::clear(const QString& message) {
  data_ = HeatmapData{};
  colorMap_->data()->clear();
  colorMap_->setVisible(false);
  colorScale_->setVisible(false);
  title_->setText(message);
  xAxis->setLabel({});
  yAxis->setLabel({});
  xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  xAxis->setRange(0, 1);
  yAxis->setRange(0, 1);
  replot();
}

void HeatmapPlot::setData(const HeatmapData& data) {
  if (data.rows() == 0 || data.columns() == 0 ||
      data.values.size() != static_cast<size_t>(data.rows()) * data.columns()) {
    clear(data.title.isEmpty() ? tr("nothing to show") : data.title);
    return;
  }
  data_ = data;
  const int rows = data.rows(), columns = data.columns();
  // Cell (column, row) is centred on the integer coordinates (column, row).
  colorMap_->data()->setSize(columns, rows);
  colorMap_->data()->setRange(QCPRange(0, std::max(columns - 1, 1)),
                              QCPRange(0, std::max(rows - 1, 1)));
  for (int row = 0; row < rows; ++row)
    for (int column = 0; column < columns; ++column)
      colorMap_->data()->setCell(column, row, data.at(row, column));

  title_->setText(data.title);
  xAxis->setLabel(data.columnAxisTitle);
  yAxis->setLabel(data.rowAxisTitle);
  colorScale_->axis()->setLabel(data.valueTitle);
  xAxis->setTicker(tickerFor(data.columnLabels));
  yAxis->setTicker(tickerFor(data.rowLabels));
  xAxis->setRange(-0.5, columns - 0.5);
  yAxis->setRange(-0.5, rows - 0.5);
  colorMap_->setVisible(true);
  colorScale_->setVisible(true);
  applyDataRange();
  replot();
}

void HeatmapPlot::setFixedUnitRange(bool fixed) {
  fixedUnitRange_ = fixed;
  if (data_.rows() == 0) return;
  applyDataRange();
  replot();
}

void HeatmapPlot::applyDataRange() {
  if (fixedUnitRange_) {
    colorMap_->setDataRange(QCPRange(0, 1));
    return;
  }
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double value : data_.values) {
    if (std::isnan(value)) continue;
    low = std::min(low, value);
    high = std::max(high, value);
  }
  if (!(low <= high)) low = 0, high = 1;  // every cell masked
  if (high - low < 1e-9) high = low + 1e-9;
  colorMap_->setDataRange(QCPRange(low, high));
}

bool HeatmapPlot::cellAt(const QPoint& position, int& row, int& column) const {
  if (data_.rows() == 0 || !axisRect()->rect().contains(position)) return false;
  column = static_cast<int>(std::lround(xAxis->pixelToCoord(position.x())));
  row = static_cast<int>(std::lround(yAxis->pixelToCoord(position.y())));
  return row >= 0 && row < data_.rows() && column >= 0 && column < data_.columns();
}

QString HeatmapPlot::tooltipForCell(int row, int column) const {
  if (row < 0 || row >= data_.rows() || column < 0 || column >= data_.columns()) return {};
  const double value = data_.at(row, column);
  QString text = QStringLiteral("%1 '%2' (%3) → %4 '%5' (%6): ")
                     .arg(data_.rowNoun, data_.rowLabels[row])
                     .arg(row)
                     .arg(data_.columnNoun, data_.columnLabels[column])
                     .arg(column);
  text += std::isnan(value) ? tr("masked") : QString::number(value, 'f', 4);
  if (row < data_.rowNotes.size() && !data_.rowNotes[row].isEmpty())
    text += QLatin1Char('\n') + data_.rowNotes[row];
  return text;
}

void HeatmapPlot::mouseMoveEvent(QMouseEvent* event) {
  QCustomPlot::mouseMoveEvent(event);
  int row = 0, column = 0;
  if (cellAt(event->pos(), row, column))
    QToolTip::showText(event->globalPosition().toPoint(), tooltipForCell(row, column), this);
  else
    QToolTip::hideText();
}

void HeatmapPlot::leaveEvent(QEvent* event) {
  QCustomPlot::leaveEvent(event);
  QToolTip::hideText();
}
