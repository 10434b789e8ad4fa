#include "views/activation_figures.h"

#include <QFileInfo>
#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "hopscope/evaluation_task.h"  // defaultSequenceLength: what Tokens "auto" means
#include "plots/axis_coordinates.h"
#include "plots/model_palette.h"
#include "views/result_text.h"

namespace {

using hopscope::ModelAnalysis;
using hopscope::ModelAnalysisPtr;
using hopscope::ModuleAnalysis;
using hopscope::QuantizationStudy;
using hopscope::QuantizerSummary;
using hopscope::SiteRole;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kRugRow = 0.045;  // height of one variant's row of grid ticks, as a fraction of the axes

QString number(double value) {
  QString text = QString::number(value, 'g', 3);
  if (text.startsWith(QLatin1Char('-'))) text.replace(0, 1, QStringLiteral("−"));
  return text;
}

QString percent(double fraction) {
  if (fraction == 0) return QStringLiteral("0 %");
  return QString::number(fraction * 100, 'g', 2) + QStringLiteral(" %");
}

QString fileName(const std::string& path) { return QFileInfo(qtext(path)).fileName(); }

const ModuleAnalysis* moduleOf(const ActivationVariant& variant, const HistogramSubject& subject) {
  return variant.analysis ? histogramSubjectModule(*variant.analysis, subject) : nullptr;
}

// The x extent of a histogram's non-empty bins, in symlog units: [low, high]; empty when no values.
struct Span {
  double low = kInf, high = -kInf;
  bool empty() const { return !(low <= high); }
  void include(double u) {
    if (!std::isfinite(u)) return;
    low = std::min(low, u);
    high = std::max(high, u);
  }
};

// What one variant contributes to the figures.
struct VariantPlot {
  size_t index = 0;  // in the variants
  QString label;
  const ModuleAnalysis* module = nullptr;
  const QuantizerSummary* quantizer = nullptr;
  FigureSeries series;
  Span x;                   // symlog units of the drawn bins
  double yLow = kInf, yHigh = 0;
  QString overflow, stride;  // notes: values beyond the binning; grid levels left out
};

// The legend entry: name and status, the module's outlier figures, the quantizer's.
QString legendText(const ActivationVariant& variant, const VariantPlot& plot) {
  QStringList lines;
  QString name = plot.label;
  if (variant.analysisPending()) name += QObject::tr(" — analysis pending");
  else if (variant.analysisStale()) name += QObject::tr(" — analysed with other settings");
  lines << name;
  const hopscope::ModuleStatistics& stats = plot.module->stats;
  lines << QObject::tr("kurtosis %1 · max |x| %2").arg(number(stats.meanKurtosis()), number(stats.maxAbs().value));
  if (!variant.study) {
    lines << (variant.quantizationPending() ? QObject::tr("quantization pending") : QObject::tr("not quantized yet"));
  } else if (!plot.quantizer) {
    lines << QObject::tr("this tensor has no activation quantizer");
  } else {
    const QuantizerSummary& q = *plot.quantizer;
    QString grid = QObject::tr("A%1 range [%2, %3], step %4").arg(q.bits).arg(number(q.min), number(q.max), number(q.scale));
    if (variant.quantizationPending()) grid += QObject::tr(" (re-quantizing)");
    else if (variant.quantizationStale()) grid += QObject::tr(" (other settings)");
    lines << grid;
    lines << QObject::tr("99 %: %1 of %2 levels · clipped %3")
                 .arg(q.levels99).arg(int64_t(1) << std::min(q.bits, 30)).arg(percent(q.clippedFraction));
  }
  return lines.join(QLatin1Char('\n'));
}

// The grid marks of one variant: clipped tails, range lines, level ticks in rug row `row`.
void addGridMarks(const ActivationVariant& variant, const VariantPlot& plot, int row, const std::vector<double>& drawn,
                  int stride, std::vector<FigureMark>& marks) {
  const QuantizerSummary& q = *plot.quantizer;
  const int levels = static_cast<int>(gridLevels(q).size());
  const QString settings = variant.study ? quantizationSettingsText(*variant.study) : QString();
  const QString clipped = QObject::tr("%1: beyond the calibrated range [%2, %3] values are clamped to the outermost "
                                      "levels\n(more than half a step out: clipped, %4 of the evaluated values)\n%5")
                              .arg(plot.label, number(q.min), number(q.max), percent(q.clippedFraction), settings);
  marks.push_back({MarkStyle::Band, -kInf, q.min, {}, 0, 1, plot.series.slot, clipped});
  marks.push_back({MarkStyle::Band, q.max, kInf, {}, 0, 1, plot.series.slot, clipped});
  const QString range = QObject::tr("%1: calibrated range [%2, %3] of %4\nstep Δ = %5, zero point %6, %7 levels\n%8")
                            .arg(plot.label, number(q.min), number(q.max), qtext(q.site), number(q.scale))
                            .arg(q.zeroPoint).arg(levels).arg(settings);
  marks.push_back({MarkStyle::Line, q.min, q.min, {}, 0, 1, plot.series.slot, range});
  marks.push_back({MarkStyle::Line, q.max, q.max, {}, 0, 1, plot.series.slot, range});
  const QString ticks = stride == 1
                            ? QObject::tr("%1: the %2 grid levels Δ·(k − z), Δ = %3").arg(plot.label).arg(levels).arg(number(q.scale))
                            : QObject::tr("%1: every %2th of the %3 grid levels Δ·(k − z), Δ = %4 (all of them are too "
                                          "dense to draw at this width)")
                                  .arg(plot.label).arg(stride).arg(levels).arg(number(q.scale));
  marks.push_back({MarkStyle::Ticks, 0, 0, drawn, 1 - (row + 1) * kRugRow, 1 - row * kRugRow, plot.series.slot, ticks});
}

// The levels drawn at a stride, anchored at the zero point.
std::vector<double> strided(const QuantizerSummary& q, int stride) {
  std::vector<double> levels = gridLevels(q), drawn;
  for (size_t k = 0; k < levels.size(); ++k)
    if ((static_cast<int64_t>(k) - q.zeroPoint) % stride == 0) drawn.push_back(levels[k]);
  return drawn;
}

}  // namespace

std::vector<ActivationVariant> pairVariants(const std::vector<ModelAnalysisPtr>& analyses,
                                            const std::vector<int>& analysisSlots,
                                            const std::vector<hopscope::QuantizationStudyPtr>& studies,
                                            const std::vector<int>& studySlots) {
  std::map<int, ActivationVariant> bySlot;
  for (size_t i = 0; i < analyses.size(); ++i)
    if (analyses[i]) {
      ActivationVariant& variant = bySlot[slotAt(analysisSlots, i)];
      variant.slot = slotAt(analysisSlots, i);
      variant.analysis = analyses[i];
    }
  for (size_t i = 0; i < studies.size(); ++i)
    if (studies[i]) {
      ActivationVariant& variant = bySlot[slotAt(studySlots, i)];
      variant.slot = slotAt(studySlots, i);
      variant.study = studies[i];
    }
  std::vector<ActivationVariant> variants;
  for (auto& [slot, variant] : bySlot) variants.push_back(std::move(variant));
  return variants;
}

QString variantLabel(const hopscope::ModelInfo& info, std::size_t index) {
  if (info.normalizer.empty()) return modelName(info, index);
  QString lead = qtext(info.normalizer);
  if (!info.gate.empty() && info.gate != "none") lead += QObject::tr(" + %1 gate").arg(qtext(info.gate));
  // The folder: the name without its "@normalizer" suffix.
  QString folder = qtext(info.name);
  const qsizetype at = folder.lastIndexOf(QLatin1Char('@'));
  if (at > 0) folder.truncate(at);
  if (folder.isEmpty()) folder = QFileInfo(qtext(info.path)).fileName();
  return folder.isEmpty() ? lead : lead + QStringLiteral(" · ") + folder;
}

const QuantizerSummary* activationQuantizerFor(const QuantizationStudy& study, const ModuleAnalysis& module) {
  auto find = [&](const std::string& site) -> const QuantizerSummary* {
    if (site.empty()) return nullptr;
    for (const QuantizerSummary& q : study.quantizers)
      if (q.kind == "activation" && q.site == site) return &q;
    return nullptr;
  };
  if (const QuantizerSummary* q = find(module.name)) return q;
  return find(module.aliasOf);
}

std::vector<double> gridLevels(const QuantizerSummary& quantizer) {
  std::vector<double> levels;
  if (quantizer.bits < 1 || quantizer.bits > 16 || !(quantizer.scale > 0) || !std::isfinite(quantizer.scale))
    return levels;
  const int64_t count = int64_t(1) << quantizer.bits;
  levels.reserve(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k)
    levels.push_back(static_cast<double>(k - quantizer.zeroPoint) * quantizer.scale);
  return levels;
}

int gridStride(const QuantizerSummary& quantizer, double threshold, double low, double high, int pixels,
               double minPixels) {
  const std::vector<double> levels = gridLevels(quantizer);
  const double uLow = symlog(low, threshold), uHigh = symlog(high, threshold);
  if (levels.size() < 2 || !(uHigh > uLow) || pixels <= 0) return 1;
  const double pixelsPerUnit = pixels / (uHigh - uLow);
  for (int stride = 1; stride < static_cast<int>(levels.size()); stride *= 2) {
    double smallest = kInf, previous = kNaN;
    for (size_t k = 0; k < levels.size(); ++k) {
      if ((static_cast<int64_t>(k) - quantizer.zeroPoint) % stride != 0) continue;
      const double u = symlog(levels[k], threshold);
      if (u < uLow || u > uHigh) continue;
      if (!std::isnan(previous)) smallest = std::min(smallest, (u - previous) * pixelsPerUnit);
      previous = u;
    }
    if (smallest >= minPixels) return stride;
  }
  return static_cast<int>(levels.size());
}

SubjectPlace subjectPlace(const HistogramSubject& subject, const std::vector<ModelAnalysisPtr>& models) {
  if (subject.module.isEmpty()) return {subject.layer, layerFigureRole(subject.layerFigure)};
  for (const ModelAnalysisPtr& model : models)
    if (const ModuleAnalysis* module = model ? model->module(subject.module.toStdString()) : nullptr)
      return {static_cast<int>(module->layer), module->role};
  return {};
}

int worstSubject(const std::vector<HistogramSubject>& subjects, const std::vector<ModelAnalysisPtr>& models,
                 QString* what) {
  const ModuleAnalysis* worst = nullptr;
  size_t worstModel = 0;
  double highest = -kInf;
  for (size_t m = 0; m < models.size(); ++m)
    if (models[m])
      for (const ModuleAnalysis& module : models[m]->modules) {
        const double kurtosis = module.stats.meanKurtosis();
        if (module.aliasOf.empty() && std::isfinite(kurtosis) && kurtosis > highest) {
          highest = kurtosis;
          worst = &module;
          worstModel = m;
        }
      }
  if (!worst) return -1;
  int found = -1;
  for (size_t i = 0; i < subjects.size() && found < 0; ++i)  // per-layer subjects come first
    if (subjects[i].module.isEmpty()
            ? subjects[i].layer == worst->layer && layerFigureRole(subjects[i].layerFigure) == worst->role
            : subjects[i].module == qtext(worst->name))
      found = static_cast<int>(i);
  if (what)
    *what = QObject::tr("%1: kurtosis %2 in %3")
                .arg(qtext(worst->name), number(highest), variantLabel(models[worstModel]->info, worstModel));
  return found;
}

QString analysisSettingsText(const ModelAnalysis& analysis) {
  if (analysis.info.imageSize > 0)
    return QObject::tr("%1, %2 images").arg(fileName(analysis.data.path)).arg(analysis.settings.samples);
  return QObject::tr("%1, %2 blocks × %3 tokens")
      .arg(fileName(analysis.data.path)).arg(analysis.settings.samples).arg(analysis.settings.seqLen);
}

QString quantizationSettingsText(const QuantizationStudy& study) {
  if (study.info.imageSize > 0)
    return QObject::tr("W%1A%2, %3 ranges calibrated on %4 (%5 images after the evaluated ones)")
        .arg(study.main.weightBits).arg(study.main.activationBits)
        .arg(qtext(study.main.estimator), fileName(study.calibration.path))
        .arg(study.calibration.documents);
  return QObject::tr("W%1A%2, %3 ranges calibrated on %4 (%5 × %6 blocks × %7 tokens)")
      .arg(study.main.weightBits).arg(study.main.activationBits)
      .arg(qtext(study.main.estimator), fileName(study.calibration.path))
      .arg(study.settings.calibrationBatches).arg(study.settings.evaluation.batch).arg(study.settings.evaluation.seqLen);
}

std::vector<Figure> activationFigures(const std::vector<ActivationVariant>& variants, const HistogramSubject& subject,
                                      const ActivationPlotOptions& options) {
  // The curves.
  double threshold = hopscope::SymlogHistogram::kDefaultLinearThreshold;
  std::vector<VariantPlot> plots;
  QStringList missing;
  for (size_t v = 0; v < variants.size(); ++v) {
    const ActivationVariant& variant = variants[v];
    const QString label = variant.analysis ? variantLabel(variant.analysis->info, v)
                                           : variant.study ? variantLabel(variant.study->info, v)
                                                           : QObject::tr("model %1").arg(v + 1);
    const ModuleAnalysis* module = moduleOf(variant, subject);
    const hopscope::SymlogHistogram* histogram = module ? &module->stats.histogram() : nullptr;
    if (!histogram || histogram->total() <= 0 || histogram->counts().empty()) {
      missing << (variant.analysis ? label
                                   : label + (variant.analysisPending() ? QObject::tr(" (analysis pending)")
                                                                      : QObject::tr(" (not analysed)")));
      continue;
    }
    VariantPlot plot;
    plot.index = v;
    plot.label = label;
    plot.module = module;
    plot.quantizer = variant.study ? activationQuantizerFor(*variant.study, *module) : nullptr;
    plot.series = {QString(), variant.slot, SeriesStyle::StepHistogram, 0, {}};
    threshold = histogram->linearThreshold();
    const std::vector<int64_t>& counts = histogram->counts();
    const std::vector<double> edges = histogram->binEdges();
    const double total = static_cast<double>(histogram->total());
    for (size_t i = 0; i < counts.size(); ++i) {
      const double u0 = symlog(edges[i], threshold), u1 = symlog(edges[i + 1], threshold);
      const double centre = symexp((u0 + u1) / 2, threshold);
      const double count = static_cast<double>(counts[i]);
      if (count <= 0) {
        plot.series.points.push_back({centre, kNaN, {}});
        continue;
      }
      const double y = options.fractions ? count / total : count;
      plot.series.points.push_back(
          {centre, y,
           QObject::tr("%1: values in [%2, %3]\n%4 of %5 values (%6)")
               .arg(label, number(edges[i]), number(edges[i + 1]))
               .arg(static_cast<qlonglong>(count)).arg(static_cast<qlonglong>(total)).arg(percent(count / total))});
      plot.x.include(u0);
      plot.x.include(u1);
      plot.yLow = std::min(plot.yLow, y);
      plot.yHigh = std::max(plot.yHigh, y);
    }
    if (histogram->overflow() > 0)
      plot.overflow = QObject::tr("%1: %2 values beyond ±%3 (in the end bins)")
                      .arg(label).arg(static_cast<qlonglong>(histogram->overflow())).arg(number(histogram->maxMagnitude()));
    plot.series.name = legendText(variant, plot);
    plots.push_back(std::move(plot));
  }

  // Shared ranges: every histogram and every calibrated range, with room above for the tick rows.
  Span x;
  double yLow = kInf, yHigh = 0;
  int gridRows = 0;
  for (const VariantPlot& plot : plots) {
    x.include(plot.x.low);
    x.include(plot.x.high);
    yLow = std::min(yLow, plot.yLow);
    yHigh = std::max(yHigh, plot.yHigh);
    if (options.grid && plot.quantizer && !gridLevels(*plot.quantizer).empty()) {
      x.include(symlog(plot.quantizer->min, threshold));
      x.include(symlog(plot.quantizer->max, threshold));
      ++gridRows;
    }
  }
  if (options.sideBySide) gridRows = std::min(gridRows, 1);
  std::optional<AxisRange> xRange, yRange;
  if (!x.empty() && yHigh > 0) {
    const double pad = std::max(0.15, 0.04 * (x.high - x.low));
    xRange = AxisRange{symexp(x.low - pad, threshold), symexp(x.high + pad, threshold)};
    // Log axis: the data in the lower (1 − f) of the height, the tick rows in the top fraction f.
    const double low = std::log10(yLow) - 0.15, dataTop = std::log10(yHigh) + 0.15;
    const double f = gridRows * kRugRow + (gridRows > 0 ? 0.01 : 0);
    const double top = (dataTop - f * low) / (1 - f);
    yRange = AxisRange{std::pow(10.0, low), std::pow(10.0, top)};
  }

  // The grid: stride from the shared range and the plot width (about 90 pixels go to the y axis).
  const int axisPixels = std::max(100, options.plotWidth - 90);
  std::vector<std::vector<FigureMark>> marks(plots.size());
  QStringList strides, overflow;
  QStringList strideLabels, strideTexts;  // per thinned plot: its label, "every 8th of 256"
  int row = 0;
  for (size_t p = 0; p < plots.size(); ++p) {
    VariantPlot& plot = plots[p];
    if (!plot.overflow.isEmpty()) overflow << plot.overflow;
    if (!options.grid || !plot.quantizer || gridLevels(*plot.quantizer).empty() || !xRange) continue;
    const int stride = gridStride(*plot.quantizer, threshold, xRange->low, xRange->high, axisPixels);
    if (stride > 1) {
      plot.stride = QObject::tr("every %1th of %2 levels drawn (all are too dense at this width)")
                        .arg(stride).arg(gridLevels(*plot.quantizer).size());
      strideLabels << plot.label;
      strideTexts << QObject::tr("every %1th of %2").arg(stride).arg(gridLevels(*plot.quantizer).size());
    }
    addGridMarks(variants[plot.index], plot, options.sideBySide ? 0 : row++, strided(*plot.quantizer, stride), stride,
                 marks[p]);
  }

  // Notes: what is drawn, the settings of each result, what is missing.
  const QString yWhat = options.fractions ? QObject::tr("fraction of the variant's values per bin")
                                          : QObject::tr("values per bin");
  QStringList note;
  note << QObject::tr("%1 (log); bins of equal width in sign(v)·log10(1 + |v|/%2); the histogram is of the float "
                      "model on the evaluated data")
              .arg(yWhat, number(threshold));
  if (options.grid) {
    QString grid = QObject::tr("grid of the activation quantizer: dashed = calibrated range, shaded = clipped tails, "
                               "ticks on top = its levels");
    // One stride for every variant is said once, not once per variant.
    if (!strideTexts.isEmpty() && strideTexts.count(strideTexts.front()) == strideTexts.size() &&
        strideLabels.size() == static_cast<qsizetype>(plots.size()) && plots.size() > 1)
      strides << QObject::tr("%1 for every variant").arg(strideTexts.front());
    else
      for (qsizetype i = 0; i < strideTexts.size(); ++i) strides << strideLabels[i] + QLatin1Char(' ') + strideTexts[i];
    if (!strides.isEmpty()) grid += QObject::tr(" (too dense to draw all at this width: %1)").arg(strides.join(QStringLiteral("; ")));
    note << grid;
  }
  auto settingsLines = [&](const std::vector<const VariantPlot*>& shown) {
    QStringList lines;
    std::map<QString, QStringList> analysisGroups, quantizationGroups;  // settings -> variants
    for (const VariantPlot* plot : shown) {
      const ActivationVariant& variant = variants[plot->index];
      QString a = analysisSettingsText(*variant.analysis);
      if (variant.analysisPending()) a += QObject::tr(" — a new analysis is pending");
      else if (variant.analysisStale()) a += QObject::tr(" — other settings than on screen: %1").arg(variant.analysisStatus.note);
      analysisGroups[a] << plot->label;
      if (variant.study) {
        QString q = quantizationSettingsText(*variant.study);
        if (variant.quantizationPending()) q += QObject::tr(" — a new quantization is pending");
        else if (variant.quantizationStale())
          q += QObject::tr(" — other settings than on screen: %1").arg(variant.quantizationStatus.note);
        quantizationGroups[q] << plot->label;
      }
    }
    auto add = [&](const QString& what, const std::map<QString, QStringList>& groups) {
      for (const auto& [text, names] : groups)
        lines << (groups.size() == 1 ? QObject::tr("%1: %2").arg(what, text)
                                                         : QObject::tr("%1 of %2: %3").arg(what, names.join(QStringLiteral(", ")), text));
    };
    add(QObject::tr("analysis"), analysisGroups);
    add(QObject::tr("quantization"), quantizationGroups);
    return lines;
  };
  QStringList absent;
  if (!missing.isEmpty()) absent << QObject::tr("no histogram of this module: %1").arg(missing.join(QStringLiteral(", ")));
  absent << overflow;

  auto axes = [&](Figure& figure) {
    figure.x.label = QObject::tr("activation value (symmetric log scale)");
    figure.x.scale = AxisScale::Symlog;
    figure.x.symlogThreshold = threshold;
    figure.x.range = xRange;
    figure.y.label = options.fractions ? QObject::tr("fraction of values per bin (log scale)")
                                       : QObject::tr("values per bin (log scale)");
    figure.y.scale = AxisScale::Log;
    figure.y.range = yRange;
    figure.message = variants.empty() ? QString() : QObject::tr("No variant has a histogram of this module");
  };
  const QString title = subject.label.isEmpty() ? QObject::tr("Activations")
                                                : QObject::tr("Activations of %1").arg(subject.label);
  std::vector<Figure> figures;
  if (!options.sideBySide || plots.empty()) {
    Figure figure;
    figure.title = title;
    std::vector<const VariantPlot*> shown;
    for (const VariantPlot& plot : plots) shown.push_back(&plot);
    figure.note = (note + settingsLines(shown) + absent).join(QLatin1Char('\n'));
    for (size_t p = 0; p < plots.size(); ++p) {
      figure.series.push_back(plots[p].series);
      figure.marks.insert(figure.marks.end(), marks[p].begin(), marks[p].end());
    }
    axes(figure);
    figures.push_back(std::move(figure));
    return figures;
  }
  // Side by side: one short line on what is drawn, then this variant's settings and notes, so the
  // figures' notes take about the same height and the axes line up.
  const QString compact = options.grid ? QObject::tr("%1 (log) · dashed: calibrated range · shaded: clipped · ticks: "
                                                     "grid levels").arg(yWhat)
                                       : QObject::tr("%1 (log)").arg(yWhat);
  for (size_t p = 0; p < plots.size(); ++p) {
    Figure figure;
    figure.title = plots[p].label;
    QStringList lines{subject.label.isEmpty() ? compact : subject.label + QStringLiteral(": ") + compact};
    lines << settingsLines({&plots[p]});
    if (!plots[p].stride.isEmpty()) lines << plots[p].stride;
    if (!plots[p].overflow.isEmpty()) lines << plots[p].overflow;
    figure.note = lines.join(QLatin1Char('\n'));
    figure.series.push_back(plots[p].series);
    figure.marks = marks[p];
    axes(figure);
    figures.push_back(std::move(figure));
  }
  return figures;
}
