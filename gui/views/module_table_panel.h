#pragma once
// The Outliers view's "Modules" tab: every tapped module of one chosen model (ModuleTableModel),
// sortable, with a name filter, so the outliers can be located (module, token, channel).
#include <QWidget>

#include <vector>

#include "hopscope/model_analysis.h"

class QComboBox;
class QLabel;
class QLineEdit;
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

 private:
  void showSelectedModel();

  std::vector<hopscope::ModelAnalysisPtr> models_;
  QComboBox* modelSelector_;
  QLineEdit* nameFilter_;
  QLabel* count_;
  QTableView* table_;
  ModuleTableModel* tableModel_;
  ModuleFilterModel* filterModel_;
};
