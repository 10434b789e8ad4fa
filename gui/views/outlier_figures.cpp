#include "views/outlier_figures.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include "plots/axis_coordinates.h"
#include "plots/model_palette.h"
#include "views/json_fields.h"

namespace {

using json_fields::modelName;
using json_fields::numberAt;
using json_fields::textAt;
using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* const kFigureNames[] = {"Kurtosis of block outputs", "Inf-norm of block outputs",
                                    "Kurtosis of FFN outputs", "Inf-norm of FFN outputs"};

bool isKurtosis(LayerFigure figure) {
  return figure == LayerFigure::BlockKurtosis || figure == LayerFigure::FfnKurtosis;
}

QString formatValue(double value) { return QString::number(value, 'g', 4); }

// The module objects of a model by name (malformed entries left out).
QHash<QString, const json*> modulesByName(const json& model) {
  QHash<QString, const json*> index;
  const json& modules = json_fields::member(model, "modules");
  if (!modules.is_array()) return index;
  for (const json& module : modules) {
    const QString name = textAt(module, "name");
    if (!name.isEmpty() && !index.contains(name)) index.insert(name, &module);
  }
  return index;
}

// The highest layer whose module for `figure` the model has, or -1.
int lastLayerWith(const json& model, LayerFigure figure) {
  const auto modules = modulesByName(model);
  const QString family = textAt(model, "family");
  int last = -1;
  for (int layer = 0; layer <= modules.size(); ++layer)
    if (modules.contains(layerModuleName(family, figure, layer))) last = layer;
  return last;
}

// The histogram object of a model's module for the subject, or null.
const json* histogramOf(const json& model, const HistogramSubject& subject) {
  if (subject.module.isEmpty() && subject.layer < 0) return nullptr;  // no subject
  const QString module = subject.module.isEmpty()
                             ? layerModuleName(textAt(model, "family"), subject.layerFigure, subject.layer)
                             : subject.module;
  const auto modules = modulesByName(model);
  const auto found = modules.constFind(module);
  if (found == modules.constEnd()) return nullptr;
  const json& histogram = json_fields::member(**found, "histogram");
  return histogram.is_object() ? &histogram : nullptr;
}

// Bins of a symlog histogram: 2·uMax / bins wide over [−uMax, uMax], uMax = symlog(max_magnitude).
struct HistogramCurve {
  FigureSeries series;
  double threshold = 0;
  QString overflowNote;
};

bool histogramCurve(const json& histogram, const QString& name, HistogramCurve& curve) {
  const double threshold = numberAt(histogram, "linear_threshold");
  const double maxMagnitude = numberAt(histogram, "max_magnitude");
  const json& counts = json_fields::member(histogram, "counts");
  if (!(threshold > 0) || !(maxMagnitude > 0) || !counts.is_array() || counts.empty()) return false;
  double total = 0;
  for (const json& count : counts) total += count.is_number() ? count.get<double>() : 0.0;
  if (!(total > 0)) return false;

  const double uMax = symlog(maxMagnitude, threshold);
  const double width = 2 * uMax / static_cast<double>(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double count = counts[i].is_number() ? counts[i].get<double>() : 0.0;
    const double u0 = -uMax + static_cast<double>(i) * width, u1 = u0 + width;
    const double centre = symexp((u0 + u1) / 2, threshold);
    if (count <= 0) {  // a gap in the curve: zero does not exist on the log axis
      curve.series.points.push_back({centre, kNaN, {}});
      continue;
    }
    const double fraction = count / total;
    curve.series.points.push_back(
        {centre, fraction,
         QObject::tr("%1: values in [%2, %3]\n%4 of %5 values (fraction %6)")
             .arg(name, formatValue(symexp(u0, threshold)), formatValue(symexp(u1, threshold)))
             .arg(static_cast<qlonglong>(count)).arg(static_cast<qlonglong>(total))
             .arg(formatValue(fraction))});
  }
  curve.threshold = threshold;
  const double overflow = numberAt(histogram, "overflow");
  if (overflow > 0)
    curve.overflowNote = QObject::tr("%1: %2 values beyond ±%3 (counted in the end bins)")
                             .arg(name).arg(static_cast<qlonglong>(overflow)).arg(formatValue(maxMagnitude));
  return true;
}

}  // namespace

QStringList layerFigureNames() {
  QStringList names;
  for (const char* name : kFigureNames) names << QObject::tr(name);
  return names;
}

QString layerModuleName(const QString& family, LayerFigure figure, int layer) {
  const bool ffn = figure == LayerFigure::FfnKurtosis || figure == LayerFigure::FfnInfNorm;
  if (family == QLatin1String("bert"))
    return QStringLiteral("bert.encoder.layer.%1.output.%2").arg(layer).arg(ffn ? "dense" : "LayerNorm");
  if (family == QLatin1String("opt"))
    return QStringLiteral("model.decoder.layers.%1").arg(layer) + (ffn ? QStringLiteral(".fc2") : QString());
  return {};
}

Figure perLayerFigure(const std::vector<json>& models, const std::vector<int>& paletteSlots, LayerFigure figure) {
  const bool kurtosis = isKurtosis(figure);
  const char* field = kurtosis ? "kurtosis" : "inf_norm";
  Figure result;
  int layers = 0;
  QStringList empty, patterns;
  for (size_t m = 0; m < models.size(); ++m) {
    const json& model = models[m];
    const QString family = textAt(model, "family");
    const QString pattern = layerModuleName(family, figure, 0).replace(QStringLiteral(".0"), QStringLiteral(".N"));
    if (!pattern.isEmpty() && !patterns.contains(pattern)) patterns << pattern;
    const auto modules = modulesByName(model);
    FigureSeries series{modelName(model, m), slotAt(paletteSlots, m), SeriesStyle::LineMarkers, 0, {}};
    for (int layer = 0; layer < modules.size(); ++layer) {
      const QString name = layerModuleName(family, figure, layer);
      const auto found = modules.constFind(name);
      if (found == modules.constEnd()) continue;
      const double value = numberAt(**found, field);
      if (!(value > 0) || !std::isfinite(value)) continue;  // NaN, or not drawable on a log axis
      series.points.push_back(
          {double(layer), value,
           QObject::tr("%1, layer %2 (%3)\n%4 = %5")
               .arg(series.name).arg(layer)
               .arg(name, kurtosis ? QObject::tr("kurtosis") : QObject::tr("inf-norm"), formatValue(value))});
      layers = std::max(layers, layer + 1);
    }
    if (series.points.empty())
      empty << series.name;
    else
      result.series.push_back(std::move(series));
  }

  result.title = QObject::tr("%1 per layer").arg(layerFigureNames().value(static_cast<int>(figure)));
  result.note = kurtosis ? QObject::tr("Pearson kurtosis of each row (≈ 3 for a Gaussian), averaged over rows")
                         : QObject::tr("max |x| of each row, averaged over rows");
  // On a line of its own: with two families the module patterns alone fill the plot width.
  if (!patterns.isEmpty()) result.note += QObject::tr("\nmodules %1").arg(patterns.join(QStringLiteral(", ")));
  if (!empty.isEmpty()) result.note += QObject::tr("\nno such layers in: %1").arg(empty.join(QStringLiteral(", ")));
  if (!models.empty()) result.message = QObject::tr("No model has a value of this figure per layer");

  result.x.label = QObject::tr("layer");
  const int shown = std::max(layers, 1);
  const int step = std::max(1, (shown + 23) / 24);  // at most ~24 labels
  for (int layer = 0; layer < shown; layer += step) result.x.ticks.push_back({double(layer), QString::number(layer)});
  result.x.range = AxisRange{-0.5, shown - 0.5};
  result.y.label = kurtosis ? QObject::tr("kurtosis (log scale)") : QObject::tr("inf-norm max |x| (log scale)");
  result.y.scale = AxisScale::Log;
  return result;
}

HistogramSubjects histogramSubjects(const std::vector<json>& models) {
  HistogramSubjects subjects;
  // Models of several families share no module names: per-layer subjects compare each model's own
  // block or FFN output of a layer.
  QSet<QString> families;
  int layers = 0;
  for (const json& model : models) {
    families.insert(textAt(model, "family"));
    layers = std::max(layers, lastLayerWith(model, LayerFigure::BlockKurtosis) + 1);
  }
  if (families.size() > 1 && layers > 0) {
    const QString tooltip = QObject::tr("Each model's own module for this layer");
    for (int layer = 0; layer < layers; ++layer) {
      subjects.entries.push_back({QObject::tr("Block output, layer %1").arg(layer), tooltip, QString(),
                                  LayerFigure::BlockKurtosis, layer});
      subjects.entries.push_back({QObject::tr("FFN output, layer %1").arg(layer), tooltip, QString(),
                                  LayerFigure::FfnKurtosis, layer});
    }
    subjects.preferred = static_cast<int>(subjects.entries.size()) - 1;
  }
  const bool preferLayerSubject = !subjects.entries.empty();

  // Module names: the union over the models, in order of first appearance.
  QSet<QString> seen;
  QString preferredModule;  // else the last FFN output of the first model that has one
  for (const json& model : models) {
    const json& modules = json_fields::member(model, "modules");
    if (!modules.is_array()) continue;
    for (const json& module : modules) {
      const QString name = textAt(module, "name");
      if (name.isEmpty() || seen.contains(name)) continue;
      seen.insert(name);
      const QString alias = textAt(module, "alias_of");
      subjects.entries.push_back(
          {name, alias.isEmpty() ? QString() : QObject::tr("the same tensor as %1").arg(alias), name});
    }
    const int lastFfn = lastLayerWith(model, LayerFigure::FfnKurtosis);
    if (preferredModule.isEmpty() && lastFfn >= 0)
      preferredModule = layerModuleName(textAt(model, "family"), LayerFigure::FfnKurtosis, lastFfn);
  }
  if (!preferLayerSubject && !preferredModule.isEmpty())
    for (size_t i = 0; i < subjects.entries.size(); ++i)
      if (subjects.entries[i].module == preferredModule) subjects.preferred = static_cast<int>(i);
  return subjects;
}

Figure moduleHistogramFigure(const std::vector<json>& models, const std::vector<int>& paletteSlots,
                             const HistogramSubject& subject) {
  Figure result;
  double threshold = 1e-3;
  QStringList skipped, overflowNotes;
  for (size_t m = 0; m < models.size(); ++m) {
    const QString name = modelName(models[m], m);
    const json* histogram = histogramOf(models[m], subject);
    HistogramCurve curve;
    curve.series = {name, slotAt(paletteSlots, m), SeriesStyle::StepHistogram, 0, {}};
    if (!histogram || !histogramCurve(*histogram, name, curve)) {
      skipped << name;
      continue;
    }
    threshold = curve.threshold;
    if (!curve.overflowNote.isEmpty()) overflowNotes << curve.overflowNote;
    result.series.push_back(std::move(curve.series));
  }

  result.title = subject.label.isEmpty() ? QObject::tr("Activation histogram")
                                         : QObject::tr("Activation histogram of %1").arg(subject.label);
  result.note = QObject::tr("fraction of each model's values per bin; bins of equal width in "
                            "sign(v)·log10(1 + |v|/%1)").arg(formatValue(threshold));
  if (!skipped.isEmpty())
    result.note += QObject::tr("\nnot shown (no histogram for this module): %1").arg(skipped.join(QStringLiteral(", ")));
  if (!overflowNotes.isEmpty()) result.note += QLatin1Char('\n') + overflowNotes.join(QStringLiteral("; "));
  if (!models.empty()) result.message = QObject::tr("No model has a histogram of this module");

  result.x.label = QObject::tr("activation value (symmetric log scale)");
  result.x.scale = AxisScale::Symlog;
  result.x.symlogThreshold = threshold;
  result.y.label = QObject::tr("fraction of values per bin (log scale)");
  result.y.scale = AxisScale::Log;
  return result;
}
