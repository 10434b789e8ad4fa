#pragma once
// The Outliers view's summary table: one row per analysed model (the engine's ModelAnalysis),
// columns: model name, its perplexity, then the protocol summary figures (science.md section 5) as
// the union over the models in a fixed order. A model without a figure gets an empty cell; a figure
// that was not computed (NaN) shows "n/a". The last column ("settings") says what each row was
// computed with (blocks × tokens, text); a row whose settings differ from the settings row, or that
// is being recomputed, is marked there (icon, word) and drawn in italics (views/result_status.h).
#include <QAbstractTableModel>
#include <QString>

#include <vector>

#include "hopscope/model_analysis.h"
#include "views/result_status.h"

class OutlierSummaryModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  // Qt::UserRole + this: the cell's number as a double (NaN when empty or not computed).
  static constexpr int ValueRole = Qt::UserRole + 1;

  explicit OutlierSummaryModel(QObject* parent = nullptr);

  // One result per model, in display order. paletteSlots[i] is models[i]'s palette slot
  // (model_palette.h; missing: i): the name's colour swatch.
  void setModels(const std::vector<hopscope::ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots = {});
  // One status per row, in the same order (missing: current).
  void setStatuses(const std::vector<ResultStatus>& statuses);
  ResultStatus status(int row) const;

  // The settings a result was computed with, in one short line: "16 × 128 tokens, moby-dick-eval.txt".
  static QString settingsText(const hopscope::ModelAnalysis& model);

  // Column identifiers: "model", "metric:<metric name>", "summary:<figure name>", "settings".
  QString columnKey(int column) const;
  int columnOf(const QString& key) const;  // -1 when absent

  // Four significant digits, as every figure in the table is shown.
  static QString formatNumber(double value);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Cell {
    bool present = false;
    double value = 0;  // NaN: present but not computed
    QString tooltip;
  };
  struct Row {
    QString name;
    int slot = 0;
    QString description;  // family, normalizer, gate, data size
    QString settings;     // settingsText
    ResultStatus status;
    std::vector<Cell> cells;  // one per column after the name
  };
  struct Column {
    QString key, header, tooltip;
  };

  bool isSettingsColumn(int column) const { return column == static_cast<int>(columns_.size()) - 1 && column > 0; }

  std::vector<Column> columns_;  // columns_[0] is the model name, the last one the settings
  std::vector<Row> rows_;
};
