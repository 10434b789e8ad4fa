#include "views/outlier_view.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollBar>
#include <QSet>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include <qcustomplot.h>

#include "views/json_fields.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"

namespace {

// Item data of the histogram selector's per-layer entries: {LayerFigure, layer}.
constexpr int kLayerEntryRole = Qt::UserRole + 7;

using json_fields::numberAt;
using json_fields::textAt;

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Okabe–Ito: distinguishable with the common colour-vision deficiencies; yellow last (weak on
// white). Each model also gets its own marker shape, so lines stay apart in grey print.
const QColor kPalette[] = {QColor(0, 114, 178),  QColor(230, 159, 0),  QColor(0, 158, 115),
                           QColor(213, 94, 0),   QColor(204, 121, 167), QColor(86, 180, 233),
                           QColor(0, 0, 0),      QColor(240, 228, 66)};
const QCPScatterStyle::ScatterShape kShapes[] = {
    QCPScatterStyle::ssCircle,   QCPScatterStyle::ssSquare,   QCPScatterStyle::ssTriangle,
    QCPScatterStyle::ssDiamond,  QCPScatterStyle::ssCross,    QCPScatterStyle::ssTriangleInverted,
    QCPScatterStyle::ssPlus,     QCPScatterStyle::ssStar};

QColor modelColour(size_t model) { return kPalette[model % std::size(kPalette)]; }

const char* const kFigureNames[] = {"Kurtosis of block outputs", "Inf-norm of block outputs",
                                    "Kurtosis of FFN outputs", "Inf-norm of FFN outputs"};

bool isKurtosis(LayerFigure figure) {
  return figure == LayerFigure::BlockKurtosis || figure == LayerFigure::FfnKurtosis;
}

QString modelName(const json& model, size_t index) {
  const QString name = textAt(model, "name");
  return name.isEmpty() ? QObject::tr("model %1").arg(index + 1) : name;
}

// The module objects of a model by name (malformed entries left out).
QHash<QString, const json*> modulesByName(const json& model) {
  QHash<QString, const json*> index;
  if (!model.is_object()) return index;
  const auto modules = model.find("modules");
  if (modules == model.end() || !modules->is_array()) return index;
  for (const json& module : *modules) {
    const QString name = textAt(module, "name");
    if (!name.isEmpty() && !index.contains(name)) index.insert(name, &module);
  }
  return index;
}

// Symmetric log coordinate of the engine's histogram (symlog_histogram.h) and its inverse.
double symlog(double value, double threshold) {
  return std::copysign(std::log10(1.0 + std::abs(value) / threshold), value);
}
double symexp(double u, double threshold) {
  return std::copysign(threshold * (std::pow(10.0, std::abs(u)) - 1.0), u);
}

QString decadeLabel(int exponent, bool negative) {
  QString text = exponent >= -2 && exponent <= 2 ? QString::number(std::pow(10.0, exponent))
                                                 : QStringLiteral("1e%1").arg(exponent);
  return negative ? QStringLiteral("−") + text : text;
}

// Ticks at 0 and ±powers of ten inside [uLow, uHigh], every `step`-th decade (anchored at 1) with
// the smallest step that keeps at most maxTicks labels.
QSharedPointer<QCPAxisTickerText> symlogTicker(double threshold, double maxMagnitude, double uLow,
                                               double uHigh, int maxTicks) {
  const int lowest = static_cast<int>(std::ceil(std::log10(threshold) - 1e-9));
  const int highest = static_cast<int>(std::floor(std::log10(maxMagnitude) + 1e-9));
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  ticker->setSubTickCount(0);
  for (int step = 1; step <= 12; ++step) {
    QMap<double, QString> ticks;
    if (uLow <= 0 && uHigh >= 0) ticks.insert(0.0, QStringLiteral("0"));
    for (int exponent = lowest; exponent <= highest; ++exponent) {
      if (exponent % step != 0) continue;
      const double u = symlog(std::pow(10.0, exponent), threshold);
      if (u >= uLow && u <= uHigh) ticks.insert(u, decadeLabel(exponent, false));
      if (-u >= uLow && -u <= uHigh) ticks.insert(-u, decadeLabel(exponent, true));
    }
    if (ticks.size() <= maxTicks || step == 12) {
      ticker->setTicks(ticks);
      break;
    }
  }
  return ticker;
}

// A log axis over [low, high]: decade ticks when the range spans at least one decade, otherwise
// ordinary ticks (a log ticker would leave a narrow range without any label).
void setLogRange(QCPAxis* axis, double low, double high) {
  if (!(low > 0 && high >= low && std::isfinite(high))) low = 1, high = 10;
  low /= 1.4;
  high *= 1.4;
  axis->setScaleType(QCPAxis::stLogarithmic);
  if (high / low >= 10) {
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setSubTickCount(8);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("gb"));
  } else {
    auto ticker = QSharedPointer<QCPAxisTicker>::create();
    ticker->setTickCount(5);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("g"));
  }
  axis->setRange(low, high);
}

QCustomPlot* makePlot(QCPTextElement*& title, QCPTextElement*& note) {
  auto* plot = new QCustomPlot;
  plot->setMinimumSize(420, 300);
  plot->setMouseTracking(true);
  const QString family = plot->font().family();
  title = new QCPTextElement(plot, QString(), QFont(family, 12, QFont::Bold));
  note = new QCPTextElement(plot, QString(), QFont(family, 9));
  note->setTextColor(QColor(90, 90, 90));
  plot->plotLayout()->insertRow(0);
  plot->plotLayout()->addElement(0, 0, title);
  plot->plotLayout()->insertRow(1);
  plot->plotLayout()->addElement(1, 0, note);
  // The legend in its own row under the axes, entries side by side and centred between two
  // stretching spacers, so it never hides data.
  auto* legendRow = new QCPLayoutGrid;
  plot->plotLayout()->addElement(3, 0, legendRow);
  legendRow->setMargins(QMargins(5, 0, 5, 5));
  legendRow->addElement(0, 0, new QCPLayoutElement(plot));
  legendRow->addElement(0, 1, plot->legend);
  legendRow->addElement(0, 2, new QCPLayoutElement(plot));
  legendRow->setColumnStretchFactors({1, 0.001, 1});
  plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
  plot->legend->setFont(QFont(family, 9));
  plot->legend->setBorderPen(Qt::NoPen);
  plot->legend->setVisible(true);
  plot->plotLayout()->setRowStretchFactor(3, 0.001);
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
    axis->setLabelFont(QFont(family, 10));
    axis->setTickLabelFont(QFont(family, 9));
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));
    axis->grid()->setSubGridVisible(false);
  }
  return plot;
}

QString formatValue(double value) { return QString::number(value, 'g', 4); }

}  // namespace

QString layerModuleName(const QString& family, LayerFigure figure, int layer) {
  const bool ffn = figure == LayerFigure::FfnKurtosis || figure == LayerFigure::FfnInfNorm;
  if (family == QLatin1String("bert"))
    return QStringLiteral("bert.encoder.layer.%1.output.%2").arg(layer).arg(ffn ? "dense" : "LayerNorm");
  if (family == QLatin1String("opt"))
    return QStringLiteral("model.decoder.layers.%1").arg(layer) + (ffn ? QStringLiteral(".fc2") : QString());
  return {};
}

OutlierView::OutlierView(QWidget* parent) : QWidget(parent) {
  summaryModel_ = new OutlierSummaryModel(this);

  placeholder_ = new QLabel(tr("Analyze the loaded models (Ctrl+Shift+A) to compare their outlier "
                               "statistics here:\nprotocol summary, per-layer kurtosis and inf-norm, "
                               "and activation histograms."));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setStyleSheet(QStringLiteral("color: #505050; font-size: 12pt;"));

  summaryTable_ = new QTableView;
  summaryTable_->setModel(summaryModel_);
  summaryTable_->setToolTip(tr("Protocol summary per model (science.md section 5); hover a column "
                               "header for what the figure is"));
  summaryTable_->verticalHeader()->hide();
  summaryTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  summaryTable_->horizontalHeader()->setDefaultAlignment(Qt::AlignRight | Qt::AlignVCenter);
  summaryTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  summaryTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  summaryTable_->setAlternatingRowColors(true);
  summaryTable_->setWordWrap(false);
  summaryTable_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

  layerFigureSelector_ = new QComboBox;
  for (const char* name : kFigureNames) layerFigureSelector_->addItem(tr(name));
  layerFigureSelector_->setToolTip(tr("Which per-layer figure to plot: kurtosis or inf-norm (max |x|, "
                                      "averaged over rows) of each layer's block output (BERT "
                                      "output.LayerNorm, OPT the layer) or FFN output (BERT "
                                      "output.dense, OPT fc2)"));
  moduleSelector_ = new QComboBox;
  moduleSelector_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  moduleSelector_->setMaxVisibleItems(30);
  moduleSelector_->setToolTip(tr("The module whose activation histogram is shown (all models that "
                                 "have a module of this name are drawn)"));

  layerPlot_ = makePlot(layerTitle_, layerNote_);
  layerPlot_->setToolTip(tr("Hover a point for its value"));
  histogramPlot_ = makePlot(histogramTitle_, histogramNote_);
  histogramPlot_->setToolTip(tr("Hover a bin for its value range and fraction"));
  for (QCustomPlot* plot : {layerPlot_, histogramPlot_}) {
    plot->setToolTip({});  // the tooltip follows the mouse (eventFilter)
    plot->installEventFilter(this);
  }

  auto selectorRow = [](const QString& caption, QComboBox* selector, QCustomPlot* plot) {
    auto* page = new QWidget;
    auto* row = new QHBoxLayout;
    auto* label = new QLabel(caption);
    label->setBuddy(selector);
    row->addWidget(label);
    row->addWidget(selector);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(row);
    layout->addWidget(plot, 1);
    return page;
  };
  tabs_ = new QTabWidget;
  tabs_->addTab(selectorRow(tr("&Figure:"), layerFigureSelector_, layerPlot_), tr("Per layer"));
  tabs_->addTab(selectorRow(tr("&Module:"), moduleSelector_, histogramPlot_), tr("Histogram"));
  tabs_->setTabToolTip(0, tr("One figure per layer for every model"));
  tabs_->setTabToolTip(1, tr("Symmetric-log histogram of one module's activations for every model"));
  modulesPanel_ = new ModuleTablePanel;
  tabs_->addTab(modulesPanel_, tr("Modules"));
  tabs_->setTabToolTip(2, tr("Every module of one model: kurtosis, inf-norm, and where the largest value sits"));

  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  contentLayout->addWidget(summaryTable_);
  contentLayout->addWidget(tabs_, 1);

  pages_ = new QStackedWidget;
  pages_->addWidget(placeholder_);
  pages_->addWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  connect(layerFigureSelector_, &QComboBox::currentIndexChanged, this, [this] { showLayerFigure(); });
  connect(moduleSelector_, &QComboBox::currentIndexChanged, this, [this] { showHistogram(); });
  setModels({});
}

QCustomPlot* OutlierView::currentPlot() const {
  switch (tabs_->currentIndex()) {
    case 0: return layerPlot_;
    case 1: return histogramPlot_;
    default: return nullptr;  // the Modules table
  }
}

QString OutlierView::histogramNote() const { return histogramNote_->text(); }
QString OutlierView::layerNote() const { return layerNote_->text(); }

void OutlierView::setModels(const std::vector<json>& models) {
  models_.clear();
  for (const json& model : models)
    if (model.is_object()) models_.push_back(model);
  summaryModel_->setModels(models_);
  modulesPanel_->setModels(models_);
  pages_->setCurrentWidget(models_.empty() ? static_cast<QWidget*>(placeholder_) : pages_->widget(1));

  // Module names: the union over the models, in order of first appearance.
  const QString previous = moduleSelector_->currentText();
  QString fallback;
  {
    const QSignalBlocker blocker(moduleSelector_);
    moduleSelector_->clear();
    QSet<QString> seen;
    for (const json& model : models_) {
      const auto modules = model.find("modules");
      if (modules == model.end() || !modules->is_array()) continue;
      for (const json& module : *modules) {
        const QString name = textAt(module, "name");
        if (name.isEmpty() || seen.contains(name)) continue;
        seen.insert(name);
        moduleSelector_->addItem(name);
        const QString alias = textAt(module, "alias_of");
        if (!alias.isEmpty())
          moduleSelector_->setItemData(moduleSelector_->count() - 1,
                                       tr("the same tensor as %1").arg(alias), Qt::ToolTipRole);
      }
    }
    // Models of several families share no module names: "layer" entries compare each model's own
    // block or FFN output of a layer.
    QSet<QString> families;
    int layers = 0;
    for (const json& model : models_) {
      families.insert(textAt(model, "family"));
      const auto modules = modulesByName(model);
      for (int layer = 0; layer <= modules.size(); ++layer)
        if (modules.contains(layerModuleName(textAt(model, "family"), LayerFigure::BlockKurtosis, layer)))
          layers = std::max(layers, layer + 1);
    }
    if (families.size() > 1) {
      int at = 0;
      for (int layer = 0; layer < layers; ++layer)
        for (const auto& [figure, label] : {std::pair{LayerFigure::BlockKurtosis, tr("Block output, layer %1")},
                                            std::pair{LayerFigure::FfnKurtosis, tr("FFN output, layer %1")}}) {
          moduleSelector_->insertItem(at, label.arg(layer));
          moduleSelector_->setItemData(at, QVariantList{static_cast<int>(figure), layer}, kLayerEntryRole);
          moduleSelector_->setItemData(at, tr("Each model's own module for this layer"), Qt::ToolTipRole);
          ++at;
        }
      if (layers > 0) fallback = tr("FFN output, layer %1").arg(layers - 1);
    }
    // Default: the last layer's FFN output of the first model that has one.
    for (const json& model : models_) {
      if (!fallback.isEmpty()) break;
      const auto modules = modulesByName(model);
      const QString family = textAt(model, "family");
      for (int layer = 0; layer <= modules.size(); ++layer) {
        const QString name = layerModuleName(family, LayerFigure::FfnKurtosis, layer);
        if (modules.contains(name)) fallback = name;
      }
      if (!fallback.isEmpty()) break;
    }
    int index = moduleSelector_->findText(previous);
    if (index < 0) index = moduleSelector_->findText(fallback);
    moduleSelector_->setCurrentIndex(index >= 0 ? index : 0);
  }
  showLayerFigure();
  showHistogram();
  fitSummaryTableHeight();
}

void OutlierView::fitSummaryTableHeight() {
  summaryTable_->resizeRowsToContents();
  constexpr int kMaxVisibleRows = 6;
  int height = summaryTable_->horizontalHeader()->sizeHint().height() + 2 * summaryTable_->frameWidth();
  const int rows = std::min(summaryModel_->rowCount(), kMaxVisibleRows);
  for (int row = 0; row < rows; ++row) height += summaryTable_->rowHeight(row);
  if (summaryModel_->rowCount() == 0) height += summaryTable_->verticalHeader()->defaultSectionSize();
  // Room for the horizontal scroll bar only when the columns overflow the view's width.
  if (summaryTable_->horizontalHeader()->length() > width() - 2 * summaryTable_->frameWidth())
    height += summaryTable_->horizontalScrollBar()->sizeHint().height();
  summaryTable_->setFixedHeight(height);
}

void OutlierView::showLayerFigure() {
  layerPlot_->clearGraphs();
  layerTips_.clear();
  const int selected = std::max(0, layerFigureSelector_->currentIndex());
  const auto figure = static_cast<LayerFigure>(selected);
  const bool kurtosis = isKurtosis(figure);
  const char* field = kurtosis ? "kurtosis" : "inf_norm";

  double low = kInf, high = -kInf;
  int layers = 0;
  QStringList empty, patterns;
  for (size_t m = 0; m < models_.size(); ++m) {
    const json& model = models_[m];
    const QString family = textAt(model, "family");
    const QString pattern = layerModuleName(family, figure, 0).replace(QStringLiteral(".0"), QStringLiteral(".N"));
    if (!pattern.isEmpty() && !patterns.contains(pattern)) patterns << pattern;
    const auto modules = modulesByName(model);
    QVector<double> keys, values;
    QStringList tips;
    for (int layer = 0; layer < modules.size(); ++layer) {
      const QString name = layerModuleName(family, figure, layer);
      const auto found = modules.constFind(name);
      if (found == modules.constEnd()) continue;
      const double value = numberAt(**found, field);
      if (!(value > 0) || !std::isfinite(value)) continue;  // NaN, or not drawable on a log axis
      keys << layer;
      values << value;
      tips << tr("%1, layer %2 (%3)\n%4 = %5")
                  .arg(modelName(model, m)).arg(layer).arg(name, kurtosis ? tr("kurtosis") : tr("inf-norm"))
                  .arg(formatValue(value));
      low = std::min(low, value);
      high = std::max(high, value);
      layers = std::max(layers, layer + 1);
    }
    if (keys.isEmpty()) {
      empty << modelName(model, m);
      continue;
    }
    QCPGraph* graph = layerPlot_->addGraph();
    graph->setName(modelName(model, m));
    graph->setPen(QPen(modelColour(m), 2));
    graph->setScatterStyle(QCPScatterStyle(kShapes[m % std::size(kShapes)], modelColour(m), Qt::white, 8));
    graph->setData(keys, values, true);
    layerTips_.push_back(tips);
  }

  layerTitle_->setText(tr("%1 per layer").arg(tr(kFigureNames[selected])));
  QString note = kurtosis ? tr("Pearson kurtosis of each row (≈ 3 for a Gaussian), averaged over rows")
                          : tr("max |x| of each row, averaged over rows");
  // On a line of its own: with two families the module patterns alone fill the plot width.
  if (!patterns.isEmpty()) note += tr("\nmodules %1").arg(patterns.join(QStringLiteral(", ")));
  if (!empty.isEmpty()) note += tr("\nno such layers in: %1").arg(empty.join(QStringLiteral(", ")));
  layerNote_->setText(note);

  layerPlot_->xAxis->setLabel(tr("layer"));
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  const int step = std::max(1, (layers + 23) / 24);
  for (int layer = 0; layer < std::max(layers, 1); layer += step) ticker->addTick(layer, QString::number(layer));
  ticker->setSubTickCount(0);
  layerPlot_->xAxis->setTicker(ticker);
  layerPlot_->xAxis->setRange(-0.5, std::max(layers, 1) - 0.5);
  layerPlot_->yAxis->setLabel(kurtosis ? tr("kurtosis (log scale)") : tr("inf-norm max |x| (log scale)"));
  setLogRange(layerPlot_->yAxis, low, high);
  layerPlot_->legend->setVisible(layerPlot_->graphCount() > 0);
  layerPlot_->replot();
}

void OutlierView::showHistogram() {
  histogramPlot_->clearGraphs();
  histogramTips_.clear();
  const QString module = moduleSelector_->currentText();
  // A "layer" entry (models of several families) names each model's own module for that layer.
  const QVariant layerEntry = moduleSelector_->currentData(kLayerEntryRole);
  auto moduleOf = [&](const json& model) {
    if (!layerEntry.isValid()) return module;
    const QVariantList figureAndLayer = layerEntry.toList();
    return layerModuleName(textAt(model, "family"), static_cast<LayerFigure>(figureAndLayer.value(0).toInt()),
                           figureAndLayer.value(1).toInt());
  };

  double uLow = kInf, uHigh = -kInf, low = kInf, high = -kInf;
  double threshold = 1e-3, maxMagnitude = 1e6;
  QStringList skipped, overflowNotes;
  for (size_t m = 0; m < models_.size(); ++m) {
    const json& model = models_[m];
    const QString name = modelName(model, m);
    const auto modules = modulesByName(model);
    const auto found = modules.constFind(moduleOf(model));
    const json* histogram = nullptr;
    if (found != modules.constEnd() && (*found)->is_object()) {
      const auto it = (*found)->find("histogram");
      if (it != (*found)->end() && it->is_object()) histogram = &*it;
    }
    const double t = histogram ? numberAt(*histogram, "linear_threshold") : kNaN;
    const double maxAbs = histogram ? numberAt(*histogram, "max_magnitude") : kNaN;
    const auto counts = histogram ? histogram->find("counts") : json::const_iterator();
    if (!histogram || !(t > 0) || !(maxAbs > 0) || counts == histogram->end() || !counts->is_array() ||
        counts->empty()) {
      skipped << name;
      continue;
    }
    double total = 0;
    for (const json& count : *counts) total += count.is_number() ? count.get<double>() : 0.0;
    if (!(total > 0)) {
      skipped << name;
      continue;
    }
    threshold = t;
    maxMagnitude = maxAbs;
    const double uMax = std::log10(1.0 + maxAbs / t);
    const double width = 2 * uMax / static_cast<double>(counts->size());
    QVector<double> keys, values;
    QStringList tips;
    for (size_t i = 0; i < counts->size(); ++i) {
      const double count = (*counts)[i].is_number() ? (*counts)[i].get<double>() : 0.0;
      const double u0 = -uMax + static_cast<double>(i) * width, u1 = u0 + width;
      keys << (u0 + u1) / 2;
      if (count <= 0) {  // a gap in the curve: zero does not exist on the log axis
        values << kNaN;
        tips << QString();
        continue;
      }
      const double fraction = count / total;
      values << fraction;
      tips << tr("%1: values in [%2, %3]\n%4 of %5 values (fraction %6)")
                  .arg(name, formatValue(symexp(u0, t)), formatValue(symexp(u1, t)))
                  .arg(static_cast<qlonglong>(count)).arg(static_cast<qlonglong>(total))
                  .arg(formatValue(fraction));
      uLow = std::min(uLow, u0);
      uHigh = std::max(uHigh, u1);
      low = std::min(low, fraction);
      high = std::max(high, fraction);
    }
    const double overflow = numberAt(*histogram, "overflow");
    if (overflow > 0)
      overflowNotes << tr("%1: %2 values beyond ±%3 (counted in the end bins)")
                           .arg(name).arg(static_cast<qlonglong>(overflow)).arg(formatValue(maxAbs));
    QCPGraph* graph = histogramPlot_->addGraph();
    graph->setName(name);
    graph->setPen(QPen(modelColour(m), 1.5));
    graph->setLineStyle(QCPGraph::lsStepCenter);
    // Markers keep isolated bins (often the outliers) visible where the step line has no neighbour.
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, modelColour(m), modelColour(m), 3));
    graph->setData(keys, values, true);
    histogramTips_.push_back(tips);
  }

  histogramTitle_->setText(module.isEmpty() ? tr("Activation histogram")
                                            : tr("Activation histogram of %1").arg(module));
  QString note = tr("fraction of each model's values per bin; bins of equal width in "
                    "sign(v)·log10(1 + |v|/%1)").arg(formatValue(threshold));
  if (!skipped.isEmpty())
    note += tr("\nnot shown (no histogram for this module): %1").arg(skipped.join(QStringLiteral(", ")));
  if (!overflowNotes.isEmpty()) note += QLatin1Char('\n') + overflowNotes.join(QStringLiteral("; "));
  histogramNote_->setText(note);

  if (!(uLow < uHigh)) uLow = -1, uHigh = 1;
  const double pad = std::max(0.2, 0.04 * (uHigh - uLow));
  uLow -= pad;
  uHigh += pad;
  QCPAxis* x = histogramPlot_->xAxis;
  x->setLabel(tr("activation value (symmetric log scale)"));
  x->setNumberFormat(QStringLiteral("g"));  // keep "1e-3" as written, not as 1·10^-3
  x->setTicker(symlogTicker(threshold, maxMagnitude, uLow, uHigh, 11));
  x->setRange(uLow, uHigh);
  histogramPlot_->yAxis->setLabel(tr("fraction of values per bin (log scale)"));
  setLogRange(histogramPlot_->yAxis, low, high);
  histogramPlot_->legend->setVisible(histogramPlot_->graphCount() > 0);
  histogramPlot_->replot();
}

QString OutlierView::hoverText(const QCustomPlot* plot, const QPointF& position) const {
  const std::vector<QStringList>* tips =
      plot == layerPlot_ ? &layerTips_ : plot == histogramPlot_ ? &histogramTips_ : nullptr;
  if (!tips || !plot->axisRect()->rect().contains(position.toPoint())) return {};
  constexpr double kReach = 10;  // pixels
  double best = kReach * kReach;
  QString text;
  for (int g = 0; g < plot->graphCount() && g < static_cast<int>(tips->size()); ++g) {
    const QCPGraph* graph = plot->graph(g);
    const QStringList& graphTips = (*tips)[static_cast<size_t>(g)];
    int i = 0;
    for (auto point = graph->data()->constBegin(); point != graph->data()->constEnd(); ++point, ++i) {
      if (std::isnan(point->value) || i >= graphTips.size()) continue;
      const QPointF pixel = graph->coordsToPixels(point->key, point->value);
      const double dx = pixel.x() - position.x(), dy = pixel.y() - position.y();
      if (dx * dx + dy * dy < best) {
        best = dx * dx + dy * dy;
        text = graphTips[i];
      }
    }
  }
  return text;
}

void OutlierView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  fitSummaryTableHeight();
}

bool OutlierView::eventFilter(QObject* watched, QEvent* event) {
  auto* plot = qobject_cast<QCustomPlot*>(watched);
  if (plot && (plot == layerPlot_ || plot == histogramPlot_)) {
    if (event->type() == QEvent::MouseMove) {
      auto* move = static_cast<QMouseEvent*>(event);
      const QString text = hoverText(plot, move->position());
      if (text.isEmpty())
        QToolTip::hideText();
      else
        QToolTip::showText(move->globalPosition().toPoint(), text, plot);
    } else if (event->type() == QEvent::Leave) {
      QToolTip::hideText();
    }
  }
  return QWidget::eventFilter(watched, event);
}
