#pragma once
// Every tapped module of one analysed model as a table: where the outliers are. Per module the
// protocol's row kind and count, mean and max row kurtosis, mean row inf-norm, the largest |x| with
// the token that holds it (text, sample, position) and its channel, the channels with the largest
// |x|, mean, std and non-finite values; modules that are the same tensor under another name say so.
// Fed with one model's analysis result (hopscope/model_analysis.h).
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QString>

#include <vector>

#include "hopscope/model_analysis.h"

class ModuleTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Module, RowKind, Rows, Kurtosis, MaxKurtosis, InfNorm, MaxAbs, Token, Channel, TopChannels, Mean,
                Std, NonFinite, ColumnCount };
  // The unformatted value behind a cell (double for numbers, QString otherwise): sorting and tests.
  static constexpr int ValueRole = Qt::UserRole + 1;

  explicit ModuleTableModel(QObject* parent = nullptr);

  void setModel(const hopscope::ModelAnalysis* model);  // nullptr clears the table

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    QString name, aliasOf, rowKind, token, topChannels;
    double rows, kurtosis, maxKurtosis, infNorm, maxAbs, channel, mean, std, nonFinite;
    qint64 sample = -1;       // the block (image) holding the largest |x|
    bool showable = false;    // showableInAttention
    bool image = false;       // of an image model: the location is an image and a patch
  };
  QVariant value(const Row& row, int column) const;
  std::vector<Row> rows_;
};

// Whether the Attention view can show where the module's largest |x| sits: a text model's
// evaluation block as text (ModuleAnalysis::maxAbsContext), or an image model's evaluated image.
bool showableInAttention(const hopscope::ModelAnalysis& model, const hopscope::ModuleAnalysis& module);

// Sorts by ValueRole and keeps the modules whose name contains the filter text.
class ModuleFilterModel : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit ModuleFilterModel(QObject* parent = nullptr);
  void setNameFilter(const QString& text);

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  QString nameFilter_;
};
