#pragma once
// Tables out of the window: what a QTableView shows (its model's rows as sorted and filtered, its
// visible columns in their on-screen order, the display text of each cell) as CSV (RFC 4180:
// comma-separated, fields with a comma, quote, line break or edge space quoted, quotes doubled,
// CRLF line ends) or, for the clipboard, as tab-separated text. installTableActions gives a table
// the context menu (Export CSV…, Copy, Copy all) and Ctrl+C.
#include <QString>
#include <QStringList>

#include <functional>

class QTableView;

// One CSV field, quoted when it has to be.
QString csvField(const QString& text);

// The whole visible table, header line first.
QString tableCsv(const QTableView& table);
// Tab-separated: the selected cells (rows and columns as on screen, the rectangle they span; a
// header line when whole rows are selected), or the whole table when selectAll. Tabs and line
// breaks inside cells become spaces.
QString tableTsv(const QTableView& table, bool selectAll = false);

// Writes tableCsv(table) to path atomically (QSaveFile); throws hopscope::Error naming the file
// and the problem.
void exportTableCsv(const QTableView& table, const QString& path);

// A file name (without folder) from parts such as the model, the view and the table:
// "bert-tiny@softmax1 outliers modules" -> "bert-tiny_softmax1-outliers-modules". Characters a
// file system may refuse become '_'; empty parts are left out.
QString fileNameStem(const QStringList& parts);

// Adds the context menu and Ctrl+C to `table`. suggestedName gives the file stem the Export dialog
// proposes (without suffix); onError reports a failed export (default: a message box).
void installTableActions(QTableView* table, std::function<QString()> suggestedName,
                         std::function<void(const QString&)> onError = {});
