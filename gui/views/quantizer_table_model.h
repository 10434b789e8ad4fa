#pragma once
// Every quantizer of one model's quantization study (hopscope/quantization_study.h): what it
// quantizes, its grid and how well it fits, with numeric sort values. QuantizerFilterModel sorts them and filters by site text and kind.
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <vector>

#include "hopscope/quantization_study.h"

class QuantizerTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Site, Kind, Bits, Min, Max, Scale, ZeroPoint, Clipped, Sqnr, Levels, Values, ColumnCount };
  // Numbers as double (SQNR of an exact quantizer = +inf; a missing number = −inf, so it sorts
  // first), text as QString: what the proxy sorts by and the tests compare against the engine.
  static constexpr int SortRole = Qt::UserRole + 1;
  // The raw kind ("weight" | "activation") on every column, for the kind filter.
  static constexpr int KindRole = Qt::UserRole + 2;

  explicit QuantizerTableModel(QObject* parent = nullptr);

  void setQuantizers(const std::vector<hopscope::QuantizerSummary>& quantizers);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    QString site, kind, grid;
    double bits, min, max, scale, zeroPoint, clipped, sqnr, levels, values;  // NaN when missing
    bool exact = false;  // the quantizer reproduced its input exactly (SQNR +inf)
  };
  QVariant sortValue(const Row& row, int column) const;
  QString display(const Row& row, int column) const;

  std::vector<Row> rows_;
};

class QuantizerFilterModel : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit QuantizerFilterModel(QObject* parent = nullptr);
  // Rows whose site contains `text` (case-insensitive); empty = all.
  void setSiteFilter(const QString& text);
  // "weight", "activation", or empty for all kinds.
  void setKindFilter(const QString& kind);

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  QString siteFilter_, kindFilter_;
};
