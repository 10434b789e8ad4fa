// OutlierView and OutlierSummaryModel on the analysis JSON of the two fixture models (bert-tiny and
// opt-tiny@softmax1), made by the engine itself (analyzeModel + analysisJson) so nothing goes
// stale: the table cells, the per-layer points and the histogram fractions are checked against the
// JSON numbers read back independently, and hand-made JSON checks bins, notes and malformed input.
#include <ATen/ATen.h>  // before Qt: hand-made statistics need tensors

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QTabWidget>
#include <QTableView>
#include <QLineEdit>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include <qcustomplot.h>

#include "hopscope/outlier_analysis.h"
#include "hopscope/result_json.h"
#include "hopscope/loaded_model.h"
#include "hopscope/text_corpus.h"
#include "plots/figure_plot.h"
#include "views/outlier_summary_model.h"
#include "views/module_table_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_view.h"

using nlohmann::json;

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name; }

// printf's %.4g: the table's "4 significant digits", computed another way than QString::number.
QString fourDigits(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4g", value);
  return QString::fromLatin1(text);
}

const json& moduleNamed(const json& model, const std::string& name) {
  for (const json& module : model.at("modules"))
    if (module.at("name") == name) return module;
  throw std::runtime_error("no module " + name);
}

// The (non-NaN) y values of a graph, in key order.
QVector<double> drawnValues(const QCPGraph* graph) {
  QVector<double> values;
  for (auto point = graph->data()->constBegin(); point != graph->data()->constEnd(); ++point)
    if (!std::isnan(point->value)) values << point->value;
  return values;
}

}  // namespace

class OutlierViewTest : public QObject {
  Q_OBJECT
  std::vector<hopscope::ModelAnalysisPtr> results_;  // bert-tiny, opt-tiny@softmax1: what the view shows
  std::vector<json> models_;  // the same results as the CLI writes them: what the tests expect

  OutlierSummaryModel* table(OutlierView& view) { return view.summaryModel(); }
  QString cell(OutlierView& view, int row, const QString& key) {
    const int column = view.summaryModel()->columnOf(key);
    return column < 0 ? QStringLiteral("<no column>") : view.summaryModel()->index(row, column).data().toString();
  }

 private slots:
  void initTestCase() {
    for (const char* name : {"bert-tiny", "opt-tiny"})
      if (!QFileInfo::exists(fixture(QString::fromLatin1(name)) + "/config.json"))
        QSKIP("fixture models missing");
    hopscope::AnalysisSettings settings;
    settings.samples = 4;
    settings.seqLen = 16;
    settings.batch = 4;
    const hopscope::TextCorpus corpus =
        hopscope::readTextCorpus(HOPSCOPE_RESOURCES_DIR "/corpora/moby-dick-eval.txt");
    std::vector<hopscope::ModelAnalysis> analyses;
    for (const QString& argument : {fixture("bert-tiny"), fixture("opt-tiny") + "@softmax1"})
      analyses.push_back(hopscope::analyzeModel(*hopscope::LoadedModel::open(argument.toStdString()),
                                                corpus, settings));
    for (const hopscope::ModelAnalysis& analysis : analyses)
      results_.push_back(std::make_shared<const hopscope::ModelAnalysis>(analysis));
    const json document = hopscope::analysisJson(analyses);
    for (const json& model : document.at("models")) models_.push_back(model);
    QCOMPARE(models_.size(), size_t{2});
  }

  void modulesTabListsEveryModuleAndLocatesTheLargestValue() {
    OutlierView view;
    view.setModels(results_);
    ModuleTablePanel* panel = view.modulesPanel();
    QAbstractItemModelTester tester(panel->tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(panel->filterModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const json& modules = models_[0].at("modules");
    QCOMPARE(panel->tableModel()->rowCount(), static_cast<int>(modules.size()));

    // A row's figures and the token text are the JSON's.
    ModuleTableModel* table = panel->tableModel();
    int found = 0;
    for (int row = 0; row < table->rowCount(); ++row) {
      const json& module = modules.at(static_cast<size_t>(row));
      QCOMPARE(table->index(row, ModuleTableModel::Module).data().toString(),
               QString::fromStdString(module.at("name").get<std::string>()));
      if (module.at("name") != "bert.encoder.layer.1.output.dense") continue;
      ++found;
      const json& where = module.at("max_abs");
      QCOMPARE(table->index(row, ModuleTableModel::MaxAbs).data(ModuleTableModel::ValueRole).toDouble(),
               where.at("value").get<double>());
      QCOMPARE(table->index(row, ModuleTableModel::Kurtosis).data(ModuleTableModel::ValueRole).toDouble(),
               module.at("kurtosis").get<double>());
      QCOMPARE(table->index(row, ModuleTableModel::Channel).data().toString(),
               QString::number(where.at("channel").get<int>()));
      const QString token = table->index(row, ModuleTableModel::Token).data().toString();
      QVERIFY2(token.contains(QString::fromStdString(where.at("token_text").get<std::string>())), qPrintable(token));
      QVERIFY2(token.contains(QStringLiteral("sample %1, position %2")
                                  .arg(where.at("sample").get<int>())
                                  .arg(where.at("token").get<int>())),
               qPrintable(token));
    }
    QCOMPARE(found, 1);

    // Sorting by Max |x| puts the largest value of the whole model first.
    double largest = 0;
    for (const json& module : modules) largest = std::max(largest, module.at("max_abs").at("value").get<double>());
    panel->table()->sortByColumn(ModuleTableModel::MaxAbs, Qt::DescendingOrder);
    QCOMPARE(panel->filterModel()->index(0, ModuleTableModel::MaxAbs).data(ModuleTableModel::ValueRole).toDouble(),
             largest);

    // The name filter, then the other model.
    panel->nameFilter()->setText(QStringLiteral("OUTPUT.DENSE"));
    int expected = 0;
    for (const json& module : modules)
      expected += QString::fromStdString(module.at("name").get<std::string>()).contains(QStringLiteral("output.dense"));
    QCOMPARE(panel->filterModel()->rowCount(), expected);
    panel->nameFilter()->clear();
    panel->modelSelector()->setCurrentIndex(1);
    QCOMPARE(table->rowCount(), static_cast<int>(models_[1].at("modules").size()));

    view.plotTabs()->setCurrentIndex(2);
    QVERIFY(view.currentPlot() == nullptr);  // a table: nothing to export
    if (qEnvironmentVariableIsSet("HOPSCOPE_VIEW_SCREENSHOTS")) {  // to look at it by hand
      view.resize(1300, 800);
      panel->modelSelector()->setCurrentIndex(0);
      view.grab().save(qEnvironmentVariable("HOPSCOPE_VIEW_SCREENSHOTS") + QStringLiteral("/modules.png"));
      view.plotTabs()->setCurrentIndex(1);
      view.grab().save(qEnvironmentVariable("HOPSCOPE_VIEW_SCREENSHOTS") + QStringLiteral("/histogram.png"));
    }
    view.setModels({});
    QCOMPARE(table->rowCount(), 0);
  }

  void layerFiguresSelectEachFamilysModulesByRole() {
    QCOMPARE(layerFigureRole(LayerFigure::BlockKurtosis), hopscope::SiteRole::BlockOutput);
    QCOMPARE(layerFigureRole(LayerFigure::FfnInfNorm), hopscope::SiteRole::FfnOutput);
    // The families' tap-site tables name the protocol's modules (science.md section 5).
    QCOMPARE(results_[0]->module(hopscope::SiteRole::BlockOutput, 1)->name,
             std::string("bert.encoder.layer.1.output.LayerNorm"));
    QCOMPARE(results_[0]->module(hopscope::SiteRole::FfnOutput, 0)->name, std::string("bert.encoder.layer.0.output.dense"));
    QCOMPARE(results_[1]->module(hopscope::SiteRole::BlockOutput, 1)->name, std::string("model.decoder.layers.1"));
    QCOMPARE(results_[1]->module(hopscope::SiteRole::FfnOutput, 1)->name, std::string("model.decoder.layers.1.fc2"));
    QVERIFY(results_[1]->module(hopscope::SiteRole::FfnOutput, 2) == nullptr);
  }

  void summaryTableHasOneRowPerModelWithFormattedFigures() {
    OutlierView view;
    view.setModels(results_);
    OutlierSummaryModel* model = table(view);
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(0, 0).data().toString(), QString::fromStdString(models_[0].at("name")));
    QCOMPARE(model->index(1, 0).data().toString(), QString::fromStdString(models_[1].at("name")));
    // Fixed order: name, the metrics, avg / max kurtosis, max inf-norm, then family figures.
    QCOMPARE(model->columnKey(0), QStringLiteral("model"));
    QCOMPARE(model->columnKey(1), QStringLiteral("metric:masked_lm_perplexity"));
    QCOMPARE(model->columnKey(2), QStringLiteral("metric:causal_lm_perplexity"));
    QCOMPARE(model->columnKey(3), QStringLiteral("summary:avg_kurtosis"));
    QCOMPARE(model->columnKey(4), QStringLiteral("summary:max_kurtosis"));
    QCOMPARE(model->columnKey(5), QStringLiteral("summary:max_inf_norm"));
    QCOMPARE(model->headerData(1, Qt::Horizontal).toString().simplified(), QStringLiteral("MLM perplexity"));
    for (int row = 0; row < 2; ++row) {
      const json& summary = models_[static_cast<size_t>(row)].at("summary");
      QCOMPARE(cell(view, row, "summary:avg_kurtosis"), fourDigits(summary.at("avg_kurtosis").get<double>()));
      QCOMPARE(cell(view, row, "summary:max_inf_norm"), fourDigits(summary.at("max_inf_norm").get<double>()));
    }
    QCOMPARE(cell(view, 0, "metric:masked_lm_perplexity"),
             fourDigits(models_[0].at("metric").at("value").get<double>()));
    QCOMPARE(cell(view, 1, "metric:causal_lm_perplexity"),
             fourDigits(models_[1].at("metric").at("value").get<double>()));
    QCOMPARE(cell(view, 0, "metric:causal_lm_perplexity"), QString());  // BERT has no causal LM figure
    QCOMPARE(cell(view, 1, "summary:max_ln_input_inf_norm"), QString());  // a BERT-only figure
    QCOMPARE(cell(view, 0, "summary:max_block_inf_norm"), QString());     // an OPT-only figure
    QVERIFY(!model->headerData(3, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    QCOMPARE(model->index(0, 3).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::AlignRight | Qt::AlignVCenter);
  }

  void summaryModelPassesTheModelTester() {
    OutlierSummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setModels(results_);
    model.setModels({results_[1]});
    model.setModels({});
    model.setModels(results_);
    QCOMPARE(model.rowCount(), 2);
  }

  void layerPlotHasOneGraphPerModelWithTheJsonKurtosis() {
    OutlierView view;
    view.setModels(results_);
    QCustomPlot* plot = view.layerPlot();
    QCOMPARE(view.layerFigureSelector()->currentText(), QStringLiteral("Kurtosis of block outputs"));
    QCOMPARE(plot->graphCount(), 2);
    QCOMPARE(plot->graph(0)->name(), QString::fromStdString(models_[0].at("name")));
    const char* blocks[2] = {"bert.encoder.layer.%1.output.LayerNorm", "model.decoder.layers.%1"};
    for (int m = 0; m < 2; ++m) {
      const QCPGraph* graph = plot->graph(m);
      QCOMPARE(graph->data()->size(), 2);
      for (int layer = 0; layer < 2; ++layer) {
        const json& module = moduleNamed(models_[m], QString::fromLatin1(blocks[m]).arg(layer).toStdString());
        QCOMPARE(graph->data()->at(layer)->key, double(layer));
        QCOMPARE(graph->data()->at(layer)->value, module.at("kurtosis").get<double>());
      }
    }
    QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(plot->yAxis->label().contains("kurtosis"));
    QCOMPARE(plot->xAxis->label(), QStringLiteral("layer"));
    QVERIFY(plot->graph(0)->pen().color() != plot->graph(1)->pen().color());
  }

  void switchingTheFigureShowsTheFfnInfNorm() {
    OutlierView view;
    view.setModels(results_);
    const QVector<double> before = drawnValues(view.layerPlot()->graph(0));
    view.layerFigureSelector()->setCurrentIndex(3);  // Inf-norm of FFN outputs
    QCOMPARE(view.layerFigureSelector()->currentText(), QStringLiteral("Inf-norm of FFN outputs"));
    const char* ffn[2] = {"bert.encoder.layer.%1.output.dense", "model.decoder.layers.%1.fc2"};
    for (int m = 0; m < 2; ++m) {
      const QVector<double> values = drawnValues(view.layerPlot()->graph(m));
      QCOMPARE(values.size(), 2);
      for (int layer = 0; layer < 2; ++layer)
        QCOMPARE(values[layer], moduleNamed(models_[m], QString::fromLatin1(ffn[m]).arg(layer).toStdString())
                                    .at("inf_norm").get<double>());
    }
    QVERIFY(drawnValues(view.layerPlot()->graph(0)) != before);
    QVERIFY(view.layerPlot()->yAxis->label().contains("inf-norm"));
  }

  void histogramShowsFractionsOfTheSelectedModule() {
    OutlierView view;
    view.setModels(results_);
    // BERT and OPT share no module names: per-layer entries compare each model's own module, and
    // the default is the last layer's FFN output (BERT output.dense, OPT fc2), one curve each.
    QCOMPARE(view.moduleSelector()->currentText(), QStringLiteral("FFN output, layer 1"));
    QCOMPARE(view.histogramPlot()->graphCount(), 2);
    QCOMPARE(view.histogramPlot()->graph(1)->name(), QString::fromStdString(models_[1].at("name")));
    int optBins = 0;
    for (const json& count : moduleNamed(models_[1], "model.decoder.layers.1.fc2").at("histogram").at("counts"))
      optBins += count.get<int64_t>() > 0;
    QCOMPARE(drawnValues(view.histogramPlot()->graph(1)).size(), optBins);
    // A module of one family shows that model alone; the note names the other.
    view.moduleSelector()->setCurrentText("bert.encoder.layer.1.output.dense");
    QCOMPARE(view.histogramPlot()->graphCount(), 1);
    QVERIFY(view.histogramNote().contains(QString::fromStdString(models_[1].at("name"))));

    view.moduleSelector()->setCurrentText("model.decoder.layers.1.fc2");
    QCOMPARE(view.histogramPlot()->graphCount(), 1);
    QCOMPARE(view.histogramPlot()->graph(0)->name(), QString::fromStdString(models_[1].at("name")));
    const json& counts = moduleNamed(models_[1], "model.decoder.layers.1.fc2").at("histogram").at("counts");
    int nonZero = 0;
    for (const json& count : counts) nonZero += count.get<int64_t>() > 0;
    const QVector<double> fractions = drawnValues(view.histogramPlot()->graph(0));
    QCOMPARE(fractions.size(), nonZero);  // zero bins are not drawn
    double sum = 0;
    for (double fraction : fractions) sum += fraction;
    QVERIFY2(std::abs(sum - 1.0) < 1e-12, qPrintable(QString::number(sum, 'g', 17)));
    QCOMPARE(view.histogramPlot()->xAxis->label(), QStringLiteral("activation value (symmetric log scale)"));
  }

  void theHistogramModuleFollowsArrivingModelsUntilOneIsChosen() {
    OutlierView view;
    view.setModels({results_[0]});  // results arrive one model at a time
    QCOMPARE(view.moduleSelector()->currentText(), QStringLiteral("bert.encoder.layer.1.output.dense"));
    view.setModels(results_);
    QCOMPARE(view.moduleSelector()->currentText(), QStringLiteral("FFN output, layer 1"));
    QCOMPARE(view.histogramPlot()->graphCount(), 2);
    view.moduleSelector()->setCurrentText(QStringLiteral("Block output, layer 0"));  // the user's choice stays
    view.setModels({results_[1], results_[0]});
    QCOMPARE(view.moduleSelector()->currentText(), QStringLiteral("Block output, layer 0"));
  }

  void histogramBinsSitAtSymlogCentresAndOverflowIsNoted() {
    // Values in five bins of the default binning, one beyond the largest magnitude (overflow).
    hopscope::ModelAnalysis model;
    model.info.name = "hand";
    model.info.family = "bert";
    hopscope::ModuleAnalysis module;
    module.name = "m";
    module.stats.add(at::tensor({-5.0f, 0.5f, 0.5f, 3.0f, 2e6f, 0.001f}).view({1, 3, 2}), 0);
    model.modules.push_back(module);
    OutlierView view;
    view.setModels({std::make_shared<const hopscope::ModelAnalysis>(model)});
    QCOMPARE(view.moduleSelector()->currentText(), QStringLiteral("m"));
    const hopscope::SymlogHistogram& histogram = module.stats.histogram();
    const QCPGraph* graph = view.histogramPlot()->graph(0);
    QCOMPARE(graph->data()->size(), static_cast<int>(histogram.binCount()));
    // Bin i is centred at u = -uMax + (i + 1/2)·2uMax/bins, uMax = log10(1 + 1e6 / 1e-3); empty bins are gaps.
    const double uMax = std::log10(1e9 + 1), width = 2 * uMax / static_cast<double>(histogram.binCount());
    int drawn = 0;
    for (int i = 0; i < graph->data()->size(); ++i) {
      QVERIFY(std::abs(graph->data()->at(i)->key - (-uMax + (i + 0.5) * width)) < 1e-9);
      const int64_t count = histogram.counts()[static_cast<size_t>(i)];
      if (count == 0) {
        QVERIFY(std::isnan(graph->data()->at(i)->value));
      } else {
        QCOMPARE(graph->data()->at(i)->value, static_cast<double>(count) / 6.0);
        ++drawn;
      }
    }
    QCOMPARE(drawn, 5);  // 0.5 twice in one bin
    QVERIFY(view.histogramNote().contains("hand: 1 values beyond ±1e+06"));
    // Tick labels in value units: 0 and ±1 are always inside this range.
    auto ticker = view.histogramPlot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().value(0.0), QStringLiteral("0"));
    QCOMPARE(ticker->ticks().value(std::log10(1 + 1 / 1e-3)), QStringLiteral("1"));
    QCOMPARE(ticker->ticks().value(-std::log10(1 + 1 / 1e-3)), QStringLiteral("−1"));
  }

  void hoveringAPointNamesItsValue() {
    OutlierView view;
    view.resize(1000, 760);
    view.setModels(results_);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    FigurePlot* plot = view.layerPlot();
    plot->replot();
    const QCPGraph* graph = plot->graph(1);
    const QPointF pixel = graph->coordsToPixels(1, graph->data()->at(1)->value);
    const QString text = plot->hoverText(pixel + QPointF(2, -2));
    QVERIFY2(text.contains("layer 1 (model.decoder.layers.1)"), qPrintable(text));
    QVERIFY2(text.contains(fourDigits(graph->data()->at(1)->value)), qPrintable(text));
    QCOMPARE(plot->hoverText(QPointF(1, 1)), QString());  // outside the axes
  }

  void currentPlotFollowsTheTab() {
    OutlierView view;
    view.setModels(results_);
    QCOMPARE(view.currentPlot(), view.layerPlot());
    view.plotTabs()->setCurrentIndex(1);
    QCOMPARE(view.currentPlot(), view.histogramPlot());
  }

  void placeholderShowsWithoutModels() {
    OutlierView view;
    view.setModels(results_);
    QVERIFY(!view.placeholder()->isVisibleTo(&view));
    QVERIFY(view.summaryTable()->isVisibleTo(&view));
    view.setModels({});
    QVERIFY(view.placeholder()->isVisibleTo(&view));
    QVERIFY(view.placeholder()->text().contains("Ctrl+Shift+A"));
    QCOMPARE(view.summaryModel()->rowCount(), 0);
    QCOMPARE(view.layerPlot()->graphCount(), 0);
    QCOMPARE(view.histogramPlot()->graphCount(), 0);
  }

  void resultsWithGapsShowWhatExists() {
    // A model without modules, one whose figures were not computed (NaN) with a module that saw no
    // rows, and one of a family the views have never heard of.
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    hopscope::ModelAnalysis bare;
    bare.info.name = "bare";
    hopscope::ModelAnalysis gaps;
    gaps.info.name = "gaps";
    gaps.info.family = "bert";
    gaps.metric = {"masked_lm_perplexity", kNaN, kNaN, 0};
    gaps.summary = {{"avg_kurtosis", "mean kurtosis", kNaN}};
    hopscope::ModuleAnalysis empty;
    empty.name = "never.tapped";
    empty.layer = 0;
    empty.role = hopscope::SiteRole::BlockOutput;
    gaps.modules.push_back(empty);
    hopscope::ModuleAnalysis tapped;
    tapped.name = "block.1";
    tapped.layer = 1;
    tapped.role = hopscope::SiteRole::BlockOutput;
    tapped.stats.add(at::tensor({1.0f, -1.0f, 2.0f, 9.0f, 0.5f, -3.0f}).view({1, 3, 2}), 0);
    gaps.modules.push_back(tapped);
    hopscope::ModelAnalysis other = gaps;
    other.info.name = "other";
    other.info.family = "a-new-family";
    other.modules.resize(1);
    std::vector<hopscope::ModelAnalysisPtr> models = {
        nullptr,  // skipped
        std::make_shared<const hopscope::ModelAnalysis>(bare), std::make_shared<const hopscope::ModelAnalysis>(gaps),
        std::make_shared<const hopscope::ModelAnalysis>(other)};
    OutlierView view;
    view.resize(900, 700);
    view.setModels(models);
    QCOMPARE(view.summaryModel()->rowCount(), 3);
    QCOMPARE(cell(view, 1, "summary:avg_kurtosis"), QStringLiteral("n/a"));
    QCOMPARE(cell(view, 1, "metric:masked_lm_perplexity"), QStringLiteral("n/a"));
    QCOMPARE(cell(view, 0, "summary:avg_kurtosis"), QString());
    QCOMPARE(view.layerPlot()->graphCount(), 1);  // only "gaps" has a drawable block kurtosis
    QCOMPARE(drawnValues(view.layerPlot()->graph(0)), QVector<double>{tapped.stats.meanKurtosis()});
    QVERIFY(view.layerNote().contains("bare"));
    QVERIFY(view.layerNote().contains("other"));
    for (int figure = 0; figure < view.layerFigureSelector()->count(); ++figure)
      view.layerFigureSelector()->setCurrentIndex(figure);
    for (int module = 0; module < view.moduleSelector()->count(); ++module) {
      view.moduleSelector()->setCurrentIndex(module);
      view.histogramPlot()->hoverText(QPointF(200, 200));
    }
    view.moduleSelector()->setCurrentText(QStringLiteral("never.tapped"));
    QCOMPARE(view.histogramPlot()->graphCount(), 0);  // a module without values has no histogram
    view.layerPlot()->hoverText(QPointF(200, 200));
    QAbstractItemModelTester tester(view.summaryModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  }

  void screenshotOfTheFixtureModels() {
    OutlierView view;
    view.resize(1100, 820);
    view.setModels(results_);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QString dir = QDir::tempPath() + "/outlierview";
    QVERIFY(QDir().mkpath(dir));
    view.layerPlot()->replot();
    QVERIFY(view.grab().save(dir + "/view.png"));
    view.plotTabs()->setCurrentIndex(1);
    QCoreApplication::processEvents();
    view.histogramPlot()->replot();
    QVERIFY(view.grab().save(dir + "/view-histogram.png"));
    view.setModels({});
    QVERIFY(view.grab().save(dir + "/view-empty.png"));
  }
};

int runOutlierViewTests(int argc, char** argv) {
  OutlierViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "outlier_view_test.moc"
