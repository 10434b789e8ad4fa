#pragma once
// Saves a QCustomPlot as PNG, SVG or PDF, chosen by the file suffix. The file appears whole or
// not at all (written to a temporary file beside it, then renamed).
#include <QList>
#include <QString>
#include <QStringList>

class QCustomPlot;

// File dialog filter for the supported formats.
QString plotExportFilter();

// Throws hopscope::Error naming the file and the problem (unknown suffix, unwritable place).
// width/height 0: the plot's current size. PNG is rendered at scale 2 for crisp text.
void exportPlot(QCustomPlot& plot, const QString& path, int width = 0, int height = 0);

// Several plots as one picture, laid out row by row in `columns` columns, each cell as large as the
// largest plot (so a grid of heatmaps exports the way it looks). Same formats and errors.
void exportPlotGrid(const QList<QCustomPlot*>& plots, int columns, const QString& path);
