#include "views/outlier_summary_model.h"

#include "plots/model_palette.h"
#include "views/result_text.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <QFileInfo>
#include <QFont>
#include <QStringList>

namespace {

using hopscope::ModelAnalysis;
using hopscope::ModelAnalysisPtr;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The protocol figures in display order with two-line headers, so the table stays narrow. What a
// figure measures comes from the model's family (its description in the result); figures not
// listed here (a newer engine, another family) follow in the order the models give them.
struct FigureHeader {
  const char* key;
  const char* header;
};
const FigureHeader kFigures[] = {
    {"avg_kurtosis", "avg\nkurtosis"},
    {"max_kurtosis", "max\nkurtosis"},
    {"max_inf_norm", "max\ninf-norm"},
    {"max_ffn_inf_norm", "max FFN\ninf-norm"},
    {"max_ln_output_inf_norm", "max LN-output\ninf-norm"},
    {"max_ln_input_inf_norm", "max LN-input\ninf-norm"},
    {"max_block_inf_norm", "max block\ninf-norm"},
    {"max_ffn_kurtosis", "max FFN\nkurtosis"},
    {"max_block_kurtosis", "max block\nkurtosis"},
    {"max_row_kurtosis", "max row\nkurtosis"},
};

QString metricHeader(const QString& name) {
  if (name == QLatin1String("masked_lm_perplexity")) return QObject::tr("MLM\nperplexity");
  if (name == QLatin1String("causal_lm_perplexity")) return QObject::tr("causal LM\nperplexity");
  if (name == QLatin1String("top1_accuracy")) return QObject::tr("top-1\naccuracy");
  QString text = name;
  return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString metricTooltip(const QString& name) {
  if (name == QLatin1String("top1_accuracy"))
    return QObject::tr("Image models: the fraction of the analysed images whose top-1 class is their label.");
  const QString common = QObject::tr(
      "exp(Σ NLL / number of predictions), token-weighted over the analysed blocks.");
  if (name == QLatin1String("masked_lm_perplexity"))
    return QObject::tr("Masked-LM perplexity over the masked positions (15 %: 80 % [MASK], 10 % "
                       "random, 10 % kept): ") + common;
  if (name == QLatin1String("causal_lm_perplexity"))
    return QObject::tr("Causal-LM perplexity: every position predicts the next token of its "
                       "block: ") + common;
  return common;
}

}  // namespace

OutlierSummaryModel::OutlierSummaryModel(QObject* parent) : QAbstractTableModel(parent) {
  columns_.push_back({QStringLiteral("model"), tr("model"),
                      tr("The analysed model (family, normalizer and gate in the cell tooltip)")});
}

QString OutlierSummaryModel::settingsText(const ModelAnalysis& model) {
  const QString data = model.data.path.empty() ? tr("given blocks") : QFileInfo(qtext(model.data.path)).fileName();
  if (model.info.imageSize > 0) return tr("%1 images, %2").arg(model.samples).arg(data);
  return tr("%1 × %2 tokens, %3").arg(model.samples).arg(model.settings.seqLen).arg(data);
}

void OutlierSummaryModel::setStatuses(const std::vector<ResultStatus>& statuses) {
  for (size_t r = 0; r < rows_.size(); ++r) rows_[r].status = statusAt(statuses, r);
  if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

ResultStatus OutlierSummaryModel::status(int row) const {
  return row >= 0 && row < rowCount() ? rows_[static_cast<size_t>(row)].status : ResultStatus{};
}

QString OutlierSummaryModel::formatNumber(double value) {
  if (std::isnan(value)) return tr("n/a");
  return QString::number(value, 'g', 4);
}

void OutlierSummaryModel::setModels(const std::vector<ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots) {
  beginResetModel();
  columns_.resize(1);
  rows_.clear();

  // Columns: the metrics in order of appearance (perplexities of different kinds are not
  // comparable, so each kind gets its own column), then the known figures, then unknown ones. A
  // figure's tooltip is each family's own description of it.
  std::vector<QString> metrics, figures, extraFigures;
  std::map<QString, QStringList> descriptions;
  for (const ModelAnalysisPtr& model : models) {
    const QString metric = qtext(model->metric.name);
    if (!metric.isEmpty() && std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
      metrics.push_back(metric);
    for (const hopscope::Figure& figure : model->summary) {
      const QString key = qtext(figure.name);
      const bool known = std::any_of(std::begin(kFigures), std::end(kFigures),
                                     [&](const FigureHeader& f) { return key == QLatin1String(f.key); });
      std::vector<QString>& list = known ? figures : extraFigures;
      if (std::find(list.begin(), list.end(), key) == list.end()) list.push_back(key);
      const QString description = qtext(model->info.family) + QStringLiteral(": ") + qtext(figure.description);
      if (!descriptions[key].contains(description)) descriptions[key] << description;
    }
  }
  for (const QString& metric : metrics)
    columns_.push_back({QStringLiteral("metric:") + metric, metricHeader(metric), metricTooltip(metric)});
  for (const FigureHeader& figure : kFigures) {
    const QString key = QLatin1String(figure.key);
    if (std::find(figures.begin(), figures.end(), key) != figures.end())
      columns_.push_back({QStringLiteral("summary:") + key, tr(figure.header), descriptions[key].join(QLatin1Char('\n'))});
  }
  for (const QString& key : extraFigures) {
    QString header = key;
    columns_.push_back({QStringLiteral("summary:") + key, header.replace(QLatin1Char('_'), QLatin1Char(' ')),
                        descriptions[key].join(QLatin1Char('\n'))});
  }

  columns_.push_back({QStringLiteral("settings"), tr("computed with"),
                      tr("The settings each row was computed with: token blocks × tokens per block, and the "
                         "text; marked stale when they differ from the settings row above, pending while "
                         "it is recomputed")});

  for (size_t m = 0; m < models.size(); ++m) {
    const ModelAnalysis& model = *models[m];
    Row row;
    row.settings = settingsText(model);
    row.slot = slotAt(paletteSlots, m);
    row.name = modelName(model.info, m);
    row.description = tr("family %1, normalizer %2, gate %3\n%4 blocks of %5 tokens analysed (batch %6, mask "
                         "probability %7, seed %8)\ndata %9")
                          .arg(qtext(model.info.family), qtext(model.info.normalizer), qtext(model.info.gate))
                          .arg(model.samples).arg(model.settings.seqLen).arg(model.settings.batch)
                          .arg(model.settings.maskProb).arg(model.settings.seed)
                          .arg(qtext(model.data.path.empty() ? std::string("(given blocks)") : model.data.path));
    for (size_t c = 1; c + 1 < columns_.size(); ++c) {
      const QString& key = columns_[c].key;
      Cell cell;
      if (key.startsWith(QLatin1String("metric:"))) {
        if (key.mid(7) == qtext(model.metric.name)) {
          cell.present = true;
          cell.value = model.metric.value;
          cell.tooltip = tr("token-weighted %1; mean over batches %2; %3 predictions")
                             .arg(formatNumber(cell.value), formatNumber(model.metric.batchMean))
                             .arg(model.metric.predictions);
        }
      } else {
        const std::string name = key.mid(8).toStdString();
        for (const hopscope::Figure& figure : model.summary)
          if (figure.name == name) {
            cell.present = true;
            cell.value = figure.value;
            cell.tooltip = std::isnan(cell.value) ? tr("not computed for this model")
                                                  : QString::number(cell.value, 'g', 10);
          }
      }
      row.cells.push_back(cell);
    }
    rows_.push_back(row);
  }
  endResetModel();
}

QString OutlierSummaryModel::columnKey(int column) const {
  return column >= 0 && column < static_cast<int>(columns_.size()) ? columns_[column].key : QString();
}

int OutlierSummaryModel::columnOf(const QString& key) const {
  for (size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c].key == key) return static_cast<int>(c);
  return -1;
}

int OutlierSummaryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int OutlierSummaryModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant OutlierSummaryModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Row& row = rows_[static_cast<size_t>(index.row())];
  if (role == Qt::FontRole && !row.status.current()) {
    QFont font;
    font.setItalic(true);
    return font;
  }
  if (isSettingsColumn(index.column())) {
    const QString word = resultStatusWord(row.status);
    switch (role) {
      case Qt::DisplayRole: return word.isEmpty() ? row.settings : word + QStringLiteral(": ") + row.settings;
      case Qt::DecorationRole: return row.status.current() ? QVariant() : QVariant(resultStatusIcon(row.status));
      case Qt::ToolTipRole:
        return row.status.current() ? row.description : row.status.note + QStringLiteral("\n\n") + row.description;
      case ValueRole: return row.settings;
      default: return {};
    }
  }
  if (index.column() == 0) {
    switch (role) {
      case Qt::DisplayRole: return row.name;
      case Qt::DecorationRole: return modelSwatch(row.slot);
      case Qt::ToolTipRole:
        return row.status.current() ? row.description : row.status.note + QStringLiteral("\n\n") + row.description;
      default: return {};
    }
  }
  const Cell& cell = row.cells[static_cast<size_t>(index.column() - 1)];
  switch (role) {
    case Qt::DisplayRole: return cell.present ? formatNumber(cell.value) : QString();
    case Qt::ToolTipRole: return cell.present ? cell.tooltip : tr("not reported for this model's family");
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case ValueRole: return cell.present ? cell.value : kNaN;
    default: return {};
  }
}

QVariant OutlierSummaryModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation == Qt::Vertical) {
    if (section < 0 || section >= rowCount()) return {};
    return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
  }
  if (section < 0 || section >= columnCount()) return {};
  const Column& column = columns_[static_cast<size_t>(section)];
  switch (role) {
    case Qt::DisplayRole: return column.header;
    case Qt::ToolTipRole: return column.tooltip;
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(section == 0 || isSettingsColumn(section) ? Qt::AlignLeft | Qt::AlignVCenter
                                              : Qt::AlignRight | Qt::AlignVCenter);
    default: return {};
  }
}
