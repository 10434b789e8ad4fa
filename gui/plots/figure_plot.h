#pragma once
// A QCustomPlot that draws one Figure (figure.h) in the frame every evaluation plot shares: title,
// note, the axes (linear, log or symlog), and the legend as its own centred row under the axes so it
// never covers data. Hovering shows the hover text of the nearest point as a tooltip that follows
// the mouse. The wheel zooms, dragging pans, a double click (or resetZoom) returns to the fitted
// ranges. plots/plot_export.h saves it like any QCustomPlot.
#include <QPointF>
#include <QString>

#include <qcustomplot.h>

#include "plots/figure.h"

class FigurePlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit FigurePlot(QWidget* parent = nullptr);

  // Replaces what is drawn. The series become graphs in the same order (graph(i) is series i).
  void setFigure(Figure figure);
  const Figure& figure() const { return figure_; }

  // The hover text of the drawn point nearest to `position` (widget pixels) within about 10 pixels
  // (for a reference line: the nearest place on the line), else of the mark there (a line or tick
  // within a few pixels, a band under it), or an empty string.
  QString hoverText(const QPointF& position) const;

  // Back to the ranges setFigure fitted; isZoomed: the user zoomed or panned since.
  void resetZoom();
  bool isZoomed() const;

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void updateLayout() override;  // fits the note, legend and tick labels to the width first

 private:
  void drawSeries(const FigureSeries& series);
  void fitToWidth(int plotWidth);  // the note's line breaks, the legend's columns, room for slanted labels
  void fitLegendColumns(int plotWidth);  // as many legend entries side by side as fit
  void fitSlantedLabels(int plotWidth);  // left margin for slanted x tick labels
  // The tick labels of a symlog or (narrow) log axis, thinned so that none overlap at the axis's
  // laid-out length; true when they changed.
  bool fitTicks(QCPAxis* axis, const FigureAxis& figureAxis);
  QPointF pixelOf(const FigurePoint& point) const;  // NaN when the point is not drawn
  QString markHoverText(const QPointF& position) const;  // of the marks (figure.h) under the mouse

  Figure figure_;
  QCPTextElement* title_;
  QCPTextElement* note_;
  QCPRange homeX_, homeY_;
};
