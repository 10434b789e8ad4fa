// The main window's Outliers and Quantization views end to end: opening the view evaluates the
// loaded models on the worker threads with the settings row's values, and the tables then hold the
// very numbers the engine computes when called directly (the CLI's JSON); a bad text path is an
// error in the banner; a cancelled analysis is not restarted by reopening the view; removing a model
// removes its row; the visible plot exports; a model has its slot's colour in every view.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/evaluation_controls.h"
#include "views/loaded_models_model.h"
#include "app/main_window.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/result_json.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"
#include "jobs/model_jobs.h"
#include "plots/figure_plot.h"
#include "plots/model_palette.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"
#include "views/quantization_metric_model.h"
#include "views/quantization_view.h"

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name; }

std::string bundled(const char* relative) { return hopscope::findBundledFile(relative).path; }

// The colour in the middle of a colour swatch (a model's Qt::DecorationRole or combo box icon).
QColor swatchColour(const QVariant& decoration) {
  const QImage image = decoration.value<QIcon>().pixmap(QSize(12, 12)).toImage();
  return image.pixelColor(image.width() / 2, image.height() / 2);
}

constexpr int kSamples = 2;
constexpr int kSeqLen = 16;

}  // namespace

class EvaluationViewsTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;

  bool waitForJobs() {
    return QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 120000);
  }

 private slots:
  void init() {
    window_ = std::make_unique<MainWindow>();
    window_->evaluationControls()->samplesBox()->setValue(kSamples);
    window_->evaluationControls()->seqLenBox()->setValue(kSeqLen);
    window_->show();
  }
  void cleanup() { window_.reset(); }

  void outliersViewAnalyzesEveryModelAsTheEngineDoes() {
    window_->openModel(fixture("bert-tiny"));
    window_->openModel(fixture("opt-tiny") + QStringLiteral("@softmax1"));
    QVERIFY(waitForJobs());
    QSignalSpy analyzed(window_->jobs(), &ModelJobs::analyzed);
    QVERIFY(window_->showView(QStringLiteral("outliers")));  // opening the view starts the analyses
    QVERIFY(waitForJobs());
    QCOMPARE(analyzed.count(), 2);
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));

    OutlierSummaryModel* table = window_->outlierView()->summaryModel();
    QAbstractItemModelTester tester(table, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(table->rowCount(), 2);
    // The same analysis called directly, on the bundled evaluation text.
    hopscope::AnalysisSettings settings;
    settings.samples = kSamples;
    settings.seqLen = kSeqLen;
    const hopscope::TextCorpus corpus = hopscope::readTextCorpus(bundled(hopscope::kBundledEvalText));
    const auto model = hopscope::LoadedModel::open(fixture("bert-tiny").toStdString());
    const nlohmann::json expected =
        hopscope::modelAnalysisJson(hopscope::analyzeModel(*model, corpus, settings));
    for (const char* key : {"avg_kurtosis", "max_inf_norm", "max_ffn_inf_norm"}) {
      const int column = table->columnOf(QStringLiteral("summary:") + QString::fromLatin1(key));
      QVERIFY2(column >= 0, key);
      const double shown = table->index(0, column).data(OutlierSummaryModel::ValueRole).toDouble();
      QCOMPARE(shown, expected["summary"][key].get<double>());
    }
    // Already analysed: switching away and back starts nothing new.
    window_->showView(QStringLiteral("attention"));
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(window_->jobs()->isIdle());

    QTemporaryDir dir;
    QVERIFY(window_->exportPlot(dir.filePath(QStringLiteral("outliers.png"))));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("outliers.png"))).size() > 1000);

    window_->removeModel(window_->models()->entries().front().id);
    QCOMPARE(table->rowCount(), 1);
  }

  void quantizationViewMatchesTheEngineSweep() {
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QVERIFY(window_->showView(QStringLiteral("quantization")));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    QAbstractItemModel* table = window_->quantizationView()->metricModel();
    QCOMPARE(table->rowCount(), 1);

    hopscope::QuantizationSweepSettings settings;
    settings.evaluation.samples = kSamples;
    settings.evaluation.seqLen = kSeqLen;
    settings.calibrationBatches = QuantizationRequest().calibrationBatches;
    const auto model = hopscope::LoadedModel::open(fixture("bert-tiny").toStdString());
    const hopscope::QuantizationStudy expected = hopscope::runQuantizationStudy(
        *model, hopscope::readTextCorpus(bundled(hopscope::kBundledEvalText)),
        hopscope::readTextCorpus(bundled(hopscope::kBundledTrainText)), settings);
    QCOMPARE(table->index(0, QuantizationMetricModel::Fp).data(QuantizationMetricModel::ValueRole).toDouble(),
             expected.fp.value);
    QCOMPARE(table->index(0, QuantizationMetricModel::Quantized).data(QuantizationMetricModel::ValueRole).toDouble(),
             expected.main.metric.value);
  }

  void aModelHasItsRowsColourInBothViews() {
    window_->openModel(fixture("bert-tiny"));
    const int opt = window_->openModel(fixture("opt-tiny") + QStringLiteral("@softmax1"));
    QVERIFY(waitForJobs());
    // Only the second model is quantized: it is the Quantization view's first and only model, yet it
    // keeps the colour of its row in the Models table, as in the Outliers view.
    window_->jobs()->quantize(opt, window_->models()->entryById(opt)->model,
                              window_->evaluationControls()->quantizationRequest());
    QVERIFY(waitForJobs());
    QVERIFY(window_->showView(QStringLiteral("outliers")));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));

    const QColor colour = modelColour(window_->models()->rowOfId(opt));
    QCOMPARE(colour, modelColour(1));
    OutlierView* outliers = window_->outlierView();
    QuantizationView* quantization = window_->quantizationView();
    QCOMPARE(outliers->layerPlot()->graphCount(), 2);
    QCOMPARE(outliers->histogramPlot()->graphCount(), 2);  // each model's last FFN output
    QCOMPARE(quantization->sqnrPlot()->graphCount(), 1);
    QCOMPARE(outliers->layerPlot()->graph(1)->pen().color(), colour);
    QCOMPARE(outliers->histogramPlot()->graph(1)->pen().color(), colour);
    QCOMPARE(quantization->sqnrPlot()->graph(0)->pen().color(), colour);
    QVERIFY(outliers->layerPlot()->graph(0)->pen().color() != colour);
    // The swatches beside its name: Models table, summary table, Modules selector, metric table,
    // quantizer selector.
    QCOMPARE(swatchColour(window_->models()->index(1, LoadedModelsModel::Name).data(Qt::DecorationRole)), colour);
    QCOMPARE(swatchColour(outliers->summaryModel()->index(1, 0).data(Qt::DecorationRole)), colour);
    QCOMPARE(swatchColour(outliers->modulesPanel()->modelSelector()->itemData(1, Qt::DecorationRole)), colour);
    QCOMPARE(swatchColour(quantization->metricModel()->index(0, QuantizationMetricModel::Model).data(Qt::DecorationRole)),
             colour);
    QCOMPARE(swatchColour(quantization->modelSelector()->itemData(0, Qt::DecorationRole)), colour);
  }

  void aCancelledAnalysisIsNotRestartedByOpeningTheViewAgain() {
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    window_->evaluationControls()->samplesBox()->setValue(400);  // long enough to cancel midway
    QSignalSpy failed(window_->jobs(), &ModelJobs::analyzeFailed);
    window_->showView(QStringLiteral("outliers"));
    window_->jobs()->cancelAll();
    QVERIFY(waitForJobs());
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(2).toBool(), true);  // cancelled, so no error banner
    QVERIFY(!window_->errorVisible());
    window_->showView(QStringLiteral("attention"));
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(window_->jobs()->isIdle());  // not restarted
    // The Analyze button does.
    window_->evaluationControls()->samplesBox()->setValue(kSamples);
    window_->analyzeModels();
    QVERIFY(waitForJobs());
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 1);
  }

  void anUnreadableTextIsAnErrorAndNothingIsShown() {
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QTemporaryDir dir;
    const QString missing = dir.filePath(QStringLiteral("no-such-text.txt"));
    window_->evaluationControls()->setDataPath(missing);
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QVERIFY2(window_->errorText().contains(missing), qPrintable(window_->errorText()));
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 0);
    // The window stays usable: the bundled text works again.
    window_->dismissErrors();
    window_->evaluationControls()->setDataPath(QString::fromStdString(bundled(hopscope::kBundledEvalText)));
    window_->analyzeModels();
    QVERIFY(waitForJobs());
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 1);
  }
};

int runEvaluationViewsTests(int argc, char** argv) {
  EvaluationViewsTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "evaluation_views_test.moc"
