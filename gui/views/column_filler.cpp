#include "views/column_filler.h"

#include <QEvent>
#include <QHeaderView>
#include <QTableView>

#include <algorithm>

namespace {

// Watches the viewport's size and the other columns' widths (ResizeToContents changes them when
// the rows change) and gives the rest to the column.
class ColumnFiller : public QObject {
 public:
  ColumnFiller(QTableView& table, int column, int minimum)
      : QObject(&table), table_(table), column_(column), minimum_(minimum) {
    QHeaderView* header = table.horizontalHeader();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(column, QHeaderView::Interactive);
    table.viewport()->installEventFilter(this);
    connect(header, &QHeaderView::sectionResized, this, [this](int logical) {
      if (logical != column_) fit();
    });
    fit();
  }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Resize) fit();
    return QObject::eventFilter(watched, event);
  }

 private:
  void fit() {
    QHeaderView* header = table_.horizontalHeader();
    int others = 0;
    for (int logical = 0; logical < header->count(); ++logical)
      if (logical != column_ && !header->isSectionHidden(logical)) others += header->sectionSize(logical);
    const int width = std::max(minimum_, table_.viewport()->width() - others);
    if (header->sectionSize(column_) != width) header->resizeSection(column_, width);
  }

  QTableView& table_;
  int column_, minimum_;
};

}  // namespace

void fillWithColumn(QTableView& table, int column, int minimum) { new ColumnFiller(table, column, minimum); }
