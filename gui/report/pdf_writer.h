#pragma once
// A report document as a paginated PDF drawn with QPdfWriter + QPainter: A4 or Letter, a title
// block with a table of contents (with page numbers), then the blocks in order. A simple paginator
// never cuts a table row or a plot in half, repeats a table's header row after a page break, keeps
// headings with what follows, and numbers every page in the footer. Text is drawn as text
// (selectable, searchable); plots are vectors (QCustomPlot::toPainter).
#include <QByteArray>
#include <QPageSize>

#include "hopscope/job_control.h"
#include "report/report_document.h"

struct PdfReport {
  QByteArray bytes;
  int pages = 0;
};

// Renders the plots on the calling (GUI) thread. Throws hopscope::Cancelled, or hopscope::Error
// when the PDF cannot be drawn.
PdfReport renderPdf(const ReportDocument& document, QPageSize::PageSizeId paper = QPageSize::A4,
                    const hopscope::JobControl& job = {});
