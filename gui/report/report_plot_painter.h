#pragma once
// Draws a report plot (report_document.h) with the views' own plot widgets (FigurePlot,
// HeatmapPlot) as vectors onto any painter: the HTML writer's SVG and the PDF writer's pages.
// Needs a QApplication (QCustomPlot is a widget); call it on the GUI thread.
#include <QByteArray>

#include "report/report_document.h"

class QCPPainter;

// Draws at the painter's origin, `plot.width` × `plot.height` logical pixels.
void paintReportPlot(const ReportPlot& plot, QCPPainter& painter);

// The plot as a standalone SVG document (96 dpi, viewBox = the logical size).
QByteArray reportPlotSvg(const ReportPlot& plot);
