#pragma once
// A report as an ordered list of format-neutral blocks (headings, paragraphs, tables, plots), built
// from a ReportInput. html_writer.h and pdf_writer.h render the same document, so the HTML and the
// PDF show the same numbers and figures; the plots are the views' figure data (plots/figure.h,
// plots/heatmap_plot.h).
#include <QString>
#include <QStringList>

#include <vector>

#include "plots/figure.h"
#include "plots/heatmap_plot.h"
#include "report/report_input.h"

struct ReportTable {
  QString caption;
  QStringList header;
  std::vector<QStringList> rows;
  std::vector<bool> numeric;  // per column: right-aligned
  bool monospace = false;     // hashes, paths, commands
};

struct ReportPlot {
  enum class Kind { Chart, Heatmaps };
  Kind kind = Kind::Chart;
  QString caption;
  // Chart: one Figure as the views draw it, plus vertical lines in x data units (e.g. the levels of
  // an 8-bit grid) and emphasised vertical lines (e.g. the ends of the grid's range).
  ::Figure figure;
  std::vector<double> gridLines, rangeLines;
  // Heatmaps: panels side by side, one row.
  std::vector<HeatmapData> heatmaps;
  // Logical size in pixels at 96 dpi; writers scale it to their width.
  int width = 900, height = 420;
};

struct ReportBlock {
  enum class Kind { Heading, Paragraph, Table, Plot };
  Kind kind = Kind::Paragraph;
  int level = 1;   // heading level 1..3
  QString text;    // heading or paragraph text (plain)
  QString anchor;  // headings: the id the table of contents links to
  ReportTable table;
  ReportPlot plot;
};

struct ReportDocument {
  QString title;
  QString subtitle;
  std::vector<ReportBlock> blocks;
  int plotCount() const;
};

// The section headings every report has, in order (tests check them).
QStringList reportSectionTitles();

// Needs no QApplication (plain data); the figures are built with the views' builders.
ReportDocument buildReportDocument(const ReportInput& input);
