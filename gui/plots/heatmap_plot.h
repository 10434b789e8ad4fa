#pragma once
// A labelled matrix heatmap on QCustomPlot: rows on the y axis top to bottom, columns on the x
// axis, token tick labels thinned to what fits (plots/token_axis_ticker.h), a titled colour scale,
// an optional one-value-per-row strip beside the map (e.g. attention's no-op mass) drawn with the
// same colours, and a hover tooltip naming the cell. Masked cells (NaN) are drawn in a neutral
// colour, not as zero-valued cells. The matrix is drawn as one image (QCPColorMap), written
// straight into the colour map's buffer, so 2,048 × 2,048 maps stay fast.
//
// Zoom (wheel), pan (drag) and reset (double-click) work on the map; the plot reports its visible
// range, the hovered cell and clicked cells, and draws a hover crosshair and a selected cell that
// other plots can set (the attention grid keeps several heatmaps in step this way). The crosshair
// lives on its own buffered layer, so moving it does not redraw the map.
#include <QColor>
#include <QImage>
#include <QString>
#include <QStringList>

#include <limits>
#include <vector>

#include <qcustomplot.h>

struct HeatmapData {
  QString title;     // headline, e.g. what tells this map apart ("softmax1")
  QString subtitle;  // second line, e.g. "bert-tiny@softmax1 — layer 1, head 2"; empty = none
  QString rowAxisTitle, columnAxisTitle;  // e.g. "query token", "key token"
  QString rowNoun, columnNoun;            // tooltip words, e.g. "query", "key"
  QString valueTitle;                     // colour scale label
  QStringList rowLabels, columnLabels;
  std::vector<float> values;  // rows × columns, row-major; NaN marks a masked cell
  // Optional per-row note appended to the tooltip; empty = none.
  QStringList rowNotes;
  // Optional strip beside the map: one value per row, drawn with the map's colours (empty = none).
  std::vector<float> stripValues;
  QString stripTitle;  // the strip's column label, e.g. "no-op"
  QString stripNoun;   // tooltip words, e.g. "no-op mass 1 − Σp"
  bool diverging = false;  // signed values centred on 0 (a difference): a diverging colour map
  // Patch maps (an image model's attention over its patch grid): the image drawn beneath the cells,
  // which become translucent, with the patch grid over it; cells stay square and the whole image is
  // always shown (no zoom); the tooltip names the patch "(row, column)" and the value as cellNoun.
  QImage image;      // null: an ordinary matrix
  QString cellNoun;  // e.g. "attention from the class token"
  // Numbers of the shown query, for the pane's subtitle and the selection line (NaN: none).
  double classTokenWeight = std::numeric_limits<double>::quiet_NaN();  // p(query → class token)
  double noOpMass = std::numeric_limits<double>::quiet_NaN();          // 1 − Σ_k p of the query

  int rows() const { return static_cast<int>(rowLabels.size()); }
  int columns() const { return static_cast<int>(columnLabels.size()); }
  double at(int row, int column) const {
    return values[static_cast<size_t>(row) * static_cast<size_t>(columns()) +
                  static_cast<size_t>(column)];
  }
  bool hasStrip() const { return !stripValues.empty(); }
  bool isPatchMap() const { return !image.isNull(); }
};

class HeatmapTitle;
class TokenAxisTicker;

class HeatmapPlot : public QCustomPlot {
  Q_OBJECT
 public:
  enum class Scale { Linear, Log };
  // Log colour scales start here: smaller probabilities get the lowest colour.
  static constexpr double kLogFloor = 1e-4;

  explicit HeatmapPlot(QWidget* parent = nullptr);

  // Shows the map (whole, zoomed out). Does not replot until control returns to the event loop
  // (or replot() is called), so several changes cost one redraw.
  void setData(HeatmapData data);
  // Shows an empty plot with a message in place of the title ("no result yet", an error, ...).
  void clear(const QString& message);
  bool hasMap() const { return data_.rows() > 0; }

  // true: linear, colours span 0..1 (comparable across heads and models); false: the data's own
  // range (symmetric around 0 for a diverging map).
  void setFixedUnitRange(bool fixed);
  bool fixedUnitRange() const { return fixedUnitRange_; }
  // Linear or log colours over a given range (log: the lower end is at least kLogFloor; a
  // diverging map is always linear). Overrides setFixedUnitRange until it is called again.
  void setColourScale(Scale scale, const QCPRange& range);
  Scale colourScaleType() const { return scale_; }
  QCPRange colourRange() const { return colorMap_->dataRange(); }
  // The smallest and largest finite value of the cells and the strip (0..1 when there is none).
  QCPRange valueRange() const;

  // The colour of the variant shown: a swatch before the title and a bar along the top.
  void setAccentColour(const QColor& colour);

  const HeatmapData& heatmapData() const { return data_; }
  QCPColorMap* colorMap() const { return colorMap_; }
  QCPColorMap* stripMap() const { return stripMap_; }
  QCPAxisRect* stripRect() const { return stripRect_; }
  QCPColorScale* colorScale() const { return colorScale_; }
  QString title() const;
  QString subtitle() const;

  // The visible part of the map in cell coordinates (cell centres are integers).
  QCPRange columnRange() const { return xAxis->range(); }
  QCPRange rowRange() const { return yAxis->range(); }
  // Shows this part of the map (kept inside the map, at least two cells wide). Emits nothing.
  void setViewRange(const QCPRange& columns, const QCPRange& rows);
  // Zooms out to the whole map.
  void resetView();

  // Crosshair on a row and column (-1: none) and the selected cell (-1: none).
  void setHoverCell(int row, int column);
  void setSelectedCell(int row, int column);
  int hoverRow() const { return hoverRow_; }
  int hoverColumn() const { return hoverColumn_; }
  int selectedRow() const { return selectedRow_; }
  int selectedColumn() const { return selectedColumn_; }

  // The cell under a widget position, or false when outside the matrix.
  bool cellAt(const QPoint& position, int& row, int& column) const;
  // The strip row under a widget position, or false when outside the strip.
  bool stripRowAt(const QPoint& position, int& row) const;
  // The hover text for one cell, e.g. "query 'cat' (3) → key 'the' (1): 0.4312".
  QString tooltipForCell(int row, int column) const;
  QString tooltipForStripRow(int row) const;

 signals:
  // The user zoomed or panned (not emitted for setViewRange / resetView).
  void viewRangeChanged(const QCPRange& columns, const QCPRange& rows);
  // The mouse is over this cell (or the strip of this row: column -1); (-1, -1) when it left.
  void cellHovered(int row, int column);
  // A click (press and release without dragging) on a cell, or on the strip (column -1).
  void cellClicked(int row, int column);
  // Double-click: the user asked for the whole map (the plot has already reset itself).
  void viewResetRequested();

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void writeCells();
  // Redraws on the next event-loop pass, once however many changes ask for it. Unlike
  // replot(rpQueuedReplot), whose queued call redraws even when a replot() came in between (an
  // export, a caller drawing at once), a replot done meanwhile cancels the pending one.
  void scheduleReplot();
  void applyColourScale();
  void updateTitles();
  void updateMarkers();
  void clampRange(QCPAxis* axis, int cells);
  void onRangeChanged();
  // Patch maps: the whole grid with square cells, centred in the axis rect; true when it moved.
  bool fitPatchMap();
  void placePatchImage();

  HeatmapData data_;
  bool fixedUnitRange_ = true;
  bool givenRange_ = false;  // setColourScale was called: use range_ as given
  Scale scale_ = Scale::Linear;
  QCPRange range_{0, 1};
  QCPRange valueRange_{0, 1};
  bool cellsClampedForLog_ = false;
  bool settingRange_ = false;
  int hoverRow_ = -1, hoverColumn_ = -1, selectedRow_ = -1, selectedColumn_ = -1;
  QPoint pressPosition_;
  bool pressed_ = false;
  bool replotScheduled_ = false;  // scheduleReplot's call is pending (cleared by every replot)

  HeatmapTitle* title_ = nullptr;
  QCPTextElement* subtitle_ = nullptr;
  QString titleText_, subtitleText_;
  QCPColorMap* colorMap_ = nullptr;
  QCPAxisRect* stripRect_ = nullptr;
  QCPColorMap* stripMap_ = nullptr;
  QCPColorScale* colorScale_ = nullptr;
  QCPLayer* overlay_ = nullptr;
  QCPItemPixmap* imageItem_ = nullptr;      // patch maps: the image beneath the cells
  std::vector<QCPItemLine*> patchLines_;     // patch maps: the grid lines
  QCPLayer* patchLayer_ = nullptr;
  QCPItemRect *hoverRowItem_ = nullptr, *hoverColumnItem_ = nullptr, *selectedItem_ = nullptr,
              *selectedRowItem_ = nullptr, *hoverStripItem_ = nullptr, *selectedStripItem_ = nullptr;
};
