#pragma once
// A grid of attention heatmaps, one pane per loaded model (table order, hidden ones left out),
// for the same layer and head (or head mean), laid out in 1–4 columns by the count and the width,
// kept in step: layer, head, colour scale, zoom and
// pan, the hovered cell and the selected query/key cell are shared by every pane. A pane whose
// model is loading, failed or has no run says so. With a reference variant set, every other pane
// shows p − p_ref (when its tokens are the reference's). A pane is rebuilt only when what it shows
// changed, and its map is redrawn on the next event loop pass (one redraw per change burst).
//
// Image models (ViT) get patch panes (views/patch_attention.h): the image as the model saw it with
// its patch grid, and one query's attention over the patches as a translucent overlay (or the no-op
// mass of every patch's query). Their query (the class token, or a clicked patch) and hover are
// shared by the image panes only; text panes keep their own cell selection, zoom and hover.
#include <qcustomplot.h>
#include <QHash>
#include <QSet>
#include <QWidget>

#include <optional>
#include <vector>

#include "views/patch_attention.h"

class QFrame;
class QGridLayout;
class HeatmapPlot;
class LoadedModelsModel;

class AttentionGrid : public QWidget {
  Q_OBJECT
 public:
  enum class ColourMode {
    UnitRange,    // linear, 0..1 for every pane
    SharedRange,  // linear, the smallest to the largest value over all panes
    PerMap,       // linear, each pane its own range
    Log,          // log10 from HeatmapPlot::kLogFloor to 1 for every pane
  };

  explicit AttentionGrid(LoadedModelsModel* models, QWidget* parent = nullptr);

  // Layer and head shown (head < 0: the mean over heads).
  void setLayer(int layer);
  void setHead(int head);
  int layer() const { return layer_; }
  int head() const { return head_; }
  // The most layers of any shown run, and the most heads at the current layer (0: no run).
  int layerCount() const;
  int headCount() const;

  void setColourMode(ColourMode mode);
  ColourMode colourMode() const { return colourMode_; }
  // Difference maps against this model (-1: none).
  void setReferenceModelId(int id);
  int referenceModelId() const { return referenceId_; }
  // Panes of hidden models are left out of the grid.
  void setModelHidden(int id, bool hidden);
  bool isModelHidden(int id) const { return hidden_.contains(id); }

  // Zoom and pan of every pane, in cell coordinates; reset shows the whole maps.
  void setViewRange(const QCPRange& columns, const QCPRange& rows);
  void resetView();
  // Crosshair and selected cell of every pane (-1: none; column -1 with a row: the no-op strip).
  void setHoverCell(int row, int column);
  void setSelectedCell(int row, int column);
  int selectedRow() const { return selectedRow_; }
  int selectedColumn() const { return selectedColumn_; }

  // Image panes: the query whose attention they show (the class token by default; a click on a
  // patch selects it, a second click on it goes back to the class token), and whether they show the
  // no-op mass 1 − Σp of every patch's query instead.
  void setImageQuery(patch_attention::PatchQuery query);
  patch_attention::PatchQuery imageQuery() const { return imageQuery_; }
  void setImageNoOp(bool noOp);
  bool imageNoOp() const { return imageNoOp_; }
  bool hasImagePanes() const;
  bool isImagePane(int index) const;

  // The panes in grid order (at least one: a message pane when no model is open).
  int paneCount() const { return static_cast<int>(panes_.size()); }
  HeatmapPlot* pane(int index) const;
  int paneModelId(int index) const;  // -1 for the message pane
  HeatmapPlot* paneForModel(int id) const;
  int gridColumns() const { return columns_; }
  // The pane whose model the predictions list and the single-plot export follow.
  int currentModelId() const { return currentId_; }
  void setCurrentModelId(int id);
  HeatmapPlot* currentPane() const;
  std::vector<int> shownModelIds() const;

  // Every pane laid out as in the grid, in one PNG, SVG or PDF (throws hopscope::Error).
  void exportGrid(const QString& path) const;

  // Rebuilds what changed (called on model changes; public for tests and the view).
  void refresh();

 signals:
  // The runs changed: layer and head counts, token labels may differ.
  void runsChanged();
  void currentModelChanged(int id);
  void hoverChanged(int row, int column);
  void selectionChanged(int row, int column);
  void imageQueryChanged();
  void viewRangeChanged(const QCPRange& columns, const QCPRange& rows);

 private:
  struct Pane {
    int modelId = -1;
    QFrame* frame = nullptr;
    HeatmapPlot* plot = nullptr;
    QString key;  // what the pane shows; equal keys are not rebuilt
    bool image = false;  // shows an image run's patch map
  };

  Pane* paneFor(int id);
  Pane& addPane(int id);
  void layoutPanes();
  int columnsForWidth() const;
  void resizeEvent(QResizeEvent* event) override;
  void updatePanes();
  void applyColours();
  void highlightCurrent();
  bool eventFilter(QObject* watched, QEvent* event) override;
  // An image pane's map (query attention or no-op mass) and its titles; false with a message set.
  bool buildImageMap(const Pane& pane, const QString& name, const QString& title, HeatmapData& map, QString& message) const;
  void setImageHover(int row, int column);

  LoadedModelsModel* models_;
  QGridLayout* layout_;
  std::vector<Pane> panes_;
  QHash<int, int> generation_;  // model id → run generation
  QSet<int> hidden_;
  int layer_ = 0, head_ = 0;
  ColourMode colourMode_ = ColourMode::UnitRange;
  int referenceId_ = -1;
  int currentId_ = -1;
  int columns_ = 1;
  int hoverRow_ = -1, hoverColumn_ = -1, selectedRow_ = -1, selectedColumn_ = -1;
  std::optional<std::pair<QCPRange, QCPRange>> viewRange_;
  bool syncing_ = false;
  patch_attention::PatchQuery imageQuery_;
  bool imageNoOp_ = false;
  int imageHoverRow_ = -1, imageHoverColumn_ = -1;
};
