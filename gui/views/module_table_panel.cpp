#include "views/module_table_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include <iterator>

#include "plots/model_palette.h"
#include "views/result_text.h"
#include "views/module_table_model.h"
#include "views/column_filler.h"
#include "views/module_path_delegate.h"

ModuleTablePanel::ModuleTablePanel(QWidget* parent) : QWidget(parent) {
  modelSelector_ = new QComboBox;
  modelSelector_->setToolTip(tr("Model whose modules are listed"));
  modelSelector_->setMinimumContentsLength(24);
  nameFilter_ = new QLineEdit;
  nameFilter_->setPlaceholderText(tr("filter modules, e.g. output.dense"));
  nameFilter_->setClearButtonEnabled(true);
  nameFilter_->setToolTip(tr("Show only modules whose name contains this text"));
  count_ = new QLabel;

  tableModel_ = new ModuleTableModel(this);
  filterModel_ = new ModuleFilterModel(this);
  filterModel_->setSourceModel(tableModel_);
  table_ = new QTableView;
  table_->setModel(filterModel_);
  table_->verticalHeader()->hide();
  table_->setAlternatingRowColors(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(false);
  table_->setTextElideMode(Qt::ElideMiddle);
  table_->setItemDelegateForColumn(ModuleTableModel::Module, new ModulePathDelegate(table_));  // keeps the layer number
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  fillWithColumn(*table_, ModuleTableModel::Module, 250);  // the rest of the width, at least 250
  // The figures that locate outliers first, right of the name; the bookkeeping columns last.
  {
    const int order[] = {ModuleTableModel::Module, ModuleTableModel::MaxAbs, ModuleTableModel::Token,
                         ModuleTableModel::Channel, ModuleTableModel::Kurtosis, ModuleTableModel::MaxKurtosis,
                         ModuleTableModel::InfNorm, ModuleTableModel::TopChannels, ModuleTableModel::Mean,
                         ModuleTableModel::Std, ModuleTableModel::NonFinite, ModuleTableModel::RowKind,
                         ModuleTableModel::Rows};
    QHeaderView* header = table_->horizontalHeader();
    for (int visual = 0; visual < static_cast<int>(std::size(order)); ++visual)
      header->moveSection(header->visualIndex(order[visual]), visual);
  }
  table_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // forward order until a click
  table_->setSortingEnabled(true);
  table_->setToolTip(tr("Click a header to sort (e.g. by Max |x| to find the outliers)"));

  attentionButton_ = new QPushButton(tr("Show in A&ttention"));
  attentionButton_->setToolTip(tr("Run the evaluation block that holds the selected module's largest |x| in the "
                                  "Attention view, at the module's layer, with that token as the query in every "
                                  "pane; image models: that evaluated image, with that patch as the query (also: "
                                  "double-click the At token cell)"));
  attentionButton_->setEnabled(false);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model:")));
  controls->addWidget(modelSelector_);
  controls->addWidget(new QLabel(tr("Module:")));
  controls->addWidget(nameFilter_, 1);
  controls->addWidget(count_);
  controls->addWidget(attentionButton_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(table_, 1);

  connect(modelSelector_, &QComboBox::currentIndexChanged, this, [this] { showSelectedModel(); });
  connect(modelSelector_, &QComboBox::activated, this, [this] { modelChosen_ = true; });
  connect(nameFilter_, &QLineEdit::textChanged, this, [this](const QString& text) {
    filterModel_->setNameFilter(text);
    count_->setText(tr("%1 of %2 modules").arg(filterModel_->rowCount()).arg(tableModel_->rowCount()));
  });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { updateAttentionButton(); });
  connect(attentionButton_, &QPushButton::clicked, this, [this] {
    if (const hopscope::ModuleAnalysis* module = currentModule()) emit attentionRequested(qtext(module->name));
  });
}

hopscope::ModelAnalysisPtr ModuleTablePanel::currentModel() const {
  const int index = modelSelector_->currentIndex();
  return index >= 0 && index < static_cast<int>(models_.size()) ? models_[static_cast<size_t>(index)] : nullptr;
}

const hopscope::ModuleAnalysis* ModuleTablePanel::moduleAt(const QModelIndex& index) const {
  const hopscope::ModelAnalysisPtr model = currentModel();
  if (!model || !index.isValid()) return nullptr;
  const QString name = index.siblingAtColumn(ModuleTableModel::Module).data(ModuleTableModel::ValueRole).toString();
  return model->module(name.toStdString());
}

const hopscope::ModuleAnalysis* ModuleTablePanel::currentModule() const { return moduleAt(table_->currentIndex()); }

void ModuleTablePanel::updateAttentionButton() {
  const hopscope::ModuleAnalysis* module = currentModule();
  attentionButton_->setEnabled(module && showableInAttention(*currentModel(), *module));
}

void ModuleTablePanel::setModels(const std::vector<hopscope::ModelAnalysisPtr>& models,
                                 const std::vector<int>& paletteSlots) {
  models_ = models;
  const QString previous = modelSelector_->currentText();
  {
    const QSignalBlocker blocker(modelSelector_);
    modelSelector_->clear();
    for (size_t m = 0; m < models_.size(); ++m)
      modelSelector_->addItem(modelSwatch(slotAt(paletteSlots, m)), modelName(models_[m]->info, m));
    // The first model until the user picks one (results arrive in any order).
    const int index = modelChosen_ ? modelSelector_->findText(previous) : -1;
    modelSelector_->setCurrentIndex(index >= 0 ? index : (models_.empty() ? -1 : 0));
  }
  showSelectedModel();
}

void ModuleTablePanel::showSelectedModel() {
  const int index = modelSelector_->currentIndex();
  tableModel_->setModel(index >= 0 && index < static_cast<int>(models_.size()) ? models_[static_cast<size_t>(index)].get()
                                                                               : nullptr);
  count_->setText(tr("%1 of %2 modules").arg(filterModel_->rowCount()).arg(tableModel_->rowCount()));
  updateAttentionButton();
}
