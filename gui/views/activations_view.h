#pragma once
// The Activations view: the histogram of any module for every variant (overlaid, or side by side
// on shared axes), with the grid of each variant's activation quantizer of that module drawn over
// it (calibrated range, 2^b levels, clipped tails shaded), so one sees how an outlier stretches the
// range. Input: the latest outlier analysis and quantization study per model (the results the
// Outliers and Quantization views show); figures built by activation_figures.h.
#include <QString>
#include <QStringList>
#include <QWidget>

#include <set>
#include <vector>

#include "views/activation_figures.h"
#include "views/result_status.h"

class FigurePlot;
class QCheckBox;
class QComboBox;
class QCustomPlot;
class QGridLayout;
class QLabel;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QToolButton;

class ActivationsView : public QWidget {
  Q_OBJECT
 public:
  explicit ActivationsView(QWidget* parent = nullptr);

  // Each model's latest results and palette slots (its row in the loaded-models table; missing:
  // the index); analyses and studies are paired by slot. Null entries are skipped.
  void setResults(const std::vector<hopscope::ModelAnalysisPtr>& analyses, const std::vector<int>& analysisSlots,
                  const std::vector<hopscope::QuantizationStudyPtr>& studies, const std::vector<int>& studySlots);
  // The main window's statuses (result_status.h), one per palette slot (row of the Models table),
  // of its analysis and of its quantization: stale and pending results are marked as such, and a
  // model being evaluated without a result yet is named as pending. Redraws only when a mark changes.
  void setStatuses(const std::vector<ResultStatus>& analysis, const std::vector<ResultStatus>& quantization);

  // Shows the module of this name (clearing filters that hide it); false when no model has it.
  bool selectModule(const QString& name);
  QString currentModule() const;  // the selector's entry (a module name or a per-layer subject)

  // The plots on screen: one when overlaid, one per variant side by side.
  std::vector<FigurePlot*> visiblePlots() const;
  QCustomPlot* currentPlot() const;  // the first visible plot
  // Every visible plot in one PNG, SVG or PDF file (side by side: as laid out). Throws hopscope::Error.
  void exportPlots(const QString& path) const;
  // A file name stem saying what is shown: "activations_<module>_<model or N-variants>".
  QString suggestedFileStem() const;

  const std::vector<ActivationVariant>& variants() const { return variants_; }
  QComboBox* moduleSelector() const { return moduleSelector_; }
  QComboBox* layerFilter() const { return layerFilter_; }
  QComboBox* roleFilter() const { return roleFilter_; }
  QComboBox* modeSelector() const { return modeSelector_; }
  QComboBox* yScaleSelector() const { return yScaleSelector_; }
  QCheckBox* gridCheck() const { return gridCheck_; }
  QToolButton* worstButton() const { return worstButton_; }
  QPushButton* quantizeButton() const { return quantizeButton_; }
  QPushButton* analyzeButton() const { return analyzeButton_; }
  QLabel* statusLabel() const { return status_; }
  QLabel* placeholder() const { return placeholder_; }
  FigurePlot* overlayPlot() const { return overlay_; }
  const std::vector<FigurePlot*>& sideBySidePlots() const { return sidePlots_; }

 signals:
  void quantizeRequested();
  void analyzeRequested();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void fillFilters();
  void fillModuleSelector();
  void selectWorst();
  void redraw();
  void updateStatus();
  void restate();  // pairs the results into variants with their statuses
  int plotWidth() const;

  std::vector<hopscope::ModelAnalysisPtr> analyses_;
  std::vector<int> analysisSlots_;
  std::vector<hopscope::QuantizationStudyPtr> studies_;
  std::vector<int> studySlots_;
  std::vector<ActivationVariant> variants_;
  std::vector<hopscope::ModelAnalysisPtr> analysed_;  // variants_' analyses, for the subjects
  std::vector<ResultStatus> analysisStatuses_, quantizationStatuses_;  // by palette slot
  std::vector<HistogramSubject> subjects_;  // every subject
  std::vector<int> listed_;                 // the selector's entries: indices into subjects_
  int preferred_ = -1;
  QString automaticSubject_;                // the selector's entry when the view chose it
  int lastWidth_ = 0;

  QStackedWidget* pages_;
  QLabel* placeholder_;
  QComboBox* moduleSelector_;
  QComboBox* layerFilter_;
  QComboBox* roleFilter_;
  QComboBox* modeSelector_;
  QComboBox* yScaleSelector_;
  QCheckBox* gridCheck_;
  QToolButton* worstButton_;
  QLabel* status_;
  QPushButton* quantizeButton_;
  QPushButton* analyzeButton_;
  QStackedWidget* plotPages_;
  FigurePlot* overlay_;
  QScrollArea* sideScroll_;
  QWidget* sideGrid_;
  QGridLayout* sideLayout_;
  std::vector<FigurePlot*> sidePlots_;
};
