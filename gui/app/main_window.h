#pragma once
// The hopscope main window: the "Models" dock (loaded models and their state), the views
// (Attention with its text box and Run; Outliers, Activations and Quantization with their evaluation settings;
// Training, which trains variants and opens their checkpoints here),
// an error banner, and a status bar with job progress and Cancel. Loading, running, analysis and
// quantization go through ModelJobs; the UI thread only arranges and draws.
#include <QMainWindow>
#include <QStringList>

#include <map>
#include <optional>
#include <set>

#include "jobs/image_input.h"
#include "jobs/model_jobs.h"
#include "views/result_status.h"

class QAction;
class QCustomPlot;
class QDockWidget;
class QMenu;
class QFrame;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
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
struct ExportTarget;
struct Workspace;

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
  // Runs the text box through every loaded text model and the image through every image model
  // (a newer run supersedes a pending one).
  void runText();
  // The image that image models run: a PNG or JPEG, or image `index` of an idx file. Runs it through
  // every loaded image model; on a bad file shows the error, keeps the previous image and returns false.
  bool openImage(const QString& path, int index = 0);
  bool hasImage() const { return image_.has_value(); }
  const std::optional<ImageInput>& image() const { return image_; }
  QString imagePath() const { return imagePath_; }
  bool showView(const QString& name);
  // Where `module` of this model's analysis holds its largest |x|, in the Attention view: the
  // evaluation block holding it becomes the input text and runs through every model, the module's
  // layer is shown and that token is the query in every pane (applied once the runs are in). False
  // with an error shown when there is no such location (no analysis). Image models: the evaluated
  // image opens (an idx file's image by number) with the patch as the image panes' query.
  bool showInAttention(int modelId, const QString& module);
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

  // --- The application shell (main_window_shell.cpp) ---
  // What Ctrl+E exports (export_target.h) and the file name it proposes, without suffix: the
  // model(s), the view, the figure or table, layer and head ("bert-tiny_softmax1-attention-layer1-head2").
  ExportTarget exportTarget() const;
  QString exportFileStem(QWidget* target) const;
  // Exports the target: a plot as .png/.svg/.pdf, a table as .csv; errors go to the banner.
  bool exportVisible(const QString& path);
  // A checkpoint folder or file opens as a model, a workspace .json as a workspace, a PNG, JPEG or
  // idx file as the image that image models run.
  void openPath(const QString& path);
  // The session as a workspace (workspace.h) and back; errors go to the banner and return false.
  Workspace currentWorkspace() const;
  bool saveWorkspace(const QString& path);
  bool openWorkspace(const QString& path);
  // Opens the bundled demo set (demo_set.h); false with an error in the banner when there is none.
  // Opens the bundled demo models (all, or those of one family); false with errorText() when none.
  bool openDemoSet(const QString& family = {});
  // The Training view on a folder of runs (its output folder, one subfolder per run; e.g.
  // resources/demo), with the family of its runs when they share one; false with an error in the
  // banner when it is not a folder.
  bool openTrainingFolder(const QString& folder);
  // Whether each shown result was computed with the settings row's values (result_status.h).
  ResultStatus analysisStatus(int modelId) const;
  ResultStatus quantizationStatus(int modelId) const;
  // Whether the model in this slot is an image model (evaluated on the settings row's images).
  bool isImageModel(int modelId) const;
  QDockWidget* modelsDock() const { return modelsDock_; }
  QAction* modelsDockAction() const { return modelsDockAction_; }
  QMenu* recentMenu() const { return recentMenu_; }
  // Window geometry, dock layout and the Models dock's visibility, to and from QSettings.
  void saveLayout() const;
  bool restoreLayout();

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
  QPushButton* openImageButton() const { return openImageButton_; }
  QLabel* imageThumbnail() const { return imageThumbnail_; }
  QLabel* imageCaption() const { return imageCaption_; }
  // Shown instead of the text box while only image models are loaded.
  QLabel* imageOnlyNote() const { return imageOnlyNote_; }
  QWidget* imageInput() const { return imageInput_; }  // thumbnail, Open image…, caption
  QSpinBox* imageIndexBox() const { return imageIndexBox_; }

 protected:
  void showEvent(QShowEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildModelsDock();
  void buildCentralArea();
  void buildStatusBar();
  void buildMenus();
  void openModelDialog();
  void openImageDialog();
  void showImageInput();
  // Which inputs show for the loaded models' kinds: the text box (else a note, with only image
  // models) and the image part (not with only text models).
  void showInputsFor(bool text, bool images);
  // showInAttention for an image model: its evaluated image, the patch as the image panes' query.
  bool showImageLocationInAttention(int modelId, const hopscope::ModelAnalysis& analysis,
                                    const hopscope::ModuleAnalysis& module);
  // The Attention view on this model's pane, at `layer` with the text query token `query` (-1:
  // none), both applied once the runs are in.
  void showAttentionAt(int modelId, int64_t layer, int query);
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
  // The shell (main_window_shell.cpp).
  void buildShell();  // actions, menus, context menus, drops, layout; called last by the constructor
  void buildShellMenus(QMenu* file);
  void installExportActions();
  void exportVisibleDialog();
  void exportTargetTo(const ExportTarget& target, const QString& path);
  void saveWorkspaceDialog();
  void openWorkspaceDialog();
  void rebuildRecentMenu();
  void rememberRecent(const QString& entry);
  void refreshResultStatuses();
  void applyPendingAttentionSelection();
  void setModelsDockWanted(bool wanted);
  QString modelNamesForExport(const QStringList& names) const;

  LoadedModelsModel* models_;
  ModelJobs* jobs_;
  QTableView* modelsTable_ = nullptr;
  QFrame* errorBanner_ = nullptr;
  QLabel* errorLabel_ = nullptr;
  QStringList errors_;
  QPlainTextEdit* textEdit_ = nullptr;
  QPushButton* runButton_ = nullptr;
  QPushButton* openImageButton_ = nullptr;
  QLabel* imageThumbnail_ = nullptr;
  QLabel* imageCaption_ = nullptr;
  QLabel* imageOnlyNote_ = nullptr;
  QWidget* imageInput_ = nullptr;
  bool textModels_ = false, imageModels_ = false;  // loaded (showInputsFor)
  QSpinBox* imageIndexBox_ = nullptr;
  std::optional<ImageInput> image_;
  QString imagePath_;
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
  // The shell's state.
  std::map<int, AnalysisRequest> analysisSubmitted_, analysisShown_;          // modelId -> request
  std::map<int, QuantizationRequest> quantizationSubmitted_, quantizationShown_;
  QAction* modelsDockAction_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  bool modelsDockWanted_ = true;
  bool layoutRestored_ = false;
  bool hasPendingAttention_ = false;
  int pendingLayer_ = 0, pendingHead_ = 0;
  int pendingQuery_ = -1;  // the query token to select with them (-1: keep the selection)
};
