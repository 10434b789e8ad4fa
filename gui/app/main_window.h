#pragma once
// The hopscope main window: the "Models" dock (loaded models and their state), the views
// (Attention with its text box and Run; Outliers, Activations and Quantization with their evaluation settings;
// Training, which trains variants and opens their checkpoints here),
// an error banner, and a status bar with job progress and Cancel. Loading, running, analysis and
// quantization go through ModelJobs; the UI thread only arranges and draws.
#include <QMainWindow>
#include <QStringList>

#include <map>
#include <set>

#include "jobs/model_jobs.h"

class QAction;
class QDockWidget;
class QFrame;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTabWidget;
class ActivationsView;
class AttentionView;
class EvaluationControls;
class LoadedModelsModel;
class OutlierView;
class QuantizationView;
class TrainingView;
class ReportExporter;
struct ReportDialogChoice;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Used when the command line gives no --text: a short sentence every tokenizer handles.
  static QString defaultText();
  // View names accepted by --view.
  static QStringList viewNames();

  // Starts loading MODEL (PATH[@NORMALIZER]); returns the row's model id. Once loaded, the current
  // text is run through it.
  int openModel(const QString& argument);
  void removeModel(int modelId);
  void setInputText(const QString& text);
  // Runs the text box through every loaded model (a newer run supersedes a pending one).
  void runText();
  bool showView(const QString& name);
  // Outlier statistics / quantization study of every loaded model with the settings row's values;
  // results replace earlier ones per model as they arrive.
  void analyzeModels();
  void quantizeModels();
  // Exports the current view's plot; on failure shows the error and returns false.
  bool exportPlot(const QString& path);
  // File ▸ Export report…: writes the report of every loaded model from the results on screen whose
  // settings match the settings row, computing what is missing on a worker (progress and Cancel in
  // the status bar). Returns the running export (deleted when it finishes), or nullptr with an error
  // shown when there is nothing to report or a report is being written.
  ReportExporter* exportReport(const ReportDialogChoice& choice);

  void showError(const QString& message);
  void dismissErrors();
  QString errorText() const;
  bool errorVisible() const;

  LoadedModelsModel* models() const { return models_; }
  ModelJobs* jobs() const { return jobs_; }
  AttentionView* attentionView() const { return attentionView_; }
  OutlierView* outlierView() const { return outlierView_; }
  ActivationsView* activationsView() const { return activationsView_; }
  QuantizationView* quantizationView() const { return quantizationView_; }
  TrainingView* trainingView() const { return trainingView_; }
  EvaluationControls* evaluationControls() const { return evaluationControls_; }
  QTableView* modelsTable() const { return modelsTable_; }
  QPlainTextEdit* textEdit() const { return textEdit_; }
  QPushButton* runButton() const { return runButton_; }

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void buildModelsDock();
  void buildCentralArea();
  void buildStatusBar();
  void buildMenus();
  void openModelDialog();
  void exportPlotDialog();
  void removeSelectedModels();
  void runOn(int modelId);
  void onLoaded(int modelId);
  void onLoadFailed(int modelId, const QString& message, bool cancelled);
  void onRunFailed(int modelId, const QString& message, bool cancelled);
  void onViewChanged();
  // Starts the analysis / quantization of loaded models that have no result and none pending.
  void analyzeMissing();
  void quantizeMissing();
  void analyzeOne(int modelId);
  void quantizeOne(int modelId);
  void refreshOutlierView();
  void refreshQuantizationView();
  void refreshActivationsView();  // both results, the settings on screen, what is pending
  QString currentViewName() const;
  QString displayName(int modelId) const;

  LoadedModelsModel* models_;
  ModelJobs* jobs_;
  QTableView* modelsTable_ = nullptr;
  QFrame* errorBanner_ = nullptr;
  QLabel* errorLabel_ = nullptr;
  QStringList errors_;
  QPlainTextEdit* textEdit_ = nullptr;
  QPushButton* runButton_ = nullptr;
  QTabWidget* views_ = nullptr;
  AttentionView* attentionView_ = nullptr;
  QWidget* textInput_ = nullptr;
  EvaluationControls* evaluationControls_ = nullptr;
  OutlierView* outlierView_ = nullptr;
  ActivationsView* activationsView_ = nullptr;
  QuantizationView* quantizationView_ = nullptr;
  TrainingView* trainingView_ = nullptr;
  std::map<int, ModelJobs::AnalysisPtr> analyses_;    // modelId -> latest result
  std::map<int, ModelJobs::StudyPtr> quantizations_;  // modelId -> latest result
  std::set<int> analysisPending_, quantizationPending_;
  // Models whose evaluation the user cancelled: opening the view again does not restart it (the
  // Analyze / Quantize buttons do).
  std::set<int> analysisCancelled_, quantizationCancelled_;
  QLabel* stageLabel_ = nullptr;
  QProgressBar* progressBar_ = nullptr;
  QPushButton* cancelButton_ = nullptr;
  QAction* removeAction_ = nullptr;
  QDockWidget* modelsDock_ = nullptr;
  bool shownOnce_ = false;
};
