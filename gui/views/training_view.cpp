#include "views/training_view.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>
#include <set>

#include "hopscope/bundled_resources.h"
#include "hopscope/model_family.h"
#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "views/training_figures.h"

namespace {

using hopscope::GateKind;
using hopscope::NormalizerKind;
using hopscope::NormalizerSpec;

// The papers' clipping γ and gate for a family (its registry entry; the first family's for a name
// the registry does not know).
struct PaperBaselines {
  double gamma;
  GateKind gate;
};
PaperBaselines paperBaselines(const QString& family) {
  const hopscope::ModelFamily* found = hopscope::findFamily(family.toStdString());
  if (!found) found = hopscope::modelFamilies().front();
  return {found->paperClippedGamma, found->paperGate};
}

QString gateName(GateKind gate) { return QString::fromStdString(hopscope::gateKindName(gate)); }

QString spec(const NormalizerSpec& normalizer) { return QString::fromStdString(normalizer.toString()); }

// What an added variant's check state is remembered by.
QString customKey(const NormalizerSpec& normalizer, GateKind gate) {
  return spec(normalizer) + QLatin1Char('|') + gateName(gate);
}

// The bundled text, or an empty path with the reason as the field's placeholder.
// Fashion-MNIST as Debian's dataset-fashion-mnist installs it, and its classes in label order.
const QString kFashionMnist = QStringLiteral("/usr/share/datasets/fashion-mnist");
std::vector<std::string> fashionMnistClasses() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

void fillBundled(QLineEdit* edit, const char* relative) {
  try {
    edit->setText(QString::fromStdString(hopscope::requireBundledFile(relative, "a file of your own")));
  } catch (const std::exception& error) {
    edit->setPlaceholderText(QString::fromStdString(error.what()));
  }
}

QSpinBox* spinBox(int minimum, int maximum, int value, const QString& tip) {
  auto* box = new QSpinBox;
  box->setRange(minimum, maximum);
  box->setValue(value);
  box->setToolTip(tip);
  box->setAccelerated(true);
  // Narrower than the widest value needs: typical values are short, and the plots want the width.
  box->setMinimumWidth(box->fontMetrics().horizontalAdvance(QStringLiteral("00000")) + 28);
  return box;
}

// A text field with a "…" button that picks a file or folder into it.
QWidget* withBrowseButton(QLineEdit* edit, QToolButton* button) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  layout->addWidget(edit, 1);
  layout->addWidget(button);
  return row;
}

const nlohmann::json* lastRecord(const std::vector<nlohmann::json>& records) {
  return records.empty() ? nullptr : &records.back();
}

qint64 stepOf(const nlohmann::json& record) {
  const auto step = record.find("step");
  return step != record.end() && step->is_number() ? step->get<qint64>() : 0;
}

}  // namespace

// jobs_ stops and waits for its worker when it is destroyed, after this object: its last signals
// must not reach the half-destroyed view.
TrainingView::~TrainingView() { disconnect(jobs_, nullptr, this, nullptr); }

TrainingView::TrainingView(QWidget* parent) : QWidget(parent), jobs_(new TrainingJobs(this)) {
  auto* rightSide = new QSplitter(Qt::Vertical);
  rightSide->addWidget(buildVariantsPanel());
  rightSide->addWidget(buildPlots());
  rightSide->setStretchFactor(0, 0);
  rightSide->setStretchFactor(1, 1);
  rightSide->setChildrenCollapsible(false);

  auto* scroll = new QScrollArea;
  scroll->setWidget(buildSettingsPanel());
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setFrameShape(QFrame::NoFrame);
  // As narrow as the fields allow, so the plots get the width; room for a vertical scroll bar.
  scroll->setFixedWidth(settingsPanel_->minimumSizeHint().width() + scroll->verticalScrollBar()->sizeHint().width() + 4);

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(scroll, 0);
  layout->addWidget(rightSide, 1);

  connect(jobs_, &TrainingJobs::started, this, &TrainingView::onStarted);
  connect(jobs_, &TrainingJobs::progress, this, &TrainingView::onProgress);
  connect(jobs_, &TrainingJobs::recorded, this, &TrainingView::onRecorded);
  connect(jobs_, &TrainingJobs::finished, this, &TrainingView::onFinished);
  connect(jobs_, &TrainingJobs::failed, this, &TrainingView::onFailed);
  connect(jobs_, &TrainingJobs::dropped, this, &TrainingView::onDropped);
  connect(jobs_, &TrainingJobs::busyChanged, this, [this] {
    refreshButtons();
    refreshOverall();
  });
  rebuildRows();
}

QWidget* TrainingView::buildSettingsPanel() {
  family_ = new QComboBox;
  for (const hopscope::ModelFamily* family : hopscope::modelFamilies()) {
    family_->addItem(QString::fromStdString(family->name));
    const QString task = family->task == hopscope::TaskKind::MaskedLanguageModel
                             ? tr("masked language model, WordPiece tokenizer")
                         : family->task == hopscope::TaskKind::CausalLanguageModel
                             ? tr("causal language model, byte-level BPE tokenizer")
                             : tr("image classifier on labelled idx images (e.g. Fashion-MNIST)");
    family_->setItemData(family_->count() - 1, tr("%1: %2").arg(QString::fromStdString(family->name), task),
                         Qt::ToolTipRole);
  }
  family_->setToolTip(tr("Model family to pre-train from scratch; names the runs' folders (train --family)"));
  connect(family_, &QComboBox::currentIndexChanged, this, [this] {
    adaptToFamily();
    rebuildRows();
  });

  // Sized for a 2-core machine: about a minute or two per variant.
  layers_ = spinBox(1, 48, 2, tr("Transformer layers (train --layers)"));
  hidden_ = spinBox(8, 4096, 64, tr("Hidden width; divisible by the heads (train --hidden)"));
  heads_ = spinBox(1, 64, 4, tr("Attention heads per layer (train --heads)"));
  ffn_ = spinBox(8, 16384, 256, tr("FFN inner width (train --ffn)"));
  seqLen_ = spinBox(8, 4096, 64, tr("Tokens per block, also the position table size (train --seq-len)"));
  vocabSize_ = spinBox(128, 200000, 2048, tr("Vocabulary size of the tokenizer trained on the training text "
                                             "(BERT: WordPiece, OPT: byte-level BPE) (train --vocab-size)"));
  patch_ = spinBox(1, 64, 7, tr("Image families: patch side in pixels; it must divide the image side (28 for "
                                "Fashion-MNIST: 4, 7 or 14) (train --patch)"));
  auto* model = new QGroupBox(tr("Model"));
  auto* modelGrid = new QGridLayout(model);
  auto addPair = [](QGridLayout* grid, int row, int column, const QString& caption, QWidget* field) {
    auto* label = new QLabel(caption);
    label->setBuddy(field);
    label->setToolTip(field->toolTip());
    grid->addWidget(label, row, column);
    grid->addWidget(field, row, column + 1);
  };
  addPair(modelGrid, 0, 0, tr("&Family:"), family_);
  addPair(modelGrid, 1, 0, tr("La&yers:"), layers_);
  addPair(modelGrid, 1, 2, tr("&Hidden:"), hidden_);
  addPair(modelGrid, 2, 0, tr("H&eads:"), heads_);
  addPair(modelGrid, 2, 2, tr("FF&N:"), ffn_);
  addPair(modelGrid, 3, 0, tr("Seq &len:"), seqLen_);
  addPair(modelGrid, 3, 2, tr("&Vocab:"), vocabSize_);
  addPair(modelGrid, 4, 0, tr("&Patch:"), patch_);
  modelGrid->setColumnStretch(1, 1);
  modelGrid->setColumnStretch(3, 1);

  trainText_ = new QLineEdit;
  trainText_->setToolTip(tr("Training text: a UTF-8 file or a folder of .txt files, one document per line "
                            "(default: the bundled Moby-Dick chapters 1–124) (train --data)"));
  fillBundled(trainText_, hopscope::kBundledTrainText);
  evalText_ = new QLineEdit;
  evalText_->setToolTip(tr("Held-out text for the evaluations (default: the bundled Moby-Dick chapters "
                           "125–135, disjoint from the training chapters) (train --eval-data)"));
  fillBundled(evalText_, hopscope::kBundledEvalText);
  auto browseButton = [this](QLineEdit* edit, const QString& caption) {
    auto* button = new QToolButton;
    button->setText(QStringLiteral("…"));
    button->setToolTip(tr("Choose the %1").arg(caption));
    connect(button, &QToolButton::clicked, this, [this, edit, caption] { chooseFile(edit, caption); });
    return button;
  };
  auto* data = new QGroupBox(tr("Data"));
  auto* dataForm = new QFormLayout(data);
  dataForm->setRowWrapPolicy(QFormLayout::WrapAllRows);
  trainTextLabel_ = new QLabel(tr("&Training text:"));
  evalTextLabel_ = new QLabel(tr("Held-&out text:"));
  dataForm->addRow(trainTextLabel_, withBrowseButton(trainText_, browseButton(trainText_, tr("training data"))));
  dataForm->addRow(evalTextLabel_, withBrowseButton(evalText_, browseButton(evalText_, tr("held-out data"))));
  trainTextLabel_->setBuddy(trainText_);
  evalTextLabel_->setBuddy(evalText_);

  batch_ = spinBox(1, 4096, 16, tr("Blocks per optimizer step (train --batch)"));
  steps_ = spinBox(1, 1000000, 300, tr("Optimizer steps per variant (train --steps)"));
  learningRate_ = new QDoubleSpinBox;
  learningRate_->setDecimals(5);
  learningRate_->setRange(0.00001, 1);
  learningRate_->setSingleStep(0.0001);
  learningRate_->setValue(0.001);
  learningRate_->setMinimumWidth(learningRate_->fontMetrics().horizontalAdvance(QStringLiteral("0.00000")) + 28);
  learningRate_->setToolTip(tr("Peak learning rate of AdamW, reached after the warmup, then decaying linearly "
                               "to 0 (train --lr)"));
  warmup_ = spinBox(0, 1000000, 30, tr("Linear warmup steps (train --warmup)"));
  evalEvery_ = spinBox(1, 1000000, 25, tr("Steps between evaluations on the held-out text; each evaluation "
                                           "adds a point to the curves and writes a checkpoint (train --eval-every)"));
  seed_ = spinBox(0, 999999, 0, tr("Seed of the initial weights, the data order and the masks (train --seed)"));
  auto* optimization = new QGroupBox(tr("Optimization"));
  auto* optimizationGrid = new QGridLayout(optimization);
  addPair(optimizationGrid, 0, 0, tr("&Batch:"), batch_);
  addPair(optimizationGrid, 0, 2, tr("&Steps:"), steps_);
  addPair(optimizationGrid, 1, 0, tr("L&R:"), learningRate_);
  addPair(optimizationGrid, 1, 2, tr("&Warmup:"), warmup_);
  addPair(optimizationGrid, 2, 0, tr("Eval e&very:"), evalEvery_);
  addPair(optimizationGrid, 2, 2, tr("See&d:"), seed_);
  optimizationGrid->setColumnStretch(1, 1);
  optimizationGrid->setColumnStretch(3, 1);

  outputFolder_ = new QLineEdit(QDir(QDir::homePath()).filePath(QStringLiteral("hopscope-runs")));
  outputFolder_->setToolTip(tr("Folder of the runs: one subfolder per variant, e.g. bert-softmax1-mlp. Runs "
                               "already there are shown (press Return after editing)"));
  connect(outputFolder_, &QLineEdit::editingFinished, this, [this] {
    if (!isTraining()) rebuildRows();
  });
  auto* outputBrowse = new QToolButton;
  outputBrowse->setText(QStringLiteral("…"));
  outputBrowse->setToolTip(tr("Choose the output folder"));
  connect(outputBrowse, &QToolButton::clicked, this, &TrainingView::chooseOutputFolder);
  auto* output = new QGroupBox(tr("Output folder"));
  auto* outputLayout = new QVBoxLayout(output);
  outputLayout->addWidget(withBrowseButton(outputFolder_, outputBrowse));

  settingsPanel_ = new QWidget;
  auto* layout = new QVBoxLayout(settingsPanel_);
  layout->setContentsMargins(0, 0, 4, 0);
  layout->addWidget(model);
  layout->addWidget(data);
  layout->addWidget(optimization);
  layout->addWidget(output);
  layout->addStretch(1);
  adaptToFamily();
  return settingsPanel_;
}

void TrainingView::adaptToFamily() {
  const hopscope::ModelFamily* family = hopscope::findFamily(family_->currentText().toStdString());
  const bool images = family && family->task == hopscope::TaskKind::ImageClassification;
  seqLen_->setEnabled(!images);
  vocabSize_->setEnabled(!images);
  patch_->setEnabled(images);
  trainTextLabel_->setText(images ? tr("&Training images:") : tr("&Training text:"));
  evalTextLabel_->setText(images ? tr("Held-&out images:") : tr("Held-&out text:"));
  trainText_->setToolTip(images ? tr("Training images: an idx image file with its labels-idx1 file beside it "
                                     "(default: Debian's Fashion-MNIST training set, 60,000 images) (train --data)")
                                : tr("Training text: a UTF-8 file or a folder of .txt files, one document per line "
                                     "(default: the bundled Moby-Dick chapters 1–124) (train --data)"));
  evalText_->setToolTip(images ? tr("Held-out images for the evaluations: an idx image file with its labels "
                                    "(default: the Fashion-MNIST test set) (train --eval-data)")
                               : tr("Held-out text for the evaluations (default: the bundled Moby-Dick chapters "
                                    "125–135, disjoint from the training chapters) (train --eval-data)"));
  // Swap the defaults, never what the user typed: a field holding the other kind's default follows.
  const QString fashionTrain = kFashionMnist + QStringLiteral("/train-images-idx3-ubyte.gz");
  const QString fashionEval = kFashionMnist + QStringLiteral("/t10k-images-idx3-ubyte.gz");
  const auto swap = [&](QLineEdit* edit, const QString& imageDefault, const char* textDefault) {
    QLineEdit bundled;
    fillBundled(&bundled, textDefault);
    const QString current = edit->text().trimmed();
    if (images && (current.isEmpty() || current == bundled.text()) && QFileInfo::exists(imageDefault))
      edit->setText(imageDefault);
    else if (!images && (current.isEmpty() || current == imageDefault))
      edit->setText(bundled.text());
  };
  swap(trainText_, fashionTrain, hopscope::kBundledTrainText);
  swap(evalText_, fashionEval, hopscope::kBundledEvalText);
}

QWidget* TrainingView::buildVariantsPanel() {
  table_ = new QTableWidget(0, ColumnCount);
  table_->setHorizontalHeaderLabels({tr("Variant (run folder)"), tr("Progress"), tr("Status")});
  table_->horizontalHeaderItem(VariantColumn)
      ->setToolTip(tr("Checked variants train on Start; the colour is the variant's in every plot"));
  table_->horizontalHeaderItem(ProgressColumn)->setToolTip(tr("Optimizer steps done of the run's steps"));
  table_->horizontalHeaderItem(StatusColumn)->setToolTip(tr("What the run's folder holds, or what it is doing"));
  table_->setToolTip(tr("Attention variants: check the ones to train; double-click (or select and press "
                        "Ctrl+Shift+O) to open a run in the workbench"));
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setWordWrap(false);
  table_->setTextElideMode(Qt::ElideRight);
  table_->horizontalHeader()->setSectionResizeMode(VariantColumn, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(ProgressColumn, QHeaderView::Fixed);
  table_->horizontalHeader()->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
  table_->setColumnWidth(ProgressColumn, 110);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    const int row = item->row();
    if (item->column() == VariantColumn && row >= 0 && row < variantCount())
      checked_[rows_[static_cast<size_t>(row)].variant.key] = item->checkState() == Qt::Checked;
  });
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row) { openRows({row}); });

  customNormalizer_ = new QLineEdit;
  customNormalizer_->setPlaceholderText(tr("normalizer, e.g. clipped-softmax1:-0.1:1.1"));
  customNormalizer_->setToolTip(tr("Another variant: softmax, softmax1, softmax1-legacy, clipped:GAMMA:ZETA or "
                                   "clipped-softmax1:GAMMA:ZETA (as in MODEL arguments); Return adds it"));
  connect(customNormalizer_, &QLineEdit::returnPressed, this, &TrainingView::addCustomVariant);
  customGate_ = new QComboBox;
  for (GateKind gate : {GateKind::None, GateKind::Linear, GateKind::Mlp})
    customGate_->addItem(gateName(gate), static_cast<int>(gate));
  customGate_->setToolTip(tr("Gated attention of the added variant: none, linear or mlp per head (train --gate)"));
  auto* addButton = new QPushButton(tr("Add variant"));
  addButton->setToolTip(tr("Add this normalizer and gate as a checked variant"));
  connect(addButton, &QPushButton::clicked, this, &TrainingView::addCustomVariant);
  addRow_ = new QWidget;
  auto* add = new QHBoxLayout(addRow_);
  add->setContentsMargins(0, 0, 0, 0);
  add->addWidget(customNormalizer_, 1);
  add->addWidget(new QLabel(tr("gate:")));
  add->addWidget(customGate_);
  add->addWidget(addButton);

  startButton_ = new QPushButton(tr("Start"));
  startButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
  startButton_->setToolTip(tr("Train every checked variant that has no run in the output folder yet, one after "
                              "another (Ctrl+Shift+T)"));
  connect(startButton_, &QPushButton::clicked, this, &TrainingView::start);
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  stopButton_->setToolTip(tr("Stop training: the running variant writes a checkpoint that Resume continues; "
                             "queued variants do not start (Ctrl+Shift+S)"));
  connect(stopButton_, &QPushButton::clicked, this, &TrainingView::stop);
  resumeButton_ = new QPushButton(tr("Resume"));
  resumeButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  resumeButton_->setToolTip(tr("Continue every stopped run of the output folder from its checkpoint "
                               "(Ctrl+Shift+R)"));
  connect(resumeButton_, &QPushButton::clicked, this, &TrainingView::resume);
  openButton_ = new QPushButton(tr("Open in workbench"));
  openButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  openButton_->setToolTip(tr("Open the selected runs' checkpoints as models in the other views (Ctrl+Shift+O; "
                             "or double-click a row)"));
  connect(openButton_, &QPushButton::clicked, this, &TrainingView::openSelected);
  openAllButton_ = new QPushButton(tr("Open all"));
  openAllButton_->setToolTip(tr("Open every finished or stopped run of the table in the workbench"));
  connect(openAllButton_, &QPushButton::clicked, this, &TrainingView::openAll);

  overallBar_ = new QProgressBar;
  overallBar_->setRange(0, 1000);
  overallBar_->setTextVisible(false);
  overallBar_->setMaximumWidth(160);
  overallBar_->setToolTip(tr("Progress over every variant of this Start or Resume"));
  overallLabel_ = new QLabel;
  overallLabel_->setToolTip(tr("The running variant and its latest step"));
  overallLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(startButton_);
  buttons->addWidget(stopButton_);
  buttons->addWidget(resumeButton_);
  buttons->addSpacing(12);
  buttons->addWidget(openButton_);
  buttons->addWidget(openAllButton_);
  buttons->addStretch(1);
  auto* overall = new QHBoxLayout;
  overall->addWidget(overallBar_);
  overall->addWidget(overallLabel_, 1);

  auto* box = new QGroupBox(tr("Variants"));
  auto* layout = new QVBoxLayout(box);
  layout->addWidget(table_, 1);
  layout->addWidget(addRow_);
  layout->addLayout(buttons);
  layout->addLayout(overall);
  return box;
}

QWidget* TrainingView::buildPlots() {
  lossPlot_ = new FigurePlot;
  kurtosisPlot_ = new FigurePlot;
  infNormPlot_ = new FigurePlot;
  plotTabs_ = new QTabWidget;
  plotTabs_->addTab(lossPlot_, tr("Loss"));
  plotTabs_->setTabToolTip(0, tr("Training and held-out loss of every variant against the step"));
  plotTabs_->addTab(kurtosisPlot_, tr("Kurtosis"));
  plotTabs_->setTabToolTip(1, tr("Average kurtosis of the outlier protocol's modules on the held-out text"));
  plotTabs_->addTab(infNormPlot_, tr("Inf-norm"));
  plotTabs_->setTabToolTip(2, tr("Largest infinity norm of the outlier protocol's modules on the held-out text"));
  return plotTabs_;
}

std::vector<TrainingView::Variant> TrainingView::listedVariants() const {
  const QString family = family_->currentText();
  const PaperBaselines paper = paperBaselines(family);
  NormalizerSpec clipped{NormalizerKind::Clipped, paper.gamma, 1.0};
  const QString gate = gateName(paper.gate);
  // Presets keep their check state by role (the clipped γ and the gate follow the family).
  std::vector<Variant> variants = {
      {QStringLiteral("preset:softmax"), family, {NormalizerKind::Softmax}, GateKind::None,
       tr("softmax: the baseline attention, whose no-op heads grow outliers"), true},
      {QStringLiteral("preset:clipped"), family, clipped, GateKind::None,
       tr("clipped softmax %1 (Bondarenko et al. 2023), with the %2 paper's γ").arg(spec(clipped), family), false},
      {QStringLiteral("preset:softmax-gate"), family, {NormalizerKind::Softmax}, paper.gate,
       tr("softmax with gated attention (Bondarenko et al. 2023): a %1 gate per head, as the %2 paper").arg(gate, family),
       false},
      {QStringLiteral("preset:softmax1"), family, {NormalizerKind::Softmax1}, GateKind::None,
       tr("softmax1: exp(x_i) / (1 + Σ_j exp(x_j)), OutEffHop's Softmax_1 (Hu et al. 2024)"), true},
      {QStringLiteral("preset:softmax1-gate"), family, {NormalizerKind::Softmax1}, paper.gate,
       tr("softmax1 with a %1 gate per head").arg(gate), false},
  };
  for (const CustomVariant& custom : customVariants_)
    variants.push_back({customKey(custom.normalizer, custom.gate), family, custom.normalizer, custom.gate,
                        tr("%1 with gate %2 (added)").arg(spec(custom.normalizer), gateName(custom.gate)), true});
  return variants;
}

void TrainingView::rebuildRows() {
  rows_.clear();
  for (const Variant& variant : listedVariants()) {
    Row row;
    row.variant = variant;
    row.name = trainingRunFolderName(variant.family, variant.normalizer, variant.gate);
    rows_.push_back(std::move(row));
  }
  // Runs found in the output folder: on their listed variant's row, else on rows of their own.
  const QDir folder(outputFolder());
  for (const QString& name : folder.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    TrainingRunOnDisk disk = readTrainingRun(folder.filePath(name));
    if (!disk.isRun) continue;
    int listed = rowOfRun(name);
    // A run under another folder name (e.g. the demo set's bert-softmax-none) still belongs on the
    // row of its variant.
    if (listed < 0 && disk.settingsRead) listed = rowOfVariant(disk.settings);
    if (listed >= 0) {
      rows_[static_cast<size_t>(listed)].name = name;
      rows_[static_cast<size_t>(listed)].disk = std::move(disk);
      continue;
    }
    Row row;
    row.name = name;
    row.variant.key = QStringLiteral("run:") + name;
    row.listed = false;
    if (disk.settingsRead) {
      row.variant.family = QString::fromStdString(disk.settings.family);
      row.variant.normalizer = disk.settings.normalizer;
      row.variant.gate = disk.settings.gate;
      row.variant.description = tr("a run found in the output folder: %1, %2, gate %3")
                                    .arg(row.variant.family, spec(row.variant.normalizer), gateName(row.variant.gate));
    } else {
      row.variant.description = tr("a training log found in the output folder");
    }
    row.disk = std::move(disk);
    rows_.push_back(std::move(row));
  }
  for (Row& row : rows_) applyDiskState(row);
  batchRows_.clear();  // their row numbers are gone

  const QSignalBlocker blocker(table_);
  table_->clearContents();
  table_->setRowCount(variantCount());
  for (int row = 0; row < variantCount(); ++row) refreshRow(row);
  refreshFigures();
  refreshButtons();
  refreshOverall();
}

void TrainingView::applyDiskState(Row& row) {
  const TrainingRunOnDisk& disk = row.disk;
  row.records = disk.records;
  row.fraction = 0;
  const nlohmann::json* last = lastRecord(row.records);
  const qint64 steps = disk.settingsRead ? disk.settings.steps : 0;
  if (disk.finished) {
    row.state = RunState::Finished;
    row.fraction = 1;
    row.detail = tr("finished, %1 steps").arg(steps);
    const nlohmann::json::json_pointer perplexity("/eval/perplexity"), accuracy("/eval/accuracy");
    if (last->contains(perplexity) && last->at(perplexity).is_number())
      row.detail = tr("finished; held-out ppl %1").arg(QString::number(last->at(perplexity).get<double>(), 'g', 4));
    if (last->contains(accuracy) && last->at(accuracy).is_number())
      row.detail = tr("finished; held-out accuracy %1 %").arg(QString::number(100 * last->at(accuracy).get<double>(), 'f', 1));
  } else if (disk.resumable) {
    row.state = RunState::Stopped;
    const qint64 at = std::max<qint64>(disk.checkpointStep, last ? stepOf(*last) : 0);
    row.fraction = steps > 0 ? static_cast<double>(at) / static_cast<double>(steps) : 0;
    row.detail = tr("stopped at step %1 of %2").arg(at).arg(steps);
  } else if (disk.isRun) {
    row.state = RunState::NotTrained;
    row.detail = tr("no checkpoint yet: Start trains it");
  } else {
    row.state = RunState::NotTrained;
    row.detail = tr("not trained");
  }
  if (!disk.problem.isEmpty()) {
    if (row.state == RunState::NotTrained) row.state = RunState::Failed;
    row.detail += QStringLiteral(" (") + disk.problem + QLatin1Char(')');
  }
}

void TrainingView::refreshRow(int index) {
  const Row& row = rows_[static_cast<size_t>(index)];
  const QSignalBlocker blocker(table_);
  auto* variant = table_->item(index, VariantColumn);
  if (!variant) {
    variant = new QTableWidgetItem;
    variant->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
    table_->setItem(index, VariantColumn, variant);
    const auto remembered = checked_.find(row.variant.key);
    const bool checked = remembered != checked_.end() ? remembered->second : row.variant.checkedByDefault;
    variant->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
  }
  variant->setText(row.name);
  variant->setIcon(modelSwatch(index));
  variant->setToolTip(row.variant.description + tr("\nfolder: %1").arg(runFolder(index)));

  // An empty bar would look like a field to type in: rows without a run show none. (The table shows
  // its cell widgets itself, so the bar is removed rather than hidden.)
  if (row.state == RunState::NotTrained || (row.state == RunState::Failed && row.fraction <= 0)) {
    table_->removeCellWidget(index, ProgressColumn);
  } else {
    auto* bar = qobject_cast<QProgressBar*>(table_->cellWidget(index, ProgressColumn));
    if (!bar) {
      bar = new QProgressBar;
      bar->setRange(0, 1000);
      bar->setAlignment(Qt::AlignCenter);
      table_->setCellWidget(index, ProgressColumn, bar);
    }
    bar->setValue(static_cast<int>(std::clamp(row.fraction, 0.0, 1.0) * 1000));
    bar->setFormat(row.state == RunState::Finished ? tr("done") : QStringLiteral("%p%"));
    bar->setToolTip(tr("%1: %2").arg(row.name, row.detail));
  }

  auto* status = table_->item(index, StatusColumn);
  if (!status) {
    status = new QTableWidgetItem;
    status->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    table_->setItem(index, StatusColumn, status);
  }
  status->setText(row.detail);
  status->setToolTip(row.state == RunState::Stopped ? row.detail + tr(": Resume continues it from its checkpoint")
                                                     : row.detail);
  status->setForeground(row.state == RunState::Failed ? QColor(160, 20, 30) : palette().color(QPalette::Text));
}

void TrainingView::refreshFigures() {
  std::vector<TrainingCurves> runs;
  for (int row = 0; row < variantCount(); ++row) {
    const Row& entry = rows_[static_cast<size_t>(row)];
    if (!entry.records.empty()) runs.push_back({entry.name, entry.variant.family, row, entry.records});
  }
  lossPlot_->setFigure(trainingLossFigure(runs));
  kurtosisPlot_->setFigure(averageKurtosisFigure(runs));
  infNormPlot_->setFigure(maxInfNormFigure(runs));
}

void TrainingView::refreshButtons() {
  const bool busy = isTraining();
  bool resumable = false, openable = false;
  for (const Row& row : rows_) {
    const bool idle = row.state != RunState::Running && row.state != RunState::Queued;
    resumable = resumable || (idle && row.disk.resumable);
    openable = openable || (idle && row.disk.hasCheckpoint);
  }
  settingsPanel_->setEnabled(!busy);
  addRow_->setEnabled(!busy);
  startButton_->setEnabled(!busy);
  stopButton_->setEnabled(busy);
  resumeButton_->setEnabled(!busy && resumable);
  openButton_->setEnabled(openable);
  openAllButton_->setEnabled(openable);
}

void TrainingView::refreshOverall() {
  const bool busy = isTraining();
  overallBar_->setVisible(busy);
  if (!busy) {
    overallLabel_->setText(batchSummary());
    return;
  }
  const double fraction = currentRow_ >= 0 ? rows_[static_cast<size_t>(currentRow_)].fraction : 0;
  overallBar_->setValue(static_cast<int>((runsDone_ + fraction) / std::max(1, runsTotal_) * 1000));
  if (currentRow_ >= 0)
    overallLabel_->setText(tr("Training %1 (%2 of %3): %4")
                               .arg(runName(currentRow_))
                               .arg(runsDone_ + 1)
                               .arg(runsTotal_)
                               .arg(rows_[static_cast<size_t>(currentRow_)].detail));
}

QString TrainingView::batchSummary() const {
  int finished = 0, stopped = 0, failed = 0;
  for (int row : batchRows_) {
    const RunState state = rows_[static_cast<size_t>(row)].state;
    finished += state == RunState::Finished;
    stopped += state == RunState::Stopped;
    failed += state == RunState::Failed;
  }
  if (batchRows_.empty()) return {};
  QStringList parts{tr("%1 finished").arg(finished)};
  if (stopped > 0) parts << tr("%1 stopped").arg(stopped);
  if (failed > 0) parts << tr("%1 failed").arg(failed);
  const int notStarted = static_cast<int>(batchRows_.size()) - finished - stopped - failed;
  if (notStarted > 0) parts << tr("%1 not started").arg(notStarted);
  return tr("Last %1: %2").arg(resumingBatch_ ? tr("Resume") : tr("Start"), parts.join(QStringLiteral(", ")));
}

void TrainingView::setOutputFolder(const QString& folder) {
  outputFolder_->setText(folder);
  if (!isTraining()) rebuildRows();
}

QString TrainingView::outputFolder() const { return outputFolder_->text().trimmed(); }

void TrainingView::reloadRuns() {
  if (!isTraining()) rebuildRows();
}

QString TrainingView::runName(int row) const {
  return row >= 0 && row < variantCount() ? rows_[static_cast<size_t>(row)].name : QString();
}

QString TrainingView::runFolder(int row) const { return QDir(outputFolder()).filePath(runName(row)); }

int TrainingView::rowOfVariant(const hopscope::TrainingSettings& settings) const {
  for (int row = 0; row < variantCount(); ++row) {
    const Row& candidate = rows_[static_cast<size_t>(row)];
    if (candidate.listed && !candidate.disk.isRun && candidate.variant.family.toStdString() == settings.family &&
        candidate.variant.normalizer.toString() == settings.normalizer.toString() && candidate.variant.gate == settings.gate)
      return row;
  }
  return -1;
}

int TrainingView::rowOfRun(const QString& name) const {
  for (int row = 0; row < variantCount(); ++row)
    if (rows_[static_cast<size_t>(row)].name == name) return row;
  return -1;
}

bool TrainingView::isChecked(int row) const {
  const QTableWidgetItem* item = table_->item(row, VariantColumn);
  return item && item->checkState() == Qt::Checked;
}

void TrainingView::setChecked(int row, bool checked) {
  if (QTableWidgetItem* item = table_->item(row, VariantColumn)) item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

void TrainingView::checkOnly(const QStringList& runNames) {
  for (int row = 0; row < variantCount(); ++row) setChecked(row, runNames.contains(runName(row)));
}

TrainingView::RunState TrainingView::runState(int row) const { return rows_.at(static_cast<size_t>(row)).state; }

QString TrainingView::statusText(int row) const { return rows_.at(static_cast<size_t>(row)).detail; }

const std::vector<nlohmann::json>& TrainingView::records(int row) const {
  return rows_.at(static_cast<size_t>(row)).records;
}

bool TrainingView::isTraining() const { return jobs_->isBusy(); }

void TrainingView::adoptSettings(const hopscope::TrainingSettings& s) {
  layers_->setValue(static_cast<int>(s.layers));
  hidden_->setValue(static_cast<int>(s.hidden));
  heads_->setValue(static_cast<int>(s.heads));
  ffn_->setValue(static_cast<int>(s.ffn));
  seqLen_->setValue(static_cast<int>(s.seqLen));
  if (s.vocabSize > 0) vocabSize_->setValue(static_cast<int>(s.vocabSize));
  patch_->setValue(static_cast<int>(s.patchSize));
  trainText_->setText(QString::fromStdString(s.data));
  evalText_->setText(QString::fromStdString(s.evalData));
  batch_->setValue(static_cast<int>(s.batch));
  steps_->setValue(static_cast<int>(s.steps));
  learningRate_->setValue(s.learningRate);
  warmup_->setValue(static_cast<int>(s.warmup));
  evalEvery_->setValue(static_cast<int>(s.evalEvery));
  seed_->setValue(static_cast<int>(s.seed));
}

hopscope::TrainingSettings TrainingView::settingsFor(int row) const {
  const Variant& variant = rows_.at(static_cast<size_t>(row)).variant;
  hopscope::TrainingSettings s;
  s.family = variant.family.toStdString();
  s.normalizer = variant.normalizer;
  s.gate = variant.gate;
  s.layers = layers_->value();
  s.hidden = hidden_->value();
  s.heads = heads_->value();
  s.ffn = ffn_->value();
  s.seqLen = seqLen_->value();
  s.data = trainText_->text().trimmed().toStdString();
  s.evalData = evalText_->text().trimmed().toStdString();
  s.vocabSize = vocabSize_->value();
  s.patchSize = patch_->value();
  const hopscope::ModelFamily* family = hopscope::findFamily(s.family);
  if (family && family->task == hopscope::TaskKind::ImageClassification) {
    s.vocabSize = 0;  // images: no tokenizer
    if (s.data.find("fashion-mnist") != std::string::npos) s.classNames = fashionMnistClasses();
  }
  s.batch = batch_->value();
  s.steps = steps_->value();
  s.warmup = warmup_->value();
  s.learningRate = learningRate_->value();
  s.evalEvery = evalEvery_->value();
  s.seed = static_cast<uint64_t>(seed_->value());
  return s;
}

void TrainingView::start() {
  if (isTraining()) return;
  if (outputFolder().isEmpty()) return reportError(tr("Choose an output folder for the runs."));
  if (trainText_->text().trimmed().isEmpty() || evalText_->text().trimmed().isEmpty())
    return reportError(tr("Choose a training text and a held-out text."));
  rebuildRows();  // what the folder holds now
  std::vector<TrainingRun> runs;
  QStringList skipped;
  for (int row = 0; row < variantCount(); ++row) {
    if (!isChecked(row)) continue;
    if (rows_[static_cast<size_t>(row)].disk.hasCheckpoint) {
      skipped << runName(row);
      continue;
    }
    runs.push_back({row, runFolder(row), settingsFor(row), false});
  }
  if (runs.empty())
    return reportError(skipped.isEmpty()
                           ? tr("Check at least one variant to train.")
                           : tr("Every checked variant already has a run in %1 (%2): Resume continues stopped ones; "
                                "choose another output folder to train them again.")
                                 .arg(outputFolder(), skipped.join(QStringLiteral(", "))));
  for (const TrainingRun& run : runs) {
    Row& row = rows_[static_cast<size_t>(run.id)];
    row.state = RunState::Queued;
    row.detail = tr("queued");
    row.records.clear();
    row.fraction = 0;
    refreshRow(run.id);
  }
  beginBatch(runs, false);
  refreshFigures();
  jobs_->start(std::move(runs));
}

void TrainingView::resume() {
  if (isTraining()) return;
  rebuildRows();
  std::vector<TrainingRun> runs;
  for (int row = 0; row < variantCount(); ++row)
    if (rows_[static_cast<size_t>(row)].disk.resumable) runs.push_back({row, runFolder(row), {}, true});
  if (runs.empty()) return reportError(tr("No stopped run to resume in %1.").arg(outputFolder()));
  for (const TrainingRun& run : runs) {
    Row& row = rows_[static_cast<size_t>(run.id)];
    row.state = RunState::Queued;
    row.detail = tr("queued to resume");
    refreshRow(run.id);
  }
  beginBatch(runs, true);
  jobs_->start(std::move(runs));
}

void TrainingView::beginBatch(const std::vector<TrainingRun>& runs, bool resuming) {
  batchRows_.clear();
  for (const TrainingRun& run : runs) batchRows_.push_back(run.id);
  runsTotal_ = static_cast<int>(runs.size());
  runsDone_ = 0;
  resumingBatch_ = resuming;
}

void TrainingView::stop() { jobs_->stop(); }

void TrainingView::onStarted(int index) {
  Row& row = rows_.at(static_cast<size_t>(index));
  row.state = RunState::Running;
  row.detail = tr("starting…");
  currentRow_ = index;
  refreshRow(index);
  refreshButtons();
  refreshOverall();
}

void TrainingView::onProgress(int index, double fraction, const QString& stage) {
  Row& row = rows_.at(static_cast<size_t>(index));
  if (row.state != RunState::Running) return;
  row.fraction = fraction;
  row.detail = stage;
  refreshRow(index);
  refreshOverall();
}

void TrainingView::onRecorded(int index, const nlohmann::json& record) {
  rows_.at(static_cast<size_t>(index)).records.push_back(record);
  refreshFigures();
}

void TrainingView::onFinished(int index, const TrainingOutcome& outcome) {
  Row& row = rows_.at(static_cast<size_t>(index));
  row.disk = readTrainingRun(runFolder(index));
  applyDiskState(row);
  if (outcome.stopped && !row.disk.resumable) row.detail = tr("stopped before training began");
  ++runsDone_;
  currentRow_ = -1;
  refreshRow(index);
  refreshFigures();
  refreshButtons();
  refreshOverall();
}

void TrainingView::onFailed(int index, const QString& message) {
  Row& row = rows_.at(static_cast<size_t>(index));
  row.disk = readTrainingRun(runFolder(index));
  applyDiskState(row);
  row.state = RunState::Failed;
  row.detail = tr("failed: %1").arg(message);
  if (row.disk.resumable) row.detail += tr(" (its last checkpoint can be resumed)");
  ++runsDone_;
  currentRow_ = -1;
  refreshRow(index);
  refreshFigures();
  refreshButtons();
  refreshOverall();
  reportError(tr("Training %1 failed: %2").arg(runName(index), message));
}

void TrainingView::onDropped(int index) {
  Row& row = rows_.at(static_cast<size_t>(index));
  applyDiskState(row);
  row.detail += tr(" (not started: stopped)");
  refreshRow(index);
}

void TrainingView::openRows(const std::vector<int>& rows) {
  int opened = 0;
  for (int index : rows) {
    const Row& row = rows_.at(static_cast<size_t>(index));
    if (!row.disk.hasCheckpoint || row.state == RunState::Running || row.state == RunState::Queued) continue;
    emit openModelRequested(runFolder(index));
    ++opened;
  }
  if (opened == 0) reportError(tr("Nothing to open: choose a finished or stopped run (one with a checkpoint)."));
}

void TrainingView::openSelected() {
  std::set<int> selected;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows()) selected.insert(index.row());
  if (selected.empty() && table_->currentRow() >= 0) selected.insert(table_->currentRow());
  openRows(std::vector<int>(selected.begin(), selected.end()));
}

void TrainingView::openAll() {
  std::vector<int> rows;
  for (int row = 0; row < variantCount(); ++row) rows.push_back(row);
  openRows(rows);
}

bool TrainingView::addVariant(const QString& normalizer, GateKind gate) {
  NormalizerSpec parsed;
  try {
    parsed = hopscope::parseNormalizer(normalizer.trimmed().toStdString());
  } catch (const std::exception& error) {
    reportError(QString::fromStdString(error.what()));
    return false;
  }
  const QString name = trainingRunFolderName(family_->currentText(), parsed, gate);
  const int existing = rowOfRun(name);
  if (existing >= 0 && rows_[static_cast<size_t>(existing)].listed) {
    reportError(tr("%1 is already listed.").arg(name));
    return false;
  }
  customVariants_.push_back({parsed, gate});
  checked_[customKey(parsed, gate)] = true;
  rebuildRows();
  return true;
}

void TrainingView::addCustomVariant() {
  if (customNormalizer_->text().trimmed().isEmpty())
    return reportError(tr("Type a normalizer to add, e.g. clipped-softmax1:-0.1:1.1."));
  const auto gate = static_cast<GateKind>(customGate_->currentData().toInt());
  if (addVariant(customNormalizer_->text(), gate)) customNormalizer_->clear();
}

QStringList TrainingView::plotNames() {
  return {QStringLiteral("loss"), QStringLiteral("kurtosis"), QStringLiteral("inf-norm")};
}

bool TrainingView::showPlot(const QString& name) {
  const int index = static_cast<int>(plotNames().indexOf(name.toLower()));
  if (index < 0) return false;
  plotTabs_->setCurrentIndex(index);
  return true;
}

QCustomPlot* TrainingView::currentPlot() const { return qobject_cast<QCustomPlot*>(plotTabs_->currentWidget()); }

QProgressBar* TrainingView::progressBar(int row) const {
  return qobject_cast<QProgressBar*>(table_->cellWidget(row, ProgressColumn));
}

void TrainingView::chooseFile(QLineEdit* edit, const QString& caption) {
  const QString chosen = QFileDialog::getOpenFileName(this, tr("Choose the %1").arg(caption), edit->text(),
                                                      tr("Text files (*.txt);;All files (*)"));
  if (!chosen.isEmpty()) edit->setText(chosen);
}

void TrainingView::chooseOutputFolder() {
  const QString chosen = QFileDialog::getExistingDirectory(this, tr("Output folder of the runs"), outputFolder());
  if (!chosen.isEmpty()) setOutputFolder(chosen);
}

void TrainingView::reportError(const QString& message) { emit errorOccurred(message); }
