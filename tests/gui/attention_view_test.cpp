// The attention grid: the pure map builders against hand-computed numbers, and the real window with
// four bert-tiny variants: every pane follows layer, head, zoom, hover and selection; difference
// maps equal p − p_ref and no-op strips 1 − Σp computed straight from the runs; the log scale;
// keyboard stepping; the overview picks a head; the grid exports; a 2,048-token map renders.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QApplication>
#include <QImage>
#include <QMouseEvent>
#include <QLabel>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>

#include "app/main_window.h"
#include "jobs/model_jobs.h"
#include "plots/heatmap_plot.h"
#include "plots/model_palette.h"
#include "plots/token_axis_ticker.h"
#include "views/attention_grid.h"
#include "views/attention_maps.h"
#include "views/attention_overview.h"
#include "views/attention_view.h"
#include "views/loaded_models_model.h"

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name; }

// Two heads over three tokens; head 1 of a softmax1-like layer loses mass in its rows.
hopscope::TextRunResult handRun(bool causal) {
  hopscope::TextRunResult run;
  run.ids = {1, 2, 3};
  run.tokens = {"[CLS]", "cat", "[SEP]"};
  run.displayTokens = {"[CLS]", "cat", "[SEP]"};
  run.causal = causal;
  hopscope::AttentionProbabilities layer;
  layer.heads = 2;
  layer.queries = layer.keys = 3;
  layer.probs = {0.5f, 0.25f, 0.25f,  0.125f, 0.375f, 0.5f,  0.0f, 1.0f, 0.0f,  // head 0
                 0.25f, 0.25f, 0.25f, 0.5f, 0.0f, 0.25f,    0.5f, 0.5f, 0.0f};  // head 1
  run.attention = {layer};
  return run;
}

// What a pane must hold for a run, computed here cell by cell in double.
double expectedCell(const hopscope::TextRunResult& run, int layer, int head, int q, int k) {
  const hopscope::AttentionProbabilities& a = run.attention[static_cast<size_t>(layer)];
  if (run.causal && k > q) return std::numeric_limits<double>::quiet_NaN();
  if (head >= 0) return a.at(head, q, k);
  double sum = 0;
  for (int h = 0; h < a.heads; ++h) sum += a.at(h, q, k);
  return sum / static_cast<double>(a.heads);
}

double expectedNoOp(const hopscope::TextRunResult& run, int layer, int head, int q) {
  const hopscope::AttentionProbabilities& a = run.attention[static_cast<size_t>(layer)];
  double sum = 0;
  for (int k = 0; k < a.keys; ++k) sum += head >= 0 ? a.at(head, q, k) : 0.0;
  if (head < 0) {
    for (int h = 0; h < a.heads; ++h)
      for (int k = 0; k < a.keys; ++k) sum += a.at(h, q, k);
    sum /= static_cast<double>(a.heads);
  }
  return 1.0 - sum;
}

QPoint cellCentre(HeatmapPlot* plot, int row, int column) {
  return QPoint(static_cast<int>(plot->xAxis->coordToPixel(column)), static_cast<int>(plot->yAxis->coordToPixel(row)));
}

}  // namespace

class AttentionViewTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;

  AttentionView& view() { return *window_->attentionView(); }
  AttentionGrid& grid() { return *view().grid(); }
  const hopscope::TextRunResult& runOf(int pane) {
    return *window_->models()->entryById(grid().paneModelId(pane))->lastRun;
  }
  void replotAll() {
    for (int i = 0; i < grid().paneCount(); ++i) grid().pane(i)->replot();
  }
  // Every pane holds its own run's layer/head, cell by cell and strip row by strip row.
  void checkPanesShow(int layer, int head) {
    for (int pane = 0; pane < grid().paneCount(); ++pane) {
      HeatmapPlot* plot = grid().pane(pane);
      const hopscope::TextRunResult& run = runOf(pane);
      const HeatmapData& data = plot->heatmapData();
      QVERIFY(!data.diverging);
      const int tokens = static_cast<int>(run.ids.size());
      QCOMPARE(data.rows(), tokens);
      QCOMPARE(plot->colorMap()->data()->keySize(), tokens);
      for (int q = 0; q < tokens; ++q) {
        for (int k = 0; k < tokens; ++k)
          QVERIFY2(std::abs(plot->colorMap()->data()->cell(k, q) - expectedCell(run, layer, head, q, k)) <= 1e-6,
                   qPrintable(QString("pane %1 q %2 k %3").arg(pane).arg(q).arg(k)));
        QVERIFY(std::abs(data.stripValues[q] - expectedNoOp(run, layer, head, q)) <= 1e-5);
      }
      const QString headText = head < 0 ? QStringLiteral("mean over 4 heads") : QStringLiteral("head %1").arg(head);
      QVERIFY2(plot->subtitle().endsWith(QStringLiteral("layer %1, %2").arg(layer).arg(headText)),
               qPrintable(plot->subtitle()));
    }
  }

 private slots:
  // ---- pure functions (views/attention_maps) ----

  void mapOfOneHeadAndTheMeanHoldTheProbabilities() {
    const hopscope::TextRunResult run = handRun(false);
    const HeatmapData head1 = attention_maps::attentionMap(run, 0, 1);
    QCOMPARE(head1.rows(), 3);
    QCOMPARE(head1.columns(), 3);
    QCOMPARE(head1.rowLabels, (QStringList{"[CLS]", "cat", "[SEP]"}));
    QCOMPARE(head1.at(1, 0), 0.5);
    QCOMPARE(head1.at(1, 2), 0.25);
    // No-op mass 1 − Σp: rows of head 1 sum to 0.75, 0.75, 1.
    QCOMPARE(head1.stripValues, (std::vector<float>{0.25f, 0.25f, 0.0f}));
    const HeatmapData mean = attention_maps::attentionMap(run, 0, attention_maps::kMeanOverHeads);
    QCOMPARE(mean.at(0, 0), 0.375);   // (0.5 + 0.25) / 2
    QCOMPARE(mean.at(1, 1), 0.1875);  // (0.375 + 0) / 2
    QCOMPARE(mean.at(2, 1), 0.75);    // (1 + 0.5) / 2
    QCOMPARE(mean.stripValues, (std::vector<float>{0.125f, 0.125f, 0.0f}));
    QCOMPARE(attention_maps::noOpMass(run.attention[0], 0), (std::vector<float>{0.0f, 0.0f, 0.0f}));
  }

  void causalMapMasksTheUpperTriangle() {
    const HeatmapData map = attention_maps::attentionMap(handRun(true), 0, 0);
    QVERIFY(std::isnan(map.at(0, 1)));
    QVERIFY(std::isnan(map.at(0, 2)));
    QVERIFY(std::isnan(map.at(1, 2)));
    QCOMPARE(map.at(1, 1), 0.375);
    QCOMPARE(map.at(2, 0), 0.0);
  }

  void differenceIsMapMinusReference() {
    const hopscope::TextRunResult run = handRun(true);
    const HeatmapData a = attention_maps::attentionMap(run, 0, 0);
    const HeatmapData b = attention_maps::attentionMap(run, 0, 1);
    const HeatmapData d = attention_maps::differenceMap(a, b);
    QVERIFY(d.diverging);
    QCOMPARE(d.at(0, 0), 0.25);    // 0.5 − 0.25
    QCOMPARE(d.at(1, 0), -0.375);  // 0.125 − 0.5
    QCOMPARE(d.at(1, 1), 0.375);   // 0.375 − 0
    QCOMPARE(d.at(2, 2), 0.0);
    QVERIFY(std::isnan(d.at(0, 2)));  // masked in both
    QCOMPARE(d.stripValues[0], 0.0f - 0.25f);
    QCOMPARE(attention_maps::largestMagnitude(d), 0.5);  // row 2: 0 − 0.5 and 1 − 0.5
    hopscope::TextRunResult other = run;
    QVERIFY(attention_maps::sameTokens(run, other));
    other.ids[1] = 7;
    QVERIFY(!attention_maps::sameTokens(run, other));
    QCOMPARE(attention_maps::variantLabel("softmax1", "none"), QStringLiteral("softmax1"));
    QCOMPARE(attention_maps::variantLabel("clipped:-0.025:1", "mlp"), QStringLiteral("clipped:-0.025:1 + mlp gate"));
  }

  void tickerLabelsWhatFits() {
    QCOMPARE(TokenAxisTicker::stepFor(2048, 400, 12), 100);  // 33 labels fit: every 100th token
    QCOMPARE(TokenAxisTicker::stepFor(20, 400, 12), 1);
    QCOMPARE(TokenAxisTicker::stepFor(64, 400, 12), 2);
    QCOMPARE(TokenAxisTicker::stepFor(500, 400, 12), 20);
  }

  // ---- a 2,048-token map ----

  void longInputRendersAndZoomsToReadableLabels() {
    const int n = 2048;
    HeatmapData data;
    data.title = QStringLiteral("synthetic");
    for (int i = 0; i < n; ++i) data.rowLabels << QStringLiteral("tok%1").arg(i);
    data.columnLabels = data.rowLabels;
    data.values.resize(static_cast<size_t>(n) * n);
    for (int q = 0; q < n; ++q)
      for (int k = 0; k < n; ++k)
        data.values[static_cast<size_t>(q) * n + k] = k > q ? std::numeric_limits<float>::quiet_NaN() : 1.0f / (q + 1);
    data.stripValues.assign(n, 0.0f);
    data.stripTitle = QStringLiteral("no-op");
    HeatmapPlot plot;
    plot.resize(700, 600);
    plot.setData(data);
    plot.setColourScale(HeatmapPlot::Scale::Log, QCPRange(HeatmapPlot::kLogFloor, 1));
    const QImage image = plot.toPixmap().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(plot.colorMap()->data()->keySize(), n);
    QCOMPARE(plot.colorMap()->data()->cell(0, n - 1), 1.0 / n);
    auto ticker = plot.xAxis->ticker().dynamicCast<TokenAxisTicker>();
    QVERIFY(ticker);
    QVERIFY(ticker->ticks().size() < 100);  // thinned
    QVERIFY(ticker->ticks().size() >= 10);
    plot.setViewRange(QCPRange(999.5, 1019.5), QCPRange(999.5, 1019.5));
    plot.replot();
    const auto zoomed = ticker->ticks();
    QCOMPARE(zoomed.size(), 20);  // every token of the 20 shown
    QCOMPARE(zoomed.value(1005), QStringLiteral("tok1005"));
  }

  // ---- the real window with four variants ----

  void init() {
    for (const QString& name : {QStringLiteral("bert-tiny"), QStringLiteral("bert-tiny-gated")})
      if (!QFileInfo::exists(fixture(name) + "/config.json")) QSKIP("fixtures missing");
    window_ = std::make_unique<MainWindow>();
    window_->resize(2000, 1100);  // room for three columns of panes
    window_->setInputText(MainWindow::defaultText());
    window_->show();
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    window_->openModel(fixture("bert-tiny@softmax"));
    window_->openModel(fixture("bert-tiny@softmax1"));
    window_->openModel(fixture("bert-tiny@clipped:-0.025:1"));
    window_->openModel(fixture("bert-tiny-gated"));
    QVERIFY(QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 60000));
    for (const auto& entry : window_->models()->entries()) QVERIFY(entry.lastRun.has_value());
    window_->showView(QStringLiteral("attention"));
    QCoreApplication::processEvents();
    replotAll();
  }
  void cleanup() { window_.reset(); }

  void onePanePerVariantInTableOrderWithItsColour() {
    QCOMPARE(grid().paneCount(), 4);
    QCOMPARE(grid().gridColumns(), 2);
    const QStringList titles{"softmax", "softmax1", "clipped:-0.025:1", "softmax + mlp gate"};
    for (int pane = 0; pane < 4; ++pane) {
      QCOMPARE(grid().paneModelId(pane), window_->models()->entryAt(pane).id);
      QCOMPARE(grid().pane(pane)->title(), titles[pane]);
    }
    checkPanesShow(0, 0);
    // The colour bar of each pane is the model's colour, in the title row's pixels.
    const QImage image = grid().pane(1)->toPixmap().toImage();
    QCOMPARE(image.pixelColor(image.width() / 2, 1), modelColour(1));
  }

  void layerAndHeadFollowInEveryPane() {
    view().layerBox()->setValue(1);
    view().headBox()->setValue(2);
    checkPanesShow(1, 2);
    view().meanOverHeadsBox()->setChecked(true);
    checkPanesShow(1, attention_maps::kMeanOverHeads);
    view().meanOverHeadsBox()->setChecked(false);
    // Keyboard: PageUp/PageDown and [ ] step layers, Left/Right and , . step heads (then the mean).
    view().setFocus();
    QTest::keyClick(&view(), Qt::Key_PageUp);
    QCOMPARE(view().layerBox()->value(), 0);
    QTest::keyClick(&view(), Qt::Key_BracketRight);
    QCOMPARE(view().layerBox()->value(), 1);
    QTest::keyClick(&view(), Qt::Key_Right);
    QCOMPARE(view().headBox()->value(), 3);
    QTest::keyClick(&view(), Qt::Key_Period);
    QVERIFY(view().meanOverHeadsBox()->isChecked());
    QCOMPARE(grid().head(), attention_maps::kMeanOverHeads);
    QTest::keyClick(&view(), Qt::Key_Comma);
    QVERIFY(!view().meanOverHeadsBox()->isChecked());
    QCOMPARE(grid().head(), 3);
    QTest::keyClick(&view(), Qt::Key_Left);
    checkPanesShow(1, 2);
  }

  void zoomAndPanFollowInEveryPane() {
    HeatmapPlot* driver = grid().pane(2);
    driver->xAxis->setRange(2.5, 6.5);  // as a wheel zoom or drag does
    driver->yAxis->setRange(1.5, 5.5);
    for (int pane = 0; pane < 4; ++pane) {
      QCOMPARE(grid().pane(pane)->columnRange(), QCPRange(2.5, 6.5));
      QCOMPARE(grid().pane(pane)->rowRange(), QCPRange(1.5, 5.5));
    }
    // Switching the head keeps the zoom.
    view().headBox()->setValue(1);
    QCOMPARE(grid().pane(0)->columnRange(), QCPRange(2.5, 6.5));
    // Zooming out past the map stops at the map.
    driver->xAxis->setRange(-100, 100);
    const int tokens = static_cast<int>(runOf(0).ids.size());
    QCOMPARE(grid().pane(3)->columnRange(), QCPRange(-0.5, tokens - 0.5));
    // Double-click (or Reset zoom) shows the whole maps everywhere.
    replotAll();
    QTest::mouseDClick(grid().pane(1), Qt::LeftButton, {}, cellCentre(grid().pane(1), 2, 2));
    for (int pane = 0; pane < 4; ++pane) QCOMPARE(grid().pane(pane)->rowRange(), QCPRange(-0.5, tokens - 0.5));
  }

  void hoverAndSelectionFollowInEveryPane() {
    HeatmapPlot* driver = grid().pane(1);
    const QPoint hover = cellCentre(driver, 3, 2);
    QMouseEvent move(QEvent::MouseMove, hover, driver->mapToGlobal(hover), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(driver, &move);
    for (int pane = 0; pane < 4; ++pane) {
      QCOMPARE(grid().pane(pane)->hoverRow(), 3);
      QCOMPARE(grid().pane(pane)->hoverColumn(), 2);
    }
    QTest::mouseClick(driver, Qt::LeftButton, {}, cellCentre(driver, 4, 1));
    for (int pane = 0; pane < 4; ++pane) {
      QCOMPARE(grid().pane(pane)->selectedRow(), 4);
      QCOMPARE(grid().pane(pane)->selectedColumn(), 1);
    }
    QCOMPARE(view().currentModelId(), grid().paneModelId(1));  // the clicked pane is current
    QCOMPARE(view().heatmap(), driver);
    // The readout names the cell and every variant's value there.
    const QString readout = view().selectionLabel()->text();
    for (int pane = 0; pane < 4; ++pane) {
      const double p = grid().pane(pane)->heatmapData().at(4, 1);
      QVERIFY2(readout.contains(QString::number(p, 'f', 4)), qPrintable(readout));
    }
  }

  void differenceMapIsPMinusReference() {
    view().layerBox()->setValue(1);
    view().headBox()->setValue(3);
    QComboBox* reference = view().referenceBox();
    QCOMPARE(reference->count(), 5);  // none + four models
    reference->setCurrentIndex(1);    // bert-tiny@softmax
    QCOMPARE(grid().referenceModelId(), grid().paneModelId(0));
    const hopscope::TextRunResult& ref = runOf(0);
    QVERIFY(!grid().pane(0)->heatmapData().diverging);  // the reference stays as is
    for (int pane = 1; pane < 4; ++pane) {
      const hopscope::TextRunResult& run = runOf(pane);
      HeatmapPlot* plot = grid().pane(pane);
      if (!attention_maps::sameTokens(run, ref)) {
        QVERIFY(plot->subtitle().contains(QStringLiteral("tokens differ")));
        continue;
      }
      QVERIFY(plot->heatmapData().diverging);
      const int tokens = static_cast<int>(run.ids.size());
      double largest = 0;
      for (int q = 0; q < tokens; ++q) {
        for (int k = 0; k < tokens; ++k) {
          const double expected = double(run.attention[1].at(3, q, k)) - double(ref.attention[1].at(3, q, k));
          largest = std::max(largest, std::abs(expected));
          QVERIFY(std::abs(plot->colorMap()->data()->cell(k, q) - expected) <= 1e-6);
        }
        const double noOp = expectedNoOp(run, 1, 3, q) - expectedNoOp(ref, 1, 3, q);
        QVERIFY(std::abs(plot->heatmapData().stripValues[q] - noOp) <= 1e-5);
      }
      // A diverging scale, symmetric around 0, shared by the difference panes.
      const QCPRange range = plot->colourRange();
      QCOMPARE(range.lower, -range.upper);
      QVERIFY(range.upper >= largest - 1e-6);
    }
    QVERIFY(grid().pane(1)->heatmapData().diverging);  // bert-tiny@softmax1: the same tokens
    reference->setCurrentIndex(0);
    for (int pane = 0; pane < 4; ++pane) QVERIFY(!grid().pane(pane)->heatmapData().diverging);
  }

  void colourScalesAreSharedLinearPerMapOrLog() {
    QComboBox* scale = view().colourScaleBox();
    for (int pane = 0; pane < 4; ++pane) QCOMPARE(grid().pane(pane)->colourRange(), QCPRange(0, 1));
    scale->setCurrentIndex(1);  // shared data range
    double low = 1, high = 0;
    for (int pane = 0; pane < 4; ++pane) {
      low = std::min(low, grid().pane(pane)->valueRange().lower);
      high = std::max(high, grid().pane(pane)->valueRange().upper);
    }
    for (int pane = 0; pane < 4; ++pane) QCOMPARE(grid().pane(pane)->colourRange(), QCPRange(low, high));
    scale->setCurrentIndex(2);  // per map
    for (int pane = 0; pane < 4; ++pane)
      QCOMPARE(grid().pane(pane)->colourRange(), grid().pane(pane)->valueRange());
    scale->setCurrentIndex(3);  // log
    for (int pane = 0; pane < 4; ++pane) {
      HeatmapPlot* plot = grid().pane(pane);
      QCOMPARE(plot->colorScale()->dataScaleType(), QCPAxis::stLogarithmic);
      QCOMPARE(plot->colourRange(), QCPRange(HeatmapPlot::kLogFloor, 1));
      const HeatmapData& data = plot->heatmapData();
      // Cells below the floor are drawn at the floor; the data keeps the true value.
      for (int q = 0; q < data.rows(); ++q)
        for (int k = 0; k < data.columns(); ++k)
          QCOMPARE(plot->colorMap()->data()->cell(k, q), std::max(data.at(q, k), HeatmapPlot::kLogFloor));
    }
    scale->setCurrentIndex(0);
    QCOMPARE(grid().pane(2)->colorScale()->dataScaleType(), QCPAxis::stLinear);
    QCOMPARE(grid().pane(2)->colorMap()->data()->cell(0, 0), grid().pane(2)->heatmapData().at(0, 0));
  }

  void hiddenVariantsLeaveTheGrid() {
    grid().setModelHidden(grid().paneModelId(3), true);
    QCOMPARE(grid().paneCount(), 3);
    grid().setModelHidden(window_->models()->entryAt(3).id, false);
    QCOMPARE(grid().paneCount(), 4);
    QCOMPARE(grid().pane(3)->title(), QStringLiteral("softmax + mlp gate"));
  }

  void overviewPicksALayerAndHead() {
    AttentionOverview* overview = view().overview();
    overview->computeAll();
    QVERIFY(overview->isComplete());
    const int softmax1 = grid().paneModelId(1);
    // Its no-op bar is the mean over queries of 1 − Σp.
    const hopscope::TextRunResult& run = runOf(1);
    double mean = 0;
    for (int q = 0; q < static_cast<int>(run.ids.size()); ++q) mean += expectedNoOp(run, 1, 2, q);
    mean /= static_cast<double>(run.ids.size());
    QVERIFY(std::abs(overview->meanNoOpMass(softmax1, 1, 2) - mean) <= 1e-5);
    const QRect thumbnail = overview->thumbnailRect(softmax1, 1, 2);
    QVERIFY(!thumbnail.isEmpty());
    QTest::mouseClick(overview, Qt::LeftButton, {}, thumbnail.center());
    QCOMPARE(view().layerBox()->value(), 1);
    QCOMPARE(view().headBox()->value(), 2);
    checkPanesShow(1, 2);
    QTest::mouseClick(overview, Qt::LeftButton, {}, overview->thumbnailRect(softmax1, 0, -1).center());
    QVERIFY(view().meanOverHeadsBox()->isChecked());
    checkPanesShow(0, attention_maps::kMeanOverHeads);
  }

  void gridExportsAsOnePicture() {
    QTemporaryDir dir;
    for (const char* suffix : {"png", "svg", "pdf"})
      QVERIFY(view().exportGrid(dir.filePath(QStringLiteral("grid.") + suffix)));
    const QImage png(dir.filePath(QStringLiteral("grid.png")));
    const HeatmapPlot* pane = grid().pane(0);
    QVERIFY(png.width() >= 2 * 2 * pane->width() - 4);  // two columns at scale 2
    QVERIFY(png.height() >= 2 * 2 * pane->height() - 4);
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("grid.svg"))).size() > 1000);
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("grid.pdf"))).size() > 1000);
    QVERIFY(!view().exportGrid(dir.filePath(QStringLiteral("grid.bmp"))));
    QVERIFY(window_->errorVisible());
  }

  void removedAndFailingModelsSayWhy() {
    window_->openModel(QStringLiteral("/nonexistent/hopscope-model"));
    QVERIFY(QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 60000));
    QCOMPARE(grid().paneCount(), 5);
    QCOMPARE(grid().gridColumns(), 3);
    QVERIFY(!grid().pane(4)->hasMap());
    QVERIFY2(grid().pane(4)->title().contains(QStringLiteral("hopscope-model")), qPrintable(grid().pane(4)->title()));
    window_->removeModel(window_->models()->entryAt(0).id);
    QCOMPARE(grid().paneCount(), 4);
    QCOMPARE(grid().pane(0)->title(), QStringLiteral("softmax1"));
  }
};

int runAttentionViewTests(int argc, char** argv) {
  AttentionViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "attention_view_test.moc"
