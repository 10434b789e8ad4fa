// QuantizationView on the JSON `hopscope-cli quantize` writes for two fixture models (BERT and
// OPT@softmax1, activation bits 4,6,8): the metric table, the quantizer table (sorting, filters),
// the SQNR and sweep plots hold exactly the JSON's numbers; empty and malformed JSON never crash.
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

#include <qcustomplot.h>

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

nlohmann::json quantizer(const std::string& site, const nlohmann::json& sqnr) {
  return {{"site", site}, {"kind", "activation"}, {"bits", 8}, {"min", -1.0}, {"max", 1.0}, {"scale", 0.0078},
          {"zero_point", 128}, {"clipped_fraction", 0.0}, {"sqnr_db", sqnr}, {"levels_99", 40}, {"values", 10}};
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
  }

  void metricTableHoldsTheJsonFigures() {
    QuantizationView view;
    QAbstractItemModelTester tester(view.metricModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setModels(models_);
    const QAbstractItemModel* metrics = view.metricModel();
    QCOMPARE(metrics->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
      const nlohmann::json& metric = models_[static_cast<size_t>(row)]["metric"];
      const double fp = metric["fp"].get<double>(), quantized = metric["quantized"].get<double>();
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Model).toString(),
               QString::fromStdString(models_[static_cast<size_t>(row)]["name"].get<std::string>()));
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Fp, QuantizationMetricModel::ValueRole).toDouble(), fp);
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Quantized, QuantizationMetricModel::ValueRole).toDouble(),
               quantized);
      QCOMPARE(cell(metrics, row, QuantizationMetricModel::Change, QuantizationMetricModel::ValueRole).toDouble(),
               (quantized / fp - 1.0) * 100.0);
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
    view.setModels(models_);
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      view.modelSelector()->setCurrentIndex(m);
      QCOMPARE(view.quantizerModel()->rowCount(), static_cast<int>(model["quantizers"].size()));
      QCOMPARE(cell(view.quantizerModel(), 0, QuantizerTableModel::Site).toString(),
               QString::fromStdString(model["quantizers"][0]["site"].get<std::string>()));
      QCOMPARE(cell(view.quantizerModel(), 0, QuantizerTableModel::Scale, QuantizerTableModel::SortRole).toDouble(),
               model["quantizers"][0]["scale"].get<double>());

      view.quantizerTable()->sortByColumn(QuantizerTableModel::Sqnr, Qt::AscendingOrder);
      const QAbstractItemModel* shown = view.quantizerTable()->model();
      double lowest = std::numeric_limits<double>::infinity();
      for (const nlohmann::json& q : model["quantizers"])
        if (q["sqnr_db"].is_number()) lowest = std::min(lowest, q["sqnr_db"].get<double>());
      QCOMPARE(cell(shown, 0, QuantizerTableModel::Sqnr, QuantizerTableModel::SortRole).toDouble(), lowest);
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
    nlohmann::json model = {{"name", "hand-made"},
                            {"quantizers", {quantizer("a", 100.0), quantizer("b", 9.5), quantizer("c", nullptr),
                                            quantizer("d", 14.0)}}};
    QuantizationView view;
    view.setModels({model});
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
    view.setModels(models_);
    QCustomPlot* plot = view.sqnrPlot();
    QCOMPARE(plot->graphCount(), 2);
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      QCPGraph* graph = plot->graph(m);
      QCOMPARE(graph->name(), QString::fromStdString(model["name"].get<std::string>()));
      QCOMPARE(graph->dataCount(), finiteSqnrActivations(model));
      const std::vector<nlohmann::json> activations = activationQuantizers(model);
      QCOMPARE(graph->data()->at(0)->value, activations[0]["sqnr_db"].get<double>());
      QCOMPARE(graph->data()->at(graph->dataCount() - 1)->value, activations.back()["sqnr_db"].get<double>());
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
    view.setModels({models_[1]});
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
    view.setModels(models_);
    QCustomPlot* plot = view.sweepPlot();
    QCOMPARE(plot->graphCount(), 4);  // per model: the sweep, the dashed FP line
    for (int m : {0, 1}) {
      const nlohmann::json& model = models_[static_cast<size_t>(m)];
      QCPGraph* sweep = plot->graph(2 * m);
      QCOMPARE(sweep->dataCount(), 3);
      for (int i = 0; i < 3; ++i) {
        QCOMPARE(sweep->data()->at(i)->key, model["sweep"][static_cast<size_t>(i)]["abits"].get<double>());
        QCOMPARE(sweep->data()->at(i)->value, model["sweep"][static_cast<size_t>(i)]["quantized"]["value"].get<double>());
      }
      QCPGraph* fp = plot->graph(2 * m + 1);
      QCOMPARE(fp->pen().style(), Qt::DashLine);
      QCOMPARE(fp->data()->at(0)->value, model["metric"]["fp"].get<double>());
    }
    QCOMPARE(plot->xAxis->label(), QStringLiteral("activation bits"));
    QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);  // both metrics are perplexities
    view.tabs()->setCurrentWidget(plot);
    QCOMPARE(view.currentPlot(), plot);
    view.tabs()->setCurrentIndex(0);
    QCOMPARE(view.currentPlot(), view.sqnrPlot());
  }

  void withoutASweepTheTabSaysSo() {
    nlohmann::json model = models_[0];
    model["sweep"] = nlohmann::json::array({model["sweep"][0]});
    QuantizationView view;
    view.setModels({model});
    QCOMPARE(view.sweepPlot()->graphCount(), 0);
    QCOMPARE(view.sweepPlot()->itemCount(), 1);
    auto* message = qobject_cast<QCPItemText*>(view.sweepPlot()->item(0));
    QVERIFY(message && message->text().contains(QStringLiteral("one configuration")));
  }

  void emptyShowsThePlaceholder() {
    QuantizationView view;
    QVERIFY(view.placeholder()->isVisibleTo(&view));
    view.setModels(models_);
    QVERIFY(!view.placeholder()->isVisibleTo(&view));
    view.setModels({});
    QVERIFY(view.placeholder()->isVisibleTo(&view));
    QCOMPARE(view.metricModel()->rowCount(), 0);
    QCOMPARE(view.quantizerModel()->rowCount(), 0);
    QCOMPARE(view.sqnrPlot()->graphCount(), 0);
    QCOMPARE(view.sweepPlot()->graphCount(), 0);
  }

  void malformedJsonDoesNotCrash() {
    nlohmann::json floatOnly = {{"name", "all float"},
                                {"metric", {{"name", "accuracy"}, {"fp", 0.5}}},
                                {"quantizers", {{{"site", "w"}, {"kind", "weight"}, {"sqnr_db", nullptr}}, nlohmann::json{}}},
                                {"sweep", {{{"wbits", 8}}, {{"abits", "x"}}, 3}}};
    const std::vector<nlohmann::json> odd = {nlohmann::json::object(), nlohmann::json(42),
                                             {{"name", 7}, {"metric", 3}, {"quantizers", "none"}, {"sweep", "none"}},
                                             floatOnly};
    QuantizationView view;
    QAbstractItemModelTester metricTester(view.metricModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester quantizerTester(view.quantizerModel(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setModels(odd);
    QCOMPARE(view.metricModel()->rowCount(), 4);
    QCOMPARE(cell(view.metricModel(), 3, QuantizationMetricModel::Quantized).toString(), QString());
    QCOMPARE(cell(view.metricModel(), 3, QuantizationMetricModel::Change).toString(), QString());
    for (int m = 0; m < 4; ++m) view.modelSelector()->setCurrentIndex(m);
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
    view.setModels(models_);
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
  }

 private:
  QTemporaryDir dir_;
  std::vector<nlohmann::json> models_;
};

int runQuantizationViewTests(int argc, char** argv) {
  QuantizationViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "quantization_view_test.moc"
