#pragma once
// Saves a QCustomPlot as PNG, SVG or PDF, chosen by the file suffix. The file appears whole or
// not at all (written to a temporary file beside it, then renamed).
#include <QString>
#include <QStringList>

#include <vector>

class QCustomPlot;

// File dialog filter for the supported formats.
QString plotExportFilter();

// Throws hopscope::Error naming the file and the problem (unknown suffix, unwritable place).
// width/height 0: the plot's current size. PNG is rendered at scale 2 for crisp text.
void exportPlot(QCustomPlot& plot, const QString& path, int width = 0, int height = 0);

// Several plots in one file, left to right in rows of `columns`, each cell cellWidth × cellHeight
// (0: the largest current plot size). Same formats, scale and errors as exportPlot; one plot is
// exportPlot itself.
void exportPlotGrid(const std::vector<QCustomPlot*>& plots, const QString& path, int columns,
                    int cellWidth = 0, int cellHeight = 0);

// A file name stem from words saying what a plot shows ("activations", the model, the module):
// joined by '_', each reduced to letters, digits and . - @ (others become '-').
QString plotFileStem(const QStringList& words);
