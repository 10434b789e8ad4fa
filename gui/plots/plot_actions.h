#pragma once
// The context menu every plot shares: Export… (PNG, SVG or PDF, with a file name saying what the
// plot shows), Copy image (to the clipboard) and, when the plot zooms, Reset zoom.
#include <QString>

#include <functional>

class QCustomPlot;
class QWidget;

// Copies the plot, as drawn, to the clipboard as an image.
void copyPlotImage(QCustomPlot& plot);

// Asks where to export `plot` (PNG, SVG or PDF) proposing `stem` + ".png"; returns the chosen
// path with the filter's suffix added when the name has none, or an empty string when cancelled.
QString askPlotExportPath(QWidget* parent, const QString& stem);

// suggestedName: the proposed file stem (plots/..., views/table_export.h fileNameStem);
// resetZoom: shown as "Reset zoom" when set; onError: reports a failed export (default: a message box).
void installPlotActions(QCustomPlot* plot, std::function<QString()> suggestedName,
                        std::function<void()> resetZoom = {}, std::function<void(const QString&)> onError = {});
