#include "views/quantizer_table_model.h"

#include "views/result_text.h"

#include <cmath>
#include <limits>

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInfinity = std::numeric_limits<double>::infinity();

QString formatNumber(double value, int significantDigits = 4) {
  return std::isnan(value) ? QString() : QString::number(value, 'g', significantDigits);
}

}  // namespace

QuantizerTableModel::QuantizerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void QuantizerTableModel::setQuantizers(const std::vector<hopscope::QuantizerSummary>& quantizers) {
  beginResetModel();
  rows_.clear();
  for (const hopscope::QuantizerSummary& q : quantizers) {
    Row row;
    row.site = qtext(q.site);
    row.kind = qtext(q.kind);
    if (q.kind == "weight") row.grid = q.unsignedGrid ? QStringLiteral("unsigned") : QStringLiteral("signed");
    row.bits = q.bits;
    row.min = q.min;
    row.max = q.max;
    row.scale = q.scale;
    row.zeroPoint = static_cast<double>(q.zeroPoint);
    row.clipped = q.clippedFraction;
    row.exact = std::isinf(q.sqnrDb) && q.sqnrDb > 0;  // the quantizer reproduced its input exactly
    row.sqnr = q.sqnrDb;
    row.levels = static_cast<double>(q.levels99);
    row.values = static_cast<double>(q.values);
    rows_.push_back(row);
  }
  endResetModel();
}

int QuantizerTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int QuantizerTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant QuantizerTableModel::sortValue(const Row& row, int column) const {
  const auto numeric = [](double value) { return std::isnan(value) ? -kInfinity : value; };
  switch (column) {
    case Site: return row.site;
    case Kind: return row.kind;
    case Bits: return numeric(row.bits);
    case Min: return numeric(row.min);
    case Max: return numeric(row.max);
    case Scale: return numeric(row.scale);
    case ZeroPoint: return numeric(row.zeroPoint);
    case Clipped: return numeric(row.clipped);
    case Sqnr: return numeric(row.sqnr);
    case Levels: return numeric(row.levels);
    case Values: return numeric(row.values);
    default: return {};
  }
}

QString QuantizerTableModel::display(const Row& row, int column) const {
  switch (column) {
    case Site: return row.site;
    case Kind: return row.grid.isEmpty() ? row.kind : QStringLiteral("%1 (%2)").arg(row.kind, row.grid);
    case Bits: return formatNumber(row.bits);
    case Min: return formatNumber(row.min);
    case Max: return formatNumber(row.max);
    case Scale: return formatNumber(row.scale);
    case ZeroPoint: return formatNumber(row.zeroPoint, 6);
    case Clipped: return std::isnan(row.clipped) ? QString() : QString::number(row.clipped * 100.0, 'f', 3);
    case Sqnr: return row.exact ? tr("exact") : std::isnan(row.sqnr) ? QString() : QString::number(row.sqnr, 'f', 1);
    case Levels: {
      if (std::isnan(row.levels)) return {};
      if (std::isnan(row.bits)) return formatNumber(row.levels, 6);
      return QStringLiteral("%1 / %2").arg(row.levels).arg(std::ldexp(1.0, static_cast<int>(row.bits)));
    }
    case Values: return formatNumber(row.values, 12);
    default: return {};
  }
}

QVariant QuantizerTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
  const Row& row = rows_[static_cast<size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole: return display(row, index.column());
    case SortRole: return sortValue(row, index.column());
    case KindRole: return row.kind;
    case Qt::TextAlignmentRole:
      if (index.column() == Site || index.column() == Kind) return {};
      return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
      if (index.column() == Site) return row.site;
      if (index.column() == Sqnr && row.exact) return tr("The quantized values equal the input: no noise");
      return {};
    default: return {};
  }
}

QVariant QuantizerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
  if (role == Qt::DisplayRole) {
    switch (section) {
      case Site: return tr("Site");
      case Kind: return tr("Kind");
      case Bits: return tr("Bits");
      case Min: return tr("Min");
      case Max: return tr("Max");
      case Scale: return tr("Scale Δ");
      case ZeroPoint: return tr("Zero point");
      case Clipped: return tr("Clipped %");
      case Sqnr: return tr("SQNR dB");
      case Levels: return tr("Levels 99%");
      case Values: return tr("Values");
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case Site: return tr("Weight tensor name, or the activation tap the quantizer sits on (module path)");
      case Kind: return tr("weight: symmetric, per tensor or channel (grid signed or unsigned);\n"
                           "activation: asymmetric per tensor, range frozen after calibration");
      case Bits: return tr("Bit width b of the integer grid (2^b levels)");
      case Min:
      case Max:
        return tr("Weights: the tensor's range; activations: the frozen range [min, max] estimated on the\n"
                  "calibration batches (forced to include 0)");
      case Scale:
        return tr("Step Δ between grid levels: weights max|w| / (2^(b−1) − 1), activations (max − min) / (2^b − 1);\n"
                  "per-channel weights: the largest channel scale");
      case ZeroPoint: return tr("Integer code of 0: z = round(−min / Δ) for activations, 0 for weights");
      case Clipped:
        return tr("Share of values the clamp changed: their code lies outside the grid, i.e. more than Δ/2\n"
                  "beyond the representable range (rounding error alone is not clipping)");
      case Sqnr:
        return tr("Signal-to-quantization-noise ratio 10·log10(Σx² / Σ(x − q)²); higher is better;\n"
                  "\"exact\" when the quantized values equal the input");
      case Levels:
        return tr("The fewest integer levels of the 2^b grid that together hold at least 99% of the values\n"
                  "(most populated first): few levels used = an outlier stretched the range");
      case Values: return tr("How many values the diagnostics saw");
      default: return {};
    }
  }
  return {};
}

QuantizerFilterModel::QuantizerFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(QuantizerTableModel::SortRole);
}

void QuantizerFilterModel::setSiteFilter(const QString& text) {
  if (text == siteFilter_) return;
  siteFilter_ = text;
  invalidateFilter();
}

void QuantizerFilterModel::setKindFilter(const QString& kind) {
  if (kind == kindFilter_) return;
  kindFilter_ = kind;
  invalidateFilter();
}

bool QuantizerFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QModelIndex site = sourceModel()->index(sourceRow, QuantizerTableModel::Site, sourceParent);
  if (!kindFilter_.isEmpty() && site.data(QuantizerTableModel::KindRole).toString() != kindFilter_) return false;
  return siteFilter_.isEmpty() || site.data(Qt::DisplayRole).toString().contains(siteFilter_, Qt::CaseInsensitive);
}
