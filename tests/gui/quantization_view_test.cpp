// QuantizationView on the engine's quantization studies of two fixture models (BERT and
// OPT@softmax1, activation bits 4,6,8), checked against the JSON `hopscope-cli quantize` writes for
// the same settings in another process: the metric table, the quantizer table (sorting, filters),
// the SQNR and sweep plots hold the CLI's numbers; empty results and gaps never crash.
// HOPSCOPE_QUANTVIEW_SCREENSHOTS=DIR also saves a picture of each tab there.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include <qcustomplot.h>

#include "hopscope/bundled_resources.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"
#include "plots/figure_plot.h"
#include "views/quantization_metric_model.h"
#include "views/quantization_view.h"
#include "views/quantizer_table_model.h"

namespace {

const QString kModels = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/");

std::vector<nlohmann::json> activationQuantizers(const nlohmann::json& model) {
  std::vector<nlohmann::json> result;
  for (const nlohmann::json& q : model["quantizers"])
    if (q["kind"] == "activation") result.push_back(q);
  return result;
}

int finiteSqnrActivations(const nlohmann::json& model) {
  int count = 0;
  for (const nlohmann::json& q : activationQuantizers(model)) count += q["sqnr_db"].is_number() ? 1 : 0;
  return count;
}

QVariant cell(const QAbstractItemModel* model, int row, int column, int role = Qt::DisplayRole) {
  return model->index(row, column).data(role);
}

hopscope::QuantizerSummary quantizer(const std::string& site, double sqnr) {
  hopscope::QuantizerSummary q;
  q.site = site;
  q.kind = "activation";
  q.bits = 8;
  q.min = -1.0;
  q.max = 1.0;
  q.scale = 0.0078;
  q.zeroPoint = 128;
  q.sqnrDb = sqnr;
  q.levels99 = 40;
  q.values = 10;
  return q;
}

// Equal up to float32 rounding: the CLI's process runs the forward on another number of threads,
// which changes the summation order (measured: 1.3e-8 relative on these perplexities).
bool close(double a, double b) {
  const bool ok = std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b));
  if (!ok) qWarning("%.17g vs %.17g", a, b);
  return ok;
}

}  // namespace

class QuantizationViewTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    if (!QFileInfo::exists(kModels + "bert-tiny/config.json") || !QFileInfo::exists(kModels + "opt-tiny/config.json"))
      QSKIP("fixtures bert-tiny / opt-tiny missing");
    QVERIFY(dir_.isValid());
    const QString json = dir_.filePath(QStringLiteral("q.json"));
    QProcess cli;
    cli.start(QStringLiteral(HOPSCOPE_CLI_BINARY),
              {QStringLiteral("quantize"), kModels + "bert-tiny", kModels + "opt-tiny@softmax1", QStringLiteral("--samples"),
               QStringLiteral("4"), QStringLiteral("--seq-len"), QStringLiteral("16"), QStringLiteral("--calib-batches"),
               QStringLiteral("1"), QStringLiteral("--abits"), QStringLiteral("4,6,8"), QStringLiteral("--json"), json});
    QVERIFY(cli.waitForFinished(300000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    QFile file(json);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const nlohmann::json all = nlohmann::json::parse(file.readAll().toStdString());
    for (const nlohmann::json& model : all["models"]) models_.push_back(model);
    QCOMPARE(models_.size(), size_t{2});

    // The same study in this process: what the view shows.
    hopscope::QuantizationSweepSettings settings;
    settings.activationBits = {4, 6, 8};
    settings.evaluation.samples = 4;
    settings.evaluation.seqLen = 16;
    settings.calibrationBatches = 1;
    const hopscope::TextCorpus data = hopscope::readTextCorpus(hopscope::requireBundledFile(hopscope::kBundledEvalText, "--data"));
    const hopscope::TextCorpus calibration =
        hopscope::readTextCorpus(hopscope::requireBundledFile(hopscope::kBundledTrainText, "--calib"));
    for (const QString& argument : {kModels + "bert-tiny", kModels + "opt-tiny@softmax1"})
      studies_.push_back(std::make_shared<const hopscope::QuantizationStudy>(hopscope::runQuantizationStudy(
          *hopscope::LoadedModel::open(argument.toStdString()), data, calibration, settings)));
  }

  void metricTableHoldsTheJsonFigures() {
    QuantizationView view;
    QAbstractItemModelTester tester(view.metricModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setModels(studies_);
    const QAbstractItemModel* metrics = view.metricModel();
    QCOMPARE(metrics->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
      const nlohmann::json& metric = models_[static_cast<size_t>(row)]["metric"];
      const double fp = metric["fp"].get<double>(), quantized = metric["quantized"].get<double>();
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Model).toString(),
               QString::fromStdString(models_[static_cast<size_t>(row)]["name"].get<std::string>()));
      QVERIFY(close(cell(metrics, row, QuantizationMetricModel::Fp, QuantizationMetricModel::ValueRole).toDouble(), fp));
      QVERIFY(close(cell(metrics, row, QuantizationMetricModel::Quantized, QuantizationMetricModel::ValueRole).toDouble(),
                    quantized));
      QVERIFY(close(cell(metrics, row, QuantizationMetricModel::Change, QuantizationMetricModel::ValueRole).toDouble(),
                    (quantized / fp - 1.0) * 100.0));
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Bits).toString(), QStringLiteral("W8A4"));
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Estimator).toString(), QStringLiteral("running"));
    }
    QCOMPARE(cell(metrics, 0, QuantizationMetricModel::Metric).toString(), QStringLiteral("masked lm perplexity"));
    QCOMPARE(metrics->headerData(QuantizationMetricModel::Quantized, Qt::Horizontal).toString(),
             QStringLiteral("Quantized W8A4"));
    QVERIFY(!metrics->headerData(QuantizationMetricModel::Change, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(!view.placeholder()->isVisibleTo(&view));
  }

  void quantizerTableListsTheSelectedModelAndSortsNumerically() {
    QuantizationView view;
    QAbstractItemModelTester sourceTester(view.quantizerModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(view.quantizerTable()->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setModels(studies_);
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      view.modelSelector()->setCurrentIndex(m);
      QCOMPARE(view.quantizerModel()->rowCount(), static_cast<int>(model["quantizers"].size()));
      QCOMPARE(cell(view.quantizerModel(), 0, QuantizerTableModel::Site).toString(),
               QString::fromStdString(model["quantizers"][0]["site"].get<std::string>()));
      QVERIFY(close(cell(view.quantizerModel(), 0, QuantizerTableModel::Scale, QuantizerTableModel::SortRole).toDouble(),
                    model["quantizers"][0]["scale"].get<double>()));

      view.quantizerTable()->sortByColumn(QuantizerTableModel::Sqnr, Qt::AscendingOrder);
      const QAbstractItemModel* shown = view.quantizerTable()->model();
      double lowest = std::numeric_limits<double>::infinity();
      for (const nlohmann::json& q : model["quantizers"])
        if (q["sqnr_db"].is_number()) lowest = std::min(lowest, q["sqnr_db"].get<double>());
      QVERIFY(close(cell(shown, 0, QuantizerTableModel::Sqnr, QuantizerTableModel::SortRole).toDouble(), lowest));
      for (int row = 1; row < shown->rowCount(); ++row)
        QVERIFY(cell(shown, row - 1, QuantizerTableModel::Sqnr, QuantizerTableModel::SortRole).toDouble() <=
                cell(shown, row, QuantizerTableModel::Sqnr, QuantizerTableModel::SortRole).toDouble());

      view.kindFilter()->setCurrentIndex(view.kindFilter()->findData(QStringLiteral("activation")));
      QCOMPARE(shown->rowCount(), static_cast<int>(activationQuantizers(model).size()));
      view.siteFilter()->setText(QStringLiteral("SCORES"));  // one scores site per layer, case-insensitive
      QCOMPARE(shown->rowCount(), 2);
      view.siteFilter()->clear();
      view.kindFilter()->setCurrentIndex(0);
      QCOMPARE(shown->rowCount(), static_cast<int>(model["quantizers"].size()));
    }
  }

  void sqnrSortIsNumericWithExactLast() {
    hopscope::QuantizationStudy model;
    model.info.name = "hand-made";
    model.quantizers = {quantizer("a", 100.0), quantizer("b", 9.5),
                        quantizer("c", std::numeric_limits<double>::infinity()), quantizer("d", 14.0)};
    QuantizationView view;
    view.setModels({std::make_shared<const hopscope::QuantizationStudy>(model)});
    view.quantizerTable()->sortByColumn(QuantizerTableModel::Sqnr, Qt::AscendingOrder);
    const QAbstractItemModel* shown = view.quantizerTable()->model();
    QStringList order, sqnr;
    for (int row = 0; row < shown->rowCount(); ++row) {
      order << cell(shown, row, QuantizerTableModel::Site).toString();
      sqnr << cell(shown, row, QuantizerTableModel::Sqnr).toString();
    }
    QCOMPARE(order, (QStringList{"b", "d", "a", "c"}));  // as text "100.0" would sort before "14.0" and "9.5"
    QCOMPARE(sqnr, (QStringList{"9.5", "14.0", "100.0", "exact"}));
    QCOMPARE(cell(shown, 0, QuantizerTableModel::Levels).toString(), QStringLiteral("40 / 256"));
    // Three finite SQNRs: three points; the exact site is not drawn.
    QCOMPARE(view.sqnrPlot()->graphCount(), 1);
    QCOMPARE(view.sqnrPlot()->graph(0)->dataCount(), 3);
    QCOMPARE(view.sqnrPlot()->graph(0)->data()->at(2)->key, 3.0);  // site index of "d"
  }

  void sqnrPlotHasOneGraphPerModelWithEveryFiniteSite() {
    QuantizationView view;
    view.resize(1200, 800);
    view.setModels(studies_);
    QCustomPlot* plot = view.sqnrPlot();
    QCOMPARE(plot->graphCount(), 2);
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      QCPGraph* graph = plot->graph(m);
      QCOMPARE(graph->name(), QString::fromStdString(model["name"].get<std::string>()));
      QCOMPARE(graph->dataCount(), finiteSqnrActivations(model));
      const std::vector<nlohmann::json> activations = activationQuantizers(model);
      QVERIFY(close(graph->data()->at(0)->value, activations[0]["sqnr_db"].get<double>()));
      QVERIFY(close(graph->data()->at(graph->dataCount() - 1)->value, activations.back()["sqnr_db"].get<double>()));
    }
    // Hovering the first point of the OPT graph names its site.
    view.tabs()->setCurrentWidget(plot);
    QCOMPARE(view.currentPlot(), plot);
    plot->resize(900, 500);
    plot->replot();
    QCPGraph* opt = plot->graph(1);
    const QPoint first(qRound(plot->xAxis->coordToPixel(opt->data()->at(0)->key)),
                       qRound(plot->yAxis->coordToPixel(opt->data()->at(0)->value)));
    const QString site = QString::fromStdString(activationQuantizers(models_[1])[0]["site"].get<std::string>());
    QVERIFY2(view.sqnrPlot()->hoverText(first).contains(site), qPrintable(view.sqnrPlot()->hoverText(first)));
    QVERIFY(view.sqnrPlot()->hoverText(QPoint(2, 2)).isEmpty());
  }

  void oneModelNamesItsSitesOnTheAxis() {
    QuantizationView view;
    view.setModels({studies_[1]});
    auto ticker = view.sqnrPlot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().size(), static_cast<int>(activationQuantizers(models_[1]).size()));
    // model.decoder.layers.0.self_attn_layer_norm.input, ....layers.1.self_attn.q_proj, ...final_layer_norm
    QCOMPARE(ticker->ticks().first(), QStringLiteral("L0 self_attn_layer_norm.input"));
    QCOMPARE(ticker->ticks().last(), QStringLiteral("final_layer_norm"));
    QVERIFY(ticker->ticks().values().contains(QStringLiteral("L1 output")));  // model.decoder.layers.1
    QVERIFY(ticker->ticks().values().contains(QStringLiteral("L1 self_attn.q_proj")));
    const QString outside = qEnvironmentVariable("HOPSCOPE_QUANTVIEW_SCREENSHOTS");
    if (!outside.isEmpty()) {
      view.resize(1280, 820);
      view.tabs()->setCurrentWidget(view.sqnrPlot());
      QVERIFY(view.grab().save(outside + QStringLiteral("/view-one-model-sqnr.png")));
    }
  }

  void sweepPlotHoldsEverySweepPointAndTheFpLine() {
    QuantizationView view;
    view.setModels(studies_);
    QCustomPlot* plot = view.sweepPlot();
    QCOMPARE(plot->graphCount(), 4);  // per model: the sweep, the dashed FP line
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      QCPGraph* sweep = plot->graph(2 * m);
      QCOMPARE(sweep->dataCount(), 3);
      for (int i = 0; i < 3; ++i) {
        QCOMPARE(sweep->data()->at(i)->key, model["sweep"][static_cast<size_t>(i)]["abits"].get<double>());
        QVERIFY(close(sweep->data()->at(i)->value, model["sweep"][static_cast<size_t>(i)]["quantized"]["value"].get<double>()));
      }
      QCPGraph* fp = plot->graph(2 * m + 1);
      QCOMPARE(fp->pen().style(), Qt::DashLine);
      QVERIFY(close(fp->data()->at(0)->value, model["metric"]["fp"].get<double>()));
    }
    QCOMPARE(plot->xAxis->label(), QStringLiteral("activation bits"));
    QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);  // both metrics are perplexities
    view.tabs()->setCurrentWidget(plot);
    QCOMPARE(view.currentPlot(), plot);
    view.tabs()->setCurrentIndex(0);
    QCOMPARE(view.currentPlot(), view.sqnrPlot());
  }

  void withoutASweepTheTabSaysSo() {
    hopscope::QuantizationStudy model = *studies_[0];
    model.sweep.resize(1);
    QuantizationView view;
    view.setModels({std::make_shared<const hopscope::QuantizationStudy>(model)});
    QCOMPARE(view.sweepPlot()->graphCount(), 0);
    QCOMPARE(view.sweepPlot()->itemCount(), 1);
    auto* message = qobject_cast<QCPItemText*>(view.sweepPlot()->item(0));
    QVERIFY(message && message->text().contains(QStringLiteral("one configuration")));
  }

  void emptyShowsThePlaceholder() {
    QuantizationView view;
    QVERIFY(view.placeholder()->isVisibleTo(&view));
    view.setModels(studies_);
    QVERIFY(!view.placeholder()->isVisibleTo(&view));
    view.setModels({});
    QVERIFY(view.placeholder()->isVisibleTo(&view));
    QCOMPARE(view.metricModel()->rowCount(), 0);
    QCOMPARE(view.quantizerModel()->rowCount(), 0);
    QCOMPARE(view.sqnrPlot()->graphCount(), 0);
    QCOMPARE(view.sweepPlot()->graphCount(), 0);
  }

  void resultsWithGapsDoNotCrash() {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    hopscope::QuantizationStudy floatOnly;
    floatOnly.info.name = "all float";
    floatOnly.fp = {"accuracy", 0.5, kNaN, 10};
    floatOnly.main.metric = {"accuracy", kNaN, kNaN, 0};
    hopscope::QuantizerSummary weight = quantizer("w", std::numeric_limits<double>::infinity());
    weight.kind = "weight";
    floatOnly.quantizers = {weight, quantizer("nan", kNaN)};
    floatOnly.sweep = {floatOnly.main, floatOnly.main};  // two runs without a metric: no sweep to draw
    const std::vector<hopscope::QuantizationStudyPtr> odd = {
        std::make_shared<const hopscope::QuantizationStudy>(), nullptr,
        std::make_shared<const hopscope::QuantizationStudy>(floatOnly)};
    QuantizationView view;
    QAbstractItemModelTester metricTester(view.metricModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester quantizerTester(view.quantizerModel(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setModels(odd);
    QCOMPARE(view.metricModel()->rowCount(), 2);
    QCOMPARE(cell(view.metricModel(), 0, QuantizationMetricModel::Model).toString(), QStringLiteral("model 1"));
    QCOMPARE(cell(view.metricModel(), 1, QuantizationMetricModel::Quantized).toString(), QString());
    QCOMPARE(cell(view.metricModel(), 1, QuantizationMetricModel::Change).toString(), QString());
    for (int m = 0; m < 2; ++m) view.modelSelector()->setCurrentIndex(m);
    QCOMPARE(view.quantizerModel()->rowCount(), 2);
    QCOMPARE(cell(view.quantizerModel(), 0, QuantizerTableModel::Sqnr).toString(), QStringLiteral("exact"));
    view.quantizerTable()->sortByColumn(QuantizerTableModel::Min, Qt::DescendingOrder);
    QCOMPARE(view.sqnrPlot()->graphCount(), 0);
    QCOMPARE(view.sweepPlot()->graphCount(), 0);
    view.resize(800, 600);
    QVERIFY(!view.grab().isNull());
  }

  void screenshotOfEveryTab() {
    QuantizationView view;
    view.resize(1280, 820);
    view.setModels(studies_);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QString outside = qEnvironmentVariable("HOPSCOPE_QUANTVIEW_SCREENSHOTS");
    for (int tab = 0; tab < view.tabs()->count(); ++tab) {
      view.tabs()->setCurrentIndex(tab);
      QCoreApplication::processEvents();
      const QImage image = view.grab().toImage();
      QCOMPARE(image.size(), QSize(1280, 820));
      if (!outside.isEmpty()) QVERIFY(image.save(QStringLiteral("%1/view-%2.png").arg(outside).arg(tab)));
    }
    // The quantizer table's site column takes the width the other columns leave (at least 300).
    view.tabs()->setCurrentIndex(0);
    QTableView* table = view.quantizerTable();
    const auto columnsWidth = [table] {
      int width = 0;
      for (int c = 0; c < table->horizontalHeader()->count(); ++c) width += table->horizontalHeader()->sectionSize(c);
      return width;
    };
    QVERIFY(QTest::qWaitFor([&] { return columnsWidth() == table->viewport()->width(); }, 2000));
    QVERIFY(table->horizontalHeader()->sectionSize(QuantizerTableModel::Site) > 300);
    view.resize(1600, 820);
    QVERIFY(QTest::qWaitFor([&] { return columnsWidth() == table->viewport()->width(); }, 2000));
    view.resize(500, 820);  // narrow: the site keeps 300 and the table scrolls
    QVERIFY(QTest::qWaitFor([&] { return table->horizontalHeader()->sectionSize(QuantizerTableModel::Site) == 300; }, 2000));
  }

 private:
  QTemporaryDir dir_;
  std::vector<nlohmann::json> models_;                    // as the CLI wrote them: the expectations
  std::vector<hopscope::QuantizationStudyPtr> studies_;  // the same studies in this process: what is shown
};

int runQuantizationViewTests(int argc, char** argv) {
  QuantizationViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "quantization_view_test.moc"
