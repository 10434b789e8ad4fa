#include "app/export_target.h"

#include <QTableView>
#include <QWidget>

#include <qcustomplot.h>

namespace {

template <typename Widget>
Widget* largestVisible(QWidget* page) {
  Widget* best = nullptr;
  long long bestArea = 0;
  for (Widget* widget : page->findChildren<Widget*>()) {
    if (!widget->isVisibleTo(page)) continue;
    const long long area = static_cast<long long>(widget->width()) * widget->height();
    if (!best || area > bestArea) {
      best = widget;
      bestArea = area;
    }
  }
  return best;
}

}  // namespace

ExportTarget visibleExportTarget(QWidget* page, QWidget* focus) {
  ExportTarget target;
  if (!page) return target;
  // A focused table of the page (the Models dock's table has the focus at start: it does not count).
  for (QWidget* widget = focus; widget && page->isAncestorOf(widget); widget = widget->parentWidget())
    if (auto* table = qobject_cast<QTableView*>(widget); table && table->isVisible()) {
      target.table = table;
      return target;
    }
  target.plot = largestVisible<QCustomPlot>(page);
  if (!target.plot) target.table = largestVisible<QTableView>(page);
  return target;
}
