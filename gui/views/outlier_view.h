#pragma once
// The Outliers view: compares the analysed models side by side. Input is the engine's analysis
// result per model (hopscope/model_analysis.h; `hopscope-cli analyze --json` writes the same
// values). Shows the protocol summary table, a per-layer plot of
// kurtosis or inf-norm of the block / FFN outputs, the symmetric-log histogram of one module
// (figures built by outlier_figures.h), and the Modules table of one model.
#include <QString>
#include <QWidget>

#include <vector>

#include "views/outlier_figures.h"
#include "views/result_status.h"

class FigurePlot;
class ModuleTablePanel;
class OutlierSummaryModel;
class QComboBox;
class QCustomPlot;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTableView;

class OutlierView : public QWidget {
  Q_OBJECT
 public:
  explicit OutlierView(QWidget* parent = nullptr);

  // One result per model, in display order, and each model's palette slot (its row in the
  // loaded-models table; missing: its index here). Null entries are skipped. Replaces what is shown.
  void setModels(const std::vector<hopscope::ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots = {});
  // One status per model of setModels, in its order: stale and pending models are marked in the
  // summary table and named so in the plots' legends.
  void setStatuses(const std::vector<ResultStatus>& statuses);
  QCustomPlot* currentPlot() const;  // the plot of the visible tab (none on Modules), for File > Export plot

  OutlierSummaryModel* summaryModel() const { return summaryModel_; }
  QTableView* summaryTable() const { return summaryTable_; }
  FigurePlot* layerPlot() const { return layerPlot_; }
  FigurePlot* histogramPlot() const { return histogramPlot_; }
  QComboBox* layerFigureSelector() const { return layerFigureSelector_; }
  QComboBox* moduleSelector() const { return moduleSelector_; }
  QLabel* placeholder() const { return placeholder_; }
  // Above the table: the settings every row was computed with, or a warning that rows differ
  // (stale or pending ones).
  QLabel* settingsCaption() const { return settingsCaption_; }
  QTabWidget* plotTabs() const { return tabs_; }
  ModuleTablePanel* modulesPanel() const { return modulesPanel_; }
  // The note under the histogram title (skipped models, overflow); empty when nothing to say.
  QString histogramNote() const;
  QString layerNote() const;  // what the per-layer values are, and models without such layers

  // The module a summary cell points at: for a kurtosis column the model's module of the highest
  // kurtosis, for an inf-norm column the one holding the largest |x|, else the highest kurtosis.
  QString summaryModule(int row, int column) const;

 signals:
  // The user asked to see a module's activations (double-click or Enter on a Modules row or a
  // summary cell): the Activations view shows it.
  void moduleActivated(const QString& module);
  // The user asked to see where a module's largest |x| sits (double-click or Enter on an "At token"
  // cell, or "Show in Attention"): the Attention view runs that block with the token as the query.
  void locationActivated(const hopscope::ModelAnalysisPtr& model, const QString& module);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void fillModuleSelector();
  void showLayerFigure();
  void showHistogram();
  void fitSummaryTableHeight();
  Figure withStatuses(Figure figure) const;  // " (stale)" / " (pending)" after marked models' series names
  void updateSettingsCaption();

  std::vector<hopscope::ModelAnalysisPtr> models_;
  std::vector<int> slots_;
  std::vector<ResultStatus> statuses_;
  std::vector<HistogramSubject> histogramSubjects_;  // the module selector's entries, in its order
  QString automaticSubject_;  // the selector's entry when the view chose it, not the user
  OutlierSummaryModel* summaryModel_;
  QStackedWidget* pages_;
  QLabel* placeholder_;
  QLabel* settingsCaption_;
  QTableView* summaryTable_;
  QTabWidget* tabs_;
  ModuleTablePanel* modulesPanel_;
  QComboBox* layerFigureSelector_;
  QComboBox* moduleSelector_;
  FigurePlot* layerPlot_;
  FigurePlot* histogramPlot_;
};
