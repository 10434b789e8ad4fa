#pragma once
// The Outliers view: compares the analysed models side by side. Input is one JSON object per model,
// exactly one element of the `models` array of `hopscope-cli analyze --json` (see
// engine/src/eval/analysis_json.cpp). Shows the protocol summary table, a per-layer plot of
// kurtosis or inf-norm of the block / FFN outputs, and the symmetric-log histogram of one module.
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

#include <nlohmann/json.hpp>

class QComboBox;
class QCustomPlot;
class QLabel;
class QStackedWidget;
class QTabWidget;
class ModuleTablePanel;
class QTableView;
class QCPTextElement;
class OutlierSummaryModel;

// The figures of the per-layer plot, in the selector's order.
enum class LayerFigure { BlockKurtosis, BlockInfNorm, FfnKurtosis, FfnInfNorm };

// The module whose statistics stand for (family, figure, layer): BERT block output
// `bert.encoder.layer.N.output.LayerNorm`, FFN output `bert.encoder.layer.N.output.dense`; OPT
// `model.decoder.layers.N` and `model.decoder.layers.N.fc2`. Empty for an unknown family.
QString layerModuleName(const QString& family, LayerFigure figure, int layer);

class OutlierView : public QWidget {
  Q_OBJECT
 public:
  explicit OutlierView(QWidget* parent = nullptr);

  // One JSON object per model, in display order (the loaded-models order). Replaces what is shown.
  void setModels(const std::vector<nlohmann::json>& models);
  QCustomPlot* currentPlot() const;  // the plot of the visible tab (none on Modules), for File > Export plot

  OutlierSummaryModel* summaryModel() const { return summaryModel_; }
  QTableView* summaryTable() const { return summaryTable_; }
  QCustomPlot* layerPlot() const { return layerPlot_; }
  QCustomPlot* histogramPlot() const { return histogramPlot_; }
  QComboBox* layerFigureSelector() const { return layerFigureSelector_; }
  QComboBox* moduleSelector() const { return moduleSelector_; }
  QLabel* placeholder() const { return placeholder_; }
  QTabWidget* plotTabs() const { return tabs_; }
  ModuleTablePanel* modulesPanel() const { return modulesPanel_; }
  // The note under the histogram title (skipped models, overflow); empty when nothing to say.
  QString histogramNote() const;
  QString layerNote() const;  // what the per-layer values are, and models without such layers

  // The hover text of the data point nearest to a widget position of one of the two plots (within
  // a few pixels), or an empty string.
  QString hoverText(const QCustomPlot* plot, const QPointF& position) const;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void showLayerFigure();
  void showHistogram();
  void fitSummaryTableHeight();

  std::vector<nlohmann::json> models_;
  OutlierSummaryModel* summaryModel_;
  QStackedWidget* pages_;
  QLabel* placeholder_;
  QTableView* summaryTable_;
  QTabWidget* tabs_;
  ModuleTablePanel* modulesPanel_;
  QComboBox* layerFigureSelector_;
  QComboBox* moduleSelector_;
  QCustomPlot* layerPlot_;
  QCustomPlot* histogramPlot_;
  QCPTextElement* layerTitle_;
  QCPTextElement* layerNote_;
  QCPTextElement* histogramTitle_;
  QCPTextElement* histogramNote_;
  // Hover texts per graph and data point (the graphs' data are stored in insertion order).
  std::vector<QStringList> layerTips_, histogramTips_;
};
