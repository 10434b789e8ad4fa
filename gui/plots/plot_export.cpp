#include "plots/plot_export.h"

#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QPixmap>
#include <QSaveFile>
#include <QSvgGenerator>

#include <qcustomplot.h>

#include "hopscope/error.h"

#include <algorithm>

namespace {

[[noreturn]] void fail(const QString& path, const QString& problem) {
  throw hopscope::Error(QStringLiteral("cannot export the plot to %1: %2").arg(path, problem).toStdString());
}

// Vector output: the same drawing code as the screen, without pixel caches.
bool paintVector(QCustomPlot& plot, QPaintDevice& device, int width, int height) {
  QCPPainter painter;
  if (!painter.begin(&device)) return false;
  painter.setMode(QCPPainter::pmVectorized);
  painter.setMode(QCPPainter::pmNoCaching);
  plot.toPainter(&painter, width, height);
  return painter.end();
}

// Draws every plot at its grid cell. The painter may be scaled (PNG at scale 2).
bool paintGrid(const QList<QCustomPlot*>& plots, int columns, QSize cell, QCPPainter& painter) {
  for (int index = 0; index < plots.size(); ++index) {
    painter.save();
    painter.translate((index % columns) * cell.width(), (index / columns) * cell.height());
    painter.setClipRect(QRect(QPoint(0, 0), cell));
    plots[index]->toPainter(&painter, cell.width(), cell.height());
    painter.restore();
  }
  return true;
}

void checkSuffix(const QString& path, const QString& suffix) {
  if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") && suffix != QLatin1String("pdf"))
    fail(path, QStringLiteral("unknown format '%1' (use .png, .svg or .pdf)").arg(suffix));
}

}  // namespace

QString plotExportFilter() {
  return QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

void exportPlot(QCustomPlot& plot, const QString& path, int width, int height) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") &&
      suffix != QLatin1String("pdf"))
    fail(path, QStringLiteral("unknown format '%1' (use .png, .svg or .pdf)").arg(suffix));
  if (width <= 0 || height <= 0) {
    width = plot.width() > 0 ? plot.width() : 900;
    height = plot.height() > 0 ? plot.height() : 700;
  }

  QSaveFile file(path);  // writes a temporary file and renames it over path on commit
  if (!file.open(QIODevice::WriteOnly)) fail(path, file.errorString());
  bool written = false;
  if (suffix == QLatin1String("png")) {
    const QPixmap pixmap = plot.toPixmap(width, height, 2.0);
    written = !pixmap.isNull() && pixmap.save(&file, "PNG");
  } else if (suffix == QLatin1String("svg")) {
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(QSize(width, height));
    svg.setViewBox(QRect(0, 0, width, height));
    svg.setTitle(QStringLiteral("hopscope plot"));
    written = paintVector(plot, svg, width, height);
  } else {
    QPdfWriter pdf(&file);
    pdf.setCreator(QStringLiteral("hopscope"));
    pdf.setResolution(72);  // one device pixel per point: the page is exactly the plot
    pdf.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point, QString(),
                              QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    written = paintVector(plot, pdf, width, height);
  }
  if (!written) {
    file.cancelWriting();
    fail(path, QStringLiteral("rendering the %1 failed").arg(suffix.toUpper()));
  }
  if (file.error() != QFileDevice::NoError) fail(path, file.errorString());
  if (!file.commit()) fail(path, file.errorString());
}

void exportPlotGrid(const QList<QCustomPlot*>& plots, int columns, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  checkSuffix(path, suffix);
  if (plots.isEmpty()) fail(path, QStringLiteral("there is no plot to export"));
  columns = std::max(1, std::min(columns, static_cast<int>(plots.size())));
  const int rows = (static_cast<int>(plots.size()) + columns - 1) / columns;
  QSize cell(0, 0);
  for (QCustomPlot* plot : plots) cell = cell.expandedTo(QSize(plot->width() > 0 ? plot->width() : 600,
                                                               plot->height() > 0 ? plot->height() : 500));
  const int width = cell.width() * columns, height = cell.height() * rows;

  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) fail(path, file.errorString());
  bool written = false;
  if (suffix == QLatin1String("png")) {
    QImage image(width * 2, height * 2, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QCPPainter painter;
    if (painter.begin(&image)) {
      painter.setMode(QCPPainter::pmNoCaching);
      painter.scale(2.0, 2.0);
      written = paintGrid(plots, columns, cell, painter);
      painter.end();
      written = written && image.save(&file, "PNG");
    }
  } else if (suffix == QLatin1String("svg")) {
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(QSize(width, height));
    svg.setViewBox(QRect(0, 0, width, height));
    svg.setTitle(QStringLiteral("hopscope plots"));
    QCPPainter painter;
    if (painter.begin(&svg)) {
      painter.setMode(QCPPainter::pmVectorized);
      painter.setMode(QCPPainter::pmNoCaching);
      written = paintGrid(plots, columns, cell, painter);
      written = painter.end() && written;
    }
  } else {
    QPdfWriter pdf(&file);
    pdf.setCreator(QStringLiteral("hopscope"));
    pdf.setResolution(72);
    pdf.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point, QString(), QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    QCPPainter painter;
    if (painter.begin(&pdf)) {
      painter.setMode(QCPPainter::pmVectorized);
      painter.setMode(QCPPainter::pmNoCaching);
      written = paintGrid(plots, columns, cell, painter);
      written = painter.end() && written;
    }
  }
  if (!written) {
    file.cancelWriting();
    fail(path, QStringLiteral("rendering the %1 failed").arg(suffix.toUpper()));
  }
  if (file.error() != QFileDevice::NoError) fail(path, file.errorString());
  if (!file.commit()) fail(path, file.errorString());
}
