#pragma once
// The attention view: every loaded variant's attention for the same layer and head (or their
// mean), side by side in a grid kept in step (views/attention_grid.h), with the controls (layer,
// head, colour scale, difference to a reference variant, which variants to show, reset zoom,
// export of the whole grid), a layer × head overview to pick from (views/attention_overview.h), the
// selected cell's value in every variant, and the current pane's top predictions.
//
// Keys (when the view has focus): PageUp/PageDown or [ ] step layers, Left/Right or , . step
// heads (after the last head comes the mean), M toggles the mean, Ctrl+0 resets the zoom.
#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;
class QTreeWidget;
class AttentionGrid;
class AttentionOverview;
class HeatmapPlot;
class LoadedModelsModel;

class AttentionView : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionView(LoadedModelsModel* models, QWidget* parent = nullptr);

  // The current pane (the one clicked last; the first at the start): File ▸ Export plot writes it.
  HeatmapPlot* heatmap() const;
  AttentionGrid* grid() const { return grid_; }
  AttentionOverview* overview() const { return overview_; }
  QSpinBox* layerBox() const { return layerBox_; }
  QSpinBox* headBox() const { return headBox_; }
  QCheckBox* meanOverHeadsBox() const { return meanOverHeads_; }
  QComboBox* colourScaleBox() const { return colourScale_; }
  QComboBox* referenceBox() const { return reference_; }
  QToolButton* variantsButton() const { return variantsButton_; }
  QLabel* selectionLabel() const { return selection_; }
  QTreeWidget* predictionsList() const { return predictions_; }
  // Image panes' controls (shown while an image pane is): the query, back to the class token, and
  // the no-op mass per patch instead of the query's attention.
  QWidget* imageControls() const { return imageControls_; }
  QLabel* imageQueryLabel() const { return imageQuery_; }
  QPushButton* classTokenButton() const { return classToken_; }
  QCheckBox* imageNoOpBox() const { return imageNoOp_; }
  QAction* nextLayerAction() const { return nextLayer_; }
  QAction* previousLayerAction() const { return previousLayer_; }
  QAction* nextHeadAction() const { return nextHead_; }
  QAction* previousHeadAction() const { return previousHead_; }

  // The current pane's model (-1 when none).
  int currentModelId() const;
  void selectModelId(int id);

  // The whole grid as one PNG, SVG or PDF; false and an error signal on failure.
  bool exportGrid(const QString& path);

 signals:
  void errorOccurred(const QString& message);

 private:
  void syncRanges();
  void stepLayer(int delta);
  void stepHead(int delta);
  void applyHead();
  void rebuildModelLists();
  void showSelection();
  void showPredictions(int modelId);
  void showImageQuery();
  void exportGridDialog();

  LoadedModelsModel* models_;
  AttentionGrid* grid_;
  AttentionOverview* overview_;
  QSpinBox* layerBox_;
  QSpinBox* headBox_;
  QCheckBox* meanOverHeads_;
  QComboBox* colourScale_;
  QComboBox* reference_;
  QToolButton* variantsButton_;
  QLabel* selection_;
  QTabWidget* side_;
  QLabel* predictionsTitle_;
  QTreeWidget* predictions_;
  QWidget* imageControls_;
  QLabel* imageQuery_;
  QPushButton* classToken_;
  QCheckBox* imageNoOp_;
  QAction *nextLayer_, *previousLayer_, *nextHead_, *previousHead_;
};
