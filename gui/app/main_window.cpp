#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalBlocker>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>
#include <set>
#include <vector>

#include "app/attention_selection.h"
#include "app/evaluation_controls.h"
#include "app/export_target.h"
#include "views/loaded_models_model.h"
#include "hopscope/error.h"
#include "hopscope/normalizer_spec.h"
#include "jobs/model_jobs.h"
#include "plots/heatmap_plot.h"
#include "plots/plot_export.h"
#include "report/report_exporter.h"
#include "views/activations_view.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/patch_attention.h"
#include "views/outlier_view.h"
#include "views/quantization_view.h"
#include "views/training_view.h"

namespace {

constexpr int kTopPredictions = 5;
constexpr int kMaxBannerLines = 5;

// File ▸ Open model…: a checkpoint directory plus a normalizer. Returns the MODEL argument
// (PATH or PATH@NORMALIZER), or an empty string when cancelled.
QString askModelArgument(QWidget* parent) {
  QDialog dialog(parent);
  dialog.setWindowTitle(QObject::tr("Open model"));
  auto* path = new QLineEdit;
  path->setPlaceholderText(QObject::tr("checkpoint directory (config.json + weights)"));
  path->setMinimumWidth(420);
  auto* browse = new QPushButton(QObject::tr("Folder…"));
  browse->setToolTip(QObject::tr("Choose a checkpoint folder (config.json + weights + tokenizer files)"));
  QObject::connect(browse, &QPushButton::clicked, &dialog, [&dialog, path] {
    const QString chosen = QFileDialog::getExistingDirectory(&dialog, QObject::tr("Checkpoint directory"), path->text());
    if (!chosen.isEmpty()) path->setText(chosen);
  });
  auto* browseFile = new QPushButton(QObject::tr("File…"));
  browseFile->setToolTip(QObject::tr("Choose a weights file with a config.json beside it"));
  QObject::connect(browseFile, &QPushButton::clicked, &dialog, [&dialog, path] {
    const QString chosen = QFileDialog::getOpenFileName(&dialog, QObject::tr("Checkpoint weights"), path->text(),
                                                        QObject::tr("Weights (*.safetensors *.bin);;All files (*)"));
    if (!chosen.isEmpty()) path->setText(chosen);
  });
  auto* normalizer = new QComboBox;
  normalizer->setEditable(true);
  normalizer->addItem(QObject::tr("as stored in config.json"), QString());
  for (const std::string& preset : hopscope::normalizerPresets())
    normalizer->addItem(QString::fromStdString(preset), QString::fromStdString(preset));
  normalizer->setToolTip(QObject::tr("softmax, softmax1, softmax1-legacy, clipped:GAMMA:ZETA or "
                                     "clipped-softmax1:GAMMA:ZETA; editable"));

  auto* pathRow = new QHBoxLayout;
  pathRow->addWidget(path, 1);
  pathRow->addWidget(browse);
  pathRow->addWidget(browseFile);
  auto* form = new QFormLayout;
  form->addRow(QObject::tr("Checkpoint:"), pathRow);
  form->addRow(QObject::tr("Normalizer:"), normalizer);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addLayout(form);
  layout->addWidget(buttons);

  if (dialog.exec() != QDialog::Accepted || path->text().trimmed().isEmpty()) return {};
  // An edited entry has no item data: take the typed text; the preset's label otherwise.
  QString spec = normalizer->currentText().trimmed();
  const int index = normalizer->findText(spec);
  if (index >= 0) spec = normalizer->itemData(index).toString();
  return spec.isEmpty() ? path->text().trimmed() : path->text().trimmed() + QLatin1Char('@') + spec;
}

}  // namespace

QString MainWindow::defaultText() {
  return QStringLiteral("The whale surfaced near the ship, and the men cheered.");
}

// In tab order.
QStringList MainWindow::viewNames() {
  return {QStringLiteral("attention"), QStringLiteral("outliers"), QStringLiteral("activations"),
          QStringLiteral("quantization"), QStringLiteral("training")};
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), models_(new LoadedModelsModel(this)), jobs_(new ModelJobs(this)) {
  setWindowTitle(QStringLiteral("hopscope"));
  resize(1400, 900);
  buildModelsDock();
  buildCentralArea();
  buildStatusBar();
  buildMenus();

  connect(jobs_, &ModelJobs::loaded, this, [this](int id, ModelJobs::ModelPtr model) {
    models_->setLoaded(id, std::move(model));
    onLoaded(id);
  });
  connect(jobs_, &ModelJobs::loadFailed, this, &MainWindow::onLoadFailed);
  connect(jobs_, &ModelJobs::ran, this,
          [this](int id, const hopscope::TextRunResult& result) { models_->setRunResult(id, result); });
  connect(jobs_, &ModelJobs::ranImage, this,
          [this](int id, const hopscope::ImageRunResult& result) { models_->setImageRunResult(id, result); });
  connect(jobs_, &ModelJobs::runFailed, this, &MainWindow::onRunFailed);
  connect(jobs_, &ModelJobs::analyzed, this, [this](int id, ModelJobs::AnalysisPtr result) {
    analysisPending_.erase(id);
    if (auto it = analysisSubmitted_.find(id); it != analysisSubmitted_.end()) analysisShown_[id] = it->second;
    else analysisShown_.erase(id);
    analyses_[id] = std::move(result);
    refreshOutlierView();
  });
  connect(jobs_, &ModelJobs::analyzeFailed, this, [this](int id, const QString& message, bool cancelled) {
    analysisPending_.erase(id);
    if (cancelled) analysisCancelled_.insert(id);
    else showError(tr("%1: analysis failed: %2").arg(displayName(id), message));
    refreshActivationsView();
  });
  connect(jobs_, &ModelJobs::quantized, this, [this](int id, ModelJobs::StudyPtr result) {
    quantizationPending_.erase(id);
    if (auto it = quantizationSubmitted_.find(id); it != quantizationSubmitted_.end()) quantizationShown_[id] = it->second;
    else quantizationShown_.erase(id);
    quantizations_[id] = std::move(result);
    refreshQuantizationView();
  });
  connect(jobs_, &ModelJobs::quantizeFailed, this, [this](int id, const QString& message, bool cancelled) {
    quantizationPending_.erase(id);
    if (cancelled) quantizationCancelled_.insert(id);
    else showError(tr("%1: quantization failed: %2").arg(displayName(id), message));
    refreshActivationsView();
  });
  buildShell();
}

// The tab widget reports tab changes while its pages are destroyed; by then the handlers' widgets are gone.
MainWindow::~MainWindow() { disconnect(views_, nullptr, this, nullptr); }

void MainWindow::buildModelsDock() {
  modelsTable_ = new QTableView;
  modelsTable_->setModel(models_);
  modelsTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  modelsTable_->setAlternatingRowColors(true);
  modelsTable_->setWordWrap(false);
  modelsTable_->verticalHeader()->hide();
  modelsTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // Status takes the rest and elides long errors (the row tooltip and the banner hold them whole).
  modelsTable_->horizontalHeader()->setSectionResizeMode(LoadedModelsModel::Status, QHeaderView::Stretch);
  modelsTable_->setTextElideMode(Qt::ElideRight);
  modelsTable_->setToolTip(tr("Loaded models; hover a row for its full description"));

  auto* openButton = new QPushButton(tr("Open…"));
  openButton->setToolTip(tr("Open a checkpoint directory (Ctrl+O)"));
  connect(openButton, &QPushButton::clicked, this, &MainWindow::openModelDialog);
  auto* removeButton = new QPushButton(tr("Remove"));
  removeButton->setToolTip(tr("Remove the selected models (Del)"));
  connect(removeButton, &QPushButton::clicked, this, &MainWindow::removeSelectedModels);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(openButton);
  buttons->addWidget(removeButton);
  buttons->addStretch(1);

  auto* content = new QWidget;
  auto* layout = new QVBoxLayout(content);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(modelsTable_, 1);
  layout->addLayout(buttons);

  auto* dock = modelsDock_ = new QDockWidget(tr("Models"), this);
  dock->setObjectName(QStringLiteral("modelsDock"));
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
  dock->setWidget(content);
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  // Del removes models only while the dock has focus, so it never steals Delete from the text box.
  removeAction_ = new QAction(tr("&Remove model"), this);
  removeAction_->setShortcut(QKeySequence::Delete);
  removeAction_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  connect(removeAction_, &QAction::triggered, this, &MainWindow::removeSelectedModels);
  content->addAction(removeAction_);
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (shownOnce_) return;
  shownOnce_ = true;
  // Narrow at first (the Status column elides; the views get the room); a restored layout keeps the
  // user's width. Only takes effect once the window is laid out.
  if (!layoutRestored_) resizeDocks({modelsDock_}, {340}, Qt::Horizontal);
}

void MainWindow::buildCentralArea() {
  errorLabel_ = new QLabel;
  errorLabel_->setWordWrap(true);
  errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* dismiss = new QToolButton;
  dismiss->setText(QStringLiteral("✕"));
  dismiss->setAutoRaise(true);
  dismiss->setToolTip(tr("Dismiss (the errors stay in the models' Status cells)"));
  connect(dismiss, &QToolButton::clicked, this, &MainWindow::dismissErrors);
  errorBanner_ = new QFrame;
  errorBanner_->setObjectName(QStringLiteral("errorBanner"));
  errorBanner_->setStyleSheet(QStringLiteral(
      "#errorBanner { background: #fdecea; border: 1px solid #e0a3a9; border-radius: 4px; }"
      "#errorBanner QLabel { color: #7a0916; }"));
  auto* bannerLayout = new QHBoxLayout(errorBanner_);
  bannerLayout->setContentsMargins(8, 4, 4, 4);
  bannerLayout->addWidget(errorLabel_, 1);
  bannerLayout->addWidget(dismiss, 0, Qt::AlignTop);
  errorBanner_->hide();

  textEdit_ = new QPlainTextEdit;
  textEdit_->setPlaceholderText(tr("Text to run through every loaded model"));
  textEdit_->setToolTip(tr("Input text; Ctrl+Return runs it through every loaded model"));
  const int lineHeight = textEdit_->fontMetrics().lineSpacing();
  textEdit_->setFixedHeight(lineHeight * 3 + 14);
  runButton_ = new QPushButton(tr("Run"));
  runButton_->setToolTip(tr("Run the text through every loaded model (Ctrl+Return)"));
  runButton_->setMinimumHeight(lineHeight * 2);
  connect(runButton_, &QPushButton::clicked, this, &MainWindow::runText);
  // The image beside the text: image models (ViT) run it, text models the text.
  const int thumbnailSide = lineHeight * 3 + 14;
  imageThumbnail_ = new QLabel;
  imageThumbnail_->setFixedSize(thumbnailSide, thumbnailSide);
  imageThumbnail_->setAlignment(Qt::AlignCenter);
  imageThumbnail_->setFrameShape(QFrame::StyledPanel);
  imageThumbnail_->setStyleSheet(QStringLiteral("QLabel { background: palette(base); color: gray; }"));
  imageThumbnail_->setToolTip(tr("The image that image models (ViT) run; drop a PNG, JPEG or idx file on the window"));
  openImageButton_ = new QPushButton(tr("Open image…"));
  openImageButton_->setToolTip(tr("A PNG or JPEG image, or an idx file (MNIST, Fashion-MNIST) for image models (Ctrl+I)"));
  connect(openImageButton_, &QPushButton::clicked, this, &MainWindow::openImageDialog);
  imageCaption_ = new QLabel;
  imageCaption_->setWordWrap(true);
  imageCaption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  imageCaption_->setMinimumWidth(150);
  imageCaption_->setMaximumWidth(230);
  imageIndexBox_ = new QSpinBox;
  imageIndexBox_->setPrefix(tr("image "));
  imageIndexBox_->setToolTip(tr("Which image of the idx file runs"));
  imageIndexBox_->setKeyboardTracking(false);
  imageIndexBox_->hide();
  connect(imageIndexBox_, &QSpinBox::valueChanged, this, [this](int index) {
    if (image_ && image_->idx && index != image_->index) openImage(imagePath_, index);
  });
  auto* imageColumn = new QVBoxLayout;
  imageColumn->setContentsMargins(0, 0, 0, 0);
  imageColumn->setSpacing(2);
  auto* imageButtons = new QHBoxLayout;
  imageButtons->addWidget(openImageButton_);
  imageButtons->addWidget(imageIndexBox_);
  imageButtons->addStretch(1);
  imageColumn->addLayout(imageButtons);
  imageColumn->addWidget(imageCaption_);
  imageColumn->addStretch(1);

  // Image models (ViT) ignore the text: with only them loaded, this note takes the text box's place.
  imageOnlyNote_ = new QLabel(tr("Only image models are loaded, and they run the image on the right, not text: "
                                 "the text box comes back when a text model (BERT, OPT) is loaded."));
  imageOnlyNote_->setWordWrap(true);
  imageOnlyNote_->setFixedHeight(textEdit_->maximumHeight());
  imageOnlyNote_->setFrameShape(QFrame::StyledPanel);
  imageOnlyNote_->setStyleSheet(QStringLiteral("QLabel { color: gray; padding: 4px; }"));
  imageOnlyNote_->setToolTip(tr("Open a text model (File ▸ Open model…) to type text for it"));
  imageOnlyNote_->hide();

  textInput_ = new QWidget;
  auto* input = new QHBoxLayout(textInput_);
  input->setContentsMargins(0, 0, 0, 0);
  input->addWidget(textEdit_, 1);
  input->addWidget(imageOnlyNote_, 1);
  input->addWidget(runButton_, 0, Qt::AlignTop);
  // The image part; hidden while only text models are loaded (and no image is open).
  imageInput_ = new QWidget;
  auto* imageRow = new QHBoxLayout(imageInput_);
  imageRow->setContentsMargins(0, 0, 0, 0);
  imageRow->addSpacing(8);
  imageRow->addWidget(imageThumbnail_, 0, Qt::AlignTop);
  imageRow->addLayout(imageColumn);
  input->addWidget(imageInput_);
  showImageInput();

  evaluationControls_ = new EvaluationControls;
  connect(evaluationControls_, &EvaluationControls::analyzeRequested, this, &MainWindow::analyzeModels);
  connect(evaluationControls_, &EvaluationControls::quantizeRequested, this, &MainWindow::quantizeModels);

  attentionView_ = new AttentionView(models_);
  connect(attentionView_, &AttentionView::errorOccurred, this, &MainWindow::showError);
  outlierView_ = new OutlierView;
  quantizationView_ = new QuantizationView;
  views_ = new QTabWidget;
  views_->setDocumentMode(true);
  views_->addTab(attentionView_, tr("Attention"));
  views_->setTabToolTip(0, tr("Attention probabilities of one layer and head"));
  views_->addTab(outlierView_, tr("Outliers"));
  views_->setTabToolTip(1, tr("Kurtosis, infinity norms and histograms of the activations, per model"));
  views_->addTab(quantizationView_, tr("Quantization"));
  views_->setTabToolTip(2, tr("What simulated 8-bit (or other) quantization does to each model"));
  trainingView_ = new TrainingView;
  views_->addTab(trainingView_, tr("Training"));
  views_->setTabToolTip(3, tr("Train small models of several attention variants and watch their outliers grow"));
  connect(trainingView_, &TrainingView::openModelRequested, this, [this](const QString& path) {
    openModel(path);
    statusBar()->showMessage(tr("Opened %1: the other views list it in the Models dock").arg(QFileInfo(path).fileName()),
                             8000);
  });
  connect(trainingView_, &TrainingView::errorOccurred, this, &MainWindow::showError);
  // Activations, between Outliers and Quantization (viewNames() order); fed by refreshActivationsView.
  activationsView_ = new ActivationsView;
  views_->insertTab(2, activationsView_, tr("Activations"));
  views_->setTabToolTip(2, tr("One module's activation histogram per model with its 8-bit quantization grid"));
  connect(activationsView_, &ActivationsView::quantizeRequested, this, &MainWindow::quantizeModels);
  connect(activationsView_, &ActivationsView::analyzeRequested, this, &MainWindow::analyzeModels);
  connect(outlierView_, &OutlierView::moduleActivated, this, [this](const QString& module) {
    showView(QStringLiteral("activations"));
    activationsView_->selectModule(module);
  });
  connect(outlierView_, &OutlierView::locationActivated, this,
          [this](const hopscope::ModelAnalysisPtr& analysis, const QString& module) {
            for (const auto& [id, result] : analyses_)
              if (result == analysis) {
                showInAttention(id, module);
                return;
              }
          });
  connect(views_, &QTabWidget::currentChanged, this, &MainWindow::onViewChanged);

  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(8, 8, 8, 4);
  layout->addWidget(errorBanner_);
  layout->addWidget(textInput_);
  layout->addWidget(evaluationControls_);
  layout->addWidget(views_, 1);
  setCentralWidget(central);
  onViewChanged();
}

void MainWindow::buildStatusBar() {
  stageLabel_ = new QLabel;
  progressBar_ = new QProgressBar;
  progressBar_->setRange(0, 1000);
  progressBar_->setMaximumWidth(240);
  progressBar_->setTextVisible(false);
  progressBar_->setToolTip(tr("Progress of the running loads and runs"));
  cancelButton_ = new QPushButton(tr("Cancel"));
  cancelButton_->setToolTip(tr("Stop the running loads and runs (Esc)"));
  cancelButton_->setShortcut(QKeySequence(Qt::Key_Escape));
  connect(cancelButton_, &QPushButton::clicked, jobs_, &ModelJobs::cancelAll);
  statusBar()->addWidget(stageLabel_, 1);
  statusBar()->addPermanentWidget(progressBar_);
  statusBar()->addPermanentWidget(cancelButton_);
  progressBar_->hide();
  cancelButton_->hide();
  stageLabel_->setText(tr("Open a model with File ▸ Open model… (Ctrl+O)"));

  connect(jobs_, &ModelJobs::progress, this, [this](double fraction, const QString& stage) {
    progressBar_->setValue(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 1000));
    stageLabel_->setText(stage);
  });
  connect(jobs_, &ModelJobs::busyChanged, this, [this](bool busy) {
    progressBar_->setVisible(busy);
    cancelButton_->setVisible(busy);
    progressBar_->setValue(0);
    stageLabel_->setText(busy ? tr("working…") : tr("ready"));
  });
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open model…"), this, &MainWindow::openModelDialog);
  open->setShortcut(QKeySequence::Open);
  open->setToolTip(tr("Open a checkpoint directory with a chosen normalizer"));
  QAction* openImageAction = file->addAction(tr("Open &image…"), this, &MainWindow::openImageDialog);
  openImageAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  openImageAction->setToolTip(tr("The image that image models (ViT) run: PNG, JPEG or an idx file"));
  buildShellMenus(file);  // recent files, workspaces, Export…, the View menu
  // Ctrl+Shift+R is the Training view's Resume: the report pairs with Export plot instead.
  QAction* reportAction = file->addAction(tr("Export &report…"), this, [this] {
    static ReportDialogChoice choice = [] {
      ReportDialogChoice defaults;
      defaults.outputs.html = QDir::home().filePath(QStringLiteral("hopscope-report.html"));
      defaults.outputs.pdf = QDir::home().filePath(QStringLiteral("hopscope-report.pdf"));
      return defaults;
    }();
    if (askReportChoice(this, choice)) exportReport(choice);
  });
  reportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  reportAction->setToolTip(tr("The whole comparison of the loaded models as HTML, PDF and CSV/JSON"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* modelsMenu = menuBar()->addMenu(tr("&Models"));
  modelsMenu->addAction(removeAction_);
  QAction* run = modelsMenu->addAction(tr("&Run text"), this, &MainWindow::runText);
  run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  QAction* analyze = modelsMenu->addAction(tr("&Analyze outliers"), this, [this] {
    showView(QStringLiteral("outliers"));
    analyzeModels();
  });
  analyze->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
  QAction* quantize = modelsMenu->addAction(tr("&Quantize"), this, [this] {
    showView(QStringLiteral("quantization"));
    quantizeModels();
  });
  quantize->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Q));
  QAction* cancel = modelsMenu->addAction(tr("&Cancel jobs"), jobs_, &ModelJobs::cancelAll);
  cancel->setToolTip(tr("Esc"));
}

int MainWindow::openModel(const QString& argument) {
  const int id = models_->addLoading(argument);
  jobs_->load(id, argument);
  if (attentionView_->currentModelId() < 0) attentionView_->selectModelId(id);
  return id;
}

bool MainWindow::showInAttention(int modelId, const QString& moduleName) {
  const auto result = analyses_.find(modelId);
  const hopscope::ModuleAnalysis* module =
      result != analyses_.end() && result->second ? result->second->module(moduleName.toStdString()) : nullptr;
  const hopscope::MaxAbsLocation where = module ? module->stats.maxAbs() : hopscope::MaxAbsLocation{};
  if (module && isImageModel(modelId) && where.sample >= 0 && where.token >= 0)
    return showImageLocationInAttention(modelId, *result->second, *module);
  if (!module || module->maxAbsContext.text.empty()) {
    showError(tr("%1: %2 has no token location to show in Attention").arg(displayName(modelId), moduleName));
    return false;
  }
  const hopscope::TokenContext& context = module->maxAbsContext;
  setInputText(QString::fromStdString(context.text));
  showAttentionAt(modelId, module->layer, static_cast<int>(context.token));
  runText();
  // The text is the block as read: the analysis may have seen this token masked.
  statusBar()->showMessage(tr("Attention: block %1 of the evaluated text with token %2 as the query (the analysis saw "
                              "'%3' there), layer %4: where %5 holds its largest |x|%6")
                               .arg(where.sample)
                               .arg(context.token)
                               .arg(QString::fromStdString(module->maxAbsToken))
                               .arg(pendingLayer_)
                               .arg(moduleName, context.exact ? QString() : tr(" (the text re-encodes a little differently)")),
                           15000);
  return true;
}

bool MainWindow::showImageLocationInAttention(int modelId, const hopscope::ModelAnalysis& analysis,
                                              const hopscope::ModuleAnalysis& module) {
  // The evaluated images are the first ones of the source: image `sample` of an idx file opens as
  // the input image; an image folder's order is the loader's, so it is named instead.
  const QString source = QString::fromStdString(analysis.data.path);
  const hopscope::MaxAbsLocation where = module.stats.maxAbs();
  if (!isIdxImageFile(source)) {
    showError(tr("%1: %2's largest |x| is in image %3 of %4: only an idx file's images open by number; open that "
                 "image with File ▸ Open image…")
                  .arg(displayName(modelId), QString::fromStdString(module.name)).arg(where.sample).arg(source));
    return false;
  }
  if (!openImage(source, static_cast<int>(where.sample))) return false;
  showAttentionAt(modelId, module.layer, -1);
  // Token 0 is the class token, then the patches row by row.
  const int grid = analysis.info.patchSize > 0 ? static_cast<int>(analysis.info.imageSize / analysis.info.patchSize) : 0;
  const int token = static_cast<int>(where.token);
  attentionView_->grid()->setImageQuery(token == 0 || grid <= 0 ? patch_attention::PatchQuery{}
                                                                 : patch_attention::PatchQuery{(token - 1) / grid, (token - 1) % grid});
  attentionView_->grid()->setImageNoOp(false);
  if (jobs_->isIdle()) applyPendingAttentionSelection();
  statusBar()->showMessage(tr("Attention: image %1 of %2 with %3 as the query, layer %4: where %5 holds its largest |x|")
                               .arg(where.sample)
                               .arg(QFileInfo(source).fileName(), QString::fromStdString(module.maxAbsToken))
                               .arg(pendingLayer_)
                               .arg(QString::fromStdString(module.name)),
                           15000);
  return true;
}

void MainWindow::showAttentionAt(int modelId, int64_t layer, int query) {
  showView(QStringLiteral("attention"));
  attentionView_->selectModelId(modelId);
  // Applied once the runs are in: the layer box follows the runs' layer count. The head stays.
  hasPendingAttention_ = true;
  pendingLayer_ = static_cast<int>(std::max<int64_t>(layer, 0));
  pendingHead_ = attentionSelection(*attentionView_).head;
  pendingQuery_ = query;
}

void MainWindow::removeModel(int modelId) {
  jobs_->forget(modelId);
  const int row = models_->rowOfId(modelId);
  if (row >= 0) models_->removeRows(row, 1);
  analyses_.erase(modelId);
  quantizations_.erase(modelId);
  analysisPending_.erase(modelId);
  quantizationPending_.erase(modelId);
  analysisCancelled_.erase(modelId);
  quantizationCancelled_.erase(modelId);
  refreshOutlierView();
  refreshQuantizationView();
}

void MainWindow::removeSelectedModels() {
  std::set<int> ids;
  for (const QModelIndex& index : modelsTable_->selectionModel()->selectedIndexes())
    ids.insert(index.data(LoadedModelsModel::ModelIdRole).toInt());
  if (ids.empty() && modelsTable_->currentIndex().isValid())
    ids.insert(modelsTable_->currentIndex().data(LoadedModelsModel::ModelIdRole).toInt());
  for (int id : ids) removeModel(id);
}

void MainWindow::setInputText(const QString& text) { textEdit_->setPlainText(text); }

void MainWindow::runText() {
  bool any = false;
  for (const LoadedModelsModel::Entry& entry : models_->entries()) {
    if (!entry.model) continue;
    any = true;
    runOn(entry.id);
  }
  if (!any)
    showError(models_->rowCount() == 0
                  ? tr("No model is open: open one with File ▸ Open model… (Ctrl+O).")
                  : tr("No model has finished loading yet; the text runs as soon as one has."));
}

void MainWindow::runOn(int modelId) {
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  if (!entry || !entry->model) return;
  auto model = entry->model;
  if (entry->isImageModel()) {
    if (!image_) return;  // its pane asks for an image
    models_->setRunning(modelId);
    jobs_->runImage(modelId, model, image_->image, kTopPredictions);
    return;
  }
  models_->setRunning(modelId);
  jobs_->run(modelId, model, textEdit_->toPlainText(), kTopPredictions);
}

void MainWindow::openImageDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open image"), imagePath_.isEmpty() ? QString() : QFileInfo(imagePath_).absolutePath(),
      tr("Images (*.png *.jpg *.jpeg *-ubyte *-ubyte.gz *.idx3 *.gz);;All files (*)"));
  if (!path.isEmpty()) openImage(path);
}

bool MainWindow::openImage(const QString& path, int index) {
  try {
    image_ = readImageInput(path, index);
  } catch (const std::exception& error) {
    showError(tr("Cannot open the image: %1").arg(QString::fromStdString(error.what())));
    showImageInput();  // the previous image stays, and so does its index
    return false;
  }
  imagePath_ = path;
  showImageInput();
  showInputsFor(textModels_, imageModels_);
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (entry.isImageModel()) runOn(entry.id);
  return true;
}

void MainWindow::showImageInput() {
  if (!image_) {
    imageThumbnail_->setPixmap({});
    imageThumbnail_->setText(tr("no image"));
    imageCaption_->setText(tr("<span style=\"color:gray\">Image models run an image: open or drop one</span>"));
    imageIndexBox_->hide();
    return;
  }
  const QImage image = patch_attention::inputImage(image_->image);
  const int side = imageThumbnail_->width() - 4;
  // Small images (MNIST's 28 × 28) are enlarged pixel by pixel: what the file holds, not a blur.
  const bool small = image.width() < side && image.height() < side;
  imageThumbnail_->setPixmap(QPixmap::fromImage(
      image.scaled(side, side, Qt::KeepAspectRatio, small ? Qt::FastTransformation : Qt::SmoothTransformation)));
  const QString name = QFileInfo(imagePath_).fileName();
  imageCaption_->setText(tr("%1%2<br><span style=\"color:gray\">%3 × %4, %5</span>")
                             .arg(name.toHtmlEscaped())
                             .arg(image_->idx ? tr(" [%1]").arg(image_->index) : QString())
                             .arg(image_->image.width)
                             .arg(image_->image.height)
                             .arg(image_->image.channels == 1 ? tr("grey") : tr("RGB")));
  imageCaption_->setToolTip(imagePath_);
  imageThumbnail_->setToolTip(tr("%1\nthe image that image models run").arg(imagePath_));
  {
    const QSignalBlocker block(imageIndexBox_);
    imageIndexBox_->setRange(0, std::max(image_->count - 1, 0));
    imageIndexBox_->setValue(image_->index);
    imageIndexBox_->setSuffix(tr(" of %1").arg(image_->count));
  }
  imageIndexBox_->setVisible(image_->idx);
}

void MainWindow::showInputsFor(bool text, bool images) {
  textModels_ = text;
  imageModels_ = images;
  // Text models alone have no use for an image: the text box gets the width (File ▸ Open image…
  // and dropping an image still work, and an open image stays in view).
  imageInput_->setVisible(images || !text || image_.has_value());
  const bool imagesOnly = images && !text;
  textEdit_->setVisible(!imagesOnly);
  imageOnlyNote_->setVisible(imagesOnly);
  runButton_->setToolTip(imagesOnly ? tr("Run the image through every loaded image model (Ctrl+Return)")
                                    : tr("Run the text through every loaded model (Ctrl+Return)"));
}

void MainWindow::onLoaded(int modelId) {
  // Show the new model's map right away: run the current text (an image model: the image) through it.
  const LoadedModelsModel::Entry* loaded = models_->entryById(modelId);
  if (loaded && (loaded->isImageModel() ? hasImage() : !textEdit_->toPlainText().trimmed().isEmpty())) runOn(modelId);
  // And its figures when an evaluation view is open.
  if (currentViewName() == QStringLiteral("outliers")) analyzeOne(modelId);
  if (currentViewName() == QStringLiteral("quantization")) quantizeOne(modelId);
  if (currentViewName() == QStringLiteral("activations")) {
    analyzeOne(modelId);
    quantizeOne(modelId);
  }
}

QString MainWindow::currentViewName() const { return viewNames().value(views_->currentIndex()); }

void MainWindow::onViewChanged() {
  const QString view = currentViewName();
  textInput_->setVisible(view == QStringLiteral("attention"));
  // Training works on folders, not on the loaded models: its plots get the dock's width.
  modelsDock_->setVisible(modelsDockWanted_ && view != QStringLiteral("training"));
  const bool activations = view == QStringLiteral("activations");  // needs both results
  evaluationControls_->setVisible(view == QStringLiteral("outliers") || view == QStringLiteral("quantization") ||
                                  activations);
  evaluationControls_->showFor(view == QStringLiteral("quantization") || activations);
  // Opening an evaluation view evaluates what it lacks, with the current settings.
  if (view == QStringLiteral("outliers")) analyzeMissing();
  if (view == QStringLiteral("quantization")) quantizeMissing();
  if (activations) {
    analyzeMissing();
    quantizeMissing();
    refreshActivationsView();
  }
}

void MainWindow::analyzeOne(int modelId) {
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  if (!entry || !entry->model) return;
  analysisPending_.insert(modelId);
  analysisSubmitted_[modelId] = evaluationControls_->analysisRequest().forImages(entry->isImageModel());
  jobs_->analyze(modelId, entry->model, analysisSubmitted_[modelId]);
  if (analyses_.count(modelId)) refreshResultStatuses();
  refreshActivationsView();
}

void MainWindow::quantizeOne(int modelId) {
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  if (!entry || !entry->model) return;
  quantizationPending_.insert(modelId);
  quantizationSubmitted_[modelId] = evaluationControls_->quantizationRequest().forImages(entry->isImageModel());
  jobs_->quantize(modelId, entry->model, quantizationSubmitted_[modelId]);
  if (quantizations_.count(modelId)) refreshResultStatuses();
  refreshActivationsView();
}

void MainWindow::analyzeModels() {
  analysisCancelled_.clear();
  bool any = false;
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (entry.model) {
      any = true;
      analyzeOne(entry.id);
    }
  if (!any) showError(tr("No model has finished loading: open one with File ▸ Open model… (Ctrl+O)."));
}

void MainWindow::quantizeModels() {
  quantizationCancelled_.clear();
  bool any = false;
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (entry.model) {
      any = true;
      quantizeOne(entry.id);
    }
  if (!any) showError(tr("No model has finished loading: open one with File ▸ Open model… (Ctrl+O)."));
}

void MainWindow::analyzeMissing() {
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (entry.model && !analyses_.count(entry.id) && !analysisPending_.count(entry.id) &&
        !analysisCancelled_.count(entry.id))
      analyzeOne(entry.id);
}

void MainWindow::quantizeMissing() {
  for (const LoadedModelsModel::Entry& entry : models_->entries())
    if (entry.model && !quantizations_.count(entry.id) && !quantizationPending_.count(entry.id) &&
        !quantizationCancelled_.count(entry.id))
      quantizeOne(entry.id);
}

namespace {

// The results of the Models table's entries in its order, and each one's row there: its palette slot.
template <typename Result>
struct TableOrderedResults {
  std::vector<Result> results;
  std::vector<int> paletteSlots;
};

template <typename Result>
TableOrderedResults<Result> inTableOrder(const LoadedModelsModel& models, const std::map<int, Result>& results) {
  TableOrderedResults<Result> ordered;
  const std::vector<LoadedModelsModel::Entry>& entries = models.entries();
  for (size_t row = 0; row < entries.size(); ++row)
    if (auto it = results.find(entries[row].id); it != results.end()) {
      ordered.results.push_back(it->second);
      ordered.paletteSlots.push_back(static_cast<int>(row));
    }
  return ordered;
}

}  // namespace

void MainWindow::refreshOutlierView() {
  const auto ordered = inTableOrder(*models_, analyses_);
  outlierView_->setModels(ordered.results, ordered.paletteSlots);
  refreshResultStatuses();
  refreshActivationsView();
}

void MainWindow::refreshQuantizationView() {
  const auto ordered = inTableOrder(*models_, quantizations_);
  quantizationView_->setModels(ordered.results, ordered.paletteSlots);
  refreshResultStatuses();
  refreshActivationsView();
}

void MainWindow::refreshActivationsView() {
  if (!activationsView_) return;
  const auto analyses = inTableOrder(*models_, analyses_);
  const auto studies = inTableOrder(*models_, quantizations_);
  activationsView_->setResults(analyses.results, analyses.paletteSlots, studies.results, studies.paletteSlots);
  refreshResultStatuses();
}

QString MainWindow::displayName(int modelId) const {
  const int row = models_->rowOfId(modelId);
  return row >= 0 ? models_->index(row, LoadedModelsModel::Name).data().toString() : QString();
}

void MainWindow::onLoadFailed(int modelId, const QString& message, bool cancelled) {
  models_->setFailed(modelId, cancelled ? tr("load cancelled") : message);
  if (!cancelled) showError(tr("Could not open %1: %2").arg(displayName(modelId), message));
}

void MainWindow::onRunFailed(int modelId, const QString& message, bool cancelled) {
  models_->setFailed(modelId, cancelled ? tr("run cancelled") : message);
  if (!cancelled) showError(tr("%1: %2").arg(displayName(modelId), message));
}

bool MainWindow::showView(const QString& name) {
  const int index = static_cast<int>(viewNames().indexOf(name.toLower()));
  if (index < 0) return false;
  views_->setCurrentIndex(index);
  return true;
}

bool MainWindow::exportPlot(const QString& path) {
  try {
    const QString view = currentViewName();
    if (view == QStringLiteral("activations")) {  // side by side: every plot in one file
      activationsView_->exportPlots(path);
      statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
      return true;
    }
    // What is on screen, never a plot on a hidden tab (export_target.h).
    QCustomPlot* plot = visibleExportTarget(views_->currentWidget(), nullptr).plot;
    if (!plot) throw hopscope::Error("this view shows no plot to export");
    ::exportPlot(*plot, path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
  } catch (const std::exception& error) {
    showError(QString::fromStdString(error.what()));
    return false;
  }
}

ReportExporter* MainWindow::exportReport(const ReportDialogChoice& choice) {
  for (const ReportExporter* running : findChildren<ReportExporter*>())
    if (running->busy()) {
      showError(tr("A report is being written already."));
      return nullptr;
    }
  std::vector<ReportModelSource> sources;
  const std::vector<LoadedModelsModel::Entry>& entries = models_->entries();
  for (size_t row = 0; row < entries.size(); ++row) {
    const LoadedModelsModel::Entry& entry = entries[row];
    if (!entry.model) continue;
    ReportModelSource source;
    source.argument = entry.argument.toStdString();
    source.model = entry.model;
    if (auto it = analyses_.find(entry.id); it != analyses_.end()) source.analysis = it->second;
    if (auto it = quantizations_.find(entry.id); it != quantizations_.end()) source.quantization = it->second;
    source.slot = static_cast<int>(row);
    sources.push_back(std::move(source));
  }
  if (sources.empty()) {
    showError(tr("No model has finished loading: open one with File ▸ Open model… (Ctrl+O)."));
    return nullptr;
  }
  auto* exporter = new ReportExporter(this);
  connect(exporter, &ReportExporter::progress, this, [this](double fraction, const QString& stage) {
    progressBar_->show();
    cancelButton_->show();
    progressBar_->setValue(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 1000));
    stageLabel_->setText(tr("Report: %1").arg(stage));
  });
  connect(cancelButton_, &QPushButton::clicked, exporter, &ReportExporter::cancel);
  connect(exporter, &ReportExporter::finished, this, [this, exporter](bool ok, const QString& message) {
    progressBar_->setVisible(!jobs_->isIdle());
    cancelButton_->setVisible(!jobs_->isIdle());
    stageLabel_->setText(ok ? message : tr("ready"));
    if (ok) statusBar()->showMessage(message, 8000);
    else if (message != tr("cancelled")) showError(tr("Report: %1").arg(message));
    exporter->deleteLater();
  });
  const QString text = textEdit_->toPlainText().trimmed().isEmpty() ? defaultText() : textEdit_->toPlainText();
  exporter->start(reportRequestFor(evaluationControls_->quantizationRequest(), text, choice.title, choice.attention),
                  sources, choice.outputs);
  return exporter;
}

void MainWindow::openModelDialog() {
  const QString argument = askModelArgument(this);
  if (!argument.isEmpty()) openModel(argument);
}

void MainWindow::showError(const QString& message) {
  errors_.removeAll(message);
  errors_ << message;
  while (errors_.size() > kMaxBannerLines) errors_.removeFirst();
  errorLabel_->setText(errors_.join(QLatin1Char('\n')));
  errorBanner_->show();
}

void MainWindow::dismissErrors() {
  errors_.clear();
  errorLabel_->clear();
  errorBanner_->hide();
}

QString MainWindow::errorText() const { return errors_.join(QLatin1Char('\n')); }

bool MainWindow::errorVisible() const { return !errorBanner_->isHidden(); }
