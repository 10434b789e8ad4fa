// FigurePlot and the model palette on hand-made figures: each series becomes a graph in its model
// slot's colour and marker, hover finds the nearest point (and nothing beyond ~10 px or outside the
// axes), log axes tick by decades only over three decades (1-2-5 and more that fit below), symlog
// axes place values at sign(v)·log10(1 + |v|/t) with decade labels, tick labels of log and symlog
// axes never overlap at any size (0 kept, decades of the linear band next to it left out), an empty figure shows its message instead of axes,
// and the plot exports like any QCustomPlot.
#include <QIcon>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

#include "plots/axis_coordinates.h"
#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "plots/plot_export.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

FigureSeries series(const QString& name, int slot, SeriesStyle style, std::vector<FigurePoint> points) {
  FigureSeries result;
  result.name = name;
  result.slot = slot;
  result.style = style;
  result.points = std::move(points);
  return result;
}

Figure twoModels() {
  Figure figure;
  figure.title = QStringLiteral("Kurtosis per layer");
  figure.note = QStringLiteral("first line\nsecond line");
  figure.x.label = QStringLiteral("layer");
  figure.y.label = QStringLiteral("kurtosis");
  figure.series.push_back(series("a", 3, SeriesStyle::LineMarkers, {{0, 1, "a0"}, {1, 2, "a1"}, {2, 4, "a2"}}));
  figure.series.push_back(series("b", 0, SeriesStyle::LineMarkers, {{0, 3, "b0"}, {1, kNaN, ""}, {2, 1, "b2"}}));
  return figure;
}

// A plot shown and laid out at a fixed size, so data coordinates map to stable pixels.
void layOut(FigurePlot& plot, QSize size = QSize(640, 480)) {
  plot.resize(size);
  plot.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.replot();
}

QPointF pixelOf(const QCPGraph* graph, int i) {
  return graph->coordsToPixels(graph->data()->at(i)->key, graph->data()->at(i)->value);
}

// The first two neighbouring tick labels of a text-ticked axis that overlap on the laid-out axis,
// as "a | b", or an empty string.
QString overlappingLabels(const QCPAxis* axis) {
  auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
  if (!ticker) return QStringLiteral("not a text ticker");
  const QFontMetricsF metrics(axis->tickLabelFont());
  const bool horizontal = axis->orientation() == Qt::Horizontal;
  const QMap<double, QString> ticks = ticker->ticks();
  for (auto it = ticks.cbegin(); it != ticks.cend() && std::next(it) != ticks.cend(); ++it) {
    const auto next = std::next(it);
    const double distance = std::abs(axis->coordToPixel(it.key()) - axis->coordToPixel(next.key()));
    const double room = horizontal ? (metrics.horizontalAdvance(it.value()) + metrics.horizontalAdvance(next.value())) / 2
                                   : metrics.height();
    if (distance < room) return it.value() + QStringLiteral(" | ") + next.value();
  }
  return {};
}

QColor centreColour(const QIcon& icon) {
  const QImage image = icon.pixmap(QSize(12, 12)).toImage();
  return image.pixelColor(image.width() / 2, image.height() / 2);
}

}  // namespace

class FigurePlotTest : public QObject {
  Q_OBJECT
 private slots:
  void paletteGivesEverySlotItsOwnColourAndShape() {
    // 16 colours (the whole demo set, 15 models, one each), clearly apart: at least 60 apart in
    // RGB distance; 8 marker shapes.
    for (int a = 0; a < 16; ++a)
      for (int b = a + 1; b < 16; ++b) {
        const QColor x = modelColour(a), y = modelColour(b);
        const double distance = std::hypot(std::hypot(x.red() - y.red(), x.green() - y.green()), x.blue() - y.blue());
        QVERIFY2(distance >= 60, qPrintable(QStringLiteral("slots %1 and %2").arg(a).arg(b)));
        if (a < 8 && b < 8) QVERIFY(modelMarker(a) != modelMarker(b));
      }
    QCOMPARE(modelColour(0), QColor(0, 114, 178));  // Okabe–Ito blue first
    QCOMPARE(modelColour(16), modelColour(0));        // more models than colours: the palette repeats
    QCOMPARE(modelMarker(8), modelMarker(0));
    QCOMPARE(centreColour(modelSwatch(2)), modelColour(2));
    QCOMPARE(slotAt({5, 2}, 1), 2);
    QCOMPARE(slotAt({}, 3), 3);
  }

  void drawsEachSeriesInItsSlotColour() {
    FigurePlot plot;
    Figure figure = twoModels();
    figure.series.push_back(series("a, FP", 3, SeriesStyle::ReferenceLine, {{-0.5, 2.5, "fp"}, {2.5, 2.5, "fp"}}));
    figure.series.push_back(series("hist", 1, SeriesStyle::StepHistogram, {{0, 1, ""}, {1, 2, ""}}));
    FigureSeries darker = series("a, W4", 3, SeriesStyle::LineMarkers, {{0, 2, ""}});
    darker.shade = 1;
    figure.series.push_back(darker);
    plot.setFigure(figure);

    QCOMPARE(plot.graphCount(), 5);
    QCOMPARE(plot.graph(0)->name(), QStringLiteral("a"));
    QCOMPARE(plot.graph(0)->pen().color(), modelColour(3));
    QCOMPARE(plot.graph(0)->scatterStyle().shape(), QCPScatterStyle::ssDiamond);  // slot 3's marker
    QCOMPARE(plot.graph(1)->pen().color(), modelColour(0));
    QCOMPARE(plot.graph(1)->scatterStyle().shape(), QCPScatterStyle::ssCircle);
    QCOMPARE(plot.graph(2)->pen().color(), modelColour(3));
    QCOMPARE(plot.graph(2)->pen().style(), Qt::DashLine);
    QVERIFY(plot.graph(2)->scatterStyle().isNone());
    QCOMPARE(plot.graph(3)->lineStyle(), QCPGraph::lsStepCenter);
    QCOMPARE(plot.graph(3)->pen().color(), modelColour(1));
    QCOMPARE(plot.graph(4)->pen().color(), modelColour(3).darker(135));
    // The points as given; a NaN y stays a gap.
    QCOMPARE(plot.graph(0)->data()->size(), 3);
    QCOMPARE(plot.graph(0)->data()->at(2)->key, 2.0);
    QCOMPARE(plot.graph(0)->data()->at(2)->value, 4.0);
    QVERIFY(std::isnan(plot.graph(1)->data()->at(1)->value));
    // The frame: title and note rows, axis labels, a legend entry per series; the figure reads back.
    QCOMPARE(qobject_cast<QCPTextElement*>(plot.plotLayout()->element(0, 0))->text(), figure.title);
    QCOMPARE(qobject_cast<QCPTextElement*>(plot.plotLayout()->element(1, 0))->text(), figure.note);
    QCOMPARE(plot.xAxis->label(), QStringLiteral("layer"));
    QVERIFY(plot.legend->visible());
    for (int i = 0; i < plot.graphCount(); ++i) QVERIFY(plot.legend->hasItemWithPlottable(plot.graph(i)));
    QCOMPARE(plot.figure().series.size(), size_t{5});
    QCOMPARE(plot.figure().title, figure.title);
    // The fitted ranges hold every point.
    QVERIFY(plot.xAxis->range().lower < -0.5 && plot.xAxis->range().upper > 2.5);
    QVERIFY(plot.yAxis->range().lower < 1 && plot.yAxis->range().upper > 4);
  }

  void legendSitsUnderTheAxesAndWrapsToTheWidth() {
    FigurePlot plot;
    Figure figure = twoModels();
    for (int slot = 2; slot < 8; ++slot)
      figure.series.push_back(series(QStringLiteral("a rather long model name %1").arg(slot), slot,
                                     SeriesStyle::LineMarkers, {{0, double(slot), ""}}));
    plot.setFigure(figure);
    layOut(plot, QSize(500, 400));
    QVERIFY(plot.legend->outerRect().top() >= plot.axisRect()->outerRect().bottom());
    QVERIFY(plot.legend->outerRect().width() <= plot.width());
    QVERIFY(plot.legend->rowCount() > 1);
  }

  void aLongNoteWrapsToTheWidth() {
    FigurePlot plot;
    Figure figure = twoModels();
    figure.note = QStringLiteral("Lowest SQNR, bert-tiny@softmax: L1 attention.self.probs (34.9 dB), "
                                 "L0 attention.self.scores (36.6 dB), L1 attention.self.scores (37.1 dB)");
    plot.setFigure(figure);
    layOut(plot, QSize(450, 400));
    auto* note = qobject_cast<QCPTextElement*>(plot.plotLayout()->element(1, 0));
    QVERIFY(note->text().count(QLatin1Char('\n')) >= 1);
    for (const QString& line : note->text().split(QLatin1Char('\n')))
      QVERIFY2(QFontMetrics(note->font()).horizontalAdvance(line) <= plot.width(), qPrintable(line));
    QCOMPARE(QString(note->text()).replace(QLatin1Char('\n'), QLatin1Char(' ')), figure.note);
    QCOMPARE(plot.figure().note, figure.note);  // the data stays as given
  }

  void hoverShowsTheNearestPointWithinTenPixels() {
    FigurePlot plot;
    Figure figure = twoModels();
    figure.series.push_back(series("fp", 2, SeriesStyle::ReferenceLine, {{0, 2.5, "float"}, {2, 2.5, "float"}}));
    plot.setFigure(figure);
    layOut(plot);
    const QPointF a1 = pixelOf(plot.graph(0), 1);
    QCOMPARE(plot.hoverText(a1 + QPointF(3, -3)), QStringLiteral("a1"));
    QCOMPARE(plot.hoverText(pixelOf(plot.graph(1), 2) + QPointF(-2, 2)), QStringLiteral("b2"));
    QCOMPARE(plot.hoverText(a1 + QPointF(0, 14)), QString());  // too far
    QCOMPARE(plot.hoverText(QPointF(1, 1)), QString());         // outside the axes
    // A reference line answers anywhere along it, not only at its ends.
    const QPointF middle = (pixelOf(plot.graph(2), 0) + pixelOf(plot.graph(2), 1)) / 2;
    QCOMPARE(plot.hoverText(middle + QPointF(0, 4)), QStringLiteral("float"));
  }

  void logAxisTicksByDecadesOnlyOverADecade() {
    FigurePlot plot;
    Figure figure;
    figure.y.scale = AxisScale::Log;
    figure.series.push_back(series("wide", 0, SeriesStyle::LineMarkers, {{0, 1, ""}, {1, 1000, ""}, {2, -5, ""}}));
    plot.setFigure(figure);
    QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>());
    QVERIFY(plot.yAxis->range().lower < 1 && plot.yAxis->range().upper > 1000);
    QVERIFY(std::isnan(plot.graph(0)->data()->at(2)->value));  // no place for −5 on a log axis

    figure.series[0].points = {{0, 2, ""}, {1, 3, ""}};
    plot.setFigure(figure);
    QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(!plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>());  // ordinary ticks, so labels show
    QVERIFY(plot.yAxis->range().lower < 2 && plot.yAxis->range().upper > 3);
  }

  void narrowLogAxesAreLabelledAtBothEndsWithoutOverlap() {
    // Kurtosis from 3.3 to 35 (the report's FFN kurtosis per layer): QCPAxisTickerLog would fall
    // back to linear ticks 10, 20, …, 50, crowded at the top and none at the low end.
    for (const QSize size : {QSize(420, 300), QSize(640, 480), QSize(900, 330)}) {
      FigurePlot plot;
      Figure figure;
      figure.y.scale = AxisScale::Log;
      figure.series.push_back(series("k", 0, SeriesStyle::LineMarkers, {{0, 35, ""}, {1, 3.3, ""}, {2, 20, ""}}));
      plot.setFigure(figure);
      layOut(plot, size);
      auto ticker = plot.yAxis->ticker().dynamicCast<QCPAxisTickerText>();
      QVERIFY(ticker);
      const QMap<double, QString> ticks = ticker->ticks();
      QVERIFY2(!ticks.isEmpty() && ticks.firstKey() <= 5, qPrintable(QStringList(ticks.values()).join(' ')));
      QVERIFY(ticks.contains(10));
      QCOMPARE(ticks.value(10), QStringLiteral("10"));
      QVERIFY2(overlappingLabels(plot.yAxis).isEmpty(), qPrintable(overlappingLabels(plot.yAxis)));
    }
  }

  void symlogTickLabelsNeverOverlap() {
    // A histogram over ±10 with linear threshold 1e-3, as the report draws it: 0 and ±1e-3 are
    // 0.3 symlog units apart, which was less than their labels' width in a narrow plot.
    for (const QSize size : {QSize(420, 300), QSize(640, 480), QSize(900, 470), QSize(1400, 500)}) {
      FigurePlot plot;
      Figure figure;
      figure.x.scale = AxisScale::Symlog;
      figure.x.symlogThreshold = 1e-3;
      figure.y.scale = AxisScale::Log;
      figure.series.push_back(series("h", 0, SeriesStyle::StepHistogram,
                                     {{-10, 1e-4, ""}, {-1e-3, 1e-3, ""}, {0, 0.5, ""}, {1e-3, 1e-3, ""}, {10, 1e-4, ""}}));
      plot.setFigure(figure);
      layOut(plot, size);
      auto ticker = plot.xAxis->ticker().dynamicCast<QCPAxisTickerText>();
      QVERIFY(ticker);
      const QMap<double, QString> ticks = ticker->ticks();
      const QString labels = QStringList(ticks.values()).join(' ');
      QVERIFY2(overlappingLabels(plot.xAxis).isEmpty(), qPrintable(overlappingLabels(plot.xAxis) + " in " + labels));
      QCOMPARE(ticks.value(0.0), QStringLiteral("0"));  // 0 and ±1 (the decades anchor there) stay
      QCOMPARE(ticks.value(symlog(1, 1e-3)), QStringLiteral("1"));
      QCOMPARE(ticks.value(-symlog(1, 1e-3)), QStringLiteral("−1"));
      QVERIFY2(ticks.size() >= 5, qPrintable(labels));
      for (const QString& label : ticks) QVERIFY2(label == "0" || label.contains('1'), qPrintable(labels));  // powers of ten
    }
    // Wide enough, the linear band's decades are labelled too.
    FigurePlot wide;
    Figure figure;
    figure.x.scale = AxisScale::Symlog;
    figure.x.symlogThreshold = 1e-3;
    figure.series.push_back(series("h", 0, SeriesStyle::StepHistogram, {{-0.01, 1, ""}, {0.01, 1, ""}}));
    wide.setFigure(figure);
    layOut(wide, QSize(1400, 400));
    QVERIFY(wide.xAxis->ticker().dynamicCast<QCPAxisTickerText>()->ticks().values().contains(QStringLiteral("1e-3")));
    QVERIFY(overlappingLabels(wide.xAxis).isEmpty());
  }

  void symlogAxisPlacesValuesOnTheSymmetricLog() {
    FigurePlot plot;
    Figure figure;
    figure.x.scale = AxisScale::Symlog;
    figure.x.symlogThreshold = 1e-3;
    figure.series.push_back(series("h", 0, SeriesStyle::StepHistogram,
                                   {{-1, 0.25, "minus one"}, {0, 0.5, "zero"}, {100, 0.25, "hundred"}}));
    plot.setFigure(figure);
    const QCPGraph* graph = plot.graph(0);
    QCOMPARE(graph->data()->at(0)->key, -std::log10(1 + 1 / 1e-3));
    QCOMPARE(graph->data()->at(1)->key, 0.0);
    QCOMPARE(graph->data()->at(2)->key, std::log10(1 + 100 / 1e-3));
    auto ticker = plot.xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().value(0.0), QStringLiteral("0"));
    QCOMPARE(ticker->ticks().value(-std::log10(1 + 1 / 1e-3)), QStringLiteral("−1"));
    QCOMPARE(ticker->ticks().value(std::log10(1 + 100 / 1e-3)), QStringLiteral("100"));
    QVERIFY(ticker->ticks().size() <= 11);
    layOut(plot);
    QCOMPARE(plot.hoverText(pixelOf(graph, 2)), QStringLiteral("hundred"));
  }

  void textTicksAndAGivenRangeAreKept() {
    FigurePlot plot;
    Figure figure = twoModels();
    figure.x.ticks = {{0, "L0 output.dense"}, {1, "L1 output.dense"}, {2, "final_layer_norm"}};
    figure.x.range = AxisRange{-0.5, 2.5};
    plot.setFigure(figure);
    auto ticker = plot.xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().value(2), QStringLiteral("final_layer_norm"));
    QVERIFY(plot.xAxis->tickLabelRotation() != 0);  // names are slanted
    QCOMPARE(plot.xAxis->range().lower, -0.5);
    QCOMPARE(plot.xAxis->range().upper, 2.5);

    figure.x.ticks = {{0, "0"}, {1, "1"}, {2, "2"}};
    plot.setFigure(figure);
    QCOMPARE(plot.xAxis->tickLabelRotation(), 0.0);  // short numbers stay level
  }

  void anEmptyFigureShowsItsMessageInsteadOfAxes() {
    FigurePlot plot;
    Figure figure;
    figure.title = QStringLiteral("No bit-width sweep was run");
    figure.message = QStringLiteral("Nothing to draw");
    figure.series.push_back(series("only gaps", 0, SeriesStyle::LineMarkers, {{0, kNaN, ""}}));
    plot.setFigure(figure);
    QVERIFY(!plot.xAxis->visible());
    QVERIFY(!plot.yAxis->visible());
    QVERIFY(!plot.legend->visible());
    QCOMPARE(plot.itemCount(), 1);
    auto* message = qobject_cast<QCPItemText*>(plot.item(0));
    QVERIFY(message);
    QCOMPARE(message->text(), QStringLiteral("Nothing to draw"));
    layOut(plot);
    QCOMPARE(plot.hoverText(QPointF(320, 240)), QString());

    plot.setFigure(twoModels());  // data again: axes back, message gone
    QVERIFY(plot.xAxis->visible());
    QCOMPARE(plot.itemCount(), 0);
  }

  void exportsLikeAnyPlot() {
    FigurePlot plot;
    plot.setFigure(twoModels());
    layOut(plot);
    QTemporaryDir dir;
    for (const char* name : {"figure.png", "figure.svg", "figure.pdf"}) {
      exportPlot(plot, dir.filePath(QString::fromLatin1(name)));
      QVERIFY(QFileInfo(dir.filePath(QString::fromLatin1(name))).size() > 1000);
    }
  }
};

int runFigurePlotTests(int argc, char** argv) {
  FigurePlotTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "figure_plot_test.moc"
