#include "views/outlier_figures.h"

#include <QObject>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include "plots/axis_coordinates.h"
#include "plots/model_palette.h"
#include "views/result_text.h"

namespace {

using hopscope::ModelAnalysis;
using hopscope::ModelAnalysisPtr;
using hopscope::ModuleAnalysis;
using hopscope::SiteRole;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* const kFigureNames[] = {"Kurtosis of block outputs", "Inf-norm of block outputs",
                                    "Kurtosis of FFN outputs", "Inf-norm of FFN outputs"};

bool isKurtosis(LayerFigure figure) {
  return figure == LayerFigure::BlockKurtosis || figure == LayerFigure::FfnKurtosis;
}

QString formatValue(double value) { return QString::number(value, 'g', 4); }

// The highest layer whose module for `figure` the model has, or -1.
int lastLayerWith(const ModelAnalysis& model, LayerFigure figure) {
  int last = -1;
  for (const ModuleAnalysis& module : model.modules)
    if (module.role == layerFigureRole(figure)) last = std::max(last, static_cast<int>(module.layer));
  return last;
}

// The module a subject names in one model: by name, or the model's own module of a role and layer.
const ModuleAnalysis* moduleOf(const ModelAnalysis& model, const HistogramSubject& subject) {
  if (!subject.module.isEmpty()) return model.module(subject.module.toStdString());
  if (subject.layer < 0) return nullptr;  // no subject
  return model.module(layerFigureRole(subject.layerFigure), subject.layer);
}

// "bert.encoder.layer.3.output.dense" with layer 3 -> "bert.encoder.layer.N.output.dense".
QString layerPattern(const ModuleAnalysis& module) {
  QString name = qtext(module.name);
  const QString layer = QStringLiteral(".%1").arg(module.layer);
  const int at = name.indexOf(layer + QLatin1Char('.'));
  if (at >= 0) return name.replace(at, layer.size(), QStringLiteral(".N"));
  if (name.endsWith(layer)) return name.left(name.size() - layer.size()) + QStringLiteral(".N");
  return name;
}

// Bins of a symlog histogram: 2·uMax / bins wide over [−uMax, uMax], uMax = symlog(max_magnitude).
struct HistogramCurve {
  FigureSeries series;
  double threshold = 0;
  QString overflowNote;
};

bool histogramCurve(const hopscope::SymlogHistogram& histogram, const QString& name, HistogramCurve& curve) {
  const double threshold = histogram.linearThreshold();
  const double maxMagnitude = histogram.maxMagnitude();
  const std::vector<int64_t>& counts = histogram.counts();
  if (counts.empty() || histogram.total() <= 0) return false;
  const double total = static_cast<double>(histogram.total());

  const double uMax = symlog(maxMagnitude, threshold);
  const double width = 2 * uMax / static_cast<double>(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double count = static_cast<double>(counts[i]);
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
  if (histogram.overflow() > 0)
    curve.overflowNote = QObject::tr("%1: %2 values beyond ±%3 (counted in the end bins)")
                             .arg(name).arg(static_cast<qlonglong>(histogram.overflow())).arg(formatValue(maxMagnitude));
  return true;
}

}  // namespace

QStringList layerFigureNames() {
  QStringList names;
  for (const char* name : kFigureNames) names << QObject::tr(name);
  return names;
}

hopscope::SiteRole layerFigureRole(LayerFigure figure) {
  const bool ffn = figure == LayerFigure::FfnKurtosis || figure == LayerFigure::FfnInfNorm;
  return ffn ? SiteRole::FfnOutput : SiteRole::BlockOutput;
}

Figure perLayerFigure(const std::vector<ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots,
                      LayerFigure figure) {
  const bool kurtosis = isKurtosis(figure);
  Figure result;
  int layers = 0;
  QStringList empty, patterns;
  for (size_t m = 0; m < models.size(); ++m) {
    const ModelAnalysis& model = *models[m];
    FigureSeries series{modelName(model.info, m), slotAt(paletteSlots, m), SeriesStyle::LineMarkers, 0, {}};
    for (const ModuleAnalysis& module : model.modules) {
      if (module.role != layerFigureRole(figure) || module.layer < 0) continue;
      const QString pattern = layerPattern(module);
      if (!patterns.contains(pattern)) patterns << pattern;
      const double value = kurtosis ? module.stats.meanKurtosis() : module.stats.meanInfNorm();
      if (!(value > 0) || !std::isfinite(value)) continue;  // NaN, or not drawable on a log axis
      const int layer = static_cast<int>(module.layer);
      series.points.push_back(
          {double(layer), value,
           QObject::tr("%1, layer %2 (%3)\n%4 = %5")
               .arg(series.name).arg(layer)
               .arg(qtext(module.name), kurtosis ? QObject::tr("kurtosis") : QObject::tr("inf-norm"), formatValue(value))});
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

const ModuleAnalysis* histogramSubjectModule(const ModelAnalysis& model, const HistogramSubject& subject) {
  return moduleOf(model, subject);
}

HistogramSubjects histogramSubjects(const std::vector<ModelAnalysisPtr>& models) {
  HistogramSubjects subjects;
  // Models of several families share no module names: per-layer subjects compare each model's own
  // block or FFN output of a layer.
  QSet<QString> families;
  int layers = 0;
  for (const ModelAnalysisPtr& model : models) {
    families.insert(qtext(model->info.family));
    layers = std::max(layers, lastLayerWith(*model, LayerFigure::BlockKurtosis) + 1);
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
  for (const ModelAnalysisPtr& model : models) {
    for (const ModuleAnalysis& module : model->modules) {
      const QString name = qtext(module.name);
      if (name.isEmpty() || seen.contains(name)) continue;
      seen.insert(name);
      subjects.entries.push_back(
          {name, module.aliasOf.empty() ? QString() : QObject::tr("the same tensor as %1").arg(qtext(module.aliasOf)),
           name});
    }
    const int lastFfn = lastLayerWith(*model, LayerFigure::FfnKurtosis);
    if (preferredModule.isEmpty() && lastFfn >= 0)
      preferredModule = qtext(model->module(SiteRole::FfnOutput, lastFfn)->name);
  }
  if (!preferLayerSubject && !preferredModule.isEmpty())
    for (size_t i = 0; i < subjects.entries.size(); ++i)
      if (subjects.entries[i].module == preferredModule) subjects.preferred = static_cast<int>(i);
  return subjects;
}

Figure moduleHistogramFigure(const std::vector<ModelAnalysisPtr>& models, const std::vector<int>& paletteSlots,
                             const HistogramSubject& subject) {
  Figure result;
  double threshold = 1e-3;
  QStringList skipped, overflowNotes;
  for (size_t m = 0; m < models.size(); ++m) {
    const QString name = modelName(models[m]->info, m);
    const ModuleAnalysis* module = moduleOf(*models[m], subject);
    HistogramCurve curve;
    curve.series = {name, slotAt(paletteSlots, m), SeriesStyle::StepHistogram, 0, {}};
    if (!module || !histogramCurve(module->stats.histogram(), name, curve)) {
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
