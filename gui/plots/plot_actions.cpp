#include "plots/plot_actions.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>

#include <exception>

#include <qcustomplot.h>

#include "plots/plot_export.h"

void copyPlotImage(QCustomPlot& plot) {
  QApplication::clipboard()->setPixmap(plot.toPixmap(plot.width(), plot.height()));
}

QString askPlotExportPath(QWidget* parent, const QString& stem) {
  QString selectedFilter;
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export plot"), stem + QStringLiteral(".png"),
                                              plotExportFilter(), &selectedFilter);
  if (path.isEmpty()) return {};
  if (QFileInfo(path).suffix().isEmpty()) {  // take the suffix from the chosen filter
    const int star = selectedFilter.indexOf(QStringLiteral("*."));
    path += star >= 0 ? selectedFilter.mid(star + 1, 4) : QStringLiteral(".png");
  }
  return path;
}

void installPlotActions(QCustomPlot* plot, std::function<QString()> suggestedName, std::function<void()> resetZoom,
                        std::function<void(const QString&)> onError) {
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot,
                   [plot, suggestedName, resetZoom, onError](const QPoint& at) {
    QMenu menu(plot);
    menu.addAction(QObject::tr("&Export…"), plot, [plot, suggestedName, onError] {
      const QString path = askPlotExportPath(plot, suggestedName ? suggestedName() : QStringLiteral("plot"));
      if (path.isEmpty()) return;
      try {
        exportPlot(*plot, path);
      } catch (const std::exception& error) {
        if (onError) onError(QString::fromStdString(error.what()));
        else QMessageBox::warning(plot, QObject::tr("Export plot"), QString::fromStdString(error.what()));
      }
    });
    menu.addAction(QObject::tr("&Copy image"), plot, [plot] { copyPlotImage(*plot); });
    if (resetZoom) {
      menu.addSeparator();
      menu.addAction(QObject::tr("&Reset zoom"), plot, resetZoom);
    }
    menu.exec(plot->mapToGlobal(at));
  });
}
