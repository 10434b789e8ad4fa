#pragma once
// Writes a report's outputs, all or none: the HTML, the PDF and the bundle folder are rendered in
// memory / a temporary folder first and only then moved into place, so a failed or cancelled
// report leaves no file. Progress and cancel through the JobControl. Needs a QApplication and runs
// on the GUI thread (the plots are drawn with QCustomPlot).
#include <QPageSize>
#include <QString>

#include "hopscope/job_control.h"
#include "report/report_document.h"
#include "report/report_input.h"

struct ReportOutputs {
  QString html;    // empty: none
  QString pdf;     // empty: none
  QString bundle;  // folder; empty: none
  QPageSize::PageSizeId paper = QPageSize::A4;
};

struct ReportWritten {
  int pdfPages = 0;
  ReportDocument document;
};

// "a4" or "letter" (any case); throws hopscope::Error naming the accepted values otherwise.
QPageSize::PageSizeId paperFromName(const QString& name);

// Throws hopscope::Error with a clear message when no output is given or an output cannot be
// written (missing or read-only folder, a folder where a file should go or the reverse).
void checkReportOutputs(const ReportOutputs& outputs);

// Throws hopscope::Error or hopscope::Cancelled; nothing is written then.
ReportWritten writeReport(const ReportInput& input, const ReportOutputs& outputs, const hopscope::JobControl& job = {});
