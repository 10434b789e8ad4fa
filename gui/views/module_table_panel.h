#pragma once
// The Outliers view's "Modules" tab: every tapped module of one chosen model (ModuleTableModel),
// sortable, with a name filter, so the outliers can be located (module, token, channel), and a
// "Show in Attention" button for the selected module's largest |x| token.
#include <QWidget>

#include <vector>

#include "hopscope/model_analysis.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QTableView;
class ModuleFilterModel;
class ModuleTableModel;

class ModuleTablePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModuleTablePanel(QWidget* parent = nullptr);

  // One analysis result per model, and their palette slots (model_palette.h; missing: the index);
  // keeps the chosen model when it is still there.
  void setModels(const std::vector<hopscope::ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots = {});

  QComboBox* modelSelector() const { return modelSelector_; }
  QLineEdit* nameFilter() const { return nameFilter_; }
  QTableView* table() const { return table_; }
  ModuleTableModel* tableModel() const { return tableModel_; }
  ModuleFilterModel* filterModel() const { return filterModel_; }
  QPushButton* attentionButton() const { return attentionButton_; }

  // The model listed, and the module of a table row (of the current row); nullptr when none.
  hopscope::ModelAnalysisPtr currentModel() const;
  const hopscope::ModuleAnalysis* moduleAt(const QModelIndex& index) const;
  const hopscope::ModuleAnalysis* currentModule() const;

 signals:
  // "Show in Attention" on the current row (enabled when its location has a text context).
  void attentionRequested(const QString& module);

 private:
  void showSelectedModel();
  void updateAttentionButton();

  std::vector<hopscope::ModelAnalysisPtr> models_;
  QComboBox* modelSelector_;
  bool modelChosen_ = false;  // the user picked the listed model: kept while results arrive
  QLineEdit* nameFilter_;
  QLabel* count_;
  QPushButton* attentionButton_;
  QTableView* table_;
  ModuleTableModel* tableModel_;
  ModuleFilterModel* filterModel_;
};
