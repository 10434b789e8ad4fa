#include "report/report_plot_painter.h"

#include <QBuffer>
#include <QRegularExpression>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "hopscope/error.h"
#include "plots/axis_coordinates.h"
#include "plots/figure_plot.h"
#include "plots/heatmap_plot.h"

namespace {

// A vertical line at data value x across the whole axis rect.
void addVerticalLine(FigurePlot& plot, double x, const QPen& pen) {
  const double coordinate = axisCoordinate(plot.figure().x, x);
  if (!std::isfinite(coordinate)) return;
  auto* line = new QCPItemLine(&plot);
  for (QCPItemPosition* end : {line->start, line->end}) {
    end->setTypeX(QCPItemPosition::ptPlotCoords);
    end->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  line->start->setCoords(coordinate, 0);
  line->end->setCoords(coordinate, 1);
  line->setPen(pen);
  line->setLayer(QStringLiteral("grid"));  // under the curves
}

void paintChart(const ReportPlot& plot, QCPPainter& painter) {
  FigurePlot widget;
  widget.resize(plot.width, plot.height);
  widget.setFigure(plot.figure);
  const bool drawn = widget.xAxis->visible();
  if (drawn) {
    const QPen grid(QColor(150, 150, 150, 150), 0.6);
    for (double x : plot.gridLines) addVerticalLine(widget, x, grid);
    const QPen range(QColor(200, 30, 30), 1.4, Qt::DashLine);
    for (double x : plot.rangeLines) addVerticalLine(widget, x, range);
  }
  widget.toPainter(&painter, plot.width, plot.height);
}

void paintHeatmaps(const ReportPlot& plot, QCPPainter& painter) {
  const int count = std::max<int>(1, static_cast<int>(plot.heatmaps.size()));
  const int panelWidth = plot.width / std::max(count, 2);  // a lone panel keeps half of the width
  for (int i = 0; i < static_cast<int>(plot.heatmaps.size()); ++i) {
    HeatmapPlot widget;
    widget.resize(panelWidth, plot.height);
    widget.setFixedUnitRange(true);
    widget.setData(plot.heatmaps[static_cast<size_t>(i)]);
    // Narrow panels: a smaller title and colour-scale label than on screen.
    if (auto* title = qobject_cast<QCPTextElement*>(widget.plotLayout()->element(0, 0)))
      title->setFont(QFont(widget.font().family(), 8, QFont::Bold));
    widget.colorScale()->axis()->setLabelFont(QFont(widget.font().family(), 8));
    painter.save();
    painter.translate(i * panelWidth, 0);
    widget.toPainter(&painter, panelWidth, plot.height);
    painter.restore();
  }
}

}  // namespace

void paintReportPlot(const ReportPlot& plot, QCPPainter& painter) {
  painter.setMode(QCPPainter::pmVectorized);
  painter.setMode(QCPPainter::pmNoCaching);
  if (plot.kind == ReportPlot::Kind::Chart)
    paintChart(plot, painter);
  else
    paintHeatmaps(plot, painter);
}

QByteArray reportPlotSvg(const ReportPlot& plot) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  QSvgGenerator svg;
  svg.setOutputDevice(&buffer);
  svg.setResolution(96);
  svg.setSize(QSize(plot.width, plot.height));
  svg.setViewBox(QRect(0, 0, plot.width, plot.height));
  QCPPainter painter;
  if (!painter.begin(&svg)) throw hopscope::Error("cannot draw a report plot as SVG");
  paintReportPlot(plot, painter);
  painter.end();
  // QSvgGenerator opens a group for every change of painter state, most of them with nothing in
  // them (about 80 % of a histogram with its 256 grid lines): left out, the HTML report is a
  // third of the size and draws the same.
  static const QRegularExpression kEmptyGroup(QStringLiteral("<g [^>]*>\\s*</g>\\s*"));
  QString text = QString::fromUtf8(bytes);
  for (qsizetype before = -1; before != text.size();) {
    before = text.size();
    text.remove(kEmptyGroup);
  }
  return text.toUtf8();
}
