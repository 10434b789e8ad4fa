// The Training view: its figures from hand-made records (values, palette slots, log axes), and real
// tiny training runs in a temporary folder driven through the buttons, checked against the
// training_log.jsonl files the engine writes: two variants one after another, a folder of finished
// runs read back, Stop leaving a checkpoint that Resume finishes, errors shown without a crash, and
// "Open in workbench" loading a run in the main window.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/main_window.h"
#include "hopscope/model_family.h"
#include "hopscope/trainer.h"
#include "jobs/training_jobs.h"
#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "views/loaded_models_model.h"
#include "views/training_figures.h"
#include "views/training_view.h"

using nlohmann::json;

namespace {

json record(int step, double loss, double heldOut, double kurtosis, double infNorm) {
  return {{"step", step},
          {"loss", loss},
          {"learning_rate", 1e-3},
          {"eval", {{"perplexity", std::exp(heldOut)},
                    {"loss", heldOut},
                    {"summary", {{"avg_kurtosis", kurtosis}, {"max_inf_norm", infNorm}}}}}};
}

const FigureSeries* seriesNamed(const Figure& figure, const QString& name) {
  for (const FigureSeries& series : figure.series)
    if (series.name == name) return &series;
  return nullptr;
}

// The log as written, read independently of the view (std::ifstream, one JSON object a line).
std::vector<json> logRecords(const QString& folder) {
  std::vector<json> records;
  std::ifstream file((folder + "/training_log.jsonl").toStdString());
  std::string line;
  while (std::getline(file, line))
    if (!line.empty()) records.push_back(json::parse(line));
  return records;
}

// Every point of the series equals the records' (step, value at pointer), in order.
void compareCurve(const Figure& figure, const QString& name, const std::vector<json>& records, const char* pointer) {
  const FigureSeries* series = seriesNamed(figure, name);
  QVERIFY2(series, qPrintable("no curve " + name));
  QCOMPARE(series->points.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    QCOMPARE(series->points[i].x, records[i].at("step").get<double>());
    QCOMPARE(series->points[i].y, records[i].at(json::json_pointer(pointer)).get<double>());
  }
}

// Settings for runs of a few seconds: 2 layers of width 32, blocks of 32 tokens, a 512-token
// vocabulary trained on the first 150 kB of the bundled training text.
void configureTiny(TrainingView& view, const QTemporaryDir& dir, int steps, int evalEvery) {
  QFile bundled(QStringLiteral(HOPSCOPE_RESOURCES_DIR "/corpora/moby-dick-train.txt"));
  QVERIFY(bundled.open(QIODevice::ReadOnly));
  QFile excerpt(dir.filePath(QStringLiteral("train.txt")));
  QVERIFY(excerpt.open(QIODevice::WriteOnly));
  excerpt.write(bundled.read(150000));
  excerpt.close();
  view.trainingTextEdit()->setText(excerpt.fileName());
  QVERIFY(QFileInfo::exists(view.heldOutTextEdit()->text()));  // the bundled held-out text by default
  view.layersBox()->setValue(2);
  view.hiddenBox()->setValue(32);
  view.headsBox()->setValue(4);
  view.ffnBox()->setValue(64);
  view.seqLenBox()->setValue(32);
  view.vocabularyBox()->setValue(512);
  view.batchBox()->setValue(8);
  view.stepsBox()->setValue(steps);
  view.warmupBox()->setValue(2);
  view.evalEveryBox()->setValue(evalEvery);
  view.setOutputFolder(dir.filePath(QStringLiteral("runs")));
}

bool waitUntilIdle(TrainingView& view) {
  return QTest::qWaitFor([&view] { return !view.isTraining(); }, 180000);
}

}  // namespace

class TrainingViewTest : public QObject {
  Q_OBJECT

 private slots:
  void figuresHoldTheRecordsInTheVariantsSlots() {
    std::vector<TrainingCurves> runs = {
        {QStringLiteral("bert-softmax"), QStringLiteral("bert"), 0,
         {record(3, 7.5, 7.6, 4.0, 12.0), record(6, 7.0, 7.2, 40.0, 150.0)}},
        {QStringLiteral("bert-softmax1"), QStringLiteral("bert"), 3,
         {record(3, 7.4, 7.5, 3.5, 10.0), record(6, 6.9, 7.1, 0.0, 9.0)}},
    };
    runs[1].records[1]["eval"]["loss"] = nullptr;  // NaN as nlohmann writes it: no point

    const Figure loss = trainingLossFigure(runs);
    QCOMPARE(loss.y.scale, AxisScale::Linear);
    QCOMPARE(loss.series.size(), size_t{4});
    const FigureSeries* trained = seriesNamed(loss, QStringLiteral("bert-softmax training"));
    const FigureSeries* heldOut = seriesNamed(loss, QStringLiteral("bert-softmax held-out"));
    QVERIFY(trained && heldOut);
    QCOMPARE(trained->slot, 0);
    QCOMPARE(trained->style, SeriesStyle::LineMarkers);
    QCOMPARE(heldOut->style, SeriesStyle::ReferenceLine);
    QCOMPARE(trained->points.size(), size_t{2});
    QCOMPARE(trained->points[1].x, 6.0);
    QCOMPARE(trained->points[1].y, 7.0);
    QCOMPARE(heldOut->points[0].y, 7.6);
    QVERIFY(trained->points[1].hover.contains(QStringLiteral("step 6")));
    const FigureSeries* heldOut1 = seriesNamed(loss, QStringLiteral("bert-softmax1 held-out"));
    QVERIFY(heldOut1);
    QCOMPARE(heldOut1->slot, 3);
    QCOMPARE(heldOut1->points.size(), size_t{1});  // the null value is left out

    const Figure kurtosis = averageKurtosisFigure(runs);
    QCOMPARE(kurtosis.y.scale, AxisScale::Log);
    QCOMPARE(kurtosis.series.size(), size_t{2});
    QCOMPARE(kurtosis.series[0].points[1].y, 40.0);
    QCOMPARE(kurtosis.series[1].slot, 3);
    QCOMPARE(kurtosis.series[1].points.size(), size_t{1});  // 0 cannot be drawn on a log axis
    // The note quotes the family's own protocol wording.
    std::string description;
    for (const hopscope::ProtocolFigure& figure : hopscope::findFamily("bert")->protocol)
      if (figure.name == "avg_kurtosis") description = figure.description;
    QVERIFY(!description.empty());
    QVERIFY(kurtosis.note.contains(QString::fromStdString(description)));

    const Figure infNorm = maxInfNormFigure(runs);
    QCOMPARE(infNorm.y.scale, AxisScale::Log);
    QCOMPARE(infNorm.series[0].points[1].y, 150.0);
    QCOMPARE(infNorm.series[1].points[0].y, 10.0);

    // Drawn in the slots' colours.
    FigurePlot plot;
    plot.setFigure(infNorm);
    QCOMPARE(plot.graphCount(), 2);
    QCOMPARE(plot.graph(0)->pen().color(), modelColour(0));
    QCOMPARE(plot.graph(1)->pen().color(), modelColour(3));
    QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);

    const Figure empty = trainingLossFigure({});
    QVERIFY(empty.series.empty());
    QVERIFY(!empty.message.isEmpty());
  }

  void variantsAreNamedByFamilyNormalizerAndGate() {
    QCOMPARE(trainingRunFolderName(QStringLiteral("bert"), hopscope::parseNormalizer("softmax1"), hopscope::GateKind::Mlp),
             QStringLiteral("bert-softmax1-mlp"));
    QCOMPARE(trainingRunFolderName(QStringLiteral("opt"), hopscope::parseNormalizer("clipped:-0.0234375:1"),
                                   hopscope::GateKind::None),
             QStringLiteral("opt-clipped_-0.0234375_1"));

    QTemporaryDir dir;
    TrainingView view;
    view.setOutputFolder(dir.path());
    QAbstractItemModelTester tester(view.variantsTable()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view.variantCount(), 5);
    QCOMPARE(view.runName(0), QStringLiteral("bert-softmax"));
    QVERIFY(view.rowOfRun(QStringLiteral("bert-clipped_-0.025_1")) >= 0);
    QVERIFY(view.rowOfRun(QStringLiteral("bert-softmax1-mlp")) >= 0);  // BERT's paper gate
    QVERIFY(view.isChecked(view.rowOfRun(QStringLiteral("bert-softmax1"))));
    QVERIFY(!view.isChecked(view.rowOfRun(QStringLiteral("bert-softmax1-mlp"))));
    for (int row = 0; row < view.variantCount(); ++row) {
      QVERIFY(!view.variantsTable()->item(row, TrainingView::VariantColumn)->toolTip().isEmpty());
      QCOMPARE(view.runState(row), TrainingView::RunState::NotTrained);
    }

    // A check survives a family change; the presets follow the family's paper settings.
    view.setChecked(view.rowOfRun(QStringLiteral("bert-clipped_-0.025_1")), true);
    view.familyBox()->setCurrentText(QStringLiteral("opt"));
    QVERIFY(view.isChecked(view.rowOfRun(QStringLiteral("opt-clipped_-0.0234375_1"))));
    QVERIFY(view.rowOfRun(QStringLiteral("opt-softmax-linear")) >= 0);

    // Added variants: validated, named, checked; a duplicate or a bad spec is refused with a message.
    QSignalSpy errors(&view, &TrainingView::errorOccurred);
    view.customNormalizerEdit()->setText(QStringLiteral("clipped-softmax1:-0.1:1.1"));
    view.customGateBox()->setCurrentText(QStringLiteral("linear"));
    QTest::keyClick(view.customNormalizerEdit(), Qt::Key_Return);
    const int added = view.rowOfRun(QStringLiteral("opt-clipped-softmax1_-0.1_1.1-linear"));
    QVERIFY(added >= 0);
    QVERIFY(view.isChecked(added));
    QVERIFY(view.customNormalizerEdit()->text().isEmpty());
    QVERIFY(!view.addVariant(QStringLiteral("softmax1"), hopscope::GateKind::None));
    QVERIFY(!view.addVariant(QStringLiteral("softmax2"), hopscope::GateKind::None));
    QCOMPARE(errors.count(), 2);
    QVERIFY(errors.at(1).at(0).toString().contains(QStringLiteral("softmax2")));
    QCOMPARE(view.variantCount(), 6);

    // Every control explains itself.
    for (QWidget* control : view.findChildren<QWidget*>()) {
      const bool input = qobject_cast<QAbstractSpinBox*>(control) || qobject_cast<QLineEdit*>(control) ||
                         qobject_cast<QComboBox*>(control) || qobject_cast<QAbstractButton*>(control);
      // Parts of Qt's own widgets: a spin box's editor, the tab bar's scroll arrows, the table's corner.
      QWidget* owner = control->parentWidget();
      const bool part = qobject_cast<QAbstractSpinBox*>(owner) || qobject_cast<QComboBox*>(owner) ||
                        qobject_cast<QTabBar*>(owner) || qobject_cast<QAbstractItemView*>(owner);
      if (input && !part)
        QVERIFY2(!control->toolTip().isEmpty(), qPrintable(control->metaObject()->className() + QStringLiteral(" ") +
                                                             control->objectName() + QStringLiteral(" ") +
                                                             control->property("text").toString()));
    }
  }

  void twoVariantsTrainOneAfterAnotherAndTheirCurvesHoldTheirLogs() {
    QTemporaryDir dir;
    MainWindow window;
    QVERIFY(window.showView(QStringLiteral("training")));
    TrainingView& view = *window.trainingView();
    configureTiny(view, dir, 6, 3);
    QAbstractItemModelTester tester(view.variantsTable()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QStringList names = {QStringLiteral("bert-softmax"), QStringLiteral("bert-softmax1")};
    view.checkOnly(names);

    QSignalSpy started(view.jobs(), &TrainingJobs::started);
    QSignalSpy recorded(view.jobs(), &TrainingJobs::recorded);
    QSignalSpy finished(view.jobs(), &TrainingJobs::finished);
    view.startButton()->click();
    QVERIFY(view.isTraining());
    QVERIFY(!view.startButton()->isEnabled());
    QVERIFY(view.stopButton()->isEnabled());
    QVERIFY(!view.layersBox()->isEnabled());  // settings are fixed while training
    QVERIFY(waitUntilIdle(view));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));

    // One after another, in table order.
    QCOMPARE(started.count(), 2);
    QCOMPARE(started.at(0).at(0).toInt(), view.rowOfRun(names[0]));
    QCOMPARE(started.at(1).at(0).toInt(), view.rowOfRun(names[1]));
    QCOMPARE(recorded.count(), 4);  // steps 3 and 6 of each
    QCOMPARE(finished.count(), 2);
    QVERIFY(!finished.at(0).at(1).value<TrainingOutcome>().stopped);

    for (const QString& name : names) {
      const int row = view.rowOfRun(name);
      const std::vector<json> log = logRecords(view.runFolder(row));
      QCOMPARE(log.size(), size_t{2});
      QCOMPARE(log.back().at("step").get<int>(), 6);
      QCOMPARE(view.records(row), log);
      QCOMPARE(view.runState(row), TrainingView::RunState::Finished);
      QCOMPARE(view.progressBar(row)->value(), view.progressBar(row)->maximum());
      compareCurve(view.lossPlot()->figure(), name + " training", log, "/loss");
      compareCurve(view.lossPlot()->figure(), name + " held-out", log, "/eval/loss");
      compareCurve(view.kurtosisPlot()->figure(), name, log, "/eval/summary/avg_kurtosis");
      compareCurve(view.infNormPlot()->figure(), name, log, "/eval/summary/max_inf_norm");
      QCOMPARE(seriesNamed(view.kurtosisPlot()->figure(), name)->slot, row);
    }
    QCOMPARE(view.runState(view.rowOfRun(QStringLiteral("bert-softmax1-mlp"))), TrainingView::RunState::NotTrained);

    // Start again: both have their runs, so nothing trains and the message says why.
    QSignalSpy errors(&view, &TrainingView::errorOccurred);
    view.startButton()->click();
    QVERIFY(!view.isTraining());
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("already has a run")));
    QVERIFY(window.errorText().contains(QStringLiteral("already has a run")));  // in the window's banner
    window.dismissErrors();

    // A fresh view on the same folder shows the finished runs from their logs.
    TrainingView reader;
    reader.setOutputFolder(view.outputFolder());
    for (const QString& name : names) {
      const int row = reader.rowOfRun(name);
      QCOMPARE(reader.runState(row), TrainingView::RunState::Finished);
      QCOMPARE(reader.records(row), logRecords(view.runFolder(row)));
      compareCurve(reader.kurtosisPlot()->figure(), name, reader.records(row), "/eval/summary/avg_kurtosis");
    }

    if (qEnvironmentVariableIsSet("HOPSCOPE_VIEW_SCREENSHOTS")) {  // to look at it by hand
      window.resize(1400, 900);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      for (int tab = 0; tab < 3; ++tab) {
        view.plotTabs()->setCurrentIndex(tab);
        window.grab().save(qEnvironmentVariable("HOPSCOPE_VIEW_SCREENSHOTS") + QStringLiteral("/training-%1.png").arg(tab));
      }
    }

    // Open in workbench: the selected run, then every run with a checkpoint; they load as models.
    view.variantsTable()->selectRow(view.rowOfRun(names[1]));
    view.openButton()->click();
    QCOMPARE(window.models()->rowCount(), 1);
    view.openAllButton()->click();
    QCOMPARE(window.models()->rowCount(), 3);
    QVERIFY(QTest::qWaitFor([&window] { return window.jobs()->isIdle(); }, 60000));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    const LoadedModelsModel::Entry& opened = window.models()->entryAt(0);
    QVERIFY(opened.model);
    QCOMPARE(QString::fromStdString(opened.model->info().normalizer), QStringLiteral("softmax1"));
    QCOMPARE(QDir(QString::fromStdString(opened.model->info().path)).absolutePath(),
             QDir(view.runFolder(view.rowOfRun(names[1]))).absolutePath());
  }

  // ViT: the image fields apply (patch; no sequence length or vocabulary), a run trains on the
  // fixture's labelled idx images and logs accuracy; a run under the demo set's folder name sits on
  // its variant's row.
  void aVitTrainsOnIdxImagesFromTheView() {
    QTemporaryDir dir;
    MainWindow window;
    QVERIFY(window.showView(QStringLiteral("training")));
    TrainingView& view = *window.trainingView();
    QVERIFY(view.seqLenBox()->isEnabled());
    QVERIFY(!view.patchBox()->isEnabled());
    view.familyBox()->setCurrentText(QStringLiteral("vit"));
    QVERIFY(!view.seqLenBox()->isEnabled());
    QVERIFY(!view.vocabularyBox()->isEnabled());
    QVERIFY(view.patchBox()->isEnabled());
    if (QFileInfo::exists(QStringLiteral("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
      QCOMPARE(view.trainingTextEdit()->text(), QStringLiteral("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"));
    const QString images = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/images/fashion24-images-idx3-ubyte.gz");
    view.trainingTextEdit()->setText(images);
    view.heldOutTextEdit()->setText(images);
    view.layersBox()->setValue(2);
    view.hiddenBox()->setValue(32);
    view.headsBox()->setValue(4);
    view.ffnBox()->setValue(64);
    view.patchBox()->setValue(7);
    view.batchBox()->setValue(4);
    view.stepsBox()->setValue(4);
    view.warmupBox()->setValue(1);
    view.evalEveryBox()->setValue(2);
    view.setOutputFolder(dir.filePath(QStringLiteral("runs")));
    view.checkOnly({QStringLiteral("vit-softmax1")});
    view.startButton()->click();
    QVERIFY(waitUntilIdle(view));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    const int row = view.rowOfRun(QStringLiteral("vit-softmax1"));
    const std::vector<json> log = logRecords(view.runFolder(row));
    QCOMPARE(log.size(), size_t{2});
    QCOMPARE(log.back().at("eval").at("metric").get<std::string>(), std::string("top1_accuracy"));
    compareCurve(view.lossPlot()->figure(), QStringLiteral("vit-softmax1 held-out"), log, "/eval/loss");
    QCOMPARE(hopscope::readTrainingSettings(view.runFolder(row).toStdString()).patchSize, 7);

    // The same run under another name (as the demo set names its folders) lands on its row.
    QVERIFY(QDir(view.outputFolder()).rename(QStringLiteral("vit-softmax1"), QStringLiteral("vit-softmax1-none")));
    view.reloadRuns();
    QCOMPARE(view.rowOfRun(QStringLiteral("vit-softmax1-none")), row);
    QCOMPARE(view.runState(row), TrainingView::RunState::Finished);
  }

  void theModelsDockMakesRoomInTheTrainingViewOnly() {
    MainWindow window;
    QVERIFY(window.showView(QStringLiteral("training")));  // as `--view training` does, before the window shows
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("modelsDock"));
    QVERIFY(dock);
    QVERIFY(!dock->isVisible());
    QVERIFY(window.trainingView()->lossPlot()->width() > 800);
    QVERIFY(window.showView(QStringLiteral("attention")));
    QVERIFY(dock->isVisible());
    // Back at the width it has in a window that starts in another view.
    MainWindow other;
    other.resize(1400, 900);
    other.show();
    QVERIFY(QTest::qWaitForWindowExposed(&other));
    const QDockWidget* otherDock = other.findChild<QDockWidget*>(QStringLiteral("modelsDock"));
    QTRY_COMPARE(dock->width(), otherDock->width());
  }

  void stopLeavesACheckpointThatResumeFinishes() {
    QTemporaryDir dir;
    TrainingView view;
    configureTiny(view, dir, 200, 20);
    const QString name = QStringLiteral("bert-softmax1");
    view.checkOnly({name});
    const int row = view.rowOfRun(name);
    QVERIFY(!view.resumeButton()->isEnabled());

    QSignalSpy recorded(view.jobs(), &TrainingJobs::recorded);
    QSignalSpy finished(view.jobs(), &TrainingJobs::finished);
    view.startButton()->click();
    QVERIFY(recorded.wait(120000));  // the first evaluation, at step 20
    view.stopButton()->click();
    QVERIFY(waitUntilIdle(view));
    QCOMPARE(finished.count(), 1);
    const TrainingOutcome stopped = finished.at(0).at(1).value<TrainingOutcome>();
    QVERIFY(stopped.stopped);
    QVERIFY(stopped.steps >= 20 && stopped.steps < 200);
    QCOMPARE(view.runState(row), TrainingView::RunState::Stopped);
    QVERIFY(QFileInfo::exists(view.runFolder(row) + "/training_state.safetensors"));
    QVERIFY(view.statusText(row).contains(QStringLiteral("step %1 of 200").arg(stopped.steps)));
    const std::vector<json> before = logRecords(view.runFolder(row));
    QVERIFY(!before.empty() && before.back().at("step").get<int>() < 200);
    QCOMPARE(view.records(row), before);
    QVERIFY(view.resumeButton()->isEnabled());
    QCOMPARE(view.overallLabel()->text(), QStringLiteral("Last Start: 0 finished, 1 stopped"));

    view.resumeButton()->click();
    QVERIFY(view.isTraining());
    QVERIFY(waitUntilIdle(view));
    QCOMPARE(finished.count(), 2);
    QVERIFY(!finished.at(1).at(1).value<TrainingOutcome>().stopped);
    QCOMPARE(view.runState(row), TrainingView::RunState::Finished);
    const std::vector<json> after = logRecords(view.runFolder(row));
    QCOMPARE(after.size(), size_t{10});  // every 20 steps, the stopped run's records kept
    for (size_t i = 0; i < after.size(); ++i) QCOMPARE(after[i].at("step").get<size_t>(), 20 * (i + 1));
    QCOMPARE(after.front(), before.front());
    QCOMPARE(view.records(row), after);
    compareCurve(view.lossPlot()->figure(), name + " training", after, "/loss");
    QVERIFY(!view.resumeButton()->isEnabled());
    QCOMPARE(view.overallLabel()->text(), QStringLiteral("Last Resume: 1 finished"));
  }

  void badSettingsFailWithAMessage() {
    QTemporaryDir dir;
    TrainingView view;
    configureTiny(view, dir, 6, 3);
    view.hiddenBox()->setValue(30);  // not divisible by 4 heads
    view.checkOnly({QStringLiteral("bert-softmax")});
    QSignalSpy errors(&view, &TrainingView::errorOccurred);
    view.startButton()->click();
    QVERIFY(waitUntilIdle(view));
    QCOMPARE(errors.count(), 1);
    QVERIFY2(errors.at(0).at(0).toString().contains(QStringLiteral("divisible")), qPrintable(errors.at(0).at(0).toString()));
    const int row = view.rowOfRun(QStringLiteral("bert-softmax"));
    QCOMPARE(view.runState(row), TrainingView::RunState::Failed);
    QVERIFY(view.statusText(row).startsWith(QStringLiteral("failed:")));
    QVERIFY(view.startButton()->isEnabled());

    // Nothing checked: a message, no job.
    view.checkOnly({});
    view.startButton()->click();
    QVERIFY(!view.isTraining());
    QCOMPARE(errors.count(), 2);
    // Nothing to resume either.
    view.resume();
    QCOMPARE(errors.count(), 3);
  }
};

int runTrainingViewTests(int argc, char** argv) {
  TrainingViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "training_view_test.moc"
