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

// Vertical lines at data values across the whole axis rect, under the curves, drawn as one item:
// a quantizer's 256 grid lines as QCPItemLines made one SVG group each (most of a histogram's SVG).
class VerticalLines : public QCPAbstractItem {
 public:
  VerticalLines(FigurePlot& plot, const std::vector<double>& values, const QPen& pen) : QCPAbstractItem(&plot), pen_(pen) {
    for (double x : values) {
      const double coordinate = axisCoordinate(plot.figure().x, x);
      if (std::isfinite(coordinate)) coordinates_.push_back(coordinate);
    }
    setSelectable(false);
    setLayer(QStringLiteral("grid"));
  }
  double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }

 protected:
  void draw(QCPPainter* painter) override {
    // One line per call, not drawLines: a single path would not darken where the translucent
    // lines crowd, and the crowding is the picture (how few levels the bulk of the values gets).
    const QRect rect = clipRect();
    painter->setPen(pen_);
    for (double coordinate : coordinates_) {
      const double x = parentPlot()->xAxis->coordToPixel(coordinate);
      if (x >= rect.left() - 1 && x <= rect.right() + 1) painter->drawLine(QLineF(x, rect.top(), x, rect.bottom() + 1));
    }
  }

 private:
  std::vector<double> coordinates_;
  QPen pen_;
};

void paintChart(const ReportPlot& plot, QCPPainter& painter) {
  FigurePlot widget;
  widget.resize(plot.width, plot.height);
  widget.setFigure(plot.figure);
  const bool drawn = widget.xAxis->visible();
  if (drawn) {
    new VerticalLines(widget, plot.gridLines, QPen(QColor(150, 150, 150, 150), 0.6));
    new VerticalLines(widget, plot.rangeLines, QPen(QColor(200, 30, 30), 1.4, Qt::DashLine));
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
