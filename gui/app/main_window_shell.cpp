// The application shell of MainWindow: workspaces, recent files, drag and drop, the window layout
// in QSettings, the View menu, export of whatever is visible (plots and tables) with descriptive
// file names, the context menus of every plot and table, and the stale / pending marks of results
// computed with other settings than the settings row's.
#include "app/main_window.h"

#include <optional>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QUrl>

#include <exception>

#include <qcustomplot.h>

#include "app/app_settings.h"
#include "app/attention_selection.h"
#include "app/demo_set.h"
#include "app/evaluation_controls.h"
#include "app/export_target.h"
#include "app/workspace.h"
#include "hopscope/error.h"
#include "plots/figure_plot.h"
#include "plots/plot_actions.h"
#include "plots/plot_export.h"
#include "views/activations_view.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/loaded_models_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"
#include "views/quantization_metric_model.h"
#include "views/quantization_view.h"
#include "views/table_export.h"
#include "views/training_view.h"

namespace {

QString tokensText(int64_t seqLen) {
  return seqLen > 0 ? QString::number(seqLen) : QObject::tr("auto");
}

// Requests as forImages(images) left them: an image model's names its images, a text model's its text.
QString describe(const AnalysisRequest& request, bool images) {
  if (images)
    return QObject::tr("%1 images of %2").arg(request.samples).arg(QFileInfo(request.imagePath).fileName());
  return QObject::tr("%1 blocks × %2 tokens of %3")
      .arg(request.samples)
      .arg(tokensText(request.seqLen), QFileInfo(request.dataPath).fileName());
}

QString describe(const QuantizationRequest& request, bool images) {
  const QString what = images ? QObject::tr("%1 images of %2").arg(request.samples).arg(QFileInfo(request.imagePath).fileName())
                              : QObject::tr("%1 blocks × %2 tokens of %3")
                                    .arg(request.samples)
                                    .arg(tokensText(request.seqLen), QFileInfo(request.dataPath).fileName());
  QStringList options{request.estimator};
  if (request.sweepActivationBits) options << QObject::tr("A-bit sweep");
  if (request.unsignedGridWhenNonNegative) options << QObject::tr("unsigned grid for w ≥ 0");
  if (request.referenceCompat) options << QObject::tr("ViT reference-compat");
  return QObject::tr("W%1A%2 (%3), %4")
      .arg(request.weightBits)
      .arg(request.activationBits)
      .arg(options.join(QStringLiteral(", ")), what);
}

// Pending: a newer request runs; Stale: the shown result's request differs from the settings row
// in a field the model reads (forImages: an image model ignores the text, a text model the images).
template <typename Request>
ResultStatus statusOf(bool hasResult, bool pending, const std::map<int, Request>& shown,
                      const std::map<int, Request>& submitted, int modelId, const Request& settingsRow,
                      bool images, const QString& recompute) {
  const auto used = shown.find(modelId);
  if (!hasResult) {  // nothing shown yet: only the Activations view lists such a model (as being computed)
    if (!pending) return {};
    const auto next = submitted.find(modelId);
    return {ResultStatus::State::Pending,
            QObject::tr("Being computed%1.")
                .arg(next != submitted.end() ? QObject::tr(" with ") + describe(next->second, images) : QString())};
  }
  const Request current = settingsRow.forImages(images);
  if (pending) {
    const auto next = submitted.find(modelId);
    return {ResultStatus::State::Pending,
            QObject::tr("Being recomputed%1; the figures shown are from the previous run%2.")
                .arg(next != submitted.end() ? QObject::tr(" with ") + describe(next->second, images) : QString(),
                     used != shown.end() ? QObject::tr(" (%1)").arg(describe(used->second, images)) : QString())};
  }
  if (used == shown.end() || used->second == current) return {};
  return {ResultStatus::State::Stale, QObject::tr("Computed with %1, but the settings row now says %2: %3.")
                                          .arg(describe(used->second, images), describe(current, images), recompute)};
}

QStringList columnTexts(const QAbstractItemModel* model, int column) {
  QStringList texts;
  for (int row = 0; model && row < model->rowCount(); ++row) texts << model->index(row, column).data().toString();
  return texts;
}

}  // namespace

void MainWindow::buildShell() {
  setAcceptDrops(true);
  // The settings row shows the image source while an image model is loaded, the text while a text model is.
  auto updateKinds = [this] {
    bool text = false, images = false;
    for (const LoadedModelsModel::Entry& entry : models_->entries()) {
      if (!entry.model) continue;
      (entry.isImageModel() ? images : text) = true;
    }
    evaluationControls_->setModelKinds(text, images);
    showInputsFor(text, images);
  };
  connect(models_, &QAbstractItemModel::rowsInserted, this, updateKinds);
  connect(models_, &QAbstractItemModel::rowsRemoved, this, updateKinds);
  connect(models_, &QAbstractItemModel::modelReset, this, updateKinds);
  connect(models_, &QAbstractItemModel::dataChanged, this, updateKinds);
  modelsDock_->installEventFilter(this);  // its close button: the user does not want it
  connect(evaluationControls_, &EvaluationControls::settingsChanged, this, &MainWindow::refreshResultStatuses);
  connect(jobs_, &ModelJobs::analyzeFailed, this, [this] { refreshResultStatuses(); });
  connect(jobs_, &ModelJobs::quantizeFailed, this, [this] { refreshResultStatuses(); });
  connect(jobs_, &ModelJobs::idle, this, &MainWindow::applyPendingAttentionSelection);
  connect(jobs_, &ModelJobs::loaded, this, [this](int id) {
    if (const LoadedModelsModel::Entry* entry = models_->entryById(id)) rememberRecent(entry->argument);
  });
  installExportActions();
  layoutRestored_ = restoreLayout();
}

void MainWindow::buildShellMenus(QMenu* file) {
  recentMenu_ = file->addMenu(tr("Open &recent"));
  rebuildRecentMenu();
  // One entry per family of the bundled demo set (its five variants side by side), and all of them.
  QMenu* demo = file->addMenu(tr("Open &demo set"));
  demo->setToolTipsVisible(true);
  for (const QString& family : findDemoSet().families) {
    QAction* action = demo->addAction(tr("%1 variants").arg(family.toUpper()), this, [this, family] { openDemoSet(family); });
    action->setToolTip(tr("The bundled %1 demo models (resources/demo/%2-*), as hopscope --demo-family %2").arg(family.toUpper(), family));
  }
  if (!demo->isEmpty()) demo->addSeparator();
  QAction* allDemo = demo->addAction(tr("&All"), this, [this] { openDemoSet(); });
  allDemo->setToolTip(tr("Every bundled demo model (resources/demo), as hopscope --demo"));
  file->addSeparator();
  QAction* openWorkspace = file->addAction(tr("Open &workspace…"), this, &MainWindow::openWorkspaceDialog);
  openWorkspace->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
  QAction* saveWorkspace = file->addAction(tr("&Save workspace…"), this, &MainWindow::saveWorkspaceDialog);
  saveWorkspace->setShortcut(QKeySequence::Save);
  file->addSeparator();
  QAction* exportAction = file->addAction(tr("&Export…"), this, &MainWindow::exportVisibleDialog);
  exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  exportAction->setToolTip(tr("Export what is visible: a plot as PNG, SVG or PDF, a table as CSV"));
  QAction* copy = file->addAction(tr("&Copy plot or table"), this, [this] {
    const ExportTarget target = exportTarget();
    if (target.table) QApplication::clipboard()->setText(tableTsv(*target.table));
    else if (target.plot) copyPlotImage(*target.plot);
  });
  copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  modelsDockAction_ = view->addAction(tr("&Models panel"), this, [this](bool checked) { setModelsDockWanted(checked); });
  modelsDockAction_->setCheckable(true);
  modelsDockAction_->setChecked(true);
  modelsDockAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
  QAction* resetZoom = view->addAction(tr("&Reset plot zoom"), this, [this] {
    if (auto* plot = qobject_cast<FigurePlot*>(exportTarget().plot)) plot->resetZoom();
  });
  resetZoom->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  view->addAction(tr("Reset &layout"), this, [this] {
    appSettings().remove(QStringLiteral("window"));
    setModelsDockWanted(true);
    modelsDock_->setFloating(false);
    addDockWidget(Qt::LeftDockWidgetArea, modelsDock_);
    resizeDocks({modelsDock_}, {340}, Qt::Horizontal);
  });
}

void MainWindow::installExportActions() {
  const auto onError = [this](const QString& message) { showError(message); };
  for (QCustomPlot* plot : views_->findChildren<QCustomPlot*>()) {
    if (plot->contextMenuPolicy() == Qt::CustomContextMenu) continue;  // the view has its own menu
    auto* figurePlot = qobject_cast<FigurePlot*>(plot);
    installPlotActions(plot, [this, plot] { return exportFileStem(plot); },
                       figurePlot ? std::function<void()>([figurePlot] { figurePlot->resetZoom(); })
                                  : std::function<void()>(),
                       onError);
  }
  QList<QTableView*> tables = views_->findChildren<QTableView*>();
  tables << modelsTable_;
  for (QTableView* table : tables) {
    if (table->contextMenuPolicy() == Qt::CustomContextMenu) continue;
    installTableActions(table, [this, table] { return exportFileStem(table); }, onError);
  }
}

ExportTarget MainWindow::exportTarget() const {
  return visibleExportTarget(views_->currentWidget(), QApplication::focusWidget());
}

QString MainWindow::modelNamesForExport(const QStringList& names) const {
  if (names.isEmpty()) return {};
  if (names.size() <= 2) return names.join(QLatin1Char('+'));
  return tr("%1-models").arg(names.size());
}

QString MainWindow::exportFileStem(QWidget* target) const {
  QStringList parts;
  const QString view = currentViewName();
  if (target == modelsTable_) {
    parts << QStringLiteral("models");
  } else if (target == outlierView_->layerPlot()) {
    parts << modelNamesForExport(columnTexts(outlierView_->summaryModel(), 0)) << view
          << outlierView_->layerFigureSelector()->currentText();
  } else if (target == outlierView_->histogramPlot()) {
    parts << modelNamesForExport(columnTexts(outlierView_->summaryModel(), 0)) << view << tr("histogram")
          << outlierView_->moduleSelector()->currentText();
  } else if (target == outlierView_->summaryTable()) {
    parts << modelNamesForExport(columnTexts(outlierView_->summaryModel(), 0)) << view << tr("summary");
  } else if (target == outlierView_->modulesPanel()->table()) {
    parts << outlierView_->modulesPanel()->modelSelector()->currentText() << view << tr("modules");
  } else if (target == quantizationView_->metricTable()) {
    parts << modelNamesForExport(columnTexts(quantizationView_->metricModel(), QuantizationMetricModel::Model))
          << view << tr("metrics");
  } else if (target == quantizationView_->quantizerTable()) {
    parts << quantizationView_->modelSelector()->currentText() << view << tr("quantizers");
  } else if (target == quantizationView_->sqnrPlot() || target == quantizationView_->sweepPlot()) {
    parts << modelNamesForExport(columnTexts(quantizationView_->metricModel(), QuantizationMetricModel::Model))
          << view << (target == quantizationView_->sqnrPlot() ? tr("sqnr-per-site") : tr("bit-width-sweep"));
  } else if (attentionView_->isAncestorOf(target) && qobject_cast<QCustomPlot*>(target)) {
    const AttentionSelection selection = attentionSelection(*attentionView_);
    parts << displayName(attentionView_->currentModelId()) << view << tr("layer%1").arg(selection.layer)
          << (selection.head < 0 ? tr("mean-over-heads") : tr("head%1").arg(selection.head));
  } else if (activationsView_->isAncestorOf(target) && qobject_cast<QCustomPlot*>(target)) {
    return activationsView_->suggestedFileStem();
  } else if (auto* figure = qobject_cast<FigurePlot*>(target)) {
    parts << view << figure->figure().title;
  } else {
    parts << view << (qobject_cast<QTableView*>(target) ? tr("table") : tr("plot"));
  }
  const QString stem = fileNameStem(parts);
  return stem.isEmpty() ? QStringLiteral("hopscope") : stem;
}

namespace {

// Throws hopscope::Error naming the file and the problem.
void exportTo(const ExportTarget& target, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (!target.valid()) throw hopscope::Error("this view shows no plot or table to export");
  if (target.table) {
    if (suffix != QLatin1String("csv"))
      throw hopscope::Error(QStringLiteral("cannot export the table to %1: tables are exported as .csv").arg(path).toStdString());
    exportTableCsv(*target.table, path);
  } else {
    if (suffix == QLatin1String("csv"))
      throw hopscope::Error(
          QStringLiteral("cannot export the plot to %1: plots are exported as .png, .svg or .pdf").arg(path).toStdString());
    exportPlot(*target.plot, path);
  }
}

}  // namespace

void MainWindow::exportTargetTo(const ExportTarget& target, const QString& path) {
  // The Activations view may show one plot per variant: its export writes them all in one file.
  if (target.plot && activationsView_->isAncestorOf(target.plot) &&
      QFileInfo(path).suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) != 0)
    activationsView_->exportPlots(path);
  else
    exportTo(target, path);
}

bool MainWindow::exportVisible(const QString& path) {
  try {
    exportTargetTo(exportTarget(), path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
  } catch (const std::exception& error) {
    showError(QString::fromStdString(error.what()));
    return false;
  }
}

void MainWindow::exportVisibleDialog() {
  const ExportTarget target = exportTarget();
  if (!target.valid()) {
    showError(tr("This view shows no plot or table to export."));
    return;
  }
  const QString stem = exportFileStem(target.plot ? static_cast<QWidget*>(target.plot) : target.table);
  QString path;
  if (target.plot) {
    path = askPlotExportPath(this, stem);
  } else {
    path = QFileDialog::getSaveFileName(this, tr("Export table"), stem + QStringLiteral(".csv"),
                                        tr("CSV table (*.csv)"));
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".csv");
  }
  if (path.isEmpty()) return;
  try {
    exportTargetTo(target, path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  } catch (const std::exception& error) {
    showError(QString::fromStdString(error.what()));
  }
}

// --- Opening things ---

void MainWindow::openPath(const QString& path) {
  const QFileInfo info(path);
  if (info.isFile() && info.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0) {
    openWorkspace(path);
    return;
  }
  // An image (PNG, JPEG, idx) is the input of image models.
  const QString suffix = info.suffix().toLower();
  if (info.isFile() && (suffix == QLatin1String("png") || suffix == QLatin1String("jpg") ||
                        suffix == QLatin1String("jpeg") || isIdxImageFile(path))) {
    openImage(path);
    return;
  }
  // A config.json dropped on its own means its folder.
  openModel(info.isFile() && info.fileName() == QLatin1String("config.json") ? info.absolutePath() : path);
}

void MainWindow::rememberRecent(const QString& entry) {
  if (entry.isEmpty()) return;
  const WorkspaceModel model = WorkspaceModel::fromArgument(entry);
  const QString absolute = QFileInfo(model.path).absoluteFilePath();
  RecentFiles::add(WorkspaceModel{absolute, model.normalizer}.argument());
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  const QStringList entries = RecentFiles::entries();
  for (const QString& entry : entries) {
    QAction* action = recentMenu_->addAction(entry, this, [this, entry] { openPath(entry); });
    action->setToolTip(entry.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ? tr("Open this workspace")
                                                                                      : tr("Open this model"));
  }
  if (entries.isEmpty()) recentMenu_->addAction(tr("(none yet)"))->setEnabled(false);
  recentMenu_->addSeparator();
  recentMenu_->addAction(tr("&Clear list"), this, [this] {
    RecentFiles::clear();
    rebuildRecentMenu();
  });
}

bool MainWindow::openDemoSet(const QString& family) {
  const DemoSet demo = findDemoSet(family);
  if (demo.models.isEmpty()) {
    showError(demo.error);
    return false;
  }
  for (const QString& model : demo.models) openModel(model);
  // Evaluate on the held-out text the README's demo tables use, so the numbers on screen are those.
  const DemoEvaluation evaluation = demoEvaluation(demo, evaluationControls_->quantizationRequest());
  if (evaluation.applies) evaluationControls_->setRequest(evaluation.request, evaluation.note);
  return true;
}

// Runs all of one family go on that family's variant rows: the family box follows them (a folder
// of OPT runs would otherwise list them beside five untrained BERT presets).
bool MainWindow::openTrainingFolder(const QString& folder) {
  const QFileInfo info(folder);
  if (!info.isDir()) {
    showError(tr("%1 is not a folder: a training folder holds one subfolder per run (training_log.jsonl, "
                 "config.json), e.g. resources/demo").arg(folder));
    return false;
  }
  const QDir dir(info.absoluteFilePath());
  QStringList families;
  std::optional<hopscope::TrainingSettings> first;
  for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const TrainingRunOnDisk run = readTrainingRun(dir.filePath(name));
    const QString family = QString::fromStdString(run.settings.family);
    if (run.settingsRead && !families.contains(family)) families << family;
    if (run.settingsRead && !first) first = run.settings;
  }
  QComboBox* familyBox = trainingView_->familyBox();
  if (families.size() == 1 && familyBox->findText(families.front()) >= 0) familyBox->setCurrentText(families.front());
  // The panel shows the runs' own settings (sizes, data, schedule), so Start trains a comparable variant.
  if (families.size() == 1 && first) trainingView_->adoptSettings(*first);
  trainingView_->setOutputFolder(dir.absolutePath());
  showView(QStringLiteral("training"));
  return true;
}

// --- Workspaces ---

Workspace MainWindow::currentWorkspace() const {
  Workspace workspace;
  for (const LoadedModelsModel::Entry& entry : models_->entries()) {
    WorkspaceModel model = WorkspaceModel::fromArgument(entry.argument);
    model.path = QFileInfo(model.path).absoluteFilePath();
    workspace.models.push_back(model);
  }
  workspace.text = textEdit_->toPlainText();
  workspace.evaluation = evaluationControls_->quantizationRequest();
  workspace.view = currentViewName();
  const AttentionSelection selection = attentionSelection(*attentionView_);
  workspace.layer = selection.layer;
  workspace.head = selection.head;
  workspace.colours = selection.colours;
  return workspace;
}

bool MainWindow::saveWorkspace(const QString& path) {
  try {
    writeWorkspace(currentWorkspace(), path);
  } catch (const std::exception& error) {
    showError(QString::fromStdString(error.what()));
    return false;
  }
  rememberRecent(QFileInfo(path).absoluteFilePath());
  setWindowTitle(tr("hopscope — %1").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(tr("Saved the workspace %1").arg(path), 5000);
  return true;
}

bool MainWindow::openWorkspace(const QString& path) {
  Workspace workspace;
  try {
    workspace = readWorkspace(path);
  } catch (const std::exception& error) {
    showError(QString::fromStdString(error.what()));
    return false;
  }
  std::vector<int> ids;
  for (const LoadedModelsModel::Entry& entry : models_->entries()) ids.push_back(entry.id);
  for (int id : ids) removeModel(id);
  setInputText(workspace.text);
  evaluationControls_->setRequest(workspace.evaluation);
  if (!workspace.view.isEmpty() && !showView(workspace.view))
    showError(tr("workspace %1: unknown view '%2' (available: %3)")
                  .arg(path, workspace.view, viewNames().join(QStringLiteral(", "))));
  hasPendingAttention_ = true;
  pendingQuery_ = -1;
  pendingLayer_ = workspace.layer;
  pendingHead_ = workspace.head;
  applyAttentionColours(*attentionView_, workspace.colours);  // needs no run
  for (const WorkspaceModel& model : workspace.models) openModel(model.argument());
  if (jobs_->isIdle()) applyPendingAttentionSelection();
  rememberRecent(QFileInfo(path).absoluteFilePath());
  setWindowTitle(tr("hopscope — %1").arg(QFileInfo(path).fileName()));
  return true;
}

void MainWindow::applyPendingAttentionSelection() {
  if (!hasPendingAttention_) return;
  hasPendingAttention_ = false;
  applyAttentionSelection(*attentionView_, {pendingLayer_, pendingHead_, QString()});  // the colours stay
  // A jump from an outlier location: its token is the query of every text pane.
  if (pendingQuery_ >= 0) attentionView_->grid()->setSelectedCell(pendingQuery_, -1);
  pendingQuery_ = -1;
}

void MainWindow::saveWorkspaceDialog() {
  QString path = QFileDialog::getSaveFileName(this, tr("Save workspace"), QStringLiteral("workspace.json"),
                                              tr("hopscope workspace (*.json)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
  saveWorkspace(path);
}

void MainWindow::openWorkspaceDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open workspace"), QString(),
                                                    tr("hopscope workspace (*.json);;All files (*)"));
  if (!path.isEmpty()) openWorkspace(path);
}

// --- Drag and drop ---

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime && mime->hasUrls())
    for (const QUrl& url : mime->urls())
      if (url.isLocalFile()) {
        event->acceptProposedAction();
        return;
      }
  QMainWindow::dragEnterEvent(event);
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (!mime || !mime->hasUrls()) return QMainWindow::dropEvent(event);
  bool any = false;
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) {
      openPath(url.toLocalFile());
      any = true;
    }
  if (any) event->acceptProposedAction();
}

// --- Layout ---

void MainWindow::setModelsDockWanted(bool wanted) {
  modelsDockWanted_ = wanted;
  if (modelsDockAction_) modelsDockAction_->setChecked(wanted);
  modelsDock_->setVisible(wanted && currentViewName() != QStringLiteral("training"));
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == modelsDock_ && event->type() == QEvent::Close) {
    modelsDockWanted_ = false;
    if (modelsDockAction_) modelsDockAction_->setChecked(false);
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveLayout();
  QMainWindow::closeEvent(event);
}

void MainWindow::saveLayout() const {
  QSettings settings = appSettings();
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  settings.setValue(QStringLiteral("window/modelsDock"), modelsDockWanted_);
}

bool MainWindow::restoreLayout() {
  const QSettings settings = appSettings();
  const QByteArray geometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
  const QByteArray state = settings.value(QStringLiteral("window/state")).toByteArray();
  if (!geometry.isEmpty()) restoreGeometry(geometry);
  const bool restored = !state.isEmpty() && restoreState(state);
  setModelsDockWanted(settings.value(QStringLiteral("window/modelsDock"), true).toBool());
  return restored;
}

// --- Stale and pending results ---

bool MainWindow::isImageModel(int modelId) const {
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  return entry && entry->isImageModel();
}

ResultStatus MainWindow::analysisStatus(int modelId) const {
  return statusOf(analyses_.count(modelId) > 0, analysisPending_.count(modelId) > 0, analysisShown_,
                  analysisSubmitted_, modelId, evaluationControls_->analysisRequest(), isImageModel(modelId),
                  tr("press Analyze (Ctrl+Shift+A) to recompute"));
}

ResultStatus MainWindow::quantizationStatus(int modelId) const {
  return statusOf(quantizations_.count(modelId) > 0, quantizationPending_.count(modelId) > 0, quantizationShown_,
                  quantizationSubmitted_, modelId, evaluationControls_->quantizationRequest(), isImageModel(modelId),
                  tr("press Quantize (Ctrl+Shift+Q) to recompute"));
}

void MainWindow::refreshResultStatuses() {
  // The Outliers and Quantization views: one status per result, in table order; the Activations
  // view: one per Models row (its palette slot), results or not.
  std::vector<ResultStatus> analysis, quantization, analysisByRow, quantizationByRow;
  for (const LoadedModelsModel::Entry& entry : models_->entries()) {
    analysisByRow.push_back(analysisStatus(entry.id));
    quantizationByRow.push_back(quantizationStatus(entry.id));
    if (analyses_.count(entry.id)) analysis.push_back(analysisByRow.back());
    if (quantizations_.count(entry.id)) quantization.push_back(quantizationByRow.back());
  }
  outlierView_->setStatuses(analysis);
  quantizationView_->setStatuses(quantization);
  if (activationsView_) activationsView_->setStatuses(analysisByRow, quantizationByRow);
}
