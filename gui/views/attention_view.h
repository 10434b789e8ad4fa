#pragma once
// The attention view: for one loaded model's latest text run, the attention probabilities of a
// chosen layer and head (or their mean over heads) as a token × token heatmap, and the model's
// top predictions beside it.
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QTreeWidget;
class HeatmapPlot;
class LoadedModelsModel;

class AttentionView : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionView(LoadedModelsModel* models, QWidget* parent = nullptr);

  HeatmapPlot* heatmap() const { return heatmap_; }
  QComboBox* modelSelector() const { return modelSelector_; }
  QSpinBox* layerBox() const { return layerBox_; }
  QSpinBox* headBox() const { return headBox_; }
  QCheckBox* meanOverHeadsBox() const { return meanOverHeads_; }
  QCheckBox* fixedRangeBox() const { return fixedRange_; }
  QTreeWidget* predictionsList() const { return predictions_; }

  int currentModelId() const;  // -1 when no model is selected
  void selectModelId(int id);

 private:
  void refresh();
  void showPredictions(int modelId);

  LoadedModelsModel* models_;
  QComboBox* modelSelector_;
  QSpinBox* layerBox_;
  QSpinBox* headBox_;
  QCheckBox* meanOverHeads_;
  QCheckBox* fixedRange_;
  HeatmapPlot* heatmap_;
  QLabel* predictionsTitle_;
  QTreeWidget* predictions_;
};
