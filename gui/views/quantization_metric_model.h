#pragma once
// One row per model of a quantization study (hopscope/quantization_study.h): the task metric in
// float and quantized, the relative change, and the configuration that produced it; the Settings
// column says what it was evaluated on, and marks a row computed with settings other than the
// settings row's, or being recomputed (views/result_status.h).
#include <QAbstractTableModel>

#include <vector>

#include "hopscope/quantization_study.h"
#include "views/result_status.h"

class QuantizationMetricModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Model, Metric, Fp, Quantized, Change, Bits, Estimator, Granularity, WeightRange, WeightGrid,
                Settings, ColumnCount };
  // The unformatted value behind a cell (double for numbers, QString otherwise): for sorting and tests.
  static constexpr int ValueRole = Qt::UserRole + 1;

  explicit QuantizationMetricModel(QObject* parent = nullptr);

  // paletteSlots[i] is models[i]'s palette slot (model_palette.h; missing: i): the name's colour swatch.
  void setModels(const std::vector<hopscope::QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots = {});
  // One status per row, in the same order (missing: current).
  void setStatuses(const std::vector<ResultStatus>& statuses);
  ResultStatus status(int row) const;
  // "16 × 128 tokens, moby-dick-eval.txt; calibrated on 2 batches": what a study was computed with.
  static QString settingsText(const hopscope::QuantizationStudy& study);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    QString name, metric, estimator, granularity, weightRange, weightGrid, details, settings;
    ResultStatus status;
    double fp = 0, quantized = 0;  // NaN when missing
    int wbits = 0, abits = 0;      // 0 when missing
    int slot = 0;
    bool lowerIsBetter = true;
  };
  static Row rowFrom(const hopscope::QuantizationStudy& study, size_t index);
  QVariant value(const Row& row, int column) const;
  QString display(const Row& row, int column) const;

  std::vector<Row> rows_;
  QString sharedBits_;  // "W8A8" when every row has the same bits, else empty
};
