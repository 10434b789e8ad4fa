#pragma once
// A report document as one self-contained HTML file: well-formed XHTML-style markup (it parses as
// XML), styles in the file, every plot as inline SVG, a table of contents, no external reference
// (no URL, no linked file). Print styles keep table rows and figures whole.
#include <QByteArray>

#include "hopscope/job_control.h"
#include "report/report_document.h"

// Renders the plots on the calling (GUI) thread. Throws hopscope::Cancelled.
QByteArray renderHtml(const ReportDocument& document, const hopscope::JobControl& job = {});

// An SVG document from QSvgGenerator made fit to sit inline in such a file: no XML declaration, no
// namespace URLs, ids prefixed with `idPrefix` so several SVGs do not clash, width 100 %.
QByteArray inlineSvg(const QByteArray& svg, const QString& idPrefix);
