#include "views/outlier_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "views/module_table_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"
#include "views/result_text.h"

OutlierView::OutlierView(QWidget* parent) : QWidget(parent) {
  summaryModel_ = new OutlierSummaryModel(this);

  placeholder_ = new QLabel(tr("Analyze the loaded models (Ctrl+Shift+A) to compare their outlier "
                               "statistics here:\nprotocol summary, per-layer kurtosis and inf-norm, "
                               "and activation histograms."));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setStyleSheet(QStringLiteral("color: #505050; font-size: 12pt;"));

  summaryTable_ = new QTableView;
  summaryTable_->setModel(summaryModel_);
  summaryTable_->setToolTip(tr("Protocol summary per model (science.md section 5); hover a column "
                               "header for what the figure is"));
  summaryTable_->verticalHeader()->hide();
  summaryTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  summaryTable_->horizontalHeader()->setDefaultAlignment(Qt::AlignRight | Qt::AlignVCenter);
  summaryTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  summaryTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  summaryTable_->setAlternatingRowColors(true);
  summaryTable_->setWordWrap(false);
  summaryTable_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

  layerFigureSelector_ = new QComboBox;
  layerFigureSelector_->addItems(layerFigureNames());
  layerFigureSelector_->setToolTip(tr("Which per-layer figure to plot: kurtosis or inf-norm (max |x|, "
                                      "averaged over rows) of each layer's block output (the residual "
                                      "stream after the layer) or FFN output (its second projection); "
                                      "the plot's note names each family's modules"));
  moduleSelector_ = new QComboBox;
  moduleSelector_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  moduleSelector_->setMaxVisibleItems(30);
  moduleSelector_->setToolTip(tr("The module whose activation histogram is shown (all models that "
                                 "have a module of this name are drawn)"));
  layerPlot_ = new FigurePlot;
  histogramPlot_ = new FigurePlot;

  auto selectorRow = [](const QString& caption, QComboBox* selector, QWidget* plot) {
    auto* page = new QWidget;
    auto* row = new QHBoxLayout;
    auto* label = new QLabel(caption);
    label->setBuddy(selector);
    row->addWidget(label);
    row->addWidget(selector);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(row);
    layout->addWidget(plot, 1);
    return page;
  };
  tabs_ = new QTabWidget;
  tabs_->addTab(selectorRow(tr("&Figure:"), layerFigureSelector_, layerPlot_), tr("Per layer"));
  tabs_->addTab(selectorRow(tr("&Module:"), moduleSelector_, histogramPlot_), tr("Histogram"));
  tabs_->setTabToolTip(0, tr("One figure per layer for every model; hover a point for its value"));
  tabs_->setTabToolTip(1, tr("Symmetric-log histogram of one module's activations for every model; "
                             "hover a bin for its value range and fraction"));
  modulesPanel_ = new ModuleTablePanel;
  tabs_->addTab(modulesPanel_, tr("Modules"));
  tabs_->setTabToolTip(2, tr("Every module of one model: kurtosis, inf-norm, and where the largest value sits"));

  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  settingsCaption_ = new QLabel;
  settingsCaption_->setWordWrap(true);
  settingsCaption_->setToolTip(tr("What the results below were computed with; the settings row above decides the next run"));
  contentLayout->addWidget(settingsCaption_);
  contentLayout->addWidget(summaryTable_);
  contentLayout->addWidget(tabs_, 1);

  pages_ = new QStackedWidget;
  pages_->addWidget(placeholder_);
  pages_->addWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  connect(layerFigureSelector_, &QComboBox::currentIndexChanged, this, [this] { showLayerFigure(); });
  connect(moduleSelector_, &QComboBox::currentIndexChanged, this, [this] {
    automaticSubject_.clear();  // chosen by the user
    showHistogram();
  });
  // Double-click or Enter: show the module in the Activations view, or on an "At token" cell that
  // token in the Attention view (its block run, the module's layer, the token as the query).
  connect(modulesPanel_->table(), &QTableView::activated, this, [this](const QModelIndex& index) {
    const hopscope::ModuleAnalysis* located = modulesPanel_->moduleAt(index);
    if (index.column() == ModuleTableModel::Token && located &&
        showableInAttention(*modulesPanel_->currentModel(), *located)) {
      emit locationActivated(modulesPanel_->currentModel(), qtext(located->name));
      return;
    }
    const QString module = index.siblingAtColumn(ModuleTableModel::Module).data(ModuleTableModel::ValueRole).toString();
    if (!module.isEmpty()) emit moduleActivated(module);
  });
  connect(modulesPanel_, &ModuleTablePanel::attentionRequested, this,
          [this](const QString& module) { emit locationActivated(modulesPanel_->currentModel(), module); });
  connect(summaryTable_, &QTableView::activated, this, [this](const QModelIndex& index) {
    const QString module = summaryModule(index.row(), index.column());
    if (!module.isEmpty()) emit moduleActivated(module);
  });
  modulesPanel_->table()->setToolTip(modulesPanel_->table()->toolTip() +
                                     tr("; double-click a module to see its histogram and 8-bit grid in Activations, "
                                        "a cell of At token to see that token's attention"));
  setModels({});
}

QString OutlierView::summaryModule(int row, int column) const {
  if (row < 0 || row >= static_cast<int>(models_.size())) return {};
  const QString key = summaryModel_->columnKey(column);
  const bool infNorm = key.contains(QStringLiteral("inf_norm"));
  const hopscope::ModuleAnalysis* best = nullptr;
  double highest = -std::numeric_limits<double>::infinity();
  for (const hopscope::ModuleAnalysis& module : models_[static_cast<size_t>(row)]->modules) {
    if (!module.aliasOf.empty()) continue;
    const double value = infNorm ? module.stats.maxAbs().value : module.stats.meanKurtosis();
    if (std::isfinite(value) && value > highest) {
      highest = value;
      best = &module;
    }
  }
  return best ? QString::fromStdString(best->name) : QString();
}

QCustomPlot* OutlierView::currentPlot() const {
  switch (tabs_->currentIndex()) {
    case 0: return layerPlot_;
    case 1: return histogramPlot_;
    default: return nullptr;  // the Modules table
  }
}

QString OutlierView::histogramNote() const { return histogramPlot_->figure().note; }
QString OutlierView::layerNote() const { return layerPlot_->figure().note; }

void OutlierView::setStatuses(const std::vector<ResultStatus>& statuses) {
  if (sameStatuses(statuses, statuses_)) {
    statuses_ = statuses;
    return;
  }
  statuses_ = statuses;
  updateSettingsCaption();
  summaryModel_->setStatuses(statuses_);
  showLayerFigure();
  showHistogram();
}

Figure OutlierView::withStatuses(Figure figure) const {
  for (FigureSeries& series : figure.series)
    for (size_t m = 0; m < slots_.size(); ++m)
      if (slots_[m] == series.slot && !statusAt(statuses_, m).current())
        series.name += QStringLiteral(" (%1)").arg(resultStatusWord(statusAt(statuses_, m)));
  return figure;
}

void OutlierView::setModels(const std::vector<hopscope::ModelAnalysisPtr>& models,
                            const std::vector<int>& paletteSlots) {
  models_.clear();
  slots_.clear();
  for (size_t i = 0; i < models.size(); ++i)
    if (models[i]) {
      models_.push_back(models[i]);
      slots_.push_back(slotAt(paletteSlots, i));
    }
  summaryModel_->setModels(models_, slots_);
  statuses_.clear();  // until setStatuses says otherwise
  updateSettingsCaption();
  modulesPanel_->setModels(models_, slots_);
  pages_->setCurrentWidget(models_.empty() ? static_cast<QWidget*>(placeholder_) : pages_->widget(1));
  fillModuleSelector();
  showLayerFigure();
  showHistogram();
  fitSummaryTableHeight();
}

void OutlierView::fillModuleSelector() {
  const QString previous = moduleSelector_->currentText();
  const HistogramSubjects subjects = histogramSubjects(models_);
  histogramSubjects_ = subjects.entries;
  const QSignalBlocker blocker(moduleSelector_);
  moduleSelector_->clear();
  for (const HistogramSubject& subject : histogramSubjects_) {
    moduleSelector_->addItem(subject.label);
    if (!subject.tooltip.isEmpty())
      moduleSelector_->setItemData(moduleSelector_->count() - 1, subject.tooltip, Qt::ToolTipRole);
  }
  // Keep a subject the user chose; one the view chose follows the models (results arrive one model
  // at a time, and the first model's module would otherwise stay chosen for all of them).
  const int kept = previous == automaticSubject_ ? -1 : moduleSelector_->findText(previous);
  moduleSelector_->setCurrentIndex(kept >= 0 ? kept : subjects.preferred);
  automaticSubject_ = kept >= 0 ? QString() : moduleSelector_->currentText();
}

void OutlierView::fitSummaryTableHeight() {
  summaryTable_->resizeRowsToContents();
  constexpr int kMaxVisibleRows = 6;
  int height = summaryTable_->horizontalHeader()->sizeHint().height() + 2 * summaryTable_->frameWidth();
  const int rows = std::min(summaryModel_->rowCount(), kMaxVisibleRows);
  for (int row = 0; row < rows; ++row) height += summaryTable_->rowHeight(row);
  if (summaryModel_->rowCount() == 0) height += summaryTable_->verticalHeader()->defaultSectionSize();
  // Room for the horizontal scroll bar only when the columns overflow the view's width.
  if (summaryTable_->horizontalHeader()->length() > width() - 2 * summaryTable_->frameWidth())
    height += summaryTable_->horizontalScrollBar()->sizeHint().height();
  summaryTable_->setFixedHeight(height);
}

void OutlierView::showLayerFigure() {
  const auto figure = static_cast<LayerFigure>(std::max(0, layerFigureSelector_->currentIndex()));
  layerPlot_->setFigure(withStatuses(perLayerFigure(models_, slots_, figure)));
}

void OutlierView::showHistogram() {
  const int index = moduleSelector_->currentIndex();
  const bool valid = index >= 0 && index < static_cast<int>(histogramSubjects_.size());
  histogramPlot_->setFigure(withStatuses(
      moduleHistogramFigure(models_, slots_, valid ? histogramSubjects_[static_cast<size_t>(index)] : HistogramSubject{})));
}

void OutlierView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  fitSummaryTableHeight();
}

void OutlierView::updateSettingsCaption() {
  std::vector<QString> settings;
  for (const auto& model : models_) settings.push_back(OutlierSummaryModel::settingsText(*model));
  showSettingsCaption(*settingsCaption_, settings, statuses_);
}
