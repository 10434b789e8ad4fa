#include "plots/plot_export.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QRegularExpression>
#include <QPdfWriter>
#include <QPixmap>
#include <QSaveFile>
#include <QSvgGenerator>

#include <qcustomplot.h>

#include <algorithm>
#include <memory>

#include "hopscope/error.h"

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

void exportPlotGrid(const std::vector<QCustomPlot*>& plots, const QString& path, int columns, int cellWidth,
                    int cellHeight) {
  std::vector<QCustomPlot*> shown;
  for (QCustomPlot* plot : plots)
    if (plot) shown.push_back(plot);
  if (shown.empty()) fail(path, QStringLiteral("there is no plot"));
  if (shown.size() == 1) {
    exportPlot(*shown.front(), path, cellWidth, cellHeight);
    return;
  }
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") && suffix != QLatin1String("pdf"))
    fail(path, QStringLiteral("unknown format '%1' (use .png, .svg or .pdf)").arg(suffix));
  if (cellWidth <= 0 || cellHeight <= 0) {
    cellWidth = cellHeight = 0;
    for (QCustomPlot* plot : shown) {
      cellWidth = std::max(cellWidth, plot->width() > 0 ? plot->width() : 600);
      cellHeight = std::max(cellHeight, plot->height() > 0 ? plot->height() : 450);
    }
  }
  columns = std::max(1, std::min(columns, static_cast<int>(shown.size())));
  const int rows = (static_cast<int>(shown.size()) + columns - 1) / columns;
  const int width = columns * cellWidth, height = rows * cellHeight;
  auto paintAll = [&](QCPPainter& painter) {
    for (size_t i = 0; i < shown.size(); ++i) {
      painter.save();
      painter.translate(static_cast<int>(i) % columns * cellWidth, static_cast<int>(i) / columns * cellHeight);
      painter.setClipRect(QRect(0, 0, cellWidth, cellHeight));  // a plot never paints into its neighbour
      shown[i]->toPainter(&painter, cellWidth, cellHeight);
      painter.restore();
    }
  };

  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) fail(path, file.errorString());
  bool written = false;
  if (suffix == QLatin1String("png")) {
    constexpr double kScale = 2.0;  // as exportPlot: crisp text
    QPixmap pixmap(static_cast<int>(width * kScale), static_cast<int>(height * kScale));
    pixmap.fill(Qt::white);
    QCPPainter painter;
    if (painter.begin(&pixmap)) {
      painter.setMode(QCPPainter::pmNoCaching);
      painter.scale(kScale, kScale);
      paintAll(painter);
      written = painter.end() && pixmap.save(&file, "PNG");
    }
  } else {
    std::unique_ptr<QSvgGenerator> svg;
    std::unique_ptr<QPdfWriter> pdf;
    QPaintDevice* device = nullptr;
    if (suffix == QLatin1String("svg")) {
      svg = std::make_unique<QSvgGenerator>();
      svg->setOutputDevice(&file);
      svg->setSize(QSize(width, height));
      svg->setViewBox(QRect(0, 0, width, height));
      svg->setTitle(QStringLiteral("hopscope plots"));
      device = svg.get();
    } else {
      pdf = std::make_unique<QPdfWriter>(&file);
      pdf->setCreator(QStringLiteral("hopscope"));
      pdf->setResolution(72);
      pdf->setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point, QString(), QPageSize::ExactMatch));
      pdf->setPageMargins(QMarginsF(0, 0, 0, 0));
      device = pdf.get();
    }
    QCPPainter painter;
    if (painter.begin(device)) {
      painter.setMode(QCPPainter::pmVectorized);
      painter.setMode(QCPPainter::pmNoCaching);
      paintAll(painter);
      written = painter.end();
    }
  }
  if (!written) {
    file.cancelWriting();
    fail(path, QStringLiteral("rendering the %1 failed").arg(suffix.toUpper()));
  }
  if (file.error() != QFileDevice::NoError) fail(path, file.errorString());
  if (!file.commit()) fail(path, file.errorString());
}

QString plotFileStem(const QStringList& words) {
  static const QRegularExpression kOther(QStringLiteral("[^A-Za-z0-9.@-]+"));
  QStringList parts;
  for (QString word : words) {
    word.replace(kOther, QStringLiteral("-"));
    while (word.startsWith(QLatin1Char('-'))) word.remove(0, 1);
    while (word.endsWith(QLatin1Char('-'))) word.chop(1);
    if (!word.isEmpty()) parts << word;
  }
  return parts.join(QLatin1Char('_'));
}
