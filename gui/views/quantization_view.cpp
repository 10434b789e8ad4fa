#include "views/quantization_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include <qcustomplot.h>

#include "views/json_fields.h"
#include "views/quantization_metric_model.h"
#include "views/quantizer_table_model.h"

namespace {

using json_fields::member;
using json_fields::text;

bool isActivation(const nlohmann::json& quantizer) { return text(member(quantizer, "kind")) == "activation"; }

QColor modelColor(int index) {
  static const QColor colors[] = {QColor(31, 119, 180), QColor(214, 39, 40),   QColor(44, 160, 44),
                                  QColor(255, 127, 14), QColor(148, 103, 189), QColor(140, 86, 75),
                                  QColor(227, 119, 194), QColor(127, 127, 127)};
  return colors[index % 8];
}

QString modelName(const nlohmann::json& model, int index) {
  const QString name = text(member(model, "name"));
  return name.isEmpty() ? QObject::tr("model %1").arg(index + 1) : name;
}

// "bert.encoder.layer.3.output.dense" → "L3 output.dense", "model.decoder.layers.1" → "L1 output",
// "model.decoder.final_layer_norm" → "final_layer_norm": short enough for a rotated tick label.
QString abbreviatedSite(const QString& site) {
  static const QRegularExpression layer(QStringLiteral(R"((?:^|\.)(?:layer|layers|blocks|h)\.(\d+)(?:\.(.+))?$)"));
  const QRegularExpressionMatch match = layer.match(site);
  if (match.hasMatch()) {
    const QString rest = match.captured(2);
    return QStringLiteral("L%1 %2").arg(match.captured(1), rest.isEmpty() ? QStringLiteral("output") : rest);
  }
  for (const char* prefix : {"bert.", "model.decoder.", "model.encoder.", "model.", "vit.", "transformer."})
    if (site.startsWith(QLatin1String(prefix))) return site.mid(static_cast<int>(qstrlen(prefix)));
  return site;
}

QString metricLabel(QString name) { return name.replace(QLatin1Char('_'), QLatin1Char(' ')); }

// Title on top, the legend as one row under it, the axes, and a note line at the bottom: the
// legend never covers data and the note is part of an exported image.
void arrangePlot(QCustomPlot* plot, QCPTextElement*& title, QCPTextElement*& note) {
  QCPLayoutGrid* layout = plot->plotLayout();
  layout->insertRow(0);
  QFont titleFont = plot->font();
  titleFont.setPointSizeF(titleFont.pointSizeF() + 1.5);
  titleFont.setBold(true);
  title = new QCPTextElement(plot, QString(), titleFont);
  layout->addElement(0, 0, title);

  // The legend row: empty cells either side take the spare width, so the entries sit centred
  // and close together instead of spreading over the whole plot.
  plot->legend->setVisible(true);
  plot->axisRect()->insetLayout()->take(plot->legend);
  layout->insertRow(1);
  auto* legendRow = new QCPLayoutGrid;
  layout->addElement(1, 0, legendRow);
  legendRow->addElement(0, 0, new QCPLayoutElement(plot));
  legendRow->addElement(0, 1, plot->legend);
  legendRow->addElement(0, 2, new QCPLayoutElement(plot));
  legendRow->setColumnStretchFactor(1, 0.001);
  plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot->legend->setWrap(4);
  plot->legend->setBorderPen(Qt::NoPen);
  plot->legend->setMargins(QMargins(4, 0, 4, 0));

  QFont noteFont = plot->font();
  noteFont.setPointSizeF(std::max(noteFont.pointSizeF() - 0.5, 7.0));
  note = new QCPTextElement(plot, QString(), noteFont);
  note->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
  note->setTextColor(QColor(70, 70, 70));
  layout->addElement(3, 0, note);
  for (int row : {0, 1, 3}) layout->setRowStretchFactor(row, 0.001);
}

void styleSeries(QCPGraph* graph, const QColor& color) {
  graph->setPen(QPen(color, 1.6));
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color.lighter(160), 6));
}

// SQNR and sweep plots are redrawn from scratch: graphs, items and the text of the fixed elements.
void resetPlot(QCustomPlot* plot, QHash<const QCPAbstractPlottable*, QStringList>& pointTexts) {
  for (int i = 0; i < plot->graphCount(); ++i) pointTexts.remove(plot->graph(i));
  plot->clearGraphs();
  plot->clearItems();
  plot->xAxis->setVisible(true);
  plot->yAxis->setVisible(true);
  plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  plot->xAxis->setTickLabelRotation(0);
  plot->yAxis->setScaleType(QCPAxis::stLinear);
  plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  plot->yAxis->setNumberFormat(QStringLiteral("g"));
}

void showMessage(QCustomPlot* plot, const QString& message) {
  plot->xAxis->setVisible(false);
  plot->yAxis->setVisible(false);
  auto* label = new QCPItemText(plot);
  label->position->setType(QCPItemPosition::ptAxisRectRatio);
  label->position->setCoords(0.5, 0.45);
  label->setText(message);
  label->setTextAlignment(Qt::AlignCenter);
  label->setColor(QColor(90, 90, 90));
}

// Pads a rescaled axis by a share of its span so end points and markers are not cut in half.
void padRange(QCPAxis* axis, double share) {
  QCPRange range = axis->range();
  if (axis->scaleType() == QCPAxis::stLogarithmic) {
    const double factor = std::pow(range.upper / range.lower, share);
    axis->setRange(range.lower / std::max(factor, 1.05), range.upper * std::max(factor, 1.05));
    return;
  }
  const double pad = std::max(range.size() * share, 0.5);
  axis->setRange(range.lower - pad, range.upper + pad);
}

}  // namespace

QuantizationView::QuantizationView(QWidget* parent) : QWidget(parent) {
  placeholder_ = new QLabel(tr("No quantization results yet.\n\nRun the quantization of the loaded models "
                               "(W8A8 by default) to compare their FP and quantized metrics, every "
                               "quantizer's range and SQNR, and bit-width sweeps here."));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setMargin(24);

  metricModel_ = new QuantizationMetricModel(this);
  metricTable_ = new QTableView;
  metricTable_->setModel(metricModel_);
  metricTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  metricTable_->setSelectionMode(QAbstractItemView::SingleSelection);
  metricTable_->verticalHeader()->hide();
  metricTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  metricTable_->horizontalHeader()->setStretchLastSection(true);
  metricTable_->setAlternatingRowColors(true);
  metricTable_->setToolTip(tr("Click a model to list its quantizers below"));

  modelSelector_ = new QComboBox;
  modelSelector_->setMinimumContentsLength(18);
  modelSelector_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  modelSelector_->setToolTip(tr("Which model's quantizers to list"));
  siteFilter_ = new QLineEdit;
  siteFilter_->setPlaceholderText(tr("e.g. output.dense"));
  siteFilter_->setClearButtonEnabled(true);
  siteFilter_->setToolTip(tr("Show only sites containing this text (case-insensitive)"));
  kindFilter_ = new QComboBox;
  kindFilter_->addItem(tr("All kinds"), QString());
  kindFilter_->addItem(tr("Weights"), QStringLiteral("weight"));
  kindFilter_->addItem(tr("Activations"), QStringLiteral("activation"));
  quantizerCount_ = new QLabel;

  quantizerModel_ = new QuantizerTableModel(this);
  quantizerProxy_ = new QuantizerFilterModel(this);
  quantizerProxy_->setSourceModel(quantizerModel_);
  quantizerTable_ = new QTableView;
  quantizerTable_->setTextElideMode(Qt::ElideMiddle);  // the end of a site name tells the module
  quantizerTable_->setWordWrap(false);                 // else long names wrap at dots and elide at the end
  quantizerTable_->setModel(quantizerProxy_);
  quantizerTable_->verticalHeader()->hide();
  quantizerTable_->setAlternatingRowColors(true);
  quantizerTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  quantizerTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // The site column keeps a readable width (names elide in the middle); narrow windows scroll.
  quantizerTable_->horizontalHeader()->setSectionResizeMode(QuantizerTableModel::Site, QHeaderView::Interactive);
  quantizerTable_->horizontalHeader()->resizeSection(QuantizerTableModel::Site, 300);
  quantizerTable_->horizontalHeader()->setStretchLastSection(true);
  quantizerTable_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // forward order first
  quantizerTable_->setSortingEnabled(true);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Model:")));
  controls->addWidget(modelSelector_);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Site:")));
  controls->addWidget(siteFilter_, 1);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Kind:")));
  controls->addWidget(kindFilter_);
  controls->addSpacing(8);
  controls->addWidget(quantizerCount_);
  auto* quantizerPage = new QWidget;
  auto* quantizerLayout = new QVBoxLayout(quantizerPage);
  quantizerLayout->addLayout(controls);
  quantizerLayout->addWidget(quantizerTable_, 1);

  sqnrPlot_ = new QCustomPlot;
  arrangePlot(sqnrPlot_, sqnrTitle_, sqnrNote_);
  sqnrPlot_->yAxis->setLabel(tr("SQNR (dB)"));
  sweepPlot_ = new QCustomPlot;
  arrangePlot(sweepPlot_, sweepTitle_, sweepNote_);
  for (QCustomPlot* plot : {sqnrPlot_, sweepPlot_}) {
    plot->setMinimumSize(400, 300);
    connect(plot, &QCustomPlot::mouseMove, this, [this, plot](QMouseEvent* event) {
      const QString tip = pointTextAt(plot, event->position().toPoint());
      if (tip.isEmpty()) QToolTip::hideText();
      else QToolTip::showText(event->globalPosition().toPoint(), tip, plot);
    });
  }

  tabs_ = new QTabWidget;
  tabs_->addTab(quantizerPage, tr("Quantizers"));
  tabs_->addTab(sqnrPlot_, tr("SQNR per site"));
  tabs_->addTab(sweepPlot_, tr("Bit-width sweep"));
  tabs_->setTabToolTip(0, tr("Every weight and activation quantizer of one model"));
  tabs_->setTabToolTip(1, tr("Signal-to-quantization-noise ratio of each activation quantizer: low = outliers "
                             "stretch the range"));
  tabs_->setTabToolTip(2, tr("The quantized metric versus bit width, when several were run"));

  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  contentLayout->addWidget(metricTable_);
  contentLayout->addWidget(tabs_, 1);

  pages_ = new QStackedWidget;
  pages_->addWidget(placeholder_);
  pages_->addWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  connect(modelSelector_, &QComboBox::currentIndexChanged, this, [this] { showQuantizersOfSelectedModel(); });
  connect(siteFilter_, &QLineEdit::textChanged, this, [this](const QString& filter) {
    quantizerProxy_->setSiteFilter(filter);
    updateQuantizerCount();
  });
  connect(kindFilter_, &QComboBox::currentIndexChanged, this, [this] {
    quantizerProxy_->setKindFilter(kindFilter_->currentData().toString());
    updateQuantizerCount();
  });
  connect(metricTable_, &QTableView::clicked, this, [this](const QModelIndex& index) {
    if (index.isValid()) modelSelector_->setCurrentIndex(index.row());
  });
  setModels({});
}

QAbstractItemModel* QuantizationView::metricModel() const { return metricModel_; }
QAbstractItemModel* QuantizationView::quantizerModel() const { return quantizerModel_; }

QCustomPlot* QuantizationView::currentPlot() const {
  return tabs_->currentWidget() == sweepPlot_ ? sweepPlot_ : sqnrPlot_;
}

void QuantizationView::setModels(const std::vector<nlohmann::json>& models) {
  models_ = models;
  metricModel_->setModels(models_);
  {
    const QString previous = modelSelector_->currentText();
    const QSignalBlocker block(modelSelector_);
    modelSelector_->clear();
    for (size_t i = 0; i < models_.size(); ++i) modelSelector_->addItem(modelName(models_[i], static_cast<int>(i)));
    const int keep = modelSelector_->findText(previous);
    modelSelector_->setCurrentIndex(keep >= 0 ? keep : (models_.empty() ? -1 : 0));
  }
  showQuantizersOfSelectedModel();
  drawSqnrPlot();
  drawSweepPlot();
  fitMetricTableHeight();
  pages_->setCurrentIndex(models_.empty() ? 0 : 1);
}

void QuantizationView::showQuantizersOfSelectedModel() {
  const int row = modelSelector_->currentIndex();
  const bool valid = row >= 0 && row < static_cast<int>(models_.size());
  quantizerModel_->setQuantizers(valid ? member(models_[static_cast<size_t>(row)], "quantizers") : nlohmann::json());
  if (valid) metricTable_->selectRow(row);
  updateQuantizerCount();
}

void QuantizationView::updateQuantizerCount() {
  const int total = quantizerModel_->rowCount();
  const int shown = quantizerProxy_->rowCount();
  quantizerCount_->setText(shown == total ? tr("%n quantizer(s)", nullptr, total)
                                          : tr("%1 of %n quantizer(s)", nullptr, total).arg(shown));
}

void QuantizationView::fitMetricTableHeight() {
  const int rows = std::max(metricModel_->rowCount(), 1);
  const int height = metricTable_->horizontalHeader()->sizeHint().height() +
                     rows * metricTable_->verticalHeader()->defaultSectionSize() + 2 * metricTable_->frameWidth() +
                     metricTable_->horizontalScrollBar()->sizeHint().height();
  metricTable_->setFixedHeight(std::min(height, 240));
}

void QuantizationView::drawSqnrPlot() {
  resetPlot(sqnrPlot_, pointTexts_);
  struct Site {
    int index;
    QString name;
    double sqnr;
  };
  std::vector<std::vector<QString>> siteLists;
  std::set<int> activationBits;
  QStringList lowestNotes;
  int finitePoints = 0;
  for (size_t m = 0; m < models_.size(); ++m) {
    const QString name = modelName(models_[m], static_cast<int>(m));
    std::vector<QString> sites;
    std::vector<Site> finite;
    for (const nlohmann::json& q : member(models_[m], "quantizers")) {
      if (!isActivation(q)) continue;
      const QString site = text(member(q, "site"));
      const nlohmann::json& sqnr = member(q, "sqnr_db");
      if (member(q, "bits").is_number()) activationBits.insert(member(q, "bits").get<int>());
      if (sqnr.is_number() && std::isfinite(sqnr.get<double>()))
        finite.push_back({static_cast<int>(sites.size()), site, sqnr.get<double>()});
      sites.push_back(site);
    }
    siteLists.push_back(sites);
    if (finite.empty()) continue;
    finitePoints += static_cast<int>(finite.size());

    QCPGraph* graph = sqnrPlot_->addGraph();
    graph->setName(name);
    styleSeries(graph, modelColor(static_cast<int>(m)));
    QStringList& texts = pointTexts_[graph];
    for (const Site& site : finite) {
      graph->addData(site.index, site.sqnr);
      texts << tr("%1\n%2\nSQNR %3 dB").arg(name, site.name).arg(site.sqnr, 0, 'f', 2);
    }
    std::vector<Site> lowest = finite;
    std::sort(lowest.begin(), lowest.end(), [](const Site& a, const Site& b) { return a.sqnr < b.sqnr; });
    QStringList named;
    for (size_t i = 0; i < std::min<size_t>(3, lowest.size()); ++i)
      named << QStringLiteral("%1 (%2 dB)").arg(abbreviatedSite(lowest[i].name)).arg(lowest[i].sqnr, 0, 'f', 1);
    lowestNotes << tr("Lowest SQNR, %1: %2").arg(name, named.join(QStringLiteral(", ")));
  }

  const QString bits = activationBits.size() == 1 ? tr(" (%1-bit activations)").arg(*activationBits.begin())
                                                  : QString();
  sqnrTitle_->setText(tr("SQNR per activation quantizer%1").arg(bits));
  sqnrNote_->setText(lowestNotes.join(QLatin1Char('\n')));
  sqnrPlot_->legend->setVisible(sqnrPlot_->graphCount() > 0);
  if (finitePoints == 0) {
    showMessage(sqnrPlot_, models_.empty() ? QString()
                                          : tr("No activation quantizer with a finite SQNR\n"
                                               "(activations kept in float, or every site exact)"));
    sqnrPlot_->replot();
    return;
  }

  // Site names as tick labels only when every model has the same sites (one family, one depth).
  const bool sameSites = std::all_of(siteLists.begin(), siteLists.end(),
                                     [&](const std::vector<QString>& sites) { return sites == siteLists.front(); });
  if (sameSites) {
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int count = static_cast<int>(siteLists.front().size());
    const int every = std::max(1, (count + 59) / 60);  // at most ~60 labels
    for (int i = 0; i < count; i += every) ticker->addTick(i, abbreviatedSite(siteLists.front()[static_cast<size_t>(i)]));
    sqnrPlot_->xAxis->setTicker(ticker);
    sqnrPlot_->xAxis->setTickLabelRotation(-50);
    sqnrPlot_->xAxis->setLabel(QString());
  } else {
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    sqnrPlot_->xAxis->setTicker(ticker);
    sqnrPlot_->xAxis->setLabel(tr("activation quantizer, in forward order (the models' sites differ: hover a "
                                  "point for its name)"));
  }
  sqnrPlot_->rescaleAxes();
  sqnrPlot_->xAxis->setRange(sqnrPlot_->xAxis->range().lower - 0.5, sqnrPlot_->xAxis->range().upper + 0.5);
  padRange(sqnrPlot_->yAxis, 0.08);
  sqnrPlot_->replot();
}

void QuantizationView::drawSweepPlot() {
  resetPlot(sweepPlot_, pointTexts_);
  sweepNote_->setText(QString());
  struct Point {
    int wbits, abits;
    QString estimator;
    double value;
  };
  std::vector<std::vector<Point>> sweeps(models_.size());
  bool activationBitsVary = false, weightBitsVary = false;
  for (size_t m = 0; m < models_.size(); ++m) {
    std::set<int> wbits, abits;
    for (const nlohmann::json& entry : member(models_[m], "sweep")) {
      const nlohmann::json& value = member(member(entry, "quantized"), "value");
      if (!member(entry, "wbits").is_number() || !member(entry, "abits").is_number() || !value.is_number()) continue;
      const Point point{member(entry, "wbits").get<int>(), member(entry, "abits").get<int>(),
                        text(member(entry, "estimator")), value.get<double>()};
      wbits.insert(point.wbits);
      abits.insert(point.abits);
      sweeps[m].push_back(point);
    }
    if (sweeps[m].size() < 2) sweeps[m].clear();
    activationBitsVary = activationBitsVary || abits.size() > 1;
    weightBitsVary = weightBitsVary || wbits.size() > 1;
  }
  const bool anySweep = std::any_of(sweeps.begin(), sweeps.end(), [](const auto& s) { return !s.empty(); });
  if (!anySweep) {
    sweepTitle_->setText(models_.empty() ? QString() : tr("No bit-width sweep was run"));
    sweepPlot_->legend->setVisible(false);
    showMessage(sweepPlot_, models_.empty() ? QString()
                                            : tr("Each model was quantized with one configuration only.\n"
                                                 "Give several bit widths (e.g. activation bits 4,6,8) to see the "
                                                 "metric versus bits here."));
    sweepPlot_->replot();
    return;
  }

  // x = the bits that vary (activation bits when both do; then one curve per weight width).
  const bool xIsActivation = activationBitsVary || !weightBitsVary;
  bool allPerplexity = true;
  QStringList metricNames;
  double xLow = std::numeric_limits<double>::infinity(), xHigh = -xLow;
  for (const auto& sweep : sweeps)
    for (const Point& p : sweep) {
      xLow = std::min<double>(xLow, xIsActivation ? p.abits : p.wbits);
      xHigh = std::max<double>(xHigh, xIsActivation ? p.abits : p.wbits);
    }

  for (size_t m = 0; m < models_.size(); ++m) {
    if (sweeps[m].empty()) continue;
    const QString name = modelName(models_[m], static_cast<int>(m));
    const QColor color = modelColor(static_cast<int>(m));
    const QString metric = text(member(member(models_[m], "metric"), "name"));
    allPerplexity = allPerplexity && metric.contains(QStringLiteral("perplexity"));
    if (!metric.isEmpty() && !metricNames.contains(metricLabel(metric))) metricNames << metricLabel(metric);

    // One curve per (estimator, fixed bit width); sorted by x.
    std::map<std::pair<QString, int>, std::vector<Point>> curves;
    for (const Point& p : sweeps[m]) curves[{p.estimator, xIsActivation ? p.wbits : p.abits}].push_back(p);
    int curveIndex = 0;
    for (auto& [key, points] : curves) {
      std::sort(points.begin(), points.end(), [&](const Point& a, const Point& b) {
        return (xIsActivation ? a.abits : a.wbits) < (xIsActivation ? b.abits : b.wbits);
      });
      QCPGraph* graph = sweepPlot_->addGraph();
      const QString fixedBits = xIsActivation ? QStringLiteral("W%1").arg(key.second) : QStringLiteral("A%1").arg(key.second);
      graph->setName(curves.size() == 1 ? QStringLiteral("%1, %2").arg(name, fixedBits)
                                        : QStringLiteral("%1, %2, %3").arg(name, fixedBits, key.first));
      styleSeries(graph, curveIndex == 0 ? color : color.darker(100 + 35 * curveIndex));
      QStringList& texts = pointTexts_[graph];
      for (const Point& p : points) {
        graph->addData(xIsActivation ? p.abits : p.wbits, p.value);
        texts << tr("%1\nW%2A%3 (%4)\n%5 %6").arg(name).arg(p.wbits).arg(p.abits).arg(p.estimator,
                                                                                     metricLabel(metric))
                     .arg(p.value, 0, 'g', 6);
      }
      ++curveIndex;
    }

    const nlohmann::json& fp = member(member(models_[m], "metric"), "fp");
    if (fp.is_number()) {
      QCPGraph* line = sweepPlot_->addGraph();
      line->setName(tr("%1, FP").arg(name));
      line->setPen(QPen(color, 1.4, Qt::DashLine));
      line->addData(xLow - 0.5, fp.get<double>());
      line->addData(xHigh + 0.5, fp.get<double>());
      const QString tip = tr("%1\nFP %2 %3").arg(name, metricLabel(metric)).arg(fp.get<double>(), 0, 'g', 6);
      pointTexts_[line] = QStringList{tip, tip};
    }
  }

  sweepTitle_->setText(xIsActivation ? tr("Quantized metric versus activation bits")
                                     : tr("Quantized metric versus weight bits"));
  sweepNote_->setText(tr("Dashed: the float model's metric. Models without a sweep are not drawn."));
  sweepPlot_->legend->setVisible(true);
  sweepPlot_->xAxis->setLabel(xIsActivation ? tr("activation bits") : tr("weight bits"));
  sweepPlot_->yAxis->setLabel(metricNames.join(QStringLiteral(", ")) + (allPerplexity ? tr(" (log scale)") : QString()));
  auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
  ticker->setTickStep(1.0);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  sweepPlot_->xAxis->setTicker(ticker);
  if (allPerplexity) {
    sweepPlot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    sweepPlot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  }
  sweepPlot_->rescaleAxes();
  sweepPlot_->xAxis->setRange(xLow - 0.5, xHigh + 0.5);
  padRange(sweepPlot_->yAxis, 0.08);
  sweepPlot_->replot();
}

QString QuantizationView::pointTextAt(QCustomPlot* plot, const QPoint& position) const {
  constexpr double kReachPixels = 8.0;
  double best = kReachPixels * kReachPixels;
  QString text;
  for (int g = 0; g < plot->graphCount(); ++g) {
    const QCPGraph* graph = plot->graph(g);
    const QStringList texts = pointTexts_.value(graph);
    int i = 0;
    for (auto point = graph->data()->constBegin(); point != graph->data()->constEnd() && i < texts.size(); ++point, ++i) {
      const double dx = graph->keyAxis()->coordToPixel(point->key) - position.x();
      const double dy = graph->valueAxis()->coordToPixel(point->value) - position.y();
      if (dx * dx + dy * dy <= best) {
        best = dx * dx + dy * dy;
        text = texts[i];
      }
    }
  }
  return text;
}
