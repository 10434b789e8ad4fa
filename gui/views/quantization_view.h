#pragma once
// The quantization view: for each model, what simulated post-training quantization does. On top
// the FP versus quantized metric per model; below, in tabs, every quantizer of a chosen model (a
// sortable, filterable table), the SQNR of each activation site per model (where outliers hurt),
// and the metric versus bit width when a sweep was run. Input: one element of the `models` array
// of `hopscope-cli quantize --json` per model.
#include <QHash>
#include <QStringList>
#include <QWidget>

#include <vector>

#include <nlohmann/json.hpp>

class QAbstractItemModel;
class QComboBox;
class QCPAbstractPlottable;
class QCPTextElement;
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

  // One JSON object per model, in display order. Replaces what is shown.
  void setModels(const std::vector<nlohmann::json>& models);
  // The visible plot, for File > Export plot: the sweep plot on its tab, else the SQNR plot.
  QCustomPlot* currentPlot() const;

  QAbstractItemModel* metricModel() const;
  QAbstractItemModel* quantizerModel() const;  // the selected model's quantizers, unsorted
  QTableView* metricTable() const { return metricTable_; }
  QTableView* quantizerTable() const { return quantizerTable_; }  // shows the sorted, filtered proxy
  QCustomPlot* sqnrPlot() const { return sqnrPlot_; }
  QCustomPlot* sweepPlot() const { return sweepPlot_; }
  QComboBox* modelSelector() const { return modelSelector_; }
  QLineEdit* siteFilter() const { return siteFilter_; }
  QComboBox* kindFilter() const { return kindFilter_; }
  QTabWidget* tabs() const { return tabs_; }
  QLabel* placeholder() const { return placeholder_; }
  // The hover text of the data point nearest to `position` (widget pixels) on one of the two plots,
  // or empty when no point is within a few pixels.
  QString pointTextAt(QCustomPlot* plot, const QPoint& position) const;

 private:
  void showQuantizersOfSelectedModel();
  void updateQuantizerCount();
  void drawSqnrPlot();
  void drawSweepPlot();
  void fitMetricTableHeight();

  std::vector<nlohmann::json> models_;
  QStackedWidget* pages_;
  QLabel* placeholder_;
  QuantizationMetricModel* metricModel_;
  QTableView* metricTable_;
  QTabWidget* tabs_;
  QComboBox* modelSelector_;
  QLineEdit* siteFilter_;
  QComboBox* kindFilter_;
  QLabel* quantizerCount_;
  QuantizerTableModel* quantizerModel_;
  QuantizerFilterModel* quantizerProxy_;
  QTableView* quantizerTable_;
  QCustomPlot* sqnrPlot_;
  QCPTextElement* sqnrTitle_;
  QCPTextElement* sqnrNote_;
  QCustomPlot* sweepPlot_;
  QCPTextElement* sweepTitle_;
  QCPTextElement* sweepNote_;
  // Hover text per data point (in the order the points were added) of every plottable with points.
  QHash<const QCPAbstractPlottable*, QStringList> pointTexts_;
};
