// HeatmapPlot and plot export on a hand-made matrix: the colour map holds exactly the given values,
// masked cells stay NaN, hover text names the cell, the colour range follows the option, and
// exports write whole PNG / SVG / PDF files or fail cleanly.
#include <QDir>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

#include "hopscope/error.h"
#include "plots/heatmap_plot.h"
#include "plots/plot_export.h"
#include "plots/token_axis_ticker.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

HeatmapData lowerTriangle() {
  HeatmapData data;
  data.title = QStringLiteral("test — layer 0, head 1");
  data.rowAxisTitle = QStringLiteral("query token");
  data.columnAxisTitle = QStringLiteral("key token");
  data.rowNoun = QStringLiteral("query");
  data.columnNoun = QStringLiteral("key");
  data.valueTitle = QStringLiteral("attention probability");
  data.rowLabels = data.columnLabels = QStringList{QStringLiteral("the"), QStringLiteral("cat"),
                                                  QStringLiteral("sat")};
  data.values = {1.0, kNaN, kNaN,  //
                 0.25, 0.75, kNaN,  //
                 0.125, 0.5, 0.375};
  data.rowNotes = QStringList{QString(), QString(), QStringLiteral("row missing mass 1 − Σp = 0.0000")};
  return data;
}

}  // namespace

class HeatmapPlotTest : public QObject {
  Q_OBJECT
 private slots:
  void colourMapHoldsTheValuesWithMaskedCellsAsNaN() {
    HeatmapPlot plot;
    plot.resize(600, 500);
    plot.setData(lowerTriangle());
    plot.replot();
    QCPColorMapData* cells = plot.colorMap()->data();
    QCOMPARE(cells->keySize(), 3);
    QCOMPARE(cells->valueSize(), 3);
    QCOMPARE(cells->cell(0, 1), 0.25);  // key 0, query 1
    QCOMPARE(cells->cell(1, 2), 0.5);
    QCOMPARE(cells->cell(2, 2), 0.375);
    QVERIFY(std::isnan(cells->cell(1, 0)));
    QVERIFY(std::isnan(cells->cell(2, 1)));
    QCOMPARE(plot.title(), QStringLiteral("test — layer 0, head 1"));
    QCOMPARE(plot.xAxis->label(), QStringLiteral("key token"));
    QCOMPARE(plot.yAxis->label(), QStringLiteral("query token"));
    QCOMPARE(plot.colorScale()->axis()->label(), QStringLiteral("attention probability"));
    QVERIFY(plot.yAxis->rangeReversed());
    auto ticker = plot.yAxis->ticker().dynamicCast<TokenAxisTicker>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().value(1), QStringLiteral("cat"));
  }

  void maskedCellsAreDrawnNeutralNotAsZero() {
    HeatmapPlot plot;
    plot.resize(600, 500);
    plot.setData(lowerTriangle());
    plot.replot();
    const QImage image = plot.toPixmap().toImage();
    auto colourAt = [&](int row, int column) {
      return image.pixelColor(static_cast<int>(plot.xAxis->coordToPixel(column)),
                              static_cast<int>(plot.yAxis->coordToPixel(row)));
    };
    const QColor neutral = plot.colorMap()->gradient().nanColor();
    QCOMPARE(plot.colorMap()->gradient().nanHandling(), QCPColorGradient::nhNanColor);
    QCOMPARE(colourAt(0, 2), neutral);  // masked
    QCOMPARE(colourAt(1, 2), neutral);
    const QColor zero = QColor::fromRgb(plot.colorMap()->gradient().color(0.0, QCPRange(0, 1)));
    QVERIFY(neutral != zero);
    QCOMPARE(colourAt(0, 0), QColor::fromRgb(plot.colorMap()->gradient().color(1.0, QCPRange(0, 1))));
  }

  void colourRangeIsFixedOrFollowsTheData() {
    HeatmapPlot plot;
    plot.setData(lowerTriangle());
    QCOMPARE(plot.colorMap()->dataRange(), QCPRange(0, 1));
    plot.setFixedUnitRange(false);
    QCOMPARE(plot.colorMap()->dataRange(), QCPRange(0.125, 1.0));  // NaN cells ignored
  }

  void hoverTextNamesTheCellAndMaskedCells() {
    HeatmapPlot plot;
    plot.resize(600, 500);
    plot.setData(lowerTriangle());
    plot.replot();
    QCOMPARE(plot.tooltipForCell(1, 0), QStringLiteral("query 'cat' (1) → key 'the' (0): 0.2500"));
    QCOMPARE(plot.tooltipForCell(0, 2), QStringLiteral("query 'the' (0) → key 'sat' (2): masked"));
    QCOMPARE(plot.tooltipForCell(2, 1),
             QStringLiteral("query 'sat' (2) → key 'cat' (1): 0.5000\nrow missing mass 1 − Σp = 0.0000"));
    // The pixel at the centre of cell (query 2, key 1) maps back to it.
    const QPoint centre(static_cast<int>(plot.xAxis->coordToPixel(1)),
                        static_cast<int>(plot.yAxis->coordToPixel(2)));
    int row = -1, column = -1;
    QVERIFY(plot.cellAt(centre, row, column));
    QCOMPARE(row, 2);
    QCOMPARE(column, 1);
    QVERIFY(!plot.cellAt(QPoint(1, 1), row, column));
  }

  void exportsWholePngSvgAndPdfFiles() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    HeatmapPlot plot;
    plot.resize(640, 480);
    plot.setData(lowerTriangle());
    exportPlot(plot, dir.filePath(QStringLiteral("map.png")));
    exportPlot(plot, dir.filePath(QStringLiteral("map.svg")));
    exportPlot(plot, dir.filePath(QStringLiteral("map.pdf")));
    const QImage png(dir.filePath(QStringLiteral("map.png")));
    QCOMPARE(png.size(), QSize(1280, 960));  // rendered at scale 2
    QFile svg(dir.filePath(QStringLiteral("map.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("</svg>"));
    QFile pdf(dir.filePath(QStringLiteral("map.pdf")));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.readAll().startsWith("%PDF"));
    // Only the three exports: no temporary files left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 3);
  }

  void exportFailsCleanlyOnABadPathOrFormat() {
    QTemporaryDir dir;
    HeatmapPlot plot;
    plot.setData(lowerTriangle());
    QVERIFY_THROWS_EXCEPTION(hopscope::Error, exportPlot(plot, dir.filePath(QStringLiteral("map.bmp"))));
    QVERIFY_THROWS_EXCEPTION(hopscope::Error,
                             exportPlot(plot, dir.filePath(QStringLiteral("missing/map.png"))));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot).size(), 0);
  }
};

int runHeatmapPlotTests(int argc, char** argv) {
  HeatmapPlotTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "heatmap_plot_test.moc"
