#include "views/quantization_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "views/result_text.h"
#include "views/quantization_figures.h"
#include "views/quantization_metric_model.h"
#include "views/quantizer_table_model.h"
#include "views/column_filler.h"
#include "views/module_path_delegate.h"


QuantizationView::QuantizationView(QWidget* parent) : QWidget(parent) {
  placeholder_ = new QLabel(tr("No quantization results yet.\n\nRun the quantization of the loaded models "
                               "(W8A8 by default) to compare their FP and quantized metrics, every "
                               "quantizer's range and SQNR, and bit-width sweeps here."));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setMargin(24);

  metricModel_ = new QuantizationMetricModel(this);
  metricTable_ = new QTableView;
  metricTable_->setModel(metricModel_);
  metricTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  metricTable_->setSelectionMode(QAbstractItemView::SingleSelection);
  metricTable_->verticalHeader()->hide();
  metricTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  metricTable_->horizontalHeader()->setStretchLastSection(true);
  metricTable_->setAlternatingRowColors(true);
  metricTable_->setToolTip(tr("Click a model to list its quantizers below"));

  modelSelector_ = new QComboBox;
  modelSelector_->setMinimumContentsLength(18);
  modelSelector_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  modelSelector_->setToolTip(tr("Which model's quantizers to list"));
  siteFilter_ = new QLineEdit;
  siteFilter_->setPlaceholderText(tr("e.g. output.dense"));
  siteFilter_->setClearButtonEnabled(true);
  siteFilter_->setToolTip(tr("Show only sites containing this text (case-insensitive)"));
  kindFilter_ = new QComboBox;
  kindFilter_->addItem(tr("All kinds"), QString());
  kindFilter_->addItem(tr("Weights"), QStringLiteral("weight"));
  kindFilter_->addItem(tr("Activations"), QStringLiteral("activation"));
  quantizerCount_ = new QLabel;

  quantizerModel_ = new QuantizerTableModel(this);
  quantizerProxy_ = new QuantizerFilterModel(this);
  quantizerProxy_->setSourceModel(quantizerModel_);
  quantizerTable_ = new QTableView;
  quantizerTable_->setWordWrap(false);  // else long names wrap at dots and elide at the end
  // Long site names lose their head, never the layer number or the module's own name.
  quantizerTable_->setItemDelegateForColumn(QuantizerTableModel::Site, new ModulePathDelegate(quantizerTable_));
  quantizerTable_->setModel(quantizerProxy_);
  quantizerTable_->verticalHeader()->hide();
  quantizerTable_->setAlternatingRowColors(true);
  quantizerTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  quantizerTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // The site column takes the room the others leave, at least a readable width (names elide in the
  // middle); narrow windows scroll.
  fillWithColumn(*quantizerTable_, QuantizerTableModel::Site, 300);
  quantizerTable_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // forward order first
  quantizerTable_->setSortingEnabled(true);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model:")));
  controls->addWidget(modelSelector_);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Site:")));
  controls->addWidget(siteFilter_, 1);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Kind:")));
  controls->addWidget(kindFilter_);
  controls->addSpacing(8);
  controls->addWidget(quantizerCount_);
  auto* quantizerPage = new QWidget;
  auto* quantizerLayout = new QVBoxLayout(quantizerPage);
  quantizerLayout->addLayout(controls);
  quantizerLayout->addWidget(quantizerTable_, 1);

  sqnrPlot_ = new FigurePlot;
  sweepPlot_ = new FigurePlot;

  tabs_ = new QTabWidget;
  tabs_->addTab(quantizerPage, tr("Quantizers"));
  tabs_->addTab(sqnrPlot_, tr("SQNR per site"));
  tabs_->addTab(sweepPlot_, tr("Bit-width sweep"));
  tabs_->setTabToolTip(0, tr("Every weight and activation quantizer of one model"));
  tabs_->setTabToolTip(1, tr("Signal-to-quantization-noise ratio of each activation quantizer: low = outliers "
                             "stretch the range"));
  tabs_->setTabToolTip(2, tr("The quantized metric versus bit width, when several were run"));

  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  settingsCaption_ = new QLabel;
  settingsCaption_->setWordWrap(true);
  settingsCaption_->setToolTip(tr("What the results below were computed with; the settings row above decides the next run"));
  contentLayout->addWidget(settingsCaption_);
  contentLayout->addWidget(metricTable_);
  contentLayout->addWidget(tabs_, 1);

  pages_ = new QStackedWidget;
  pages_->addWidget(placeholder_);
  pages_->addWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  connect(modelSelector_, &QComboBox::currentIndexChanged, this, [this] { showQuantizersOfSelectedModel(); });
  connect(modelSelector_, &QComboBox::activated, this, [this] { modelChosen_ = true; });
  connect(siteFilter_, &QLineEdit::textChanged, this, [this](const QString& filter) {
    quantizerProxy_->setSiteFilter(filter);
    updateQuantizerCount();
  });
  connect(kindFilter_, &QComboBox::currentIndexChanged, this, [this] {
    quantizerProxy_->setKindFilter(kindFilter_->currentData().toString());
    updateQuantizerCount();
  });
  connect(metricTable_, &QTableView::clicked, this, [this](const QModelIndex& index) {
    if (!index.isValid()) return;
    modelChosen_ = true;
    modelSelector_->setCurrentIndex(index.row());
  });
  setModels({});
}

QAbstractItemModel* QuantizationView::metricModel() const { return metricModel_; }
QAbstractItemModel* QuantizationView::quantizerModel() const { return quantizerModel_; }

QCustomPlot* QuantizationView::currentPlot() const {
  return tabs_->currentWidget() == sweepPlot_ ? sweepPlot_ : sqnrPlot_;
}

void QuantizationView::setModels(const std::vector<hopscope::QuantizationStudyPtr>& models,
                                 const std::vector<int>& paletteSlots) {
  models_.clear();
  slots_.clear();
  for (size_t i = 0; i < models.size(); ++i)
    if (models[i]) {
      models_.push_back(models[i]);
      slots_.push_back(slotAt(paletteSlots, i));
    }
  metricModel_->setModels(models_, slots_);
  {
    const QString previous = modelSelector_->currentText();
    const QSignalBlocker block(modelSelector_);
    modelSelector_->clear();
    for (size_t i = 0; i < models_.size(); ++i)
      modelSelector_->addItem(modelSwatch(slots_[i]), modelName(models_[i]->info, i));
    // The first model until the user picks one (results arrive in any order).
    const int keep = modelChosen_ ? modelSelector_->findText(previous) : -1;
    modelSelector_->setCurrentIndex(keep >= 0 ? keep : (models_.empty() ? -1 : 0));
  }
  showQuantizersOfSelectedModel();
  statuses_.clear();  // until setStatuses says otherwise
  updateSettingsCaption();
  showFigures();
  fitMetricTableHeight();
  pages_->setCurrentIndex(models_.empty() ? 0 : 1);
}

void QuantizationView::setStatuses(const std::vector<ResultStatus>& statuses) {
  if (sameStatuses(statuses, statuses_)) {
    statuses_ = statuses;
    return;
  }
  statuses_ = statuses;
  updateSettingsCaption();
  metricModel_->setStatuses(statuses_);
  showFigures();
}

void QuantizationView::showFigures() {
  sqnrPlot_->setFigure(withStatuses(sqnrFigure(models_, slots_)));
  sweepPlot_->setFigure(withStatuses(bitWidthSweepFigure(models_, slots_)));
}

Figure QuantizationView::withStatuses(Figure figure) const {
  for (FigureSeries& series : figure.series)
    for (size_t m = 0; m < slots_.size(); ++m)
      if (slots_[m] == series.slot && !statusAt(statuses_, m).current())
        series.name += QStringLiteral(" (%1)").arg(resultStatusWord(statusAt(statuses_, m)));
  return figure;
}

void QuantizationView::showQuantizersOfSelectedModel() {
  const int row = modelSelector_->currentIndex();
  const bool valid = row >= 0 && row < static_cast<int>(models_.size());
  quantizerModel_->setQuantizers(valid ? models_[static_cast<size_t>(row)]->quantizers
                                       : std::vector<hopscope::QuantizerSummary>());
  if (valid) metricTable_->selectRow(row);
  updateQuantizerCount();
}

void QuantizationView::updateQuantizerCount() {
  const int total = quantizerModel_->rowCount();
  const int shown = quantizerProxy_->rowCount();
  quantizerCount_->setText(shown == total ? tr("%n quantizer(s)", nullptr, total)
                                          : tr("%1 of %n quantizer(s)", nullptr, total).arg(shown));
}

void QuantizationView::fitMetricTableHeight() {
  const int rows = std::max(metricModel_->rowCount(), 1);
  const int height = metricTable_->horizontalHeader()->sizeHint().height() +
                     rows * metricTable_->verticalHeader()->defaultSectionSize() + 2 * metricTable_->frameWidth() +
                     metricTable_->horizontalScrollBar()->sizeHint().height();
  metricTable_->setFixedHeight(std::min(height, 240));
}

void QuantizationView::updateSettingsCaption() {
  std::vector<QString> settings;
  for (const auto& model : models_) settings.push_back(QuantizationMetricModel::settingsText(*model));
  showSettingsCaption(*settingsCaption_, settings, statuses_);
}
