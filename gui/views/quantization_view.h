#pragma once
// The quantization view: for each model, what simulated post-training quantization does. On top
// the FP versus quantized metric per model; below, in tabs, every quantizer of a chosen model (a
// sortable, filterable table), the SQNR of each activation site per model (where outliers hurt),
// and the metric versus bit width when a sweep was run (figures built by quantization_figures.h).
// Input: the engine's quantization study per model (hopscope/quantization_study.h).
#include <QWidget>

#include <vector>

#include "hopscope/quantization_study.h"
#include "plots/figure.h"
#include "views/result_status.h"

class FigurePlot;
class QAbstractItemModel;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QuantizationMetricModel;
class QuantizerFilterModel;
class QuantizerTableModel;

class QuantizationView : public QWidget {
  Q_OBJECT
 public:
  explicit QuantizationView(QWidget* parent = nullptr);

  // One JSON object per model, in display order, and each model's palette slot (its row in the
  // loaded-models table; missing: its index here). Replaces what is shown.
  void setModels(const std::vector<hopscope::QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots = {});
  // One status per model of setModels, in its order: stale and pending models are marked in the
  // metric table and named so in the plots' legends.
  void setStatuses(const std::vector<ResultStatus>& statuses);
  // The visible plot, for File > Export plot: the sweep plot on its tab, else the SQNR plot.
  QCustomPlot* currentPlot() const;

  QAbstractItemModel* metricModel() const;
  QAbstractItemModel* quantizerModel() const;  // the selected model's quantizers, unsorted
  QTableView* metricTable() const { return metricTable_; }
  QTableView* quantizerTable() const { return quantizerTable_; }  // shows the sorted, filtered proxy
  FigurePlot* sqnrPlot() const { return sqnrPlot_; }
  FigurePlot* sweepPlot() const { return sweepPlot_; }
  QComboBox* modelSelector() const { return modelSelector_; }
  QLineEdit* siteFilter() const { return siteFilter_; }
  QComboBox* kindFilter() const { return kindFilter_; }
  QTabWidget* tabs() const { return tabs_; }
  QLabel* placeholder() const { return placeholder_; }
  // Above the table: the settings every row was computed with, or a warning that rows differ
  // (stale or pending ones).
  QLabel* settingsCaption() const { return settingsCaption_; }

 private:
  void showQuantizersOfSelectedModel();
  void updateQuantizerCount();
  void fitMetricTableHeight();
  void showFigures();
  Figure withStatuses(Figure figure) const;
  void updateSettingsCaption();

  std::vector<hopscope::QuantizationStudyPtr> models_;
  std::vector<int> slots_;
  std::vector<ResultStatus> statuses_;
  QStackedWidget* pages_;
  QLabel* placeholder_;
  QLabel* settingsCaption_;
  QuantizationMetricModel* metricModel_;
  QTableView* metricTable_;
  QTabWidget* tabs_;
  QComboBox* modelSelector_;
  bool modelChosen_ = false;  // the user picked the listed model: kept while results arrive
  QLineEdit* siteFilter_;
  QComboBox* kindFilter_;
  QLabel* quantizerCount_;
  QuantizerTableModel* quantizerModel_;
  QuantizerFilterModel* quantizerProxy_;
  QTableView* quantizerTable_;
  FigurePlot* sqnrPlot_;
  FigurePlot* sweepPlot_;
};
