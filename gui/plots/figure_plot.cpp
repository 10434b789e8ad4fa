#include "plots/figure_plot.h"

#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "plots/axis_coordinates.h"
#include "plots/model_palette.h"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kHoverReach = 10;  // pixels

QCPScatterStyle::ScatterShape scatterShape(MarkerShape shape) {
  switch (shape) {
    case MarkerShape::Circle: return QCPScatterStyle::ssCircle;
    case MarkerShape::Square: return QCPScatterStyle::ssSquare;
    case MarkerShape::Triangle: return QCPScatterStyle::ssTriangle;
    case MarkerShape::Diamond: return QCPScatterStyle::ssDiamond;
    case MarkerShape::Cross: return QCPScatterStyle::ssCross;
    case MarkerShape::TriangleDown: return QCPScatterStyle::ssTriangleInverted;
    case MarkerShape::Plus: return QCPScatterStyle::ssPlus;
    case MarkerShape::Star: return QCPScatterStyle::ssStar;
  }
  return QCPScatterStyle::ssCircle;
}

// "1e-3", "0.01", "1", "100", "1e3", with a proper minus sign for negative values.
QString decadeLabel(int exponent, bool negative) {
  QString text = exponent >= -2 && exponent <= 2 ? QString::number(std::pow(10.0, exponent))
                                                 : QStringLiteral("1e%1").arg(exponent);
  return negative ? QStringLiteral("−") + text : text;
}

// Where tick labels land along a laid-out axis: the pixel of a coordinate, and a label's extent
// along the axis (its width on a horizontal axis, its height on a vertical one). Without `pixel`
// (before the first layout) nothing is thinned for room.
struct LabelRoom {
  std::function<double(double)> pixel;
  std::function<double(const QString&)> extent;
  double gap = 8;  // pixels kept free between two labels
};

bool overlap(const LabelRoom& room, double a, const QString& labelA, double b, const QString& labelB) {
  if (!room.pixel) return false;
  return std::abs(room.pixel(a) - room.pixel(b)) < (room.extent(labelA) + room.extent(labelB)) / 2 + room.gap;
}

// Whether two neighbouring labels of `ticks` overlap.
bool crowded(const QMap<double, QString>& ticks, const LabelRoom& room) {
  for (auto it = ticks.cbegin(); it != ticks.cend() && std::next(it) != ticks.cend(); ++it)
    if (overlap(room, it.key(), it.value(), std::next(it).key(), std::next(it).value())) return true;
  return false;
}

// Ticks of a symlog axis over [uLow, uHigh] (symlog units): 0 and ±powers of ten, every
// `step`-th decade (anchored at 1) with the smallest step that keeps at most maxTicks labels, none
// of them overlapping. Decades in the linear band whose label would touch the label of 0 are left
// out (0 stays), so that "−1e-3 0 1e-3" never run into each other.
QMap<double, QString> symlogTicks(double threshold, double uLow, double uHigh, int maxTicks, const LabelRoom& room) {
  const double maxMagnitude = std::max(std::abs(symexp(uLow, threshold)), std::abs(symexp(uHigh, threshold)));
  const int lowest = static_cast<int>(std::ceil(std::log10(threshold) - 1e-9));
  const int highest = static_cast<int>(std::floor(std::log10(maxMagnitude) + 1e-9));
  QMap<double, QString> ticks;
  for (int step = 1; step <= 12; ++step) {
    ticks.clear();
    const bool zero = uLow <= 0 && uHigh >= 0;
    if (zero) ticks.insert(0.0, QStringLiteral("0"));
    for (int exponent = lowest; exponent <= highest; ++exponent) {
      if (exponent % step != 0) continue;
      const double u = symlog(std::pow(10.0, exponent), threshold);
      for (const bool negative : {false, true}) {
        const double at = negative ? -u : u;
        const QString label = decadeLabel(exponent, negative);
        if (at < uLow || at > uHigh) continue;
        if (zero && overlap(room, 0.0, QStringLiteral("0"), at, label)) continue;
        ticks.insert(at, label);
      }
    }
    if ((ticks.size() <= maxTicks && !crowded(ticks, room)) || step == 12) break;
  }
  return ticks;
}

// A label for a tick of a log axis: decades as decadeLabel writes them, others with up to three
// significant digits.
QString logLabel(double value) {
  const double exponent = std::log10(value);
  if (std::abs(exponent - std::round(exponent)) < 1e-9) return decadeLabel(static_cast<int>(std::round(exponent)), false);
  return QString::number(value, 'g', 3);
}

// Ticks of a log axis over [low, high] spanning less than a few decades (QCPAxisTickerLog leaves
// such a range with crowded linear ticks, or none at its low end): the powers of ten first, then
// 2 and 5, then 3, then 1.5 and 4, then the other integers, then halves (2.5, 3.5, 4.5), each
// decade's mantissa times its power of ten, every one kept only where its label overlaps no kept
// one. Before the first layout (no room): the powers of ten, 2 and 5.
QMap<double, QString> logTicks(double low, double high, const LabelRoom& room) {
  static const std::vector<std::vector<double>> kMantissas = {
      {1}, {2, 5}, {3}, {1.5, 4}, {6, 7, 8, 9}, {2.5, 3.5, 4.5}};
  QMap<double, QString> ticks;
  if (!(low > 0 && high > low)) return ticks;
  const int first = static_cast<int>(std::floor(std::log10(low))) - 1;
  const int last = static_cast<int>(std::ceil(std::log10(high)));
  for (size_t level = 0; level < kMantissas.size(); ++level) {
    if (!room.pixel && level >= 2) break;
    for (int exponent = first; exponent <= last; ++exponent)
      for (double mantissa : kMantissas[level]) {
        const double value = mantissa * std::pow(10.0, exponent);
        if (value < low || value > high) continue;
        const QString label = logLabel(value);
        bool free = true;
        for (auto it = ticks.cbegin(); it != ticks.cend() && free; ++it)
          free = !overlap(room, it.key(), it.value(), value, label);
        if (free) ticks.insert(value, label);
      }
  }
  return ticks;
}

// Log axes over this many times their low end or more get QCPAxisTickerLog's decades.
constexpr double kDecadeTickRatio = 1000;

// The smallest and largest drawn coordinate of an axis over every series.
struct Extent {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  bool empty() const { return !(low <= high); }
  void include(double value) {
    if (!std::isfinite(value)) return;
    low = std::min(low, value);
    high = std::max(high, value);
  }
};

// Room around the data so end points and markers are not cut in half. Coordinates are the axis's
// own: values for linear and log axes, symlog units for symlog axes.
AxisRange padded(AxisScale scale, double low, double high) {
  switch (scale) {
    case AxisScale::Log:
      return {low / 1.4, high * 1.4};
    case AxisScale::Symlog: {
      const double pad = std::max(0.2, 0.04 * (high - low));
      return {low - pad, high + pad};
    }
    case AxisScale::Linear: break;
  }
  const double span = high - low;
  const double pad = span > 0 ? 0.08 * span : std::max(0.1 * std::abs(low), 0.5);
  return {low - pad, high + pad};
}

constexpr double kSlant = 50;  // degrees
constexpr int kMaxSymlogTicks = 11;

void setUpAxis(QCPAxis* axis, const FigureAxis& figureAxis, const Extent& extent) {
  axis->setLabel(figureAxis.label);
  axis->setScaleType(figureAxis.scale == AxisScale::Log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  AxisRange range = padded(figureAxis.scale, extent.low, extent.high);
  if (figureAxis.range)
    range = {axisCoordinate(figureAxis, figureAxis.range->low), axisCoordinate(figureAxis, figureAxis.range->high)};

  axis->setTickLabelRotation(0);
  axis->setNumberFormat(QStringLiteral("g"));  // keep "1e-3" as written, not as 1·10^-3
  if (!figureAxis.ticks.empty()) {
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->setSubTickCount(0);
    int longest = 0;
    for (const TextTick& tick : figureAxis.ticks) {
      ticker->addTick(axisCoordinate(figureAxis, tick.at), tick.text);
      longest = std::max(longest, static_cast<int>(tick.text.size()));
    }
    axis->setTicker(ticker);
    if (longest > 3) axis->setTickLabelRotation(-kSlant);  // names, not numbers: slanted so they do not overlap
  } else if (figureAxis.scale == AxisScale::Symlog) {
    // Thinned for room once laid out (FigurePlot::fitTicks).
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->setSubTickCount(0);
    ticker->setTicks(symlogTicks(figureAxis.symlogThreshold, range.low, range.high, kMaxSymlogTicks, {}));
    axis->setTicker(ticker);
  } else if (figureAxis.scale == AxisScale::Log && range.high / range.low < kDecadeTickRatio) {
    // A few decades at most: 1-2-5 ticks and more where they fit (FigurePlot::fitTicks), so the
    // low end is labelled too and the labels do not crowd where the log axis narrows.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->setSubTickCount(0);
    ticker->setTicks(logTicks(range.low, range.high, {}));
    axis->setTicker(ticker);
  } else if (figureAxis.scale == AxisScale::Log) {
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setSubTickCount(8);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("gb"));
  } else {
    auto ticker = QSharedPointer<QCPAxisTicker>::create();
    ticker->setTickCount(5);
    axis->setTicker(ticker);
  }
  axis->setRange(range.low, range.high);
}

// Each line of `text` broken at spaces so that no line is wider than `width` pixels (a single word
// wider than that stays whole).
QString wordWrapped(const QString& text, const QFontMetrics& metrics, int width) {
  QStringList lines;
  for (const QString& line : text.split(QLatin1Char('\n'))) {
    QString current;
    for (const QString& word : line.split(QLatin1Char(' '))) {
      const QString candidate = current.isEmpty() ? word : current + QLatin1Char(' ') + word;
      if (!current.isEmpty() && metrics.horizontalAdvance(candidate) > width) {
        lines << current;
        current = word;
      } else {
        current = candidate;
      }
    }
    lines << current;
  }
  return lines.join(QLatin1Char('\n'));
}

// The point of segment [a, b] nearest to p.
QPointF nearestOnSegment(const QPointF& p, const QPointF& a, const QPointF& b) {
  const QPointF ab = b - a;
  const double length2 = QPointF::dotProduct(ab, ab);
  if (!(length2 > 0)) return a;
  const double t = std::clamp(QPointF::dotProduct(p - a, ab) / length2, 0.0, 1.0);
  return a + t * ab;
}

double distance2(const QPointF& a, const QPointF& b) {
  const QPointF d = a - b;
  return QPointF::dotProduct(d, d);
}

// Where a mark's data x sits in pixels; ±infinity are the axes' edges.
double markPixel(const FigureAxis& axis, const QCPAxis* drawnAxis, const QRect& rect, double value) {
  if (value == -std::numeric_limits<double>::infinity()) return rect.left();
  if (value == std::numeric_limits<double>::infinity()) return rect.right() + 1;
  return drawnAxis->coordToPixel(axisCoordinate(axis, value));
}

// The vertical pixel extent of a mark: [top, bottom] in widget pixels.
std::pair<double, double> markRows(const FigureMark& mark, const QRect& rect) {
  return {rect.top() + (1 - mark.top) * rect.height(), rect.top() + (1 - mark.bottom) * rect.height()};
}

// Draws a figure's marks (figure.h) inside the axes; created before the graphs, so below them.
class MarksItem : public QCPAbstractItem {
 public:
  MarksItem(QCustomPlot* plot, const Figure& figure) : QCPAbstractItem(plot), axis_(figure.x), marks_(figure.marks) {
    setSelectable(false);
  }
  double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }

 protected:
  void draw(QCPPainter* painter) override {
    const QRect rect = clipRect();
    const QCPAxis* axis = parentPlot()->xAxis;
    for (const FigureMark& mark : marks_) {
      const QColor colour = modelColour(mark.slot);
      const auto [top, bottom] = markRows(mark, rect);
      switch (mark.style) {
        case MarkStyle::Band: {
          const double x0 = std::max<double>(rect.left(), markPixel(axis_, axis, rect, mark.low));
          const double x1 = std::min<double>(rect.right() + 1, markPixel(axis_, axis, rect, mark.high));
          if (!(x1 > x0)) break;
          QColor fill = colour;
          fill.setAlpha(34);
          painter->fillRect(QRectF(x0, top, x1 - x0, bottom - top), fill);
          break;
        }
        case MarkStyle::Line: {
          const double x = markPixel(axis_, axis, rect, mark.low);
          if (!std::isfinite(x)) break;
          painter->setPen(QPen(colour, 1.6, Qt::DashLine));
          painter->drawLine(QLineF(x, top, x, bottom));
          break;
        }
        case MarkStyle::Ticks: {
          QColor tick = colour;
          tick.setAlpha(170);
          painter->setPen(QPen(tick, 1));
          for (double value : mark.at) {
            const double x = markPixel(axis_, axis, rect, value);
            if (std::isfinite(x) && x >= rect.left() && x <= rect.right() + 1) painter->drawLine(QLineF(x, top, x, bottom));
          }
          break;
        }
      }
    }
  }

 private:
  FigureAxis axis_;
  std::vector<FigureMark> marks_;
};

}  // namespace

FigurePlot::FigurePlot(QWidget* parent) : QCustomPlot(parent) {
  setMinimumSize(420, 300);
  setMouseTracking(true);
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
  axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
  const QString family = font().family();
  title_ = new QCPTextElement(this, QString(), QFont(family, 12, QFont::Bold));
  note_ = new QCPTextElement(this, QString(), QFont(family, 9));
  note_->setTextColor(QColor(90, 90, 90));
  plotLayout()->insertRow(0);
  plotLayout()->addElement(0, 0, title_);
  plotLayout()->insertRow(1);
  plotLayout()->addElement(1, 0, note_);
  // The legend in its own row under the axes, entries side by side and centred between two
  // stretching spacers.
  auto* legendRow = new QCPLayoutGrid;
  plotLayout()->addElement(3, 0, legendRow);
  legendRow->setMargins(QMargins(5, 0, 5, 5));
  legendRow->addElement(0, 0, new QCPLayoutElement(this));
  legendRow->addElement(0, 1, legend);
  legendRow->addElement(0, 2, new QCPLayoutElement(this));
  legendRow->setColumnStretchFactors({1, 0.001, 1});
  legend->setFillOrder(QCPLegend::foColumnsFirst);
  legend->setFont(QFont(family, 9));
  legend->setBorderPen(Qt::NoPen);
  plotLayout()->setRowStretchFactor(3, 0.001);
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setLabelFont(QFont(family, 10));
    axis->setTickLabelFont(QFont(family, 9));
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));
    axis->grid()->setSubGridVisible(false);
  }
  setFigure({});
}

QPointF FigurePlot::pixelOf(const FigurePoint& point) const {
  const double x = axisCoordinate(figure_.x, point.x), y = axisCoordinate(figure_.y, point.y);
  if (!std::isfinite(x) || !std::isfinite(y)) return {kNaN, kNaN};
  return {xAxis->coordToPixel(x), yAxis->coordToPixel(y)};
}

void FigurePlot::drawSeries(const FigureSeries& series) {
  QCPGraph* graph = QCustomPlot::addGraph();
  graph->setName(series.name);
  QColor colour = modelColour(series.slot);
  if (series.shade > 0) colour = colour.darker(100 + 35 * series.shade);
  switch (series.style) {
    case SeriesStyle::LineMarkers:
      graph->setPen(QPen(colour, 1.8));
      graph->setScatterStyle(QCPScatterStyle(scatterShape(modelMarker(series.slot)), colour, Qt::white, 7));
      break;
    case SeriesStyle::StepHistogram:
      graph->setPen(QPen(colour, 1.5));
      graph->setLineStyle(QCPGraph::lsStepCenter);
      graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 3));
      break;
    case SeriesStyle::ReferenceLine:
      graph->setPen(QPen(colour, 1.4, Qt::DashLine));
      break;
  }
  QVector<double> keys, values;
  for (const FigurePoint& point : series.points) {
    const double x = axisCoordinate(figure_.x, point.x);
    if (!std::isfinite(x)) continue;
    keys << x;
    values << axisCoordinate(figure_.y, point.y);  // NaN: a gap
  }
  graph->setData(keys, values);
}

void FigurePlot::setFigure(Figure figure) {
  figure_ = std::move(figure);
  clearGraphs();
  clearItems();
  title_->setText(figure_.title);  // the note is set to fit the width (updateLayout)

  auto* marks = figure_.marks.empty() ? nullptr : new MarksItem(this, figure_);  // before the graphs: below them
  Extent xExtent, yExtent;
  for (const FigureMark& mark : figure_.marks)
    if (mark.style != MarkStyle::Ticks) {
      xExtent.include(axisCoordinate(figure_.x, mark.low));
      if (mark.style == MarkStyle::Band) xExtent.include(axisCoordinate(figure_.x, mark.high));
    }
  for (const FigureSeries& series : figure_.series) {
    drawSeries(series);
    for (const FigurePoint& point : series.points) {
      const double x = axisCoordinate(figure_.x, point.x), y = axisCoordinate(figure_.y, point.y);
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xExtent.include(x);
      yExtent.include(y);
    }
  }
  const bool drawable = !yExtent.empty();
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setVisible(drawable);
    axis->grid()->setVisible(drawable);
  }
  legend->setVisible(drawable);
  if (marks) marks->setVisible(drawable);
  if (drawable) {
    setUpAxis(xAxis, figure_.x, xExtent);
    setUpAxis(yAxis, figure_.y, yExtent);
  } else {
    auto* message = new QCPItemText(this);
    message->position->setType(QCPItemPosition::ptAxisRectRatio);
    message->position->setCoords(0.5, 0.45);
    message->setText(figure_.message);
    message->setTextAlignment(Qt::AlignCenter);
    message->setFont(QFont(font().family(), 10));
    message->setColor(QColor(90, 90, 90));
  }
  setInteractions(drawable ? QCP::iRangeDrag | QCP::iRangeZoom : QCP::Interactions());
  homeX_ = xAxis->range();
  homeY_ = yAxis->range();
  replot();
}

void FigurePlot::resetZoom() {
  xAxis->setRange(homeX_);
  yAxis->setRange(homeY_);
  replot();
}

bool FigurePlot::isZoomed() const {
  const auto same = [](const QCPRange& a, const QCPRange& b) {
    const double tolerance = 1e-9 * std::max(1.0, std::abs(b.size()));
    return std::abs(a.lower - b.lower) <= tolerance && std::abs(a.upper - b.upper) <= tolerance;
  };
  return !same(xAxis->range(), homeX_) || !same(yAxis->range(), homeY_);
}

void FigurePlot::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  resetZoom();
}

void FigurePlot::fitToWidth(int plotWidth) {
  note_->setText(wordWrapped(figure_.note, QFontMetrics(note_->font()), std::max(100, plotWidth - 20)));
  fitLegendColumns(plotWidth);
  fitSlantedLabels(plotWidth);
}

void FigurePlot::fitSlantedLabels(int plotWidth) {
  // A slanted label ends at its tick and reaches down to the left: the labels of the first ticks
  // would be cut off at the widget's edge without a wide enough left margin.
  int needed = 0;
  if (xAxis->visible() && xAxis->tickLabelRotation() != 0) {
    const QFontMetrics metrics(xAxis->tickLabelFont());
    const double reach = std::cos(kSlant * M_PI / 180);
    const double axisWidth = std::max(100, plotWidth - 100);  // the layout is not done yet: about
    const QCPRange range = xAxis->range();
    for (const TextTick& tick : figure_.x.ticks) {
      const double offset = (axisCoordinate(figure_.x, tick.at) - range.lower) / range.size() * axisWidth;
      needed = std::max(needed, static_cast<int>(metrics.horizontalAdvance(tick.text) * reach - offset) + 8);
    }
  }
  axisRect()->setMinimumMargins(QMargins(needed, 0, 12, 0));  // and room right of the last point
}

void FigurePlot::fitLegendColumns(int plotWidth) {
  int widest = 1, entries = 0;
  for (int i = 0; i < legend->itemCount(); ++i)  // cells of a wrapped legend may be empty
    if (QCPAbstractLegendItem* item = legend->item(i)) {
      widest = std::max(widest, item->minimumOuterSizeHint().width());
      ++entries;
    }
  const int available = std::max(100, plotWidth - 20);
  const int fitting = std::max(1, available / (widest + legend->columnSpacing()));
  // As few rows as fit, filled evenly: four entries as 2 + 2 rather than 3 + 1.
  const int rows = std::max(1, (entries + fitting - 1) / fitting);
  const int columns = std::max(1, (entries + rows - 1) / rows);
  if (legend->wrap() != columns) {
    legend->setWrap(columns);
    legend->setFillOrder(QCPLegend::foColumnsFirst, true);  // re-lays the entries out
  }
}

QString FigurePlot::hoverText(const QPointF& position) const {
  if (!xAxis->visible() || !axisRect()->rect().contains(position.toPoint())) return {};
  double best = kHoverReach * kHoverReach;
  QString text;
  auto consider = [&](const QPointF& place, const QString& hover) {
    if (hover.isEmpty() || std::isnan(place.x()) || std::isnan(place.y())) return;
    const double d2 = distance2(place, position);
    if (d2 < best) {
      best = d2;
      text = hover;
    }
  };
  for (const FigureSeries& series : figure_.series) {
    const std::vector<FigurePoint>& points = series.points;
    for (size_t i = 0; i < points.size(); ++i) {
      const QPointF pixel = pixelOf(points[i]);
      consider(pixel, points[i].hover);
      if (series.style == SeriesStyle::ReferenceLine && i + 1 < points.size())
        consider(nearestOnSegment(position, pixel, pixelOf(points[i + 1])), points[i].hover);
    }
  }
  return text.isEmpty() ? markHoverText(position) : text;
}

QString FigurePlot::markHoverText(const QPointF& position) const {
  // Lines and ticks within reach first, else the band under the mouse.
  const QRect rect = axisRect()->rect();
  double best = kHoverReach / 2;
  QString text, band;
  for (const FigureMark& mark : figure_.marks) {
    if (mark.hover.isEmpty()) continue;
    const auto [top, bottom] = markRows(mark, rect);
    if (position.y() < top - 1 || position.y() > bottom + 1) continue;
    auto consider = [&](double value) {
      const double d = std::abs(markPixel(figure_.x, xAxis, rect, value) - position.x());
      if (d < best) {
        best = d;
        text = mark.hover;
      }
    };
    switch (mark.style) {
      case MarkStyle::Line: consider(mark.low); break;
      case MarkStyle::Ticks:
        for (double value : mark.at) consider(value);
        break;
      case MarkStyle::Band:
        if (band.isEmpty() && position.x() >= markPixel(figure_.x, xAxis, rect, mark.low) &&
            position.x() <= markPixel(figure_.x, xAxis, rect, mark.high))
          band = mark.hover;
        break;
    }
  }
  return text.isEmpty() ? band : text;
}

void FigurePlot::mouseMoveEvent(QMouseEvent* event) {
  QCustomPlot::mouseMoveEvent(event);
  const QString text = hoverText(event->position());
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void FigurePlot::leaveEvent(QEvent* event) {
  QToolTip::hideText();
  QCustomPlot::leaveEvent(event);
}

void FigurePlot::updateLayout() {
  fitToWidth(viewport().width());  // on screen and in exports of another size alike
  QCustomPlot::updateLayout();
  // Tick labels thinned for the room the laid-out axes have; again laid out when that changed them.
  const bool xChanged = fitTicks(xAxis, figure_.x);
  const bool yChanged = fitTicks(yAxis, figure_.y);
  if (xChanged || yChanged) QCustomPlot::updateLayout();
}

bool FigurePlot::fitTicks(QCPAxis* axis, const FigureAxis& figureAxis) {
  if (!axis->visible() || !figureAxis.ticks.empty() || figureAxis.scale == AxisScale::Linear) return false;
  auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
  if (!ticker) return false;  // QCPAxisTickerLog's decades
  const QFontMetricsF metrics(axis->tickLabelFont());
  const bool horizontal = axis->orientation() == Qt::Horizontal;
  LabelRoom room;
  room.pixel = [axis](double coordinate) { return axis->coordToPixel(coordinate); };
  room.extent = [metrics, horizontal](const QString& label) {
    return horizontal ? metrics.horizontalAdvance(label) : metrics.height();
  };
  room.gap = horizontal ? 8 : 3;
  const QCPRange range = axis->range();
  const QMap<double, QString> ticks =
      figureAxis.scale == AxisScale::Symlog
          ? symlogTicks(figureAxis.symlogThreshold, range.lower, range.upper, kMaxSymlogTicks, room)
          : logTicks(range.lower, range.upper, room);
  if (ticks == ticker->ticks()) return false;
  ticker->setTicks(ticks);
  return true;
}
