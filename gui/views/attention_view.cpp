#include "views/attention_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "plots/heatmap_plot.h"
#include "plots/model_palette.h"
#include "plots/plot_export.h"
#include "views/attention_grid.h"
#include "views/attention_maps.h"
#include "views/attention_overview.h"
#include "views/loaded_models_model.h"
#include "views/patch_attention.h"

namespace {

QString fromStd(const std::string& text) { return QString::fromStdString(text); }

QString swatchHtml(int slot) {
  return QStringLiteral("<span style=\"color:%1\">&#9632;</span>").arg(modelColour(slot).name());
}

QString formatted(double value) {
  if (std::isnan(value)) return QObject::tr("masked");
  if (value == 0.0 || std::abs(value) >= 1e-3) return QString::number(value, 'f', 4);
  return QString::number(value, 'e', 2);
}

QAction* addKeyAction(QWidget* owner, const QString& text, const QList<QKeySequence>& keys) {
  auto* action = new QAction(text, owner);
  action->setShortcuts(keys);
  action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  owner->addAction(action);
  return action;
}

}  // namespace

AttentionView::AttentionView(LoadedModelsModel* models, QWidget* parent)
    : QWidget(parent), models_(models) {
  grid_ = new AttentionGrid(models_);
  overview_ = new AttentionOverview(models_);

  layerBox_ = new QSpinBox;
  layerBox_->setToolTip(tr("Transformer layer (0 = first, as in the module path layer.0)\n"
                           "PageUp / PageDown or [ / ] step through the layers"));
  headBox_ = new QSpinBox;
  headBox_->setToolTip(tr("Attention head of the layer\nLeft / Right or , / . step through the heads, then the mean"));
  meanOverHeads_ = new QCheckBox(tr("Mean over heads"));
  meanOverHeads_->setToolTip(tr("Average the probabilities of all heads of the layer (M)"));

  colourScale_ = new QComboBox;
  colourScale_->addItem(tr("Linear 0…1"), static_cast<int>(AttentionGrid::ColourMode::UnitRange));
  colourScale_->addItem(tr("Linear, shared range"), static_cast<int>(AttentionGrid::ColourMode::SharedRange));
  colourScale_->addItem(tr("Linear, per map"), static_cast<int>(AttentionGrid::ColourMode::PerMap));
  colourScale_->addItem(tr("Log (from 1e-4)"), static_cast<int>(AttentionGrid::ColourMode::Log));
  colourScale_->setToolTip(tr("Colour scale of every pane:\n"
                              "Linear 0…1: the same colours for the same probability everywhere.\n"
                              "Linear, shared range: the smallest to the largest value over all panes.\n"
                              "Linear, per map: each pane its own range (colours do not compare).\n"
                              "Log: log10 from 1e-4 to 1 (smaller values get the lowest colour).\n"
                              "Difference maps are always linear and symmetric around 0."));

  reference_ = new QComboBox;
  reference_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  reference_->setMinimumContentsLength(12);
  reference_->setToolTip(tr("Show every other variant as p − p(reference), in red (more) and blue (less);\n"
                            "only where the token sequences are the same"));

  variantsButton_ = new QToolButton;
  variantsButton_->setText(tr("Variants"));
  variantsButton_->setPopupMode(QToolButton::InstantPopup);
  variantsButton_->setMenu(new QMenu(variantsButton_));
  variantsButton_->setToolTip(tr("Which loaded models get a pane"));

  auto* resetZoom = new QPushButton(tr("Reset zoom"));
  resetZoom->setToolTip(tr("Show the whole maps (Ctrl+0, or double-click a map).\n"
                           "Wheel zooms, dragging pans; every pane follows."));
  auto* exportButton = new QPushButton(tr("Export grid…"));
  exportButton->setToolTip(tr("Save every pane, laid out as shown, as one PNG, SVG or PDF\n"
                              "(File ▸ Export plot saves the current pane alone)"));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Layer:")));
  controls->addWidget(layerBox_);
  controls->addSpacing(6);
  controls->addWidget(new QLabel(tr("Head:")));
  controls->addWidget(headBox_);
  controls->addWidget(meanOverHeads_);
  controls->addSpacing(10);
  controls->addWidget(new QLabel(tr("Colours:")));
  controls->addWidget(colourScale_);
  controls->addSpacing(10);
  controls->addWidget(new QLabel(tr("Difference to:")));
  controls->addWidget(reference_);
  controls->addStretch(1);
  // Second row: which panes, zoom, export (one row would clip the combos in a narrow window).
  auto* actions = new QHBoxLayout;
  actions->addWidget(variantsButton_);
  actions->addWidget(resetZoom);
  actions->addWidget(exportButton);
  actions->addStretch(1);

  // Image panes: the query and the no-op toggle, shown while an image pane is.
  imageQuery_ = new QLabel;
  imageQuery_->setTextFormat(Qt::RichText);
  imageQuery_->setToolTip(tr("Image panes show this query's attention over the patches.\n"
                             "Click a patch on an image to make it the query; click it again (or Class token) "
                             "to go back to the class token."));
  classToken_ = new QPushButton(tr("Class token"));
  classToken_->setToolTip(tr("Show the class token's attention over the patches in every image pane"));
  imageNoOp_ = new QCheckBox(tr("No-op mass per patch"));
  imageNoOp_->setToolTip(tr("Colour every patch by the no-op mass 1 − Σp of its own query row\n"
                            "(softmax1's weight on its implicit zero key; 0 for softmax)\n"
                            "instead of one query's attention"));
  imageControls_ = new QWidget;
  auto* imageRow = new QHBoxLayout(imageControls_);
  imageRow->setContentsMargins(0, 0, 0, 0);
  imageRow->addWidget(new QLabel(tr("Image query:")));
  imageRow->addWidget(imageQuery_);
  imageRow->addWidget(classToken_);
  imageRow->addSpacing(10);
  imageRow->addWidget(imageNoOp_);
  imageControls_->setVisible(false);
  actions->insertWidget(3, imageControls_);
  actions->insertSpacing(3, 16);

  selection_ = new QLabel;
  selection_->setWordWrap(true);
  selection_->setTextFormat(Qt::RichText);
  selection_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  selection_->setContentsMargins(4, 2, 4, 2);

  auto* gridScroll = new QScrollArea;
  gridScroll->setWidget(grid_);
  gridScroll->setWidgetResizable(true);
  gridScroll->setFrameShape(QFrame::NoFrame);
  auto* mapsColumn = new QWidget;
  auto* mapsLayout = new QVBoxLayout(mapsColumn);
  mapsLayout->setContentsMargins(0, 0, 0, 0);
  mapsLayout->setSpacing(2);
  mapsLayout->addWidget(gridScroll, 1);
  mapsLayout->addWidget(selection_);

  predictionsTitle_ = new QLabel(tr("Top predictions"));
  predictionsTitle_->setWordWrap(true);
  QFont bold = predictionsTitle_->font();
  bold.setBold(true);
  predictionsTitle_->setFont(bold);
  predictions_ = new QTreeWidget;
  predictions_->setColumnCount(3);
  predictions_->setHeaderLabels({tr("Position"), tr("Prediction"), tr("p")});
  predictions_->setRootIsDecorated(true);
  predictions_->setUniformRowHeights(true);
  predictions_->setAlternatingRowColors(true);
  predictions_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  predictions_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
  predictions_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  predictions_->header()->setStretchLastSection(false);
  predictions_->setToolTip(tr("The current pane's model: its most likely tokens at each predicted position;\n"
                              "expand a row for the runners-up. Click a pane to make it current."));
  auto* predictionsPage = new QWidget;
  auto* predictionsLayout = new QVBoxLayout(predictionsPage);
  predictionsLayout->setContentsMargins(4, 4, 4, 4);
  predictionsLayout->addWidget(predictionsTitle_);
  predictionsLayout->addWidget(predictions_);

  auto* overviewScroll = new QScrollArea;
  overviewScroll->setWidget(overview_);
  overviewScroll->setWidgetResizable(true);
  overviewScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  overviewScroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);  // a steady width: no resize loop
  overviewScroll->setFrameShape(QFrame::NoFrame);

  side_ = new QTabWidget;
  side_->setDocumentMode(true);
  side_->addTab(overviewScroll, tr("Overview"));
  side_->setTabToolTip(0, tr("Every layer and head of each variant: click one to show it"));
  side_->addTab(predictionsPage, tr("Predictions"));
  side_->setTabToolTip(1, tr("The current pane's top predictions"));
  side_->setMinimumWidth(250);  // room for "position token | prediction | p" without clipping

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(mapsColumn);
  splitter->addWidget(side_);
  splitter->setStretchFactor(0, 4);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({1000, 290});
  splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(3);
  layout->addLayout(controls);
  layout->addLayout(actions);
  layout->addWidget(splitter, 1);

  // Keyboard stepping (while focus is in the view; spin boxes keep their own arrow keys).
  nextLayer_ = addKeyAction(this, tr("Next layer"), {QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::Key_BracketRight)});
  previousLayer_ = addKeyAction(this, tr("Previous layer"), {QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::Key_BracketLeft)});
  nextHead_ = addKeyAction(this, tr("Next head"), {QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_Period)});
  previousHead_ = addKeyAction(this, tr("Previous head"), {QKeySequence(Qt::Key_Left), QKeySequence(Qt::Key_Comma)});
  QAction* toggleMean = addKeyAction(this, tr("Mean over heads"), {QKeySequence(Qt::Key_M)});
  QAction* resetAction = addKeyAction(this, tr("Reset zoom"), {QKeySequence(Qt::CTRL | Qt::Key_0)});
  connect(nextLayer_, &QAction::triggered, this, [this] { stepLayer(1); });
  connect(previousLayer_, &QAction::triggered, this, [this] { stepLayer(-1); });
  connect(nextHead_, &QAction::triggered, this, [this] { stepHead(1); });
  connect(previousHead_, &QAction::triggered, this, [this] { stepHead(-1); });
  connect(toggleMean, &QAction::triggered, meanOverHeads_, &QCheckBox::toggle);
  connect(resetAction, &QAction::triggered, grid_, &AttentionGrid::resetView);
  setFocusPolicy(Qt::StrongFocus);

  connect(layerBox_, &QSpinBox::valueChanged, this, [this](int layer) {
    grid_->setLayer(layer);
    syncRanges();
    applyHead();
    overview_->setCurrent(grid_->layer(), grid_->head());
  });
  connect(headBox_, &QSpinBox::valueChanged, this, [this] { applyHead(); });
  connect(meanOverHeads_, &QCheckBox::toggled, this, [this](bool mean) {
    headBox_->setEnabled(!mean);
    applyHead();
  });
  connect(colourScale_, &QComboBox::currentIndexChanged, this, [this] {
    grid_->setColourMode(static_cast<AttentionGrid::ColourMode>(colourScale_->currentData().toInt()));
  });
  connect(reference_, &QComboBox::currentIndexChanged, this, [this] {
    grid_->setReferenceModelId(reference_->currentData().isValid() ? reference_->currentData().toInt() : -1);
    showSelection();
  });
  connect(resetZoom, &QPushButton::clicked, grid_, &AttentionGrid::resetView);
  connect(exportButton, &QPushButton::clicked, this, &AttentionView::exportGridDialog);
  connect(overview_, &AttentionOverview::picked, this, [this](int layer, int head) {
    layerBox_->setValue(layer);
    if (head < 0) {
      meanOverHeads_->setChecked(true);
    } else {
      headBox_->setValue(head);
      meanOverHeads_->setChecked(false);
    }
  });
  connect(grid_, &AttentionGrid::runsChanged, this, [this] {
    syncRanges();
    showSelection();
    showImageQuery();
    showPredictions(currentModelId());
  });
  connect(grid_, &AttentionGrid::currentModelChanged, this, [this](int id) { showPredictions(id); });
  connect(grid_, &AttentionGrid::selectionChanged, this, [this] { showSelection(); });
  connect(grid_, &AttentionGrid::imageQueryChanged, this, [this] { showImageQuery(); });
  connect(classToken_, &QPushButton::clicked, this, [this] { grid_->setImageQuery({}); });
  connect(imageNoOp_, &QCheckBox::toggled, grid_, &AttentionGrid::setImageNoOp);
  for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
    connect(models_, signal, this, [this] { rebuildModelLists(); });
  connect(models_, &QAbstractItemModel::dataChanged, this, [this] {
    rebuildModelLists();
    showImageQuery();
  });
  rebuildModelLists();
  showImageQuery();
  syncRanges();
  showSelection();
}

HeatmapPlot* AttentionView::heatmap() const { return grid_->currentPane(); }

int AttentionView::currentModelId() const { return grid_->currentModelId(); }

void AttentionView::selectModelId(int id) { grid_->setCurrentModelId(id); }

void AttentionView::syncRanges() {
  const int layers = grid_->layerCount();
  {
    const QSignalBlocker block(layerBox_);
    layerBox_->setRange(0, std::max(layers - 1, 0));
  }
  grid_->setLayer(layerBox_->value());
  const int heads = grid_->headCount();
  {
    const QSignalBlocker block(headBox_);
    headBox_->setRange(0, std::max(heads - 1, 0));
  }
  applyHead();
}

void AttentionView::applyHead() {
  grid_->setHead(meanOverHeads_->isChecked() ? attention_maps::kMeanOverHeads : headBox_->value());
  overview_->setCurrent(grid_->layer(), grid_->head());
  showSelection();
}

void AttentionView::stepLayer(int delta) { layerBox_->setValue(layerBox_->value() + delta); }

void AttentionView::stepHead(int delta) {
  // Order: head 0, 1, …, last, then the mean.
  const int heads = std::max(grid_->headCount(), 1);
  int position = meanOverHeads_->isChecked() ? heads : headBox_->value();
  position = std::clamp(position + delta, 0, heads);
  if (position == heads) {
    meanOverHeads_->setChecked(true);
  } else {
    headBox_->setValue(position);
    meanOverHeads_->setChecked(false);
  }
}

void AttentionView::rebuildModelLists() {
  // Difference reference: none or any loaded model, kept by id across rebuilds.
  const QVariant chosen = reference_->currentData();
  {
    const QSignalBlocker block(reference_);
    reference_->clear();
    reference_->addItem(tr("none"));
    for (int row = 0; row < models_->rowCount(); ++row)
      reference_->addItem(modelSwatch(row), models_->index(row, LoadedModelsModel::Name).data().toString(),
                          models_->entryAt(row).id);
    const int index = chosen.isValid() ? reference_->findData(chosen) : 0;
    reference_->setCurrentIndex(std::max(index, 0));
  }
  if (!chosen.isValid() != !reference_->currentData().isValid() ||
      (chosen.isValid() && chosen != reference_->currentData()))
    grid_->setReferenceModelId(reference_->currentData().isValid() ? reference_->currentData().toInt() : -1);

  // Variant checkboxes.
  QMenu* menu = variantsButton_->menu();
  menu->clear();
  for (int row = 0; row < models_->rowCount(); ++row) {
    const int id = models_->entryAt(row).id;
    QAction* action = menu->addAction(modelSwatch(row), models_->index(row, LoadedModelsModel::Name).data().toString());
    action->setCheckable(true);
    action->setChecked(!grid_->isModelHidden(id));
    connect(action, &QAction::toggled, this, [this, id](bool shown) {
      grid_->setModelHidden(id, !shown);
      overview_->setModelIds(grid_->shownModelIds());
      syncRanges();
    });
  }
  variantsButton_->setEnabled(models_->rowCount() > 0);
  overview_->setModelIds(grid_->shownModelIds());
}

void AttentionView::showImageQuery() {
  imageControls_->setVisible(grid_->hasImagePanes());
  const patch_attention::PatchQuery query = grid_->imageQuery();
  imageQuery_->setText(grid_->imageNoOp() ? tr("<i>every patch (no-op mass)</i>")
                                          : QStringLiteral("<b>%1</b>").arg(patch_attention::queryText(query)));
  classToken_->setEnabled(!query.isClassToken() && !grid_->imageNoOp());
  {
    const QSignalBlocker block(imageNoOp_);
    imageNoOp_->setChecked(grid_->imageNoOp());
  }
  showSelection();
}

void AttentionView::showSelection() {
  const int row = grid_->selectedRow(), column = grid_->selectedColumn();
  // Image panes: the query's weight on the class token and its no-op mass, pane by pane.
  QStringList imageParts;
  for (int index = 0; index < grid_->paneCount(); ++index) {
    const HeatmapPlot* plot = grid_->pane(index);
    const int id = grid_->paneModelId(index);
    if (!grid_->isImagePane(index) || !plot->hasMap() || id < 0) continue;
    const HeatmapData& data = plot->heatmapData();
    QString part = QStringLiteral("%1&nbsp;<b>%2</b>&nbsp;").arg(swatchHtml(models_->rowOfId(id)), data.title.toHtmlEscaped());
    if (!std::isnan(data.classTokenWeight)) part += tr("p(→&nbsp;CLS)&nbsp;%1, ").arg(formatted(data.classTokenWeight));
    part += tr("no-op&nbsp;%1").arg(formatted(data.noOpMass));
    imageParts << part;
  }
  QString imageLine;
  if (!imageParts.isEmpty())
    imageLine = QStringLiteral("<b>%1</b>: %2")
                    .arg(grid_->imageNoOp() ? tr("image, the class token's own no-op mass")
                                            : tr("image, query %1").arg(patch_attention::queryText(grid_->imageQuery())),
                         imageParts.join(QStringLiteral(" &nbsp;·&nbsp; ")));
  if (row < 0 && !imageLine.isEmpty() && grid_->paneCount() == static_cast<int>(imageParts.size())) {
    selection_->setText(imageLine);
    return;
  }
  if (row < 0) {
    selection_->setText(tr("<span style=\"color:gray\">Click a cell to select its query and key in every pane; "
                           "the wheel zooms, dragging pans, a double-click resets. "
                           "PageUp/PageDown or [ ] step layers, ←/→ or , . step heads, M toggles the mean.</span>") +
                        (imageLine.isEmpty() ? QString() : QStringLiteral("<br>") + imageLine));
    return;
  }
  QStringList parts;
  QString where;
  for (int index = 0; index < grid_->paneCount(); ++index) {
    const HeatmapPlot* plot = grid_->pane(index);
    const int id = grid_->paneModelId(index);
    if (!plot->hasMap() || id < 0 || grid_->isImagePane(index)) continue;
    const HeatmapData& data = plot->heatmapData();
    if (row >= data.rows() || column >= data.columns()) continue;
    if (where.isEmpty())
      where = column >= 0 ? tr("query '%1' (%2) → key '%3' (%4)")
                                .arg(data.rowLabels[row].toHtmlEscaped()).arg(row)
                                .arg(data.columnLabels[column].toHtmlEscaped()).arg(column)
                          : tr("query '%1' (%2), no-op").arg(data.rowLabels[row].toHtmlEscaped()).arg(row);
    const double value = column >= 0 ? data.at(row, column) : std::nan("");
    const double mass = data.hasStrip() ? data.stripValues[static_cast<size_t>(row)] : std::nan("");
    QString part = QStringLiteral("%1&nbsp;<b>%2</b>&nbsp;").arg(swatchHtml(models_->rowOfId(id)), data.title.toHtmlEscaped());
    if (column >= 0) part += (data.diverging ? QStringLiteral("Δp&nbsp;") : QStringLiteral("p&nbsp;")) + formatted(value);
    if (!std::isnan(mass)) part += (column >= 0 ? QStringLiteral(", ") : QString()) +
                                   (data.diverging ? tr("Δ no-op&nbsp;") : tr("no-op&nbsp;")) + formatted(mass);
    parts << part;
  }
  QStringList lines;
  if (!where.isEmpty()) lines << QStringLiteral("<b>%1</b>: %2").arg(where, parts.join(QStringLiteral(" &nbsp;·&nbsp; ")));
  if (!imageLine.isEmpty()) lines << imageLine;
  selection_->setText(lines.join(QStringLiteral("<br>")));
}

bool AttentionView::exportGrid(const QString& path) {
  try {
    grid_->exportGrid(path);
    return true;
  } catch (const std::exception& error) {
    emit errorOccurred(QString::fromStdString(error.what()));
    return false;
  }
}

void AttentionView::exportGridDialog() {
  QString selectedFilter;
  QString path = QFileDialog::getSaveFileName(this, tr("Export attention grid"), QStringLiteral("attention-grid.png"),
                                              plotExportFilter(), &selectedFilter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) {
    const int star = selectedFilter.indexOf(QStringLiteral("*."));
    if (star >= 0) path += selectedFilter.mid(star + 1, 4);
  }
  exportGrid(path);
}

void AttentionView::showPredictions(int modelId) {
  predictions_->clear();
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  if (entry && entry->lastImageRun) {
    const hopscope::ImageRunResult& run = *entry->lastImageRun;
    const QString name = entry->model ? fromStd(entry->model->info().name) : QString();
    predictionsTitle_->setText(tr("%1: top classes of the image").arg(name));
    predictions_->setHeaderLabels({tr("Class"), tr("Name"), tr("p")});
    for (const hopscope::ClassPrediction& prediction : run.top) {
      auto* item = new QTreeWidgetItem(predictions_);
      item->setText(0, QString::number(prediction.label));
      item->setText(1, fromStd(prediction.name));
      item->setText(2, QString::number(prediction.probability, 'f', 3));
    }
    return;
  }
  predictions_->setHeaderLabels({tr("Position"), tr("Prediction"), tr("p")});
  if (!entry || !entry->lastRun) {
    predictionsTitle_->setText(tr("Top predictions"));
    return;
  }
  const hopscope::TextRunResult& run = *entry->lastRun;
  const QString name = entry->model ? fromStd(entry->model->info().name) : QString();
  predictionsTitle_->setText(run.causal ? tr("%1: the next token after each position").arg(name)
                                        : tr("%1: top predictions at each [MASK] (every position if none)").arg(name));
  const std::vector<std::string>& labels = run.displayTokens.empty() ? run.tokens : run.displayTokens;
  for (const hopscope::TokenPrediction& prediction : run.predictions) {
    if (prediction.tokens.empty()) continue;
    const QString input = prediction.position < static_cast<int64_t>(labels.size())
                              ? fromStd(labels[static_cast<size_t>(prediction.position)])
                              : QString();
    auto* item = new QTreeWidgetItem(predictions_);
    item->setText(0, QStringLiteral("%1 %2").arg(prediction.position).arg(input));
    item->setText(1, fromStd(prediction.tokens[0]));
    if (!prediction.probabilities.empty())
      item->setText(2, QString::number(prediction.probabilities[0], 'f', 3));
    for (size_t rank = 1; rank < prediction.tokens.size(); ++rank) {
      auto* child = new QTreeWidgetItem(item);
      child->setText(1, fromStd(prediction.tokens[rank]));
      if (rank < prediction.probabilities.size())
        child->setText(2, QString::number(prediction.probabilities[rank], 'f', 3));
    }
  }
}
