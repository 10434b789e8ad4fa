#include "views/quantization_metric_model.h"

#include "plots/model_palette.h"
#include "views/result_text.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>
#include <QFont>
#include <QStringList>

#include <algorithm>

#include <cmath>
#include <limits>

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// About five significant digits without an exponent for the magnitudes metrics take.
QString formatMetric(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? QString() : QString::number(value);
  const double magnitude = std::abs(value);
  const int digitsBeforePoint = magnitude < 1 ? 1 : static_cast<int>(std::floor(std::log10(magnitude))) + 1;
  return QString::number(value, 'f', std::clamp(5 - digitsBeforePoint, 0, 6));
}

double relativeChangePercent(double fp, double quantized) { return (quantized / fp - 1.0) * 100.0; }

// Accuracies (higher is better, in [0, 1]) change by percentage points: a relative change of an
// accuracy reads oddly and has no value when the FP accuracy is 0. Perplexities: relative, in %.
double changeOf(double fp, double quantized, bool points) {
  return points ? (quantized - fp) * 100.0 : relativeChangePercent(fp, quantized);
}

}  // namespace

QuantizationMetricModel::QuantizationMetricModel(QObject* parent) : QAbstractTableModel(parent) {}

QString QuantizationMetricModel::settingsText(const hopscope::QuantizationStudy& study) {
  const hopscope::EvaluationSettings& evaluation = study.settings.evaluation;
  const QString data = study.data.path.empty() ? tr("given blocks") : QFileInfo(qtext(study.data.path)).fileName();
  const int64_t batches = study.settings.calibrationBatches;
  if (study.info.imageSize > 0)  // the quantized block, when it is the reference's rather than the trained one
    return tr("%1 images, %2; calibrated on %3 images after them%4")
        .arg(evaluation.samples).arg(data).arg(study.calibration.documents)
        .arg(study.settings.blockMode == "reference-compat" ? tr("; reference-compat blocks") : QString());
  return tr("%1 × %2 tokens, %3; calibrated on %4 %5")
      .arg(evaluation.samples).arg(evaluation.seqLen).arg(data).arg(batches)
      .arg(batches == 1 ? tr("batch") : tr("batches"));
}

void QuantizationMetricModel::setStatuses(const std::vector<ResultStatus>& statuses) {
  for (size_t r = 0; r < rows_.size(); ++r) rows_[r].status = statusAt(statuses, r);
  if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

ResultStatus QuantizationMetricModel::status(int row) const {
  return row >= 0 && row < rowCount() ? rows_[static_cast<size_t>(row)].status : ResultStatus{};
}

QuantizationMetricModel::Row QuantizationMetricModel::rowFrom(const hopscope::QuantizationStudy& study, size_t index) {
  Row row;
  row.name = modelName(study.info, index);
  row.metric = qtext(study.fp.name);
  row.fp = study.fp.value;
  row.quantized = study.main.metric.value;
  row.wbits = study.main.weightBits;
  row.abits = study.main.activationBits;
  row.estimator = qtext(study.main.estimator);
  row.granularity = qtext(study.settings.granularity);
  row.weightRange = qtext(study.settings.weightRange);
  row.weightGrid = qtext(study.settings.weightGrid);
  row.settings = settingsText(study);
  // Perplexity and MSE: lower is better; accuracy: higher is better.
  row.lowerIsBetter = !row.metric.contains(QStringLiteral("accuracy"));

  const hopscope::EvaluationSettings& evaluation = study.settings.evaluation;
  QStringList details;
  details << QObject::tr("family: %1\nnormalizer: %2\ngate: %3")
                 .arg(qtext(study.info.family), qtext(study.info.normalizer), qtext(study.info.gate));
  details << QObject::tr("%1 blocks of %2 tokens, batch %3; calibrated on %4 batches of %5")
                 .arg(evaluation.samples).arg(evaluation.seqLen).arg(evaluation.batch)
                 .arg(study.settings.calibrationBatches).arg(qtext(study.calibration.path));
  QStringList keptFloat;
  for (const std::string& pattern : study.settings.keepFloat) keptFloat << qtext(pattern);
  if (!keptFloat.isEmpty()) details << QObject::tr("kept in float: %1").arg(keptFloat.join(QStringLiteral(", ")));
  row.details = details.join(QLatin1Char('\n'));
  return row;
}

void QuantizationMetricModel::setModels(const std::vector<hopscope::QuantizationStudyPtr>& models,
                                        const std::vector<int>& paletteSlots) {
  beginResetModel();
  rows_.clear();
  for (size_t m = 0; m < models.size(); ++m) {
    rows_.push_back(rowFrom(*models[m], m));
    rows_.back().slot = slotAt(paletteSlots, m);
  }
  sharedBits_.clear();
  if (!rows_.empty()) {
    const QString first = display(rows_.front(), Bits);
    bool same = true;
    for (const Row& row : rows_) same = same && display(row, Bits) == first;
    if (same) sharedBits_ = first;
  }
  endResetModel();
}

int QuantizationMetricModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int QuantizationMetricModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant QuantizationMetricModel::value(const Row& row, int column) const {
  switch (column) {
    case Model: return row.name;
    case Metric: return row.metric;
    case Fp: return row.fp;
    case Quantized: return row.quantized;
    case Change: return changeOf(row.fp, row.quantized, !row.lowerIsBetter);
    case Bits: return display(row, Bits);
    case Estimator: return row.estimator;
    case Granularity: return row.granularity;
    case WeightRange: return row.weightRange;
    case WeightGrid: return row.weightGrid;
    case Settings: return row.settings;
    default: return {};
  }
}

QString QuantizationMetricModel::display(const Row& row, int column) const {
  switch (column) {
    case Metric: {
      QString name = row.metric;
      return name.replace(QLatin1Char('_'), QLatin1Char(' '));
    }
    case Fp: return formatMetric(row.fp);
    case Quantized: return formatMetric(row.quantized);
    case Change: {
      const double change = changeOf(row.fp, row.quantized, !row.lowerIsBetter);
      if (!std::isfinite(change)) return {};
      return QStringLiteral("%1%2 %3")
          .arg(change > 0 ? QStringLiteral("+") : QString())
          .arg(change, 0, 'f', 2)
          .arg(row.lowerIsBetter ? QStringLiteral("%") : tr("pt"));
    }
    case Bits: {
      if (row.wbits == 0 && row.abits == 0) return {};
      const auto bits = [](int b) { return b > 0 ? QString::number(b) : QStringLiteral("?"); };
      return QStringLiteral("W%1A%2").arg(bits(row.wbits), bits(row.abits));
    }
    case Settings: {
      const QString word = resultStatusWord(row.status);
      return word.isEmpty() ? row.settings : word + QStringLiteral(": ") + row.settings;
    }
    default: return value(row, column).toString();
  }
}

QVariant QuantizationMetricModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
  const Row& row = rows_[static_cast<size_t>(index.row())];
  const int column = index.column();
  switch (role) {
    case Qt::DisplayRole: return display(row, column);
    case ValueRole: return value(row, column);
    case Qt::DecorationRole:
      if (column == Settings && !row.status.current()) return resultStatusIcon(row.status);
      return column == Model ? modelSwatch(row.slot) : QVariant();
    case Qt::FontRole: {
      if (row.status.current()) return {};
      QFont font;
      font.setItalic(true);
      return font;
    }
    case Qt::TextAlignmentRole:
      if (column == Fp || column == Quantized || column == Change)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    case Qt::ForegroundRole: {
      if (column != Change) return {};
      const double change = changeOf(row.fp, row.quantized, !row.lowerIsBetter);
      if (!std::isfinite(change) || std::abs(change) < 1.0) return {};
      const bool worse = row.lowerIsBetter ? change > 0 : change < 0;
      return QBrush(worse ? QColor(178, 34, 34) : QColor(34, 120, 60));
    }
    case Qt::ToolTipRole:
      if (!row.status.current() && (column == Model || column == Settings))
        return row.status.note + QStringLiteral("\n\n") + row.name + QLatin1Char('\n') + row.details;
      if (column == Model) return row.details.isEmpty() ? row.name : row.name + QLatin1Char('\n') + row.details;
      if (column == Change)
        return row.lowerIsBetter ? tr("quantized / FP − 1; lower is better for this metric, so + means worse")
                                 : tr("quantized / FP − 1; higher is better for this metric, so − means worse");
      return {};
    default: return {};
  }
}

QVariant QuantizationMetricModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
  if (role == Qt::DisplayRole) {
    switch (section) {
      case Model: return tr("Model");
      case Metric: return tr("Metric");
      case Fp: return tr("FP");
      case Quantized: return sharedBits_.isEmpty() ? tr("Quantized") : tr("Quantized %1").arg(sharedBits_);
      case Change: return tr("Change");
      case Bits: return tr("Bits");
      case Estimator: return tr("Activation ranges");
      case Granularity: return tr("Weight granularity");
      case WeightRange: return tr("Weight range");
      case WeightGrid: return tr("Weight grid");
      case Settings: return tr("Computed with");
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case Model: return tr("The model and its attention normalizer (PATH@NORMALIZER)");
      case Metric: return tr("The task metric: perplexity token-weighted over the evaluation blocks; image models: top-1 accuracy over the images");
      case Fp: return tr("The metric of the float model");
      case Quantized: return tr("The metric with simulated quantization of weights and activations");
      case Change: return tr("Relative change: quantized / FP − 1; accuracies: quantized − FP in percentage points (pt)");
      case Bits: return tr("W = weight bits, A = activation bits");
      case Estimator:
        return tr("How activation ranges were estimated on the calibration batches: minmax, running "
                  "(momentum 0.9), percentile:P or mse; then frozen");
      case Granularity: return tr("Weight scales per tensor or per output channel");
      case WeightRange: return tr("Weight range: min–max or an MSE grid search");
      case WeightGrid:
        return tr("signed: codes in [−2^(b−1), 2^(b−1)−1]; auto: unsigned [0, 2^b−1] for tensors "
                  "without negative values");
      case Settings:
        return tr("What each row was computed with: token blocks × tokens per block, the text, the calibration "
                  "batches; marked stale when the settings row above differs, pending while it is recomputed");
      default: return {};
    }
  }
  return {};
}
