#include "views/attention_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "views/loaded_models_model.h"
#include "plots/heatmap_plot.h"

namespace {

QString fromStd(const std::string& text) { return QString::fromStdString(text); }

// softmax1 and its variants let a row sum to less than 1; the rest is the head's "no-op" weight.
bool rowsMayLoseMass(const std::string& normalizer) {
  return normalizer.find("softmax1") != std::string::npos;
}

// One layer's probabilities as a heatmap: probs[head][q][k] (head < 0: mean over heads), with
// the causal upper triangle masked as NaN so it is drawn blank rather than as zeros.
HeatmapData attentionHeatmap(const QString& modelName, const std::string& normalizer,
                             const hopscope::TextRunResult& run, int layer, int head) {
  const hopscope::AttentionProbabilities& attention = run.attention[static_cast<size_t>(layer)];
  HeatmapData data;
  data.title = head < 0 ? QObject::tr("%1 — layer %2, mean over %3 heads")
                              .arg(modelName).arg(layer).arg(attention.heads)
                        : QObject::tr("%1 — layer %2, head %3").arg(modelName).arg(layer).arg(head);
  data.rowAxisTitle = QObject::tr("query token");
  data.columnAxisTitle = QObject::tr("key token");
  data.rowNoun = QObject::tr("query");
  data.columnNoun = QObject::tr("key");
  data.valueTitle = QObject::tr("attention probability");
  const std::vector<std::string>& labels = run.displayTokens.empty() ? run.tokens : run.displayTokens;
  for (int64_t q = 0; q < attention.queries; ++q)
    data.rowLabels << (q < static_cast<int64_t>(labels.size()) ? fromStd(labels[q]) : QString::number(q));
  for (int64_t k = 0; k < attention.keys; ++k)
    data.columnLabels << (k < static_cast<int64_t>(labels.size()) ? fromStd(labels[k]) : QString::number(k));

  const bool showMissingMass = rowsMayLoseMass(normalizer);
  data.values.reserve(static_cast<size_t>(attention.queries * attention.keys));
  for (int64_t q = 0; q < attention.queries; ++q) {
    double rowSum = 0.0;
    for (int64_t k = 0; k < attention.keys; ++k) {
      double value = 0.0;
      if (head >= 0) {
        value = attention.at(head, q, k);
      } else {
        for (int64_t h = 0; h < attention.heads; ++h) value += attention.at(h, q, k);
        value /= static_cast<double>(attention.heads);
      }
      rowSum += value;
      const bool masked = run.causal && k > q;
      data.values.push_back(masked ? std::numeric_limits<double>::quiet_NaN() : value);
    }
    if (showMissingMass)
      data.rowNotes << QObject::tr("row missing mass 1 − Σp = %1").arg(1.0 - rowSum, 0, 'f', 4);
  }
  return data;
}

}  // namespace

AttentionView::AttentionView(LoadedModelsModel* models, QWidget* parent)
    : QWidget(parent), models_(models) {
  modelSelector_ = new QComboBox;
  modelSelector_->setModel(models_);
  modelSelector_->setModelColumn(LoadedModelsModel::Name);
  modelSelector_->setMinimumContentsLength(16);
  modelSelector_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  modelSelector_->setToolTip(tr("Which loaded model's attention to show"));

  layerBox_ = new QSpinBox;
  layerBox_->setToolTip(tr("Transformer layer (0 = first, as in the module path layer.0)"));
  headBox_ = new QSpinBox;
  headBox_->setToolTip(tr("Attention head of the layer"));
  meanOverHeads_ = new QCheckBox(tr("Mean over heads"));
  meanOverHeads_->setToolTip(tr("Average the probabilities of all heads of the layer"));
  fixedRange_ = new QCheckBox(tr("Fixed 0…1 colour range"));
  fixedRange_->setChecked(true);
  fixedRange_->setToolTip(tr("Checked: colours span 0 to 1, comparable across heads and models.\n"
                             "Unchecked: colours span this map's own minimum to maximum."));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model:")));
  controls->addWidget(modelSelector_);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Layer:")));
  controls->addWidget(layerBox_);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Head:")));
  controls->addWidget(headBox_);
  controls->addWidget(meanOverHeads_);
  controls->addSpacing(8);
  controls->addWidget(fixedRange_);
  controls->addStretch(1);

  heatmap_ = new HeatmapPlot;
  heatmap_->setFixedUnitRange(fixedRange_->isChecked());

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
  predictions_->setToolTip(tr("The model's most likely tokens at each predicted position;\n"
                              "expand a row for the runners-up"));

  auto* side = new QWidget;
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->setContentsMargins(0, 0, 0, 0);
  sideLayout->addWidget(predictionsTitle_);
  sideLayout->addWidget(predictions_);
  side->setMinimumWidth(250);  // room for "position token | prediction | p" without clipping

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(heatmap_);
  splitter->addWidget(side);
  splitter->setStretchFactor(0, 4);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({900, 300});
  splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(splitter, 1);

  connect(modelSelector_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(layerBox_, &QSpinBox::valueChanged, this, [this] { refresh(); });
  connect(headBox_, &QSpinBox::valueChanged, this, [this] { refresh(); });
  connect(meanOverHeads_, &QCheckBox::toggled, this, [this](bool mean) {
    headBox_->setEnabled(!mean);
    refresh();
  });
  connect(fixedRange_, &QCheckBox::toggled, heatmap_, &HeatmapPlot::setFixedUnitRange);
  connect(models_, &LoadedModelsModel::runResultChanged, this, [this](int id) {
    if (id == currentModelId()) refresh();
  });
  connect(models_, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& from) {
    if (from.data(LoadedModelsModel::ModelIdRole).toInt() == currentModelId()) refresh();
  });
  connect(models_, &QAbstractItemModel::rowsRemoved, this, [this] { refresh(); });
  refresh();
}

int AttentionView::currentModelId() const {
  const int row = modelSelector_->currentIndex();
  if (row < 0 || row >= models_->rowCount()) return -1;
  return models_->entryAt(row).id;
}

void AttentionView::selectModelId(int id) {
  const int row = models_->rowOfId(id);
  if (row >= 0) modelSelector_->setCurrentIndex(row);
}

void AttentionView::refresh() {
  const int id = currentModelId();
  const LoadedModelsModel::Entry* entry = models_->entryById(id);
  showPredictions(id);
  if (!entry) {
    heatmap_->clear(tr("Open a model with File ▸ Open model… (Ctrl+O)"));
    return;
  }
  const QString name = entry->model ? fromStd(entry->model->info().name)
                                    : models_->index(models_->rowOfId(id), 0).data().toString();
  if (!entry->lastRun || entry->lastRun->attention.empty()) {
    QString why = tr("run a text to see its attention");
    if (entry->state == LoadedModelsModel::State::Loading) why = tr("loading…");
    if (entry->state == LoadedModelsModel::State::Running) why = tr("running…");
    if (entry->state == LoadedModelsModel::State::Failed) why = entry->message;
    heatmap_->clear(QStringLiteral("%1: %2").arg(name, why));
    return;
  }

  const hopscope::TextRunResult& run = *entry->lastRun;
  const int layers = static_cast<int>(run.attention.size());
  {
    const QSignalBlocker blockLayer(layerBox_);
    layerBox_->setRange(0, layers - 1);
  }
  const int layer = layerBox_->value();
  const int heads = static_cast<int>(run.attention[static_cast<size_t>(layer)].heads);
  {
    const QSignalBlocker blockHead(headBox_);
    headBox_->setRange(0, std::max(heads - 1, 0));
  }
  const int head = meanOverHeads_->isChecked() ? -1 : headBox_->value();
  heatmap_->setData(attentionHeatmap(name, entry->model ? entry->model->info().normalizer : "",
                                     run, layer, head));
}

void AttentionView::showPredictions(int modelId) {
  predictions_->clear();
  const LoadedModelsModel::Entry* entry = models_->entryById(modelId);
  if (!entry || !entry->lastRun) {
    predictionsTitle_->setText(tr("Top predictions"));
    return;
  }
  const hopscope::TextRunResult& run = *entry->lastRun;
  predictionsTitle_->setText(run.causal ? tr("Top predictions: the next token after each position")
                                        : tr("Top predictions at each [MASK] (every position if none)"));
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
