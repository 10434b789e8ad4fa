#include "views/quantization_figures.h"

#include <QObject>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "plots/model_palette.h"
#include "views/result_text.h"

namespace {

using hopscope::QuantizationStudy;
using hopscope::QuantizationStudyPtr;
using hopscope::QuantizerSummary;

QString metricLabel(QString name) { return name.replace(QLatin1Char('_'), QLatin1Char(' ')); }

// At most ~maxLabels ticks over 0 … count − 1, labelled by `label(i)`.
template <typename Label>
std::vector<TextTick> indexTicks(int count, int maxLabels, Label label) {
  std::vector<TextTick> ticks;
  const int every = std::max(1, (count + maxLabels - 1) / maxLabels);
  for (int i = 0; i < count; i += every) ticks.push_back({double(i), label(i)});
  return ticks;
}

struct SweepPoint {
  int wbits, abits;
  QString estimator;
  double value;
};

// A model's sweep entries with a value; none when fewer than two (nothing varies).
std::vector<SweepPoint> sweepPoints(const QuantizationStudy& study) {
  std::vector<SweepPoint> points;
  for (const hopscope::QuantizedRun& run : study.sweep)
    if (std::isfinite(run.metric.value))
      points.push_back({run.weightBits, run.activationBits, qtext(run.estimator), run.metric.value});
  if (points.size() < 2) points.clear();
  return points;
}

}  // namespace

QString shortSiteName(const QuantizerSummary& quantizer) {
  const QString name = qtext(quantizer.shortName.empty() ? quantizer.site : quantizer.shortName);
  // A layer itself ("L1") is its block output.
  return name.contains(QLatin1Char(' ')) || quantizer.layer < 0 ? name : name + QObject::tr(" output");
}

Figure sqnrFigure(const std::vector<QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots) {
  Figure result;
  std::vector<std::vector<QString>> siteLists;
  std::set<int> activationBits;
  QStringList lowestNotes;
  double firstSite = std::numeric_limits<double>::infinity(), lastSite = -firstSite;
  for (size_t m = 0; m < models.size(); ++m) {
    const QString name = modelName(models[m]->info, m);
    FigureSeries series{name, slotAt(paletteSlots, m), SeriesStyle::LineMarkers, 0, {}};
    std::vector<std::pair<double, QString>> lowest;  // (SQNR, short site name)
    std::vector<QString> sites;
    for (const QuantizerSummary& q : models[m]->quantizers) {
      if (q.kind != "activation") continue;
      const QString site = shortSiteName(q);
      activationBits.insert(q.bits);
      const double sqnr = q.sqnrDb;
      if (std::isfinite(sqnr)) {
        const double index = double(sites.size());
        series.points.push_back(
            {index, sqnr, QObject::tr("%1\n%2\nSQNR %3 dB").arg(name, qtext(q.site)).arg(sqnr, 0, 'f', 2)});
        lowest.push_back({sqnr, site});
        firstSite = std::min(firstSite, index);
        lastSite = std::max(lastSite, index);
      }
      sites.push_back(site);
    }
    siteLists.push_back(sites);
    if (series.points.empty()) continue;
    result.series.push_back(std::move(series));

    std::sort(lowest.begin(), lowest.end());
    QStringList named;
    for (size_t i = 0; i < std::min<size_t>(3, lowest.size()); ++i)
      named << QStringLiteral("%1 (%2 dB)").arg(lowest[i].second).arg(lowest[i].first, 0, 'f', 1);
    lowestNotes << QObject::tr("Lowest SQNR, %1: %2").arg(name, named.join(QStringLiteral(", ")));
  }

  const QString bits = activationBits.size() == 1 ? QObject::tr(" (%1-bit activations)").arg(*activationBits.begin())
                                                  : QString();
  result.title = QObject::tr("SQNR per activation quantizer%1").arg(bits);
  result.note = lowestNotes.join(QLatin1Char('\n'));
  if (!models.empty())
    result.message = QObject::tr("No activation quantizer with a finite SQNR\n"
                                 "(activations kept in float, or every site exact)");
  if (result.series.empty()) return result;

  // Site names as tick labels only when every model has the same sites (one family, one depth).
  const bool sameSites = std::all_of(siteLists.begin(), siteLists.end(),
                                     [&](const std::vector<QString>& sites) { return sites == siteLists.front(); });
  if (sameSites) {
    const std::vector<QString>& sites = siteLists.front();
    result.x.ticks = indexTicks(static_cast<int>(sites.size()), 60,
                                [&](int i) { return sites[static_cast<size_t>(i)]; });
  } else {
    size_t most = 0;
    for (const auto& sites : siteLists) most = std::max(most, sites.size());
    result.x.ticks = indexTicks(static_cast<int>(most), 24, [](int i) { return QString::number(i); });
    result.x.label = QObject::tr("activation quantizer, in forward order (the models' sites differ: hover a "
                                 "point for its name)");
  }
  result.x.range = AxisRange{firstSite - 0.5, lastSite + 0.5};
  result.y.label = QObject::tr("SQNR (dB)");
  return result;
}

Figure bitWidthSweepFigure(const std::vector<QuantizationStudyPtr>& models, const std::vector<int>& paletteSlots) {
  Figure result;
  std::vector<std::vector<SweepPoint>> sweeps;
  std::set<int> weightBits, activationBits;
  for (const QuantizationStudyPtr& model : models) {
    sweeps.push_back(sweepPoints(*model));
    for (const SweepPoint& p : sweeps.back()) {
      weightBits.insert(p.wbits);
      activationBits.insert(p.abits);
    }
  }
  if (activationBits.empty()) {  // no model has a sweep
    if (!models.empty()) {
      result.title = QObject::tr("No bit-width sweep was run");
      result.message = QObject::tr("Each model was quantized with one configuration only.\n"
                                   "Give several bit widths (e.g. activation bits 4,6,8) to see the "
                                   "metric versus bits here.");
    }
    return result;
  }

  // x = the bits that vary (activation bits when both do; then one curve per weight width).
  const bool xIsActivation = activationBits.size() > 1 || weightBits.size() <= 1;
  const std::set<int>& xBits = xIsActivation ? activationBits : weightBits;
  auto xOf = [&](const SweepPoint& p) { return xIsActivation ? p.abits : p.wbits; };
  const double xLow = *xBits.begin() - 0.5, xHigh = *xBits.rbegin() + 0.5;

  bool allPerplexity = true;
  QStringList metricNames;
  for (size_t m = 0; m < models.size(); ++m) {
    if (sweeps[m].empty()) continue;
    const QString name = modelName(models[m]->info, m);
    const QString metric = qtext(models[m]->fp.name);
    allPerplexity = allPerplexity && metric.contains(QStringLiteral("perplexity"));
    if (!metric.isEmpty() && !metricNames.contains(metricLabel(metric))) metricNames << metricLabel(metric);

    // One curve per (estimator, fixed bit width), sorted by x.
    std::map<std::pair<QString, int>, std::vector<SweepPoint>> curves;
    for (const SweepPoint& p : sweeps[m]) curves[{p.estimator, xIsActivation ? p.wbits : p.abits}].push_back(p);
    int shade = 0;
    for (auto& [key, points] : curves) {
      std::sort(points.begin(), points.end(), [&](const SweepPoint& a, const SweepPoint& b) { return xOf(a) < xOf(b); });
      const QString fixedBits = QStringLiteral("%1%2").arg(xIsActivation ? "W" : "A").arg(key.second);
      FigureSeries series{curves.size() == 1 ? QStringLiteral("%1, %2").arg(name, fixedBits)
                                             : QStringLiteral("%1, %2, %3").arg(name, fixedBits, key.first),
                          slotAt(paletteSlots, m), SeriesStyle::LineMarkers, shade++, {}};
      for (const SweepPoint& p : points)
        series.points.push_back({double(xOf(p)), p.value,
                                 QObject::tr("%1\nW%2A%3 (%4)\n%5 %6")
                                     .arg(name).arg(p.wbits).arg(p.abits)
                                     .arg(p.estimator, metricLabel(metric)).arg(p.value, 0, 'g', 6)});
      result.series.push_back(std::move(series));
    }

    const double fp = models[m]->fp.value;
    if (std::isfinite(fp)) {
      const QString hover = QObject::tr("%1\nFP %2 %3").arg(name, metricLabel(metric)).arg(fp, 0, 'g', 6);
      result.series.push_back({QObject::tr("%1, FP").arg(name), slotAt(paletteSlots, m), SeriesStyle::ReferenceLine, 0,
                               {{xLow, fp, hover}, {xHigh, fp, hover}}});
    }
  }

  result.title = xIsActivation ? QObject::tr("Quantized metric versus activation bits")
                               : QObject::tr("Quantized metric versus weight bits");
  result.note = QObject::tr("Dashed: the float model's metric. Models without a sweep are not drawn.");
  result.x.label = xIsActivation ? QObject::tr("activation bits") : QObject::tr("weight bits");
  for (int bits : xBits) result.x.ticks.push_back({double(bits), QString::number(bits)});
  result.x.range = AxisRange{xLow, xHigh};
  result.y.label = metricNames.join(QStringLiteral(", ")) + (allPerplexity ? QObject::tr(" (log scale)") : QString());
  if (allPerplexity) result.y.scale = AxisScale::Log;
  return result;
}
