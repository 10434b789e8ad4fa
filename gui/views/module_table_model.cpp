#include "views/module_table_model.h"

#include "views/result_text.h"

#include <QColor>
#include <QFont>
#include <QStringList>

#include <cmath>
#include <limits>

namespace {

QString formatNumber(double value) { return std::isnan(value) ? QString() : QString::number(value, 'g', 4); }

// "23: 6.28, 10: 6.09, 22: 6.01": the first few outlier channels.
QString topChannelsText(const hopscope::ModuleStatistics& stats, size_t count) {
  QStringList parts;
  for (const auto& [channel, value] : hopscope::topChannels(stats, count))
    parts << QStringLiteral("%1: %2").arg(static_cast<qint64>(channel)).arg(QString::number(value, 'g', 3));
  return parts.join(QStringLiteral(", "));
}

}  // namespace

bool showableInAttention(const hopscope::ModelAnalysis& model, const hopscope::ModuleAnalysis& module) {
  const hopscope::MaxAbsLocation where = module.stats.maxAbs();
  if (where.sample < 0 || where.token < 0) return false;
  return model.info.imageSize > 0 || !module.maxAbsContext.text.empty();
}

ModuleTableModel::ModuleTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ModuleTableModel::setModel(const hopscope::ModelAnalysis* model) {
  beginResetModel();
  rows_.clear();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (model) {
    for (const hopscope::ModuleAnalysis& module : model->modules) {
      const hopscope::ModuleStatistics& stats = module.stats;
      const hopscope::MaxAbsLocation where = stats.maxAbs();
      Row row;
      row.name = qtext(module.name);
      row.aliasOf = qtext(module.aliasOf);
      row.rowKind = stats.mode() == hopscope::RowMode::PerSample ? QStringLiteral("sample") : QStringLiteral("token");
      row.rows = static_cast<double>(stats.rows());
      row.kurtosis = stats.meanKurtosis();
      row.maxKurtosis = stats.maxKurtosis();
      row.infNorm = stats.meanInfNorm();
      const bool located = where.sample >= 0 && where.token >= 0;
      row.maxAbs = stats.rows() > 0 ? where.value : kNaN;
      row.channel = where.channel >= 0 ? static_cast<double>(where.channel) : kNaN;
      row.showable = showableInAttention(*model, module);
      row.image = model->info.imageSize > 0;
      row.sample = where.sample;
      if (located)
        row.token = QStringLiteral("\"%1\" (sample %2, position %3)")
                        .arg(qtext(module.maxAbsToken))
                        .arg(static_cast<qint64>(where.sample))
                        .arg(static_cast<qint64>(where.token));
      row.topChannels = topChannelsText(stats, 3);
      row.mean = stats.moments().count > 0 ? stats.moments().mean : kNaN;
      row.std = std::sqrt(stats.moments().variance(true));
      row.nonFinite = static_cast<double>(stats.nonFiniteValues());
      rows_.push_back(row);
    }
  }
  endResetModel();
}

int ModuleTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ModuleTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ModuleTableModel::value(const Row& row, int column) const {
  switch (column) {
    case Module: return row.name;
    case RowKind: return row.rowKind;
    case Rows: return row.rows;
    case Kurtosis: return row.kurtosis;
    case MaxKurtosis: return row.maxKurtosis;
    case InfNorm: return row.infNorm;
    case MaxAbs: return row.maxAbs;
    case Token: return row.token;
    case Channel: return row.channel;
    case TopChannels: return row.topChannels;
    case Mean: return row.mean;
    case Std: return row.std;
    case NonFinite: return row.nonFinite;
    default: return {};
  }
}

QVariant ModuleTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size()) || index.column() >= ColumnCount) return {};
  const Row& row = rows_[static_cast<size_t>(index.row())];
  const QVariant cell = value(row, index.column());
  switch (role) {
    case ValueRole: return cell;
    case Qt::DisplayRole:
      if (cell.typeId() == QMetaType::Double) {
        const double number = cell.toDouble();
        const bool count = index.column() == Rows || index.column() == Channel || index.column() == NonFinite;
        return count && !std::isnan(number) ? QString::number(static_cast<qint64>(number)) : formatNumber(number);
      }
      return cell;
    case Qt::TextAlignmentRole:
      return cell.typeId() == QMetaType::Double ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ForegroundRole:
      if (!row.aliasOf.isEmpty()) return QColor(110, 110, 110);  // the same numbers as another row
      if (index.column() == NonFinite && row.nonFinite > 0) return QColor(180, 20, 20);
      return {};
    case Qt::ToolTipRole:
      if (!row.aliasOf.isEmpty()) return tr("%1\nThe same tensor as %2: the same figures").arg(row.name, row.aliasOf);
      if (index.column() == Module) return row.name;
      if (index.column() == TopChannels) return tr("Channels with the largest |x| (channel: max |x|)");
      if (index.column() == Token && !row.token.isEmpty()) {
        if (!row.showable) return row.token;
        return row.image ? tr("%1\nDouble-click (or Enter) to show image %2 of the evaluated images in the Attention "
                              "view, at this module's layer, with this patch as the query of the image panes")
                               .arg(row.token).arg(row.sample)
                         : tr("%1\nDouble-click (or Enter) to run this block in the Attention view, at this "
                              "module's layer, with this token as the query in every pane").arg(row.token);
      }
      return {};
    default: return {};
  }
}

QVariant ModuleTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  static const char* const titles[ColumnCount] = {"Module", "Row", "Rows", "Kurtosis", "Max row kurtosis",
                                                  "Inf-norm", "Max |x|", "At token", "Channel", "Top channels",
                                                  "Mean", "Std", "NaN/Inf"};
  static const char* const tips[ColumnCount] = {
      "Hugging Face module path (or <module>.input, .scores, .probs)",
      "What a row is for this module in the reference protocol: a whole sequence (sample) or one token",
      "Rows seen (finite ones)",
      "Pearson kurtosis of each row, averaged over rows (about 3 for a Gaussian)",
      "Largest kurtosis of any row",
      "Infinity norm (max |x|) of each row, averaged over rows",
      "Largest |x| anywhere",
      "The token holding the largest |x|, as the model saw it (after masking), with its block and position",
      "Channel (last dimension) holding the largest |x|",
      "The channels whose max |x| is largest: outlier channels",
      "Mean over all values",
      "Standard deviation over all values",
      "NaN or infinite values (their rows are left out of every other figure)"};
  if (section < 0 || section >= ColumnCount) return {};
  if (role == Qt::DisplayRole) return tr(titles[section]);
  if (role == Qt::ToolTipRole) return tr(tips[section]);
  return {};
}

ModuleFilterModel::ModuleFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {}

void ModuleFilterModel::setNameFilter(const QString& text) {
  nameFilter_ = text.trimmed();
  invalidateFilter();
}

bool ModuleFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  if (nameFilter_.isEmpty()) return true;
  const QString name = sourceModel()->index(sourceRow, ModuleTableModel::Module, sourceParent).data().toString();
  return name.contains(nameFilter_, Qt::CaseInsensitive);
}

bool ModuleFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const QVariant a = left.data(ModuleTableModel::ValueRole), b = right.data(ModuleTableModel::ValueRole);
  if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double) {
    // Missing numbers (NaN) sort first.
    const double x = a.toDouble(), y = b.toDouble();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && !std::isnan(y);
    return x < y;
  }
  return a.toString() < b.toString();
}
