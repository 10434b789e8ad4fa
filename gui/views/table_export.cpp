#include "views/table_export.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTableView>

#include <set>
#include <vector>

#include "hopscope/error.h"

namespace {

// Visible columns in on-screen order (logical indices).
std::vector<int> visibleColumns(const QTableView& table) {
  std::vector<int> columns;
  const QHeaderView* header = table.horizontalHeader();
  const int count = table.model() ? table.model()->columnCount() : 0;
  for (int visual = 0; visual < count; ++visual) {
    const int logical = header->logicalIndex(visual);
    if (logical >= 0 && !table.isColumnHidden(logical)) columns.push_back(logical);
  }
  return columns;
}

std::vector<int> visibleRows(const QTableView& table) {
  std::vector<int> rows;
  const int count = table.model() ? table.model()->rowCount() : 0;
  for (int row = 0; row < count; ++row)
    if (!table.isRowHidden(row)) rows.push_back(row);
  return rows;
}

QString headerText(const QAbstractItemModel& model, int column) {
  return model.headerData(column, Qt::Horizontal, Qt::DisplayRole).toString().simplified();
}

QString cellText(const QAbstractItemModel& model, int row, int column) {
  return model.index(row, column).data(Qt::DisplayRole).toString();
}

QString tsvField(QString text) {
  text.replace(QLatin1Char('\t'), QLatin1Char(' '));
  text.replace(QLatin1Char('\n'), QLatin1Char(' '));
  text.replace(QLatin1Char('\r'), QLatin1Char(' '));
  return text;
}

QString tsvOf(const QAbstractItemModel& model, const std::vector<int>& rows, const std::vector<int>& columns,
              bool withHeader, const std::set<std::pair<int, int>>* selected = nullptr) {
  QStringList lines;
  if (withHeader) {
    QStringList fields;
    for (int column : columns) fields << tsvField(headerText(model, column));
    lines << fields.join(QLatin1Char('\t'));
  }
  for (int row : rows) {
    QStringList fields;
    for (int column : columns)
      fields << (selected && !selected->count({row, column}) ? QString() : tsvField(cellText(model, row, column)));
    lines << fields.join(QLatin1Char('\t'));
  }
  return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

}  // namespace

QString csvField(const QString& text) {
  const bool quote = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
                     text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r')) ||
                     text.startsWith(QLatin1Char(' ')) || text.endsWith(QLatin1Char(' '));
  if (!quote) return text;
  QString escaped = text;
  escaped.replace(QLatin1Char('"'), QStringLiteral("\"\""));
  return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString tableCsv(const QTableView& table) {
  const QAbstractItemModel* model = table.model();
  if (!model) return {};
  const std::vector<int> columns = visibleColumns(table);
  QString csv;
  QStringList fields;
  for (int column : columns) fields << csvField(headerText(*model, column));
  csv += fields.join(QLatin1Char(',')) + QStringLiteral("\r\n");
  for (int row : visibleRows(table)) {
    fields.clear();
    for (int column : columns) fields << csvField(cellText(*model, row, column));
    csv += fields.join(QLatin1Char(',')) + QStringLiteral("\r\n");
  }
  return csv;
}

QString tableTsv(const QTableView& table, bool selectAll) {
  const QAbstractItemModel* model = table.model();
  if (!model) return {};
  const std::vector<int> allColumns = visibleColumns(table);
  const QItemSelectionModel* selection = table.selectionModel();
  const QModelIndexList indexes = selection ? selection->selectedIndexes() : QModelIndexList();
  if (selectAll || indexes.isEmpty()) return tsvOf(*model, visibleRows(table), allColumns, true);

  std::set<std::pair<int, int>> selected;
  std::set<int> selectedRows, selectedColumns;
  for (const QModelIndex& index : indexes) {
    if (table.isRowHidden(index.row()) || table.isColumnHidden(index.column())) continue;
    selected.insert({index.row(), index.column()});
    selectedRows.insert(index.row());
    selectedColumns.insert(index.column());
  }
  std::vector<int> columns;
  for (int column : allColumns)
    if (selectedColumns.count(column)) columns.push_back(column);
  const std::vector<int> rows(selectedRows.begin(), selectedRows.end());
  const bool wholeRows = columns.size() == allColumns.size();
  return tsvOf(*model, rows, columns, wholeRows && allColumns.size() > 1, &selected);
}

void exportTableCsv(const QTableView& table, const QString& path) {
  const auto fail = [&path](const QString& problem) {
    throw hopscope::Error(QStringLiteral("cannot export the table to %1: %2").arg(path, problem).toStdString());
  };
  if (QFileInfo(path).suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) != 0)
    fail(QStringLiteral("tables are exported as .csv"));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) fail(file.errorString());
  const QByteArray bytes = tableCsv(table).toUtf8();
  if (file.write(bytes) != bytes.size()) {
    file.cancelWriting();
    fail(file.errorString());
  }
  if (!file.commit()) fail(file.errorString());
}

QString fileNameStem(const QStringList& parts) {
  static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._+=-]+"));
  static const QRegularExpression spaces(QStringLiteral("\\s+"));
  QStringList cleaned;
  for (const QString& part : parts) {
    QString text = part.trimmed();
    if (text.isEmpty()) continue;
    text.replace(spaces, QStringLiteral("-"));
    text.replace(unsafe, QStringLiteral("_"));
    cleaned << text;
  }
  QString stem = cleaned.join(QLatin1Char('-'));
  while (stem.startsWith(QLatin1Char('.'))) stem.remove(0, 1);  // no hidden files
  return stem.left(160);
}

void installTableActions(QTableView* table, std::function<QString()> suggestedName,
                         std::function<void(const QString&)> onError) {
  auto* copy = new QAction(QObject::tr("&Copy"), table);
  copy->setShortcut(QKeySequence::Copy);
  copy->setShortcutContext(Qt::WidgetShortcut);
  copy->setToolTip(QObject::tr("Copy the selected cells as tab-separated text (Ctrl+C)"));
  QObject::connect(copy, &QAction::triggered, table,
                   [table] { QApplication::clipboard()->setText(tableTsv(*table)); });
  table->addAction(copy);

  auto* copyAll = new QAction(QObject::tr("Copy &all rows"), table);
  QObject::connect(copyAll, &QAction::triggered, table,
                   [table] { QApplication::clipboard()->setText(tableTsv(*table, true)); });

  auto* exportCsv = new QAction(QObject::tr("&Export CSV…"), table);
  QObject::connect(exportCsv, &QAction::triggered, table, [table, suggestedName, onError] {
    const QString stem = suggestedName ? suggestedName() : QStringLiteral("table");
    QString path = QFileDialog::getSaveFileName(table, QObject::tr("Export table"), stem + QStringLiteral(".csv"),
                                                QObject::tr("CSV table (*.csv)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".csv");
    try {
      exportTableCsv(*table, path);
    } catch (const std::exception& error) {
      if (onError) onError(QString::fromStdString(error.what()));
      else QMessageBox::warning(table, QObject::tr("Export table"), QString::fromStdString(error.what()));
    }
  });

  table->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(table, &QWidget::customContextMenuRequested, table, [table, copy, copyAll, exportCsv](const QPoint& at) {
    QMenu menu(table);
    menu.addAction(exportCsv);
    menu.addSeparator();
    menu.addAction(copy);
    menu.addAction(copyAll);
    menu.exec(table->viewport()->mapToGlobal(at));
  });
}
