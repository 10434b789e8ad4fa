#pragma once
// What File ▸ Export… (Ctrl+E) and the Copy action act on: what the user is looking at. A table of
// the current view holding the keyboard focus; else the largest plot visible in the view; else its
// largest visible table. A hidden tab's plot is never chosen. (Other tables, such as the Models
// dock's, export from their context menu.)
class QCustomPlot;
class QTableView;
class QWidget;

struct ExportTarget {
  QCustomPlot* plot = nullptr;
  QTableView* table = nullptr;
  bool valid() const { return plot || table; }
};

// page: the current view; focus: the window's focus widget (ignored when outside page).
ExportTarget visibleExportTarget(QWidget* page, QWidget* focus);
