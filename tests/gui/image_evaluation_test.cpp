// The Outliers and Quantization views on image models: ViT variants are analysed and quantized on
// the settings row's image source (an idx file here) while a text model alongside keeps reading the
// text; the tables hold the numbers the engine computes when called directly on the same images
// (as hopscope-cli analyze / quantize --images do); the text and token count never make an image
// result stale, the image source and the sample count do; an unreadable image source, or one with no
// images left to calibrate on, is a one-line error in the window, not a crash.
#include <QCheckBox>
#include <QFile>
#include <QProcess>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/Parallel.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/evaluation_controls.h"
#include "app/main_window.h"
#include "app/workspace.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/result_json.h"
#include "image_inputs.h"
#include "jobs/model_jobs.h"
#include "views/loaded_models_model.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"
#include "views/quantization_metric_model.h"
#include "views/quantization_view.h"

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/") + name; }
QString model(const QString& name) { return fixture(QStringLiteral("models/") + name); }
const QString kImages = fixture(QStringLiteral("images/fashion24-images-idx3-ubyte.gz"));
constexpr int kSamples = 8;  // 24 images: 8 evaluated, the 16 after them calibrate (2 batches of 8)
constexpr int kSeqLen = 16;

// `hopscope-cli COMMAND <both ViTs> --images kImages --samples 8 ARGS --json`: its JSON, or null on
// failure. With this process's LibTorch thread count: float32 reductions follow it (1 and 2 threads
// differ by ~7e-9 in the mean kurtosis of these models).
nlohmann::json cliJson(const QString& command, const QStringList& args) {
  QTemporaryDir dir;
  const QString json = dir.filePath(QStringLiteral("out.json"));
  QProcess cli;
  cli.start(QStringLiteral(HOPSCOPE_CLI_BINARY),
            QStringList{QStringLiteral("--threads"), QString::number(at::get_num_threads()), command,
                        model(QStringLiteral("vit-tiny-hf")), model(QStringLiteral("vit-tiny-timm-gated")),
                        QStringLiteral("--images"), kImages, QStringLiteral("--samples"), QString::number(kSamples),
                        QStringLiteral("--json"), json} +
                args);
  if (!cli.waitForFinished(300000) || cli.exitCode() != 0) {
    qWarning("%s", cli.readAllStandardError().constData());
    return nullptr;
  }
  QFile file(json);
  if (!file.open(QIODevice::ReadOnly)) return nullptr;
  return nlohmann::json::parse(file.readAll().toStdString());
}

}  // namespace

class ImageEvaluationTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;

  bool waitForJobs() { return QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 240000); }
  EvaluationControls& controls() { return *window_->evaluationControls(); }

  // Opens two ViT variants and a text model; returns their ids.
  std::vector<int> openModels() {
    std::vector<int> ids;
    ids.push_back(window_->openModel(model(QStringLiteral("vit-tiny-hf"))));
    ids.push_back(window_->openModel(model(QStringLiteral("vit-tiny-timm-gated"))));
    ids.push_back(window_->openModel(model(QStringLiteral("bert-tiny"))));
    return ids;
  }

 private slots:
  void init() {
    window_ = std::make_unique<MainWindow>();
    controls().samplesBox()->setValue(kSamples);
    controls().seqLenBox()->setValue(kSeqLen);
    controls().setImagePath(kImages);
    window_->show();
  }
  void cleanup() { window_.reset(); }

  void outliersOfImageModelsMatchTheEngine() {
    const std::vector<int> ids = openModels();
    QVERIFY(waitForJobs());
    QVERIFY(controls().imageFieldsShown());
    QVERIFY(window_->showView(QStringLiteral("outliers")));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    OutlierSummaryModel* table = window_->outlierView()->summaryModel();
    QCOMPARE(table->rowCount(), 3);
    const int kurtosis = table->columnOf(QStringLiteral("summary:avg_kurtosis"));
    const int accuracy = table->columnOf(QStringLiteral("metric:top1_accuracy"));
    QVERIFY(kurtosis >= 0);
    QVERIFY(accuracy >= 0);
    QVERIFY(table->headerData(accuracy, Qt::Horizontal).toString().contains(QStringLiteral("accuracy")));
    const nlohmann::json cli = cliJson(QStringLiteral("analyze"), {});
    QVERIFY(!cli.is_null());
    for (int row = 0; row < 2; ++row) {
      // analyzeBlocks on the same images, as hopscope-cli analyze --images --samples 8 does.
      const auto engineModel = hopscope::LoadedModel::open(window_->models()->entryById(ids[row])->argument.toStdString());
      const hopscope::LoadedImages images = hopscope::loadImages(kImages.toStdString(), {}, *engineModel, 0, kSamples);
      hopscope::AnalysisSettings settings;
      settings.samples = kSamples;
      const nlohmann::json expected =
          hopscope::modelAnalysisJson(hopscope::analyzeBlocks(*engineModel, images.data, settings));
      const double shownKurtosis = table->index(row, kurtosis).data(OutlierSummaryModel::ValueRole).toDouble();
      const double shownAccuracy = table->index(row, accuracy).data(OutlierSummaryModel::ValueRole).toDouble();
      QVERIFY2(std::abs(shownKurtosis - expected["summary"]["avg_kurtosis"].get<double>()) < 1e-9,
               qPrintable(QString::number(shownKurtosis)));
      QVERIFY2(std::abs(shownAccuracy - expected["metric"]["value"].get<double>()) < 1e-9,
               qPrintable(QString::number(shownAccuracy)));
      // And what hopscope-cli analyze --images writes.
      const nlohmann::json& written = cli["models"][static_cast<size_t>(row)];
      const double cliKurtosis = written["summary"]["avg_kurtosis"].get<double>();
      QVERIFY2(std::abs(shownKurtosis - cliKurtosis) < 1e-9,
               qPrintable(QStringLiteral("shown %1, CLI %2").arg(shownKurtosis, 0, 'g', 17).arg(cliKurtosis, 0, 'g', 17)));
      QVERIFY(std::abs(shownAccuracy - written["metric"]["value"].get<double>()) < 1e-9);
      QVERIFY(table->index(row, table->columnCount() - 1).data().toString().contains(QStringLiteral("8 images")));
    }
    // The text model alongside has its perplexity.
    const int perplexity = table->columnOf(QStringLiteral("metric:masked_lm_perplexity"));
    QVERIFY(perplexity >= 0);
    QVERIFY(std::isfinite(table->index(2, perplexity).data(OutlierSummaryModel::ValueRole).toDouble()));

    // Text and tokens: only the text model's result goes stale.
    controls().seqLenBox()->setValue(kSeqLen * 2);
    QCOMPARE(window_->analysisStatus(ids[0]).state, ResultStatus::State::Current);
    QCOMPARE(window_->analysisStatus(ids[1]).state, ResultStatus::State::Current);
    QCOMPARE(window_->analysisStatus(ids[2]).state, ResultStatus::State::Stale);
    controls().seqLenBox()->setValue(kSeqLen);
    QCOMPARE(window_->analysisStatus(ids[2]).state, ResultStatus::State::Current);
    controls().setDataPath(fixture(QStringLiteral("images/folder")));  // any other path
    QCOMPARE(window_->analysisStatus(ids[0]).state, ResultStatus::State::Current);
    QCOMPARE(window_->analysisStatus(ids[2]).state, ResultStatus::State::Stale);
    // The image source and the sample count make the image results stale.
    controls().setImagePath(fixture(QStringLiteral("images/fashion24-images-idx3-ubyte")));
    QCOMPARE(window_->analysisStatus(ids[0]).state, ResultStatus::State::Stale);
    QVERIFY(window_->analysisStatus(ids[0]).note.contains(QStringLiteral("images")));
    controls().setImagePath(kImages);
    QCOMPARE(window_->analysisStatus(ids[1]).state, ResultStatus::State::Current);
    controls().samplesBox()->setValue(kSamples + 1);
    QCOMPARE(window_->analysisStatus(ids[1]).state, ResultStatus::State::Stale);
  }

  void quantizationOfImageModelsMatchesTheEngine() {
    const std::vector<int> ids = openModels();
    QVERIFY(waitForJobs());
    QVERIFY(window_->showView(QStringLiteral("quantization")));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    QAbstractItemModel* table = window_->quantizationView()->metricModel();
    QCOMPARE(table->rowCount(), 3);
    const QuantizationRequest request;
    // hopscope-cli quantize --images with the GUI's calibration: 2 batches of 8 images after the evaluated ones.
    const nlohmann::json cli = cliJson(QStringLiteral("quantize"),
                                       {QStringLiteral("--calib-batches"), QString::number(request.calibrationBatches)});
    QVERIFY(!cli.is_null());
    for (int row = 0; row < 2; ++row) {
      QVERIFY(table->index(row, QuantizationMetricModel::Metric).data().toString().contains(QStringLiteral("accuracy")));
      const auto engineModel = hopscope::LoadedModel::open(window_->models()->entryById(ids[row])->argument.toStdString());
      // As hopscope-cli quantize --images without --calib-images: the images after the evaluated ones calibrate.
      const hopscope::LoadedImages evaluation = hopscope::loadImages(kImages.toStdString(), {}, *engineModel, 0, kSamples);
      const hopscope::LoadedImages calibration = hopscope::loadImages(
          kImages.toStdString(), {}, *engineModel, kSamples, request.calibrationBatches * request.batch);
      QCOMPARE(calibration.data.size(), 16);
      hopscope::QuantizationSweepSettings settings;
      settings.evaluation.samples = kSamples;
      settings.calibrationBatches = request.calibrationBatches;
      const hopscope::QuantizationStudy expected = hopscope::runQuantizationStudy(
          *engineModel, evaluation.data, evaluation.source, calibration.data, calibration.source, settings);
      const double fp = table->index(row, QuantizationMetricModel::Fp).data(QuantizationMetricModel::ValueRole).toDouble();
      const double w8a8 =
          table->index(row, QuantizationMetricModel::Quantized).data(QuantizationMetricModel::ValueRole).toDouble();
      QVERIFY2(std::abs(fp - expected.fp.value) < 1e-9, qPrintable(QString::number(fp)));
      QVERIFY2(std::abs(w8a8 - expected.main.metric.value) < 1e-9, qPrintable(QString::number(w8a8)));
      QVERIFY(fp >= 0 && fp <= 1);
      // An accuracy changes by percentage points.
      QVERIFY(table->index(row, QuantizationMetricModel::Change).data().toString().endsWith(QStringLiteral(" pt")));
      QVERIFY(std::abs(table->index(row, QuantizationMetricModel::Change).data(QuantizationMetricModel::ValueRole).toDouble() -
                       (w8a8 - fp) * 100) < 1e-9);
      const nlohmann::json& written = cli["models"][static_cast<size_t>(row)]["metric"];
      QVERIFY(std::abs(fp - written["fp"].get<double>()) < 1e-9);
      QVERIFY(std::abs(w8a8 - written["quantized"].get<double>()) < 1e-9);
    }
    QVERIFY(table->index(2, QuantizationMetricModel::Metric).data().toString().contains(QStringLiteral("perplexity")));
    // Changing the text leaves the image results current.
    controls().setDataPath(fixture(QStringLiteral("images/folder")));
    QCOMPARE(window_->quantizationStatus(ids[0]).state, ResultStatus::State::Current);
    QCOMPARE(window_->quantizationStatus(ids[2]).state, ResultStatus::State::Stale);
  }

  // The settings row's "ViT reference-compat" is hopscope-cli quantize --vit-quant-mode
  // reference-compat: enabled only with an image model loaded, the same numbers as the CLI's, kept
  // in workspaces.
  void referenceCompatQuantizesAsTheCli() {
    QCheckBox* compat = controls().referenceCompatBox();
    QVERIFY(!compat->isEnabled());
    QVERIFY(compat->toolTip().contains(QStringLiteral("--vit-quant-mode reference-compat")));
    const int bert = window_->openModel(model(QStringLiteral("bert-tiny")));
    QVERIFY(waitForJobs());
    QVERIFY(!compat->isEnabled());  // text models only
    const std::vector<int> ids = {window_->openModel(model(QStringLiteral("vit-tiny-hf"))),
                                  window_->openModel(model(QStringLiteral("vit-tiny-timm-gated")))};
    QVERIFY(waitForJobs());
    QVERIFY(compat->isEnabled());
    QVERIFY(window_->showView(QStringLiteral("quantization")));
    QVERIFY(waitForJobs());
    QAbstractItemModel* table = window_->quantizationView()->metricModel();
    QCOMPARE(table->rowCount(), 3);  // bert-tiny, then the two ViTs
    const auto quantized = [table](int row) {
      return table->index(row, QuantizationMetricModel::Quantized).data(QuantizationMetricModel::ValueRole).toDouble();
    };
    QVERIFY(!table->index(1, QuantizationMetricModel::Settings).data().toString().contains(QStringLiteral("reference")));
    // Ticking it makes the image results stale, not the text model's.
    QTest::mouseClick(compat, Qt::LeftButton, {}, QPoint(8, compat->height() / 2));
    QVERIFY(compat->isChecked());
    QCOMPARE(window_->quantizationStatus(ids[0]).state, ResultStatus::State::Stale);
    QVERIFY(window_->quantizationStatus(ids[0]).note.contains(QStringLiteral("reference-compat")));
    QCOMPARE(window_->quantizationStatus(bert).state, ResultStatus::State::Current);
    window_->quantizeModels();
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    const QuantizationRequest request;
    const nlohmann::json cli = cliJson(QStringLiteral("quantize"),
                                       {QStringLiteral("--calib-batches"), QString::number(request.calibrationBatches),
                                        QStringLiteral("--vit-quant-mode"), QStringLiteral("reference-compat")});
    QVERIFY(!cli.is_null());
    for (int row = 1; row <= 2; ++row) {
      // The result says which block it quantized.
      QVERIFY(table->index(row, QuantizationMetricModel::Settings).data().toString().contains(QStringLiteral("reference-compat")));
      const nlohmann::json& written = cli["models"][static_cast<size_t>(row - 1)];
      QCOMPARE(written["quantization"]["block_mode"].get<std::string>(), std::string("reference-compat"));
      const double fp = table->index(row, QuantizationMetricModel::Fp).data(QuantizationMetricModel::ValueRole).toDouble();
      QVERIFY2(std::abs(fp - written["metric"]["fp"].get<double>()) < 1e-9, qPrintable(QString::number(fp)));
      QVERIFY2(std::abs(quantized(row) - written["metric"]["quantized"].get<double>()) < 1e-9,
               qPrintable(QStringLiteral("shown %1, CLI %2").arg(quantized(row)).arg(written["metric"]["quantized"].get<double>())));
      QVERIFY(!table->index(0, QuantizationMetricModel::Settings).data().toString().contains(QStringLiteral("reference")));
    }
    QVERIFY(window_->currentWorkspace().evaluation.referenceCompat);
    // Saved in a workspace and read back.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("workspace.json"));
    QVERIFY(window_->saveWorkspace(path));
    QVERIFY(readWorkspace(path).evaluation.referenceCompat);
    compat->setChecked(false);
    QVERIFY(window_->openWorkspace(path));
    QVERIFY(compat->isChecked());
  }

  void anUnreadableImageSourceIsAnError() {
    window_->openModel(model(QStringLiteral("vit-tiny-hf")));
    const int bert = window_->openModel(model(QStringLiteral("bert-tiny")));
    QVERIFY(waitForJobs());
    controls().setImagePath(fixture(QStringLiteral("images/no-such-images-idx3-ubyte.gz")));
    QVERIFY(window_->showView(QStringLiteral("outliers")));
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QVERIFY2(window_->errorText().contains(QStringLiteral("no-such-images")), qPrintable(window_->errorText()));
    QVERIFY2(!window_->errorText().trimmed().contains(QLatin1Char('\n')), qPrintable(window_->errorText()));
    // The text model was analysed all the same.
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 1);
    QCOMPARE(window_->analysisStatus(bert).state, ResultStatus::State::Current);

    // Evaluating every image leaves none to calibrate on: said so, in one line.
    window_->dismissErrors();
    controls().setImagePath(kImages);
    controls().samplesBox()->setValue(24);
    QVERIFY(window_->showView(QStringLiteral("quantization")));
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QVERIFY2(window_->errorText().contains(QStringLiteral("evaluate fewer")), qPrintable(window_->errorText()));
    QVERIFY2(!window_->errorText().trimmed().contains(QLatin1Char('\n')), qPrintable(window_->errorText()));
    QCOMPARE(window_->quantizationView()->metricModel()->rowCount(), 1);  // bert-tiny
  }
};

int runImageEvaluationTests(int argc, char** argv) {
  ImageEvaluationTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "image_evaluation_test.moc"
