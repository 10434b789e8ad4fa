#pragma once
// What File ▸ Export… (Ctrl+E) and the Copy action act on: what the user is looking at. The table
// holding the keyboard focus; else the largest plot visible in the current view; else its largest
// visible table. A hidden tab's plot is never chosen.
class QCustomPlot;
class QTableView;
class QWidget;

struct ExportTarget {
  QCustomPlot* plot = nullptr;
  QTableView* table = nullptr;
  bool valid() const { return plot || table; }
};

// page: the current view; focus: the window's focus widget (may be outside page, e.g. the Models dock).
ExportTarget visibleExportTarget(QWidget* page, QWidget* focus);
