// The real main window on the fixture checkpoints: load and run on the worker threads, then check
// what the table, the heatmap and the error banner hold against the engine facade called directly.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <cmath>
#include <memory>

#include "views/loaded_models_model.h"
#include "app/main_window.h"
#include "hopscope/loaded_model.h"
#include "jobs/model_jobs.h"
#include "plots/heatmap_plot.h"
#include "plots/token_axis_ticker.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/training_view.h"

namespace {

QString fixture(const QString& name) {
  return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name;
}

bool fixtureExists(const QString& name) { return QFileInfo::exists(fixture(name) + "/config.json"); }

hopscope::TextRunResult facadeRun(const QString& argument, const QString& text) {
  return hopscope::LoadedModel::open(argument.toStdString())->runText(text.toStdString(), 5);
}

QString cell(const MainWindow& window, int row, int column) {
  return window.models()->index(row, column).data().toString();
}

}  // namespace

#define REQUIRE_FIXTURES(...)                                                      \
  for (const QString& name : {__VA_ARGS__})                                        \
    if (!fixtureExists(name)) QSKIP(qPrintable("fixture missing: " + fixture(name)))

class MainWindowTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;
  std::unique_ptr<QAbstractItemModelTester> tester_;

  bool waitForJobs() {
    return QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 60000);
  }
  AttentionView& view() { return *window_->attentionView(); }
  // QCPColorMapData::cell is not const.
  QCPColorMapData& cells() { return *view().heatmap()->colorMap()->data(); }

 private slots:
  void init() {
    window_ = std::make_unique<MainWindow>();
    tester_ = std::make_unique<QAbstractItemModelTester>(
        window_->models(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window_->setInputText(MainWindow::defaultText());
    window_->show();
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));  // window shortcuts need an active window
  }
  void cleanup() {
    tester_.reset();
    window_.reset();
  }

  void tableShowsFamilyNormalizerAndGate() {
    REQUIRE_FIXTURES("bert-tiny", "opt-tiny", "bert-tiny-gated", "opt-tiny-gated");
    window_->openModel(fixture("bert-tiny@softmax1"));
    window_->openModel(fixture("opt-tiny"));
    window_->openModel(fixture("bert-tiny-gated"));
    window_->openModel(fixture("opt-tiny-gated@clipped:-0.025:1"));
    QVERIFY(waitForJobs());
    const QStringList families{"bert", "opt", "bert", "opt"};
    const QStringList normalizers{"softmax1", "softmax", "softmax", "clipped:-0.025:1"};
    const QStringList gates{"none", "none", "mlp", "linear"};
    QCOMPARE(window_->models()->rowCount(), 4);
    for (int row = 0; row < 4; ++row) {
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Family), families[row]);
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Normalizer), normalizers[row]);
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Gate), gates[row]);
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Size), QStringLiteral("2×32"));
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Status), QStringLiteral("ready"));
    }
    QCOMPARE(cell(*window_, 0, LoadedModelsModel::Name), QStringLiteral("bert-tiny@softmax1"));
    QVERIFY(window_->models()->index(2, 0).data(Qt::ToolTipRole).toString().contains("gate: mlp"));
    QVERIFY(!window_->errorVisible());
  }

  void heatmapHoldsTheFacadeProbabilitiesForLayerAndHead() {
    REQUIRE_FIXTURES("bert-tiny");
    const QString argument = fixture("bert-tiny@softmax1");
    window_->openModel(argument);
    QVERIFY(waitForJobs());
    const hopscope::TextRunResult expected = facadeRun(argument, MainWindow::defaultText());
    const int tokens = static_cast<int>(expected.ids.size());

    auto checkHead = [&](int layer, int head) {
      view().layerBox()->setValue(layer);
      view().headBox()->setValue(head);
      QCOMPARE(cells().keySize(), tokens);
      QCOMPARE(cells().valueSize(), tokens);
      const hopscope::AttentionProbabilities& probs = expected.attention[layer];
      for (int q = 0; q < tokens; ++q)
        for (int k = 0; k < tokens; ++k)
          QVERIFY2(std::abs(cells().cell(k, q) - probs.at(head, q, k)) <= 1e-6,
                   qPrintable(QStringLiteral("layer %1 head %2 q %3 k %4").arg(layer).arg(head).arg(q).arg(k)));
      QCOMPARE(view().heatmap()->title(), QStringLiteral("softmax1"));
      QCOMPARE(view().heatmap()->subtitle(),
               QStringLiteral("bert-tiny@softmax1 — layer %1, head %2").arg(layer).arg(head));
    };
    checkHead(1, 2);
    checkHead(0, 3);
    checkHead(1, 0);

    // Mean over heads, and softmax1's missing ("no-op") mass in the strip and tooltip of each row.
    view().meanOverHeadsBox()->setChecked(true);
    QVERIFY(!view().headBox()->isEnabled());
    const hopscope::AttentionProbabilities& layer1 = expected.attention[1];
    for (int q = 0; q < tokens; ++q) {
      double rowSum = 0;
      for (int k = 0; k < tokens; ++k) {
        double mean = 0;
        for (int h = 0; h < layer1.heads; ++h) mean += layer1.at(h, q, k);
        mean /= layer1.heads;
        rowSum += mean;
        QVERIFY(std::abs(cells().cell(k, q) - mean) <= 1e-6);
      }
      const double strip = view().heatmap()->heatmapData().stripValues[q];
      QVERIFY2(std::abs(strip - (1.0 - rowSum)) <= 1e-5, qPrintable(QString("q %1: %2 vs %3").arg(q).arg(strip).arg(1.0 - rowSum)));
      const QString tooltip = view().heatmap()->tooltipForCell(q, 0);
      QVERIFY2(tooltip.contains(QStringLiteral("\nno-op mass 1 − Σp = ")), qPrintable(tooltip));
    }
    QCOMPARE(view().heatmap()->subtitle(), QStringLiteral("bert-tiny@softmax1 — layer 1, mean over 4 heads"));
    const QString first = view().heatmap()->tooltipForCell(1, 0);
    QVERIFY2(first.startsWith(QStringLiteral("query '%1' (1) → key '%2' (0): ")
                                  .arg(QString::fromStdString(expected.displayTokens[1]),
                                       QString::fromStdString(expected.displayTokens[0]))),
             qPrintable(first));
    const QStringList& columnLabels = view().heatmap()->heatmapData().columnLabels;
    for (int k = 0; k < tokens; ++k) QCOMPARE(columnLabels.value(k), QString::fromStdString(expected.displayTokens[k]));
    // The axis labels what fits: every shown tick names its token.
    const auto labels = view().heatmap()->xAxis->ticker().dynamicCast<TokenAxisTicker>()->ticks();
    QVERIFY(!labels.isEmpty());
    for (auto tick = labels.begin(); tick != labels.end(); ++tick)
      QCOMPARE(tick.value(), QString::fromStdString(expected.displayTokens[static_cast<size_t>(tick.key())]));
  }

  void causalMapMasksTheUpperTriangle() {
    REQUIRE_FIXTURES("opt-tiny");
    const QString argument = fixture("opt-tiny");
    window_->openModel(argument);
    QVERIFY(waitForJobs());
    const hopscope::TextRunResult expected = facadeRun(argument, MainWindow::defaultText());
    QVERIFY(expected.causal);
    view().layerBox()->setValue(1);
    view().headBox()->setValue(1);
    const int tokens = static_cast<int>(expected.ids.size());
    QCOMPARE(cells().keySize(), tokens);
    for (int q = 0; q < tokens; ++q)
      for (int k = 0; k < tokens; ++k) {
        if (k > q) QVERIFY2(std::isnan(cells().cell(k, q)), qPrintable(QString("q %1 k %2").arg(q).arg(k)));
        else QVERIFY(std::abs(cells().cell(k, q) - expected.attention[1].at(1, q, k)) <= 1e-6);
      }
    QVERIFY(view().heatmap()->tooltipForCell(0, 1).contains(QStringLiteral(": masked\n")));
    // softmax rows sum to 1: the no-op strip is there, and about 0.
    for (float mass : view().heatmap()->heatmapData().stripValues) QVERIFY(std::abs(mass) <= 1e-5);
  }

  void predictionsPanelListsTheTopPredictions() {
    REQUIRE_FIXTURES("opt-tiny");
    const QString argument = fixture("opt-tiny");
    window_->openModel(argument);
    QVERIFY(waitForJobs());
    const hopscope::TextRunResult expected = facadeRun(argument, MainWindow::defaultText());
    QTreeWidget* list = view().predictionsList();
    QCOMPARE(list->topLevelItemCount(), static_cast<int>(expected.predictions.size()));
    const hopscope::TokenPrediction& last = expected.predictions.back();
    QTreeWidgetItem* item = list->topLevelItem(list->topLevelItemCount() - 1);
    QCOMPARE(item->text(1), QString::fromStdString(last.tokens[0]));
    QCOMPARE(item->text(2), QString::number(last.probabilities[0], 'f', 3));
    QCOMPARE(item->childCount(), static_cast<int>(last.tokens.size()) - 1);
  }

  void badPathShowsAnErrorRowAndTheWindowStaysUsable() {
    REQUIRE_FIXTURES("bert-tiny");
    const QString missing = QStringLiteral("/nonexistent/hopscope-model");
    QString engineMessage;
    try {
      hopscope::LoadedModel::open(missing.toStdString());
    } catch (const hopscope::Error& error) {
      engineMessage = QString::fromStdString(error.what()).trimmed();
    }
    QVERIFY(!engineMessage.isEmpty());

    window_->openModel(missing);
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QCOMPARE(cell(*window_, 0, LoadedModelsModel::Status), engineMessage);
    QCOMPARE(cell(*window_, 1, LoadedModelsModel::Status), QStringLiteral("ready"));
    QVERIFY(window_->errorVisible());
    QVERIFY(window_->errorText().contains(engineMessage));

    // Still usable: a new text runs through the model that did load.
    const QString text = QStringLiteral("the ship sailed on");
    window_->textEdit()->setPlainText(text);
    QTest::mouseClick(window_->runButton(), Qt::LeftButton);
    QVERIFY(waitForJobs());
    const hopscope::TextRunResult expected = facadeRun(fixture("bert-tiny"), text);
    QCOMPARE(window_->models()->entryAt(1).lastRun->ids, expected.ids);
    window_->dismissErrors();
    QVERIFY(!window_->errorVisible());
  }

  void emptyTextShowsAnError() {
    REQUIRE_FIXTURES("bert-tiny");
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QVERIFY(window_->models()->entryAt(0).lastRun.has_value());
    window_->textEdit()->clear();
    QTest::keyClick(window_->textEdit(), Qt::Key_Return, Qt::ControlModifier);  // the Run shortcut
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QString engineMessage;
    try {
      facadeRun(fixture("bert-tiny"), QString());
    } catch (const hopscope::Error& error) {
      engineMessage = QString::fromStdString(error.what()).trimmed();
    }
    QVERIFY(!engineMessage.isEmpty());
    QCOMPARE(cell(*window_, 0, LoadedModelsModel::Status), engineMessage);
    QVERIFY(window_->errorText().contains(engineMessage));
    QVERIFY(!window_->models()->entryAt(0).lastRun.has_value());  // no stale map beside the error
  }

  void tooLongTextAndAMissingTokenizerShowErrors() {
    REQUIRE_FIXTURES("bert-tiny");
    // A copy of bert-tiny without vocab.txt: it loads, but cannot tokenize.
    QTemporaryDir dir;
    const QString bare = dir.filePath(QStringLiteral("bert-no-tokenizer"));
    QVERIFY(QDir().mkpath(bare));
    for (const QString& file : {QStringLiteral("config.json"), QStringLiteral("model.safetensors")})
      QVERIFY(QFile::copy(fixture("bert-tiny/") + file, bare + "/" + file));
    const QString tooLong = QStringLiteral("the whale ").repeated(60);  // > 64 positions
    window_->setInputText(tooLong);
    window_->openModel(fixture("bert-tiny"));
    window_->openModel(bare);
    QVERIFY(waitForJobs());
    QVERIFY(window_->models()->entries().size() == 2);
    QVERIFY(window_->models()->entryAt(1).model != nullptr);  // loaded fine

    for (int row = 0; row < 2; ++row) {
      QString engineMessage;
      try {
        facadeRun(row == 0 ? fixture("bert-tiny") : bare, tooLong);
      } catch (const hopscope::Error& error) {
        engineMessage = QString::fromStdString(error.what()).trimmed();
      }
      QVERIFY(!engineMessage.isEmpty());
      QCOMPARE(cell(*window_, row, LoadedModelsModel::Status), engineMessage);
      QVERIFY(window_->errorText().contains(engineMessage));
    }
    // The view says why there is no map instead of showing a stale one.
    QVERIFY(view().heatmap()->colorMap()->data()->isEmpty());
  }

  void newerRunSupersedesTheOlderOne() {
    REQUIRE_FIXTURES("bert-tiny");
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QSignalSpy ran(window_->jobs(), &ModelJobs::ran);
    QSignalSpy failed(window_->jobs(), &ModelJobs::runFailed);
    window_->setInputText(QStringLiteral("a first text that will be superseded"));
    window_->runText();
    const QString second = QStringLiteral("the men cheered");
    window_->setInputText(second);
    window_->runText();
    QVERIFY(waitForJobs());
    // The superseded run is dropped silently: neither a result nor a "cancelled" status.
    QCOMPARE(ran.count(), 1);
    QCOMPARE(failed.count(), 0);
    QCOMPARE(cell(*window_, 0, LoadedModelsModel::Status), QStringLiteral("ready"));
    const hopscope::TextRunResult expected = facadeRun(fixture("bert-tiny"), second);
    QCOMPARE(window_->models()->entryAt(0).lastRun->tokens, expected.tokens);
  }

  void exportWritesPngAndSvgAndReportsFailures() {
    REQUIRE_FIXTURES("bert-tiny");
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QTemporaryDir dir;
    QVERIFY(window_->exportPlot(dir.filePath("attention.png")));
    QVERIFY(window_->exportPlot(dir.filePath("attention.svg")));
    QVERIFY(QFileInfo(dir.filePath("attention.png")).size() > 1000);
    QVERIFY(QFileInfo(dir.filePath("attention.svg")).size() > 1000);
    QVERIFY(!window_->errorVisible());
    QVERIFY(!window_->exportPlot(dir.filePath("no-such-dir/attention.png")));
    QVERIFY(window_->errorVisible());
    QVERIFY(window_->errorText().contains(QStringLiteral("no-such-dir/attention.png")));
  }

  // --training-folder: the Training view on a folder of runs; for a folder of OPT runs the family
  // box turns to OPT (no BERT presets beside them); --training-plot picks the curves.
  void trainingFolderShowsItsRunsOnTheirFamilysRows() {
    const QString demo = QStringLiteral(HOPSCOPE_RESOURCES_DIR "/demo/");
    QTemporaryDir runs;
    for (const QString& name : {QStringLiteral("opt-softmax-none"), QStringLiteral("opt-softmax1-none")}) {
      if (!QFileInfo::exists(demo + name + "/training_log.jsonl")) QSKIP("demo runs missing");
      QVERIFY(QDir(runs.path()).mkdir(name));
      for (const QString& file : {QStringLiteral("config.json"), QStringLiteral("training_log.jsonl")})
        QVERIFY(QFile::copy(demo + name + "/" + file, runs.filePath(name + "/" + file)));
    }
    QVERIFY(window_->openTrainingFolder(runs.path()));
    TrainingView& training = *window_->trainingView();
    QVERIFY(training.isVisible());  // the current tab
    QCOMPARE(training.familyBox()->currentText(), QStringLiteral("opt"));
    QCOMPARE(QDir(training.outputFolder()), QDir(runs.path()));
    for (const QString& name : {QStringLiteral("opt-softmax-none"), QStringLiteral("opt-softmax1-none")}) {
      const int row = training.rowOfRun(name);
      QVERIFY2(row >= 0, qPrintable(name));
      QCOMPARE(training.records(row).size(), size_t{20});
      QCOMPARE(training.runState(row), TrainingView::RunState::Finished);
    }
    // The five OPT presets, the runs on their variants' rows (the demo's folder names, opt-softmax-none,
    // are not the presets', opt-softmax, but their settings say which variant they are).
    QCOMPARE(training.variantCount(), 5);
    QCOMPARE(training.runName(0), QStringLiteral("opt-softmax-none"));
    QCOMPARE(training.rowOfRun(QStringLiteral("opt-softmax1-none")), 3);
    QCOMPARE(training.runName(1), QStringLiteral("opt-clipped_-0.0234375_1"));
    // The panel shows the runs' settings.
    QCOMPARE(training.layersBox()->value(), 4);
    QCOMPARE(training.hiddenBox()->value(), 128);
    QCOMPARE(training.seqLenBox()->value(), 128);
    QCOMPARE(training.stepsBox()->value(), 2000);
    QVERIFY(training.showPlot(QStringLiteral("kurtosis")));
    QCOMPARE(training.plotTabs()->currentIndex(), 1);
    QVERIFY(!training.showPlot(QStringLiteral("nonsense")));

    QVERIFY(!window_->openTrainingFolder(runs.filePath(QStringLiteral("missing"))));
    QVERIFY(window_->errorText().contains(QStringLiteral("not a folder")));
  }

  void removingAModelUpdatesTableAndView() {
    REQUIRE_FIXTURES("bert-tiny", "opt-tiny");
    const int bert = window_->openModel(fixture("bert-tiny"));
    window_->openModel(fixture("opt-tiny"));
    QVERIFY(waitForJobs());
    QCOMPARE(view().currentModelId(), bert);
    window_->removeModel(bert);
    QCOMPARE(window_->models()->rowCount(), 1);
    QCOMPARE(view().grid()->paneCount(), 1);
    QVERIFY(view().heatmap()->subtitle().startsWith(QStringLiteral("opt-tiny@softmax — layer")));
  }
};

int runMainWindowTests(int argc, char** argv) {
  MainWindowTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "main_window_test.moc"
