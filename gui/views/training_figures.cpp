#include "views/training_figures.h"

#include <QObject>
#include <QStringList>

#include <cmath>
#include <functional>
#include <optional>

#include "hopscope/model_family.h"

namespace {

using nlohmann::json;

QString formatValue(double value) { return QString::number(value, 'g', 4); }

// record[path...] as a finite number, or nothing (missing, null for NaN, not a number).
std::optional<double> numberAt(const json& record, std::initializer_list<const char*> path) {
  const json* node = &record;
  for (const char* key : path) {
    if (!node->is_object()) return std::nullopt;
    const auto found = node->find(key);
    if (found == node->end()) return std::nullopt;
    node = &*found;
  }
  if (!node->is_number()) return std::nullopt;
  const double value = node->get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

using Reader = std::function<std::optional<double>(const json& record)>;

// One curve through the records that have both a step and a value (a log axis also needs value > 0).
FigureSeries curve(const TrainingCurves& run, const QString& name, SeriesStyle style, const QString& quantity,
                   const Reader& read, bool positiveOnly) {
  FigureSeries series{name, run.slot, style, 0, {}};
  for (const json& record : run.records) {
    const std::optional<double> step = numberAt(record, {"step"});
    const std::optional<double> value = read(record);
    if (!step || !value || (positiveOnly && !(*value > 0))) continue;
    series.points.push_back({*step, *value,
                             QObject::tr("%1, step %2\n%3 = %4").arg(run.name).arg(*step).arg(quantity, formatValue(*value))});
  }
  return series;
}

// The families' wording of a protocol figure, once per distinct family.
QString protocolDescription(const std::vector<TrainingCurves>& runs, const std::string& figure) {
  QStringList families, lines;
  for (const TrainingCurves& run : runs) {
    if (families.contains(run.family)) continue;
    families << run.family;
    const hopscope::ModelFamily* family = hopscope::findFamily(run.family.toStdString());
    if (!family) continue;
    for (const hopscope::ProtocolFigure& entry : family->protocol)
      if (entry.name == figure) lines << QStringLiteral("%1: %2").arg(run.family, QString::fromStdString(entry.description));
  }
  return lines.join(QLatin1Char('\n'));
}

Figure frame(const QString& title, const QString& yLabel, AxisScale scale) {
  Figure figure;
  figure.title = title;
  figure.x.label = QObject::tr("optimizer step");
  figure.y.label = yLabel;
  figure.y.scale = scale;
  figure.message = QObject::tr("No evaluation yet: a point appears at every evaluation of a run (Eval every)");
  return figure;
}

// One curve per run of a protocol summary figure on a log axis.
Figure summaryFigure(const std::vector<TrainingCurves>& runs, const std::string& key, const QString& title,
                     const QString& quantity) {
  Figure figure = frame(title, QObject::tr("%1 (log scale)").arg(quantity), AxisScale::Log);
  figure.note = QObject::tr("on the held-out blocks at each evaluation");
  if (const QString description = protocolDescription(runs, key); !description.isEmpty())
    figure.note += QLatin1Char('\n') + description;
  const Reader read = [key](const json& record) { return numberAt(record, {"eval", "summary", key.c_str()}); };
  for (const TrainingCurves& run : runs) {
    FigureSeries series = curve(run, run.name, SeriesStyle::LineMarkers, quantity, read, true);
    if (!series.points.empty()) figure.series.push_back(std::move(series));
  }
  return figure;
}

}  // namespace

Figure trainingLossFigure(const std::vector<TrainingCurves>& runs) {
  Figure figure = frame(QObject::tr("Training and held-out loss"), QObject::tr("loss (nats)"), AxisScale::Linear);
  figure.note = QObject::tr("solid: training loss, the mean over the steps since the previous evaluation; "
                            "dashed: held-out loss, the cross-entropy on the held-out data (ln perplexity for language models)");
  const Reader training = [](const json& record) { return numberAt(record, {"loss"}); };
  const Reader heldOut = [](const json& record) { return numberAt(record, {"eval", "loss"}); };
  for (const TrainingCurves& run : runs) {
    FigureSeries trained = curve(run, QObject::tr("%1 training").arg(run.name), SeriesStyle::LineMarkers,
                                 QObject::tr("training loss"), training, false);
    FigureSeries evaluated = curve(run, QObject::tr("%1 held-out").arg(run.name), SeriesStyle::ReferenceLine,
                                   QObject::tr("held-out loss"), heldOut, false);
    if (!trained.points.empty()) figure.series.push_back(std::move(trained));
    if (!evaluated.points.empty()) figure.series.push_back(std::move(evaluated));
  }
  return figure;
}

Figure averageKurtosisFigure(const std::vector<TrainingCurves>& runs) {
  return summaryFigure(runs, "avg_kurtosis", QObject::tr("Average kurtosis"), QObject::tr("avg kurtosis"));
}

Figure maxInfNormFigure(const std::vector<TrainingCurves>& runs) {
  return summaryFigure(runs, "max_inf_norm", QObject::tr("Maximum infinity norm"), QObject::tr("max inf-norm"));
}
