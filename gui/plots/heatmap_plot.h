#pragma once
// A labelled matrix heatmap on QCustomPlot: rows on the y axis top to bottom, columns on the x
// axis, text tick labels on both, a titled colour scale, and a hover tooltip naming the cell.
// Masked cells (NaN) are drawn in a neutral colour, not as zero-valued cells.
#include <QString>
#include <QStringList>

#include <vector>

#include <qcustomplot.h>

struct HeatmapData {
  QString title;
  QString rowAxisTitle, columnAxisTitle;  // e.g. "query token", "key token"
  QString rowNoun, columnNoun;            // tooltip words, e.g. "query", "key"
  QString valueTitle;                     // colour scale label
  QStringList rowLabels, columnLabels;
  std::vector<double> values;  // rows × columns, row-major; NaN marks a masked cell
  // Optional per-row note appended to the tooltip (e.g. softmax1's missing mass); empty = none.
  QStringList rowNotes;

  int rows() const { return static_cast<int>(rowLabels.size()); }
  int columns() const { return static_cast<int>(columnLabels.size()); }
  double at(int row, int column) const {
    return values[static_cast<size_t>(row) * static_cast<size_t>(columns()) +
                  static_cast<size_t>(column)];
  }
};

class HeatmapPlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit HeatmapPlot(QWidget* parent = nullptr);

  void setData(const HeatmapData& data);
  // Shows an empty plot with a message in place of the title ("no result yet", an error, ...).
  void clear(const QString& message);
  // true: colours span 0..1 (comparable across heads and models); false: the data's own range.
  void setFixedUnitRange(bool fixed);
  bool fixedUnitRange() const { return fixedUnitRange_; }

  const HeatmapData& heatmapData() const { return data_; }
  QCPColorMap* colorMap() const { return colorMap_; }
  QCPColorScale* colorScale() const { return colorScale_; }
  QString title() const;

  // The cell under a widget position, or false when outside the matrix.
  bool cellAt(const QPoint& position, int& row, int& column) const;
  // The hover text for one cell, e.g. "query 'cat' (3) → key 'the' (1): 0.4312".
  QString tooltipForCell(int row, int column) const;

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void applyDataRange();

  HeatmapData data_;
  bool fixedUnitRange_ = true;
  QCPTextElement* title_ = nullptr;
  QCPColorMap* colorMap_ = nullptr;
  QCPColorScale* colorScale_ = nullptr;
  QSharedPointer<QCPAxisTickerText> rowTicker_, columnTicker_;
};
