#include "views/outlier_summary_model.h"

#include "plots/model_palette.h"
#include "views/json_fields.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

using json_fields::numberAt;
using json_fields::textAt;

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The protocol figures in display order, with the README's wording ("Protocol summary"); headers
// take two lines so the table stays narrow. Figures
// not listed here (a newer engine) follow in the order the models give them.
struct FigureText {
  const char* key;
  const char* header;
  const char* tooltip;
};
const FigureText kFigures[] = {
    {"avg_kurtosis", "avg\nkurtosis",
     "Mean of the per-module kurtosis (Pearson, ≈ 3 for a Gaussian) over the protocol modules.\n"
     "BERT: the 2L FFN outputs (output.dense) and block outputs (output.LayerNorm).\n"
     "OPT: the final LayerNorm and per layer the block output, fc2, final_layer_norm,\n"
     "self_attn.out_proj and self_attn_layer_norm."},
    {"max_kurtosis", "max\nkurtosis", "Largest per-module kurtosis over the same modules as avg kurtosis."},
    {"max_inf_norm", "max\ninf-norm",
     "Largest per-module inf-norm (max |x| of a row, averaged over rows).\n"
     "BERT: over the FFN and block outputs and the residual sums entering output.LayerNorm.\n"
     "OPT: over the final LayerNorm and per layer the block output, fc2, final_layer_norm,\n"
     "self_attn.out_proj and self_attn_layer_norm."},
    {"max_ffn_inf_norm", "max FFN\ninf-norm",
     "Largest inf-norm of an FFN output (BERT output.dense, OPT fc2)."},
    {"max_ln_output_inf_norm", "max LN-output\ninf-norm",
     "BERT: largest inf-norm of a block output (output.LayerNorm)."},
    {"max_ln_input_inf_norm", "max LN-input\ninf-norm",
     "BERT: largest inf-norm of the residual sum entering output.LayerNorm."},
    {"max_block_inf_norm", "max block\ninf-norm",
     "OPT: largest inf-norm of a block output (the residual stream after layer j)."},
    {"max_row_kurtosis", "max row\nkurtosis",
     "Largest kurtosis of a single row (sequence or token) over the protocol modules."},
};

QString metricHeader(const QString& name) {
  if (name == QLatin1String("masked_lm_perplexity")) return QObject::tr("MLM\nperplexity");
  if (name == QLatin1String("causal_lm_perplexity")) return QObject::tr("causal LM\nperplexity");
  QString text = name;
  return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString metricTooltip(const QString& name) {
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

QString OutlierSummaryModel::formatNumber(double value) {
  if (std::isnan(value)) return tr("n/a");
  return QString::number(value, 'g', 4);
}

void OutlierSummaryModel::setModels(const std::vector<json>& models, const std::vector<int>& paletteSlots) {
  beginResetModel();
  columns_.resize(1);
  rows_.clear();

  // Columns: the metrics in order of appearance (perplexities of different kinds are not
  // comparable, so each kind gets its own column), then the known figures, then unknown ones.
  std::vector<QString> metrics, figures, extraFigures;
  for (const json& model : models) {
    if (!model.is_object()) continue;
    const auto metric = model.find("metric");
    if (metric != model.end() && metric->is_object()) {
      const QString name = textAt(*metric, "name");
      if (!name.isEmpty() && std::find(metrics.begin(), metrics.end(), name) == metrics.end())
        metrics.push_back(name);
    }
    const auto summary = model.find("summary");
    if (summary == model.end() || !summary->is_object()) continue;
    for (auto item = summary->begin(); item != summary->end(); ++item) {
      const QString key = QString::fromStdString(item.key());
      const bool known = std::any_of(std::begin(kFigures), std::end(kFigures),
                                     [&](const FigureText& f) { return key == QLatin1String(f.key); });
      std::vector<QString>& list = known ? figures : extraFigures;
      if (std::find(list.begin(), list.end(), key) == list.end()) list.push_back(key);
    }
  }
  for (const QString& metric : metrics)
    columns_.push_back({QStringLiteral("metric:") + metric, metricHeader(metric), metricTooltip(metric)});
  for (const FigureText& figure : kFigures)
    if (std::find(figures.begin(), figures.end(), QLatin1String(figure.key)) != figures.end())
      columns_.push_back({QStringLiteral("summary:") + QLatin1String(figure.key),
                          tr(figure.header), tr(figure.tooltip)});
  for (const QString& key : extraFigures) {
    QString header = key;
    columns_.push_back({QStringLiteral("summary:") + key, header.replace(QLatin1Char('_'), QLatin1Char(' ')),
                        tr("Protocol summary figure '%1'").arg(key)});
  }

  for (size_t m = 0; m < models.size(); ++m) {
    const json& model = models[m];
    if (!model.is_object()) continue;
    Row row;
    row.slot = slotAt(paletteSlots, m);
    row.name = textAt(model, "name");
    if (row.name.isEmpty()) row.name = tr("(unnamed model)");
    row.description = tr("family %1, normalizer %2, gate %3")
                          .arg(textAt(model, "family"), textAt(model, "normalizer"), textAt(model, "gate"));
    const double samples = numberAt(model, "samples"), tokens = numberAt(model, "tokens");
    if (!std::isnan(samples) && !std::isnan(tokens))
      row.description += tr("\n%1 blocks, %2 tokens analysed").arg(samples).arg(tokens);
    const json empty = json::object();
    const auto metricIt = model.find("metric");
    const json& metric = metricIt != model.end() && metricIt->is_object() ? *metricIt : empty;
    const auto summaryIt = model.find("summary");
    const json& summary = summaryIt != model.end() && summaryIt->is_object() ? *summaryIt : empty;
    const QString metricName = textAt(metric, "name");
    for (size_t c = 1; c < columns_.size(); ++c) {
      const QString& key = columns_[c].key;
      Cell cell;
      if (key.startsWith(QLatin1String("metric:"))) {
        if (key.mid(7) == metricName) {
          cell.present = true;
          cell.value = numberAt(metric, "value");
          cell.tooltip = tr("token-weighted %1; mean over batches %2; %3 predictions")
                             .arg(formatNumber(cell.value), formatNumber(numberAt(metric, "batch_mean")))
                             .arg(numberAt(metric, "predictions"));
        }
      } else {
        const std::string figure = key.mid(8).toStdString();
        const auto found = summary.find(figure);
        if (found != summary.end()) {
          cell.present = true;
          cell.value = found->is_number() ? found->get<double>() : kNaN;
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
  if (index.column() == 0) {
    switch (role) {
      case Qt::DisplayRole: return row.name;
      case Qt::DecorationRole: return modelSwatch(row.slot);
      case Qt::ToolTipRole: return row.description;
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
      return QVariant::fromValue(section == 0 ? Qt::AlignLeft | Qt::AlignVCenter
                                              : Qt::AlignRight | Qt::AlignVCenter);
    default: return {};
  }
}
