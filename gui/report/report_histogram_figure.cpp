#include "report/report_histogram_figure.h"

#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plots/axis_coordinates.h"
#include "views/outlier_figures.h"
#include "views/result_text.h"

namespace {

using hopscope::ModuleAnalysis;
using hopscope::QuantizerSummary;
using hopscope::SiteRole;

// Attention internals and the task head are not where the residual-stream outliers live.
bool outlierCandidate(SiteRole role) {
  switch (role) {
    case SiteRole::Query:
    case SiteRole::Key:
    case SiteRole::Value:
    case SiteRole::Scores:
    case SiteRole::Probs:
    case SiteRole::HeadHidden:
    case SiteRole::OutputHead:
      return false;
    default:
      return true;
  }
}

const QuantizerSummary* activationQuantizer(const hopscope::QuantizationStudy& study, const std::string& site) {
  for (const QuantizerSummary& q : study.quantizers)
    if (q.kind == "activation" && q.site == site) return &q;
  return nullptr;
}

QString number(double value) { return QString::number(value, 'g', 4); }

}  // namespace

const ModuleAnalysis* worstQuantizedModule(const ReportModel& model, const QuantizerSummary** quantizer) {
  *quantizer = nullptr;
  const ModuleAnalysis* worst = nullptr;
  const ModuleAnalysis* worstAny = nullptr;
  auto larger = [](const ModuleAnalysis* best, const ModuleAnalysis& candidate) {
    const double value = candidate.stats.meanInfNorm();
    return std::isfinite(value) && (!best || value > best->stats.meanInfNorm());
  };
  for (const ModuleAnalysis& module : model.analysis->modules) {
    if (!outlierCandidate(module.role) || !module.aliasOf.empty() || module.stats.histogram().total() <= 0) continue;
    if (larger(worstAny, module)) worstAny = &module;
    const QuantizerSummary* q = model.quantization ? activationQuantizer(*model.quantization, module.name) : nullptr;
    if (q && larger(worst, module)) {
      worst = &module;
      *quantizer = q;
    }
  }
  return worst ? worst : worstAny;
}

ReportPlot quantizedHistogramPlot(const ReportModel& model) {
  ReportPlot plot;
  plot.kind = ReportPlot::Kind::Chart;
  plot.width = 900;
  plot.height = 470;
  const QString name = modelName(model.info, 0);
  const QuantizerSummary* quantizer = nullptr;
  const ModuleAnalysis* module = worstQuantizedModule(model, &quantizer);
  if (!module) {
    plot.figure.title = QObject::tr("%1: no activation histogram").arg(name);
    plot.figure.message = QObject::tr("The analysis has no module with a histogram");
    return plot;
  }
  HistogramSubject subject;
  subject.module = qtext(module->name);
  subject.label = qtext(module->shortName.empty() ? module->name : module->shortName);  // the legend names the model
  plot.figure = moduleHistogramFigure({model.analysis}, {model.slot}, subject);
  plot.figure.note += QObject::tr("\nworst module: %1, inf-norm %2, max |x| %3")
                          .arg(qtext(module->name), number(module->stats.meanInfNorm()),
                               number(std::abs(module->stats.maxAbs().value)));

  // x range: the drawn bins and the grid's range together.
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const FigureSeries& series : plot.figure.series)
    for (const FigurePoint& point : series.points)
      if (std::isfinite(point.y)) low = std::min(low, point.x), high = std::max(high, point.x);

  if (quantizer && quantizer->scale > 0 && quantizer->bits > 0 && quantizer->bits <= 12) {
    const int levels = 1 << quantizer->bits;
    for (int code = 0; code < levels; ++code)
      plot.gridLines.push_back(quantizer->scale * static_cast<double>(code - quantizer->zeroPoint));
    const double gridLow = plot.gridLines.front(), gridHigh = plot.gridLines.back();
    plot.rangeLines = {gridLow, gridHigh};
    low = std::min(low, gridLow);
    high = std::max(high, gridHigh);
    plot.figure.note += QObject::tr("\ngrey: the %1 levels of its %2-bit activation quantizer, Δ = %3, zero point %4; "
                                    "red: the calibrated range [%5, %6]; %7 levels hold 99 % of the values "
                                    "(SQNR %8 dB)")
                            .arg(levels).arg(quantizer->bits)
                            .arg(number(quantizer->scale)).arg(quantizer->zeroPoint)
                            .arg(number(gridLow), number(gridHigh)).arg(quantizer->levels99)
                            .arg(std::isfinite(quantizer->sqnrDb) ? QString::number(quantizer->sqnrDb, 'f', 1)
                                                                  : QObject::tr("∞"));
  } else {
    plot.figure.note += QObject::tr("\nthis site has no activation quantizer: no grid drawn");
  }
  if (low <= high) {
    const double threshold = plot.figure.x.symlogThreshold;
    const double uLow = symlog(low, threshold), uHigh = symlog(high, threshold);
    const double pad = std::max(0.15, 0.04 * (uHigh - uLow));
    plot.figure.x.range = AxisRange{symexp(uLow - pad, threshold), symexp(uHigh + pad, threshold)};
  }
  return plot;
}
