#include "report/pdf_writer.h"

#include <QBuffer>
#include <QFontMetricsF>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QTextLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "hopscope/error.h"
#include "report/report_plot_painter.h"

namespace {

constexpr int kDpi = 96;
constexpr double kMarginX = 60, kMarginTop = 56, kMarginBottom = 64;  // pixels at 96 dpi (≈ 16, 15, 17 mm)
constexpr double kCellPadX = 4, kCellPadY = 2.5;
constexpr double kShortWord = 100;  // pixels: cell words up to this wide are never broken
const QString kSans = QStringLiteral("DejaVu Sans");
const QString kMono = QStringLiteral("DejaVu Sans Mono");

QFont font(double points, bool bold = false, bool mono = false) {
  QFont f(mono ? kMono : kSans);
  f.setPointSizeF(points);
  f.setBold(bold);
  return f;
}

enum class UnitKind { Title, Subtitle, TocTitle, TocLine, Heading, Paragraph, Caption, TableHeader, TableRow, Plot };

struct Unit {
  UnitKind kind;
  int block = -1;         // index into the document's blocks
  int row = -1;           // table rows
  int tocTarget = -1;     // TOC lines: the heading block they name
  double height = 0;
  double spaceBefore = 0;
  bool keepWithNext = false;
  double together = 0;  // the first unit of a table: the whole table's height, kept on one page where it fits
};

struct TableGeometry {
  std::vector<double> widths;
  double headerHeight = 0;
  std::vector<double> rowHeights;
};

struct Placed {
  int unit;
  double y;
  bool repeatedHeader = false;  // a TableHeader drawn again after a page break
};

class Paginator {
 public:
  Paginator(const ReportDocument& document, QPdfWriter& writer)
      : document_(document), device_(writer) {
    const QRect page = writer.pageLayout().fullRectPixels(kDpi);
    pageWidth_ = page.width();
    pageHeight_ = page.height();
    contentWidth_ = pageWidth_ - 2 * kMarginX;
    bottom_ = pageHeight_ - kMarginBottom;
  }

  int layout() {
    buildUnits();
    keepParagraphsWithFigures();
    place();
    return static_cast<int>(pages_.size());
  }

  void paint(QCPPainter& painter, QPdfWriter& writer, const hopscope::JobControl& job) {
    const int plots = std::max(1, document_.plotCount());
    int plotIndex = 0;
    for (size_t p = 0; p < pages_.size(); ++p) {
      if (p > 0 && !writer.newPage()) throw hopscope::Error("cannot start a new PDF page");
      for (const Placed& placed : pages_[p]) {
        const Unit& unit = units_[static_cast<size_t>(placed.unit)];
        if (unit.kind == UnitKind::Plot) {
          job.checkCancelled();
          job.report(static_cast<double>(plotIndex) / plots, "PDF: plot " + std::to_string(plotIndex + 1));
          ++plotIndex;
        }
        paintUnit(painter, unit, placed.y);
      }
      paintFooter(painter, static_cast<int>(p));
    }
  }

 private:
  QFontMetricsF metrics(const QFont& f) const { return QFontMetricsF(f, &device_); }

  double textHeight(const QFont& f, const QString& text, double width, int flags = Qt::TextWordWrap) const {
    return metrics(f).boundingRect(QRectF(0, 0, width, 1e6), flags, text).height();
  }

  // Cell text: wrapped at spaces, and anywhere inside a word too long for the column (module paths,
  // hashes). Returns the height; draws when a painter is given.
  double cellText(QPainter* painter, const QFont& f, const QString& text, const QRectF& rect, Qt::Alignment align) const {
    QString content = text;
    content.replace(QLatin1Char('\n'), QChar::LineSeparator);
    // Dotted module names and paths break after a dot or a slash rather than inside a name
    // ("bert.encoder.layer.1.attention.|output.dense"); not before a digit, so numbers stay whole.
    if (!align.testFlag(Qt::AlignRight)) {
      static const QRegularExpression kSeparator(QStringLiteral("([./])(?=[^\\s./0-9])"));
      content.replace(kSeparator, QStringLiteral("\\1") + QChar(0x200B));
    }
    QTextLayout layout(content, f, &device_);
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    option.setAlignment(align);
    layout.setTextOption(option);
    layout.beginLayout();
    double height = 0;
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
      line.setLineWidth(rect.width());
      line.setPosition(QPointF(0, height));
      height += line.height();
    }
    layout.endLayout();
    if (painter) layout.draw(painter, rect.topLeft());
    return height;
  }

  static QFont headingFont(int level) { return level <= 1 ? font(15, true) : level == 2 ? font(12, true) : font(10.5, true); }
  static QFont bodyFont() { return font(9.5); }
  static QFont tableFont(const ReportTable& table) { return table.monospace ? font(6.5, false, true) : font(7.5); }
  static QFont headerFont() { return font(7.5, true); }

  void add(Unit unit) { units_.push_back(unit); }

  // The size a plot is drawn at: the writer's logical size shrunk to fit the text width at 90 %,
  // never taller than a page.
  QSizeF plotLogicalSize(const ReportPlot& plot) const {
    const double width = contentWidth_ / 0.9;
    return {width, plot.height * width / plot.width};
  }
  double plotScale(const ReportPlot& plot) const {
    const QSizeF logical = plotLogicalSize(plot);
    const double pageRoom = bottom_ - kMarginTop - 40;
    return std::min(contentWidth_ / logical.width(), pageRoom / logical.height());
  }
  double plotCaptionHeight(const ReportPlot& plot) const {
    return plot.caption.isEmpty() ? 0 : textHeight(font(8), plot.caption, contentWidth_) + 4;
  }

  TableGeometry measureTable(const ReportTable& table) const {
    TableGeometry geometry;
    const size_t columns = static_cast<size_t>(table.header.size());
    const QFontMetricsF body = metrics(tableFont(table)), header = metrics(headerFont());
    // hard: what a column never gets less of, its header's longest word, its numbers whole and its
    // short words ("linear"), so that a crowded table breaks long names rather than "Gat|e".
    std::vector<double> natural(columns, 0), minimum(columns, 0), hard(columns, 0);
    auto consider = [&](size_t c, const QString& text, const QFontMetricsF& fm) {
      natural[c] = std::max(natural[c], fm.horizontalAdvance(text) + 2 * kCellPadX + 1);
      double longestWord = 0;
      for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        longestWord = std::max(longestWord, fm.horizontalAdvance(word));
      if (table.monospace) longestWord = std::min(longestWord, 60.0);
      if (c < table.numeric.size() && table.numeric[c] && &fm == &body) longestWord = fm.horizontalAdvance(text);
      minimum[c] = std::max(minimum[c], std::min(longestWord, 160.0) + 2 * kCellPadX + 1);
      const bool whole = &fm == &header || (c < table.numeric.size() && table.numeric[c]);
      hard[c] = std::max(hard[c], std::min(longestWord, whole ? 160.0 : kShortWord) + 2 * kCellPadX + 1);
    };
    for (size_t c = 0; c < columns; ++c) consider(c, table.header[static_cast<int>(c)], header);
    for (const QStringList& row : table.rows)
      for (size_t c = 0; c < columns && c < static_cast<size_t>(row.size()); ++c) consider(c, row[static_cast<int>(c)], body);

    double sumNatural = 0, sumMinimum = 0, sumHard = 0;
    for (size_t c = 0; c < columns; ++c) {
      minimum[c] = std::min(minimum[c], natural[c]);
      hard[c] = std::min(hard[c], minimum[c]);
      sumNatural += natural[c];
      sumMinimum += minimum[c];
      sumHard += hard[c];
    }
    geometry.widths.resize(columns);
    for (size_t c = 0; c < columns; ++c) {
      if (sumNatural <= contentWidth_)
        geometry.widths[c] = natural[c] * contentWidth_ / sumNatural;
      else if (sumMinimum <= contentWidth_)
        geometry.widths[c] = minimum[c] + (natural[c] - minimum[c]) * (contentWidth_ - sumMinimum) / (sumNatural - sumMinimum);
      else if (sumHard < contentWidth_)
        geometry.widths[c] = hard[c] + (minimum[c] - hard[c]) * (contentWidth_ - sumHard) / (sumMinimum - sumHard);
      else
        geometry.widths[c] = minimum[c] * contentWidth_ / sumMinimum;
    }
    auto rowHeight = [&](const QStringList& cells, const QFont& f, bool header) {
      double height = metrics(f).height();
      for (size_t c = 0; c < columns && c < static_cast<size_t>(cells.size()); ++c) {
        const bool numeric = !header && c < table.numeric.size() && table.numeric[c];  // as paintCells aligns
        height = std::max(height, cellText(nullptr, f, cells[static_cast<int>(c)],
                                           QRectF(0, 0, geometry.widths[c] - 2 * kCellPadX, 1e6),
                                           numeric ? Qt::AlignRight : Qt::AlignLeft));
      }
      return height + 2 * kCellPadY;
    };
    geometry.headerHeight = rowHeight(table.header, headerFont(), true);
    for (const QStringList& row : table.rows) geometry.rowHeights.push_back(rowHeight(row, tableFont(table), false));
    return geometry;
  }

  void buildUnits() {
    add({UnitKind::Title, -1, -1, -1, textHeight(font(20, true), document_.title, contentWidth_), 0, false});
    add({UnitKind::Subtitle, -1, -1, -1, textHeight(font(9.5), document_.subtitle, contentWidth_), 4, false});
    add({UnitKind::TocTitle, -1, -1, -1, metrics(font(12, true)).height(), 18, true});
    const double tocLine = metrics(font(9.5)).height() + 2;
    for (size_t b = 0; b < document_.blocks.size(); ++b) {
      const ReportBlock& block = document_.blocks[b];
      if (block.kind == ReportBlock::Kind::Heading && block.level <= 2)
        add({UnitKind::TocLine, -1, -1, static_cast<int>(b), tocLine, 0, false});
    }
    tables_.resize(document_.blocks.size());
    for (size_t b = 0; b < document_.blocks.size(); ++b) {
      const ReportBlock& block = document_.blocks[b];
      const int index = static_cast<int>(b);
      switch (block.kind) {
        case ReportBlock::Kind::Heading:
          add({UnitKind::Heading, index, -1, -1, textHeight(headingFont(block.level), block.text, contentWidth_),
               block.level == 1 ? 22.0 : 14.0, true});
          break;
        case ReportBlock::Kind::Paragraph:
          add({UnitKind::Paragraph, index, -1, -1, textHeight(bodyFont(), block.text, contentWidth_), 6, false});
          break;
        case ReportBlock::Kind::Table: {
          tables_[b] = measureTable(block.table);
          const TableGeometry& geometry = tables_[b];
          const size_t first = units_.size();
          if (!block.table.caption.isEmpty())
            add({UnitKind::Caption, index, -1, -1, textHeight(font(8.5, true), block.table.caption, contentWidth_) + 3, 8,
                 true});
          add({UnitKind::TableHeader, index, -1, -1, geometry.headerHeight, block.table.caption.isEmpty() ? 8.0 : 0.0,
               true});
          for (size_t r = 0; r < block.table.rows.size(); ++r)
            add({UnitKind::TableRow, index, static_cast<int>(r), -1, geometry.rowHeights[r], 0, false});
          for (size_t u = first; u < units_.size(); ++u)
            units_[first].together += (u == first ? 0 : units_[u].spaceBefore) + units_[u].height;
          break;
        }
        case ReportBlock::Kind::Plot: {
          const double scale = plotScale(block.plot);
          add({UnitKind::Plot, index, -1, -1,
               plotLogicalSize(block.plot).height() * scale + plotCaptionHeight(block.plot), 8, false});
          break;
        }
      }
    }
  }

  // A paragraph introducing a plot or a table stays on its page.
  void keepParagraphsWithFigures() {
    for (size_t i = 0; i + 1 < units_.size(); ++i)
      if (units_[i].kind == UnitKind::Paragraph &&
          (units_[i + 1].kind == UnitKind::Plot || units_[i + 1].kind == UnitKind::Caption ||
           units_[i + 1].kind == UnitKind::TableHeader))
        units_[i].keepWithNext = true;
  }

  void newPage() {
    pages_.emplace_back();
    y_ = kMarginTop;
  }

  void place() {
    newPage();
    for (size_t i = 0; i < units_.size(); ++i) {
      const Unit& unit = units_[i];
      const bool atTop = pages_.back().empty();
      // The unit and what it keeps with it: the units it is kept with, a whole table where the
      // table fits on a page (a longer one is split, its header repeated).
      const double pageRoom = bottom_ - kMarginTop;
      double chain = atTop ? 0 : unit.spaceBefore;
      for (size_t j = i;; ++j) {
        const Unit& next = units_[j];
        if (j > i) chain += next.spaceBefore;
        if (next.together > 0 && next.together <= pageRoom) {
          chain += next.together;
          break;
        }
        chain += next.height;
        if (!next.keepWithNext || j + 1 >= units_.size()) break;
      }
      const bool breakBefore = !atTop && y_ + chain > bottom_;
      if (breakBefore) newPage();
      if (pages_.back().empty() && unit.kind == UnitKind::TableRow) {
        // Repeat the header of the table the row belongs to.
        const int header = headerUnitOf(static_cast<int>(i));
        pages_.back().push_back({header, y_, true});
        y_ += units_[static_cast<size_t>(header)].height;
      }
      if (!pages_.back().empty()) y_ += unit.spaceBefore;
      pages_.back().push_back({static_cast<int>(i), y_, false});
      y_ += unit.height;
      if (unit.kind == UnitKind::Heading) headingPage_[unit.block] = static_cast<int>(pages_.size());
    }
  }

  int headerUnitOf(int rowUnit) const {
    for (int j = rowUnit; j >= 0; --j)
      if (units_[static_cast<size_t>(j)].kind == UnitKind::TableHeader) return j;
    return rowUnit;
  }

  void paintCells(QCPPainter& painter, const ReportTable& table, const TableGeometry& geometry, const QStringList& cells,
                  double y, double height, bool header, bool shaded) {
    double x = kMarginX;
    painter.setFont(header ? headerFont() : tableFont(table));
    for (size_t c = 0; c < geometry.widths.size(); ++c) {
      const QRectF cell(x, y, geometry.widths[c], height);
      if (header || shaded) painter.fillRect(cell, header ? QColor(236, 236, 236) : QColor(249, 249, 249));
      painter.setPen(QPen(QColor(200, 200, 200), 0.6));
      painter.drawRect(cell);
      painter.setPen(QColor(32, 32, 32));
      const bool numeric = !header && c < table.numeric.size() && table.numeric[c];
      const QString text = c < static_cast<size_t>(cells.size()) ? cells[static_cast<int>(c)] : QString();
      cellText(&painter, painter.font(), text, cell.adjusted(kCellPadX, kCellPadY, -kCellPadX, -kCellPadY),
               numeric ? Qt::AlignRight : Qt::AlignLeft);
      x += geometry.widths[c];
    }
  }

  void paintText(QCPPainter& painter, const QFont& f, const QColor& colour, double y, double height, const QString& text,
                 double indent = 0) {
    painter.setFont(f);
    painter.setPen(colour);
    painter.drawText(QRectF(kMarginX + indent, y, contentWidth_ - indent, height + 2), Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop,
                     text);
  }

  void paintUnit(QCPPainter& painter, const Unit& unit, double y) {
    const ReportBlock* block = unit.block >= 0 ? &document_.blocks[static_cast<size_t>(unit.block)] : nullptr;
    switch (unit.kind) {
      case UnitKind::Title: paintText(painter, font(20, true), QColor(20, 20, 20), y, unit.height, document_.title); break;
      case UnitKind::Subtitle: paintText(painter, font(9.5), QColor(90, 90, 90), y, unit.height, document_.subtitle); break;
      case UnitKind::TocTitle: paintText(painter, font(12, true), QColor(20, 20, 20), y, unit.height, QObject::tr("Contents")); break;
      case UnitKind::TocLine: {
        const ReportBlock& target = document_.blocks[static_cast<size_t>(unit.tocTarget)];
        const double indent = target.level == 1 ? 0 : 18;
        const QFont f = target.level == 1 ? font(9.5, true) : font(9.5);
        paintText(painter, f, QColor(32, 32, 32), y, unit.height, target.text, indent);
        painter.drawText(QRectF(kMarginX, y, contentWidth_, unit.height), Qt::AlignRight | Qt::AlignTop,
                         QString::number(headingPage_.count(unit.tocTarget) ? headingPage_.at(unit.tocTarget) : 0));
        break;
      }
      case UnitKind::Heading:
        paintText(painter, headingFont(block->level), QColor(20, 20, 20), y, unit.height, block->text);
        if (block->level == 1) {
          painter.setPen(QPen(QColor(190, 190, 190), 0.8));
          painter.drawLine(QPointF(kMarginX, y + unit.height + 1), QPointF(kMarginX + contentWidth_, y + unit.height + 1));
        }
        break;
      case UnitKind::Paragraph: paintText(painter, bodyFont(), QColor(32, 32, 32), y, unit.height, block->text); break;
      case UnitKind::Caption: paintText(painter, font(8.5, true), QColor(32, 32, 32), y, unit.height, block->table.caption); break;
      case UnitKind::TableHeader: {
        const TableGeometry& geometry = tables_[static_cast<size_t>(unit.block)];
        paintCells(painter, block->table, geometry, block->table.header, y, unit.height, true, false);
        break;
      }
      case UnitKind::TableRow: {
        const TableGeometry& geometry = tables_[static_cast<size_t>(unit.block)];
        paintCells(painter, block->table, geometry, block->table.rows[static_cast<size_t>(unit.row)], y, unit.height,
                   false, unit.row % 2 == 1);
        break;
      }
      case UnitKind::Plot: {
        ReportPlot plot = block->plot;
        const QSizeF logical = plotLogicalSize(plot);
        const double scale = plotScale(plot);
        plot.width = static_cast<int>(std::lround(logical.width()));
        plot.height = static_cast<int>(std::lround(logical.height()));
        const double drawnWidth = logical.width() * scale;
        painter.save();
        painter.translate(kMarginX + (contentWidth_ - drawnWidth) / 2, y);
        painter.scale(scale, scale);
        paintReportPlot(plot, painter);
        painter.restore();
        if (!plot.caption.isEmpty())
          paintText(painter, font(8), QColor(90, 90, 90), y + logical.height() * scale + 2, plotCaptionHeight(plot),
                    plot.caption);
        break;
      }
    }
  }

  void paintFooter(QCPPainter& painter, int page) {
    painter.setFont(font(8));
    painter.setPen(QColor(110, 110, 110));
    const QRectF footer(kMarginX, pageHeight_ - kMarginBottom + 22, contentWidth_, 20);
    painter.drawText(footer, Qt::AlignLeft | Qt::AlignVCenter, document_.title);
    painter.drawText(footer, Qt::AlignRight | Qt::AlignVCenter,
                     QObject::tr("page %1 of %2").arg(page + 1).arg(pages_.size()));
  }

  const ReportDocument& document_;
  QPdfWriter& device_;
  double pageWidth_ = 0, pageHeight_ = 0, contentWidth_ = 0, bottom_ = 0, y_ = 0;
  std::vector<Unit> units_;
  std::vector<TableGeometry> tables_;
  std::vector<std::vector<Placed>> pages_;
  std::map<int, int> headingPage_;  // heading block -> page number (1-based)
};

}  // namespace

PdfReport renderPdf(const ReportDocument& document, QPageSize::PageSizeId paper, const hopscope::JobControl& job) {
  PdfReport report;
  QBuffer buffer(&report.bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QPdfWriter writer(&buffer);
    writer.setResolution(kDpi);
    writer.setPageSize(QPageSize(paper));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setTitle(document.title);
    writer.setCreator(QStringLiteral("hopscope"));
    Paginator paginator(document, writer);
    report.pages = paginator.layout();
    QCPPainter painter;
    if (!painter.begin(&writer)) throw hopscope::Error("cannot draw the PDF");
    paginator.paint(painter, writer, job);
    painter.end();
  }
  job.report(1.0, "PDF written");
  return report;
}
