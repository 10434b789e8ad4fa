#include "report/html_writer.h"

#include <QRegularExpression>
#include <QString>

#include <algorithm>

#include "report/report_plot_painter.h"

namespace {

QString escaped(const QString& text) { return text.toHtmlEscaped(); }

// Paragraph text: escaped, line breaks kept.
QString paragraphHtml(const QString& text) { return escaped(text).replace(QLatin1Char('\n'), QStringLiteral("<br/>")); }

const char* const kStyle = R"(
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #202020; max-width: 60em;
       margin: 2em auto; padding: 0 1.5em; line-height: 1.4; }
h1.title { font-size: 20pt; margin-bottom: 0.2em; }
p.subtitle { color: #555; margin-top: 0; }
h1 { font-size: 16pt; border-bottom: 1px solid #ccc; padding-bottom: 0.15em; margin-top: 1.6em; }
h2 { font-size: 13pt; margin-top: 1.3em; }
h3 { font-size: 11pt; }
nav.toc { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 0.5em 1.2em; }
nav.toc ul { margin: 0.2em 0; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; font-size: 8.5pt; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.2em 0; }
th, td { border: 1px solid #d0d0d0; padding: 2px 5px; vertical-align: top; }
th { background: #eeeeee; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
table.mono td { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 0.6em 0 1.2em 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; color: #555; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; }
  figure, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  nav.toc a { color: inherit; text-decoration: none; }
}
)";

QString tableHtml(const ReportTable& table) {
  QString html = table.monospace ? QStringLiteral("<table class=\"mono\">") : QStringLiteral("<table>");
  if (!table.caption.isEmpty()) html += QStringLiteral("<caption>%1</caption>").arg(escaped(table.caption));
  html += QStringLiteral("<thead><tr>");
  for (const QString& header : table.header) html += QStringLiteral("<th>%1</th>").arg(escaped(header));
  html += QStringLiteral("</tr></thead><tbody>\n");
  for (const QStringList& row : table.rows) {
    html += QStringLiteral("<tr>");
    for (int c = 0; c < row.size(); ++c) {
      const bool numeric = c < static_cast<int>(table.numeric.size()) && table.numeric[static_cast<size_t>(c)];
      html += numeric ? QStringLiteral("<td class=\"num\">") : QStringLiteral("<td>");
      html += escaped(row[c]) + QStringLiteral("</td>");
    }
    html += QStringLiteral("</tr>\n");
  }
  html += QStringLiteral("</tbody></table>\n");
  return html;
}

}  // namespace

QByteArray inlineSvg(const QByteArray& svg, const QString& idPrefix) {
  QString text = QString::fromUtf8(svg);
  const int start = text.indexOf(QStringLiteral("<svg"));
  if (start > 0) text = text.mid(start);
  static const QRegularExpression namespaces(QStringLiteral("\\s+xmlns(:\\w+)?=\"[^\"]*\""));
  text.replace(namespaces, QString());
  text.replace(QStringLiteral("xlink:href="), QStringLiteral("href="));
  // The root's physical size becomes a fluid width; the viewBox keeps the proportions.
  static const QRegularExpression rootSize(QStringLiteral("^<svg([^>]*?)\\s+width=\"[^\"]*\"\\s+height=\"[^\"]*\""));
  text.replace(rootSize, QStringLiteral("<svg\\1"));
  text.replace(QStringLiteral("id=\""), QStringLiteral("id=\"%1").arg(idPrefix));
  text.replace(QStringLiteral("url(#"), QStringLiteral("url(#%1").arg(idPrefix));
  text.replace(QStringLiteral("href=\"#"), QStringLiteral("href=\"#%1").arg(idPrefix));
  return text.trimmed().toUtf8();
}

QByteArray renderHtml(const ReportDocument& document, const hopscope::JobControl& job) {
  QString html;
  html += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
  html += QStringLiteral("<meta name=\"generator\" content=\"hopscope\"/>\n");
  html += QStringLiteral("<title>%1</title>\n<style>%2</style>\n</head>\n<body>\n").arg(escaped(document.title),
                                                                                       QString::fromUtf8(kStyle));
  html += QStringLiteral("<h1 class=\"title\">%1</h1>\n<p class=\"subtitle\">%2</p>\n")
              .arg(escaped(document.title), escaped(document.subtitle));

  // Table of contents: level 1 and 2 headings.
  html += QStringLiteral("<nav class=\"toc\"><strong>Contents</strong>\n<ul>\n");
  bool openItem = false, inSub = false;
  for (const ReportBlock& block : document.blocks) {
    if (block.kind != ReportBlock::Kind::Heading || block.level > 2) continue;
    const QString link = QStringLiteral("<a href=\"#%1\">%2</a>").arg(block.anchor, escaped(block.text));
    if (block.level == 1) {
      if (inSub) html += QStringLiteral("</ul>");
      if (openItem) html += QStringLiteral("</li>\n");
      inSub = false;
      openItem = true;
      html += QStringLiteral("<li>") + link;
    } else {
      if (!openItem) html += QStringLiteral("<li>");
      if (!inSub) html += QStringLiteral("<ul>\n");
      openItem = inSub = true;
      html += QStringLiteral("<li>%1</li>\n").arg(link);
    }
  }
  if (inSub) html += QStringLiteral("</ul>");
  if (openItem) html += QStringLiteral("</li>\n");
  html += QStringLiteral("</ul>\n</nav>\n");

  const int plots = std::max(1, document.plotCount());
  int plotIndex = 0;
  for (const ReportBlock& block : document.blocks) {
    switch (block.kind) {
      case ReportBlock::Kind::Heading: {
        const int level = std::clamp(block.level, 1, 3);
        html += QStringLiteral("<h%1 id=\"%2\">%3</h%1>\n").arg(level).arg(block.anchor, escaped(block.text));
        break;
      }
      case ReportBlock::Kind::Paragraph:
        html += QStringLiteral("<p>%1</p>\n").arg(paragraphHtml(block.text));
        break;
      case ReportBlock::Kind::Table:
        html += tableHtml(block.table);
        break;
      case ReportBlock::Kind::Plot: {
        job.checkCancelled();
        job.report(static_cast<double>(plotIndex) / plots, "HTML: plot " + std::to_string(plotIndex + 1));
        const QByteArray svg = inlineSvg(reportPlotSvg(block.plot), QStringLiteral("p%1-").arg(plotIndex));
        html += QStringLiteral("<figure>\n") + QString::fromUtf8(svg) + QLatin1Char('\n');
        if (!block.plot.caption.isEmpty())
          html += QStringLiteral("<figcaption>%1</figcaption>\n").arg(escaped(block.plot.caption));
        html += QStringLiteral("</figure>\n");
        ++plotIndex;
        break;
      }
    }
  }
  html += QStringLiteral("</body>\n</html>\n");
  job.report(1.0, "HTML written");
  return html.toUtf8();
}
