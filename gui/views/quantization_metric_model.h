#pragma once
// One row per model of a quantization study (hopscope/quantization_study.h): the task metric in
// float and quantized, the relative change, and the configuration that produced it (the settings
// used in the name's tooltip).
#include <QAbstractTableModel>

#include <vector>

#include "hopscope/quantization_study.h"

class QuantizationMetricModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Model, Metric, Fp, Quantized, Change, Bits, Estimator, Granularity, WeightRange, WeightGrid,
                ColumnCount };
  // The unformatted value behind a cell (double for numbers, QString otherwise): for sorting and tests.
  static constexpr int ValueRole = Qt::UserRole + 1;

  explicit QuantizationMetricModel(QObject* parent = nullptr);

  // paletteSlots[i] is models[i]'s palette slot (model_palette.h; missing: i): the name's colour swatch.
  void setModels(const std::vector<hopscope::QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots = {});

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    QString name, metric, estimator, granularity, weightRange, weightGrid, details;
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
