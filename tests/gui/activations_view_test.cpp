// ActivationsView and activation_figures on the engine's analysis and W8A8 study of two fixture
// models (bert-tiny and opt-tiny@softmax1), computed in this process as the jobs do: the module ->
// quantizer matching on real BERT and OPT names, the grid levels and clipped shading against the
// quantizer's numbers computed by hand, legends against the analysis JSON, the two display modes,
// the exports, and the Outliers -> Activations jump through the main window.
// HOPSCOPE_VIEW_SCREENSHOTS=DIR saves pictures of the view there.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include <qcustomplot.h>

#include "app/evaluation_controls.h"
#include "app/main_window.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/result_json.h"
#include "hopscope/text_corpus.h"
#include "jobs/model_jobs.h"
#include "plots/axis_coordinates.h"
#include "plots/figure_plot.h"
#include "views/activation_figures.h"
#include "views/activations_view.h"
#include "views/module_table_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"

using nlohmann::json;

namespace {

const QString kModels = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/");
constexpr double kInf = std::numeric_limits<double>::infinity();

// printf's %.3g with a proper minus: the legend's "3 significant digits", computed another way.
QString threeDigits(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3g", value);
  QString result = QString::fromLatin1(text);
  if (result.startsWith(QLatin1Char('-'))) result.replace(0, 1, QStringLiteral("−"));
  return result;
}

const json& moduleNamed(const json& model, const std::string& name) {
  for (const json& module : model.at("modules"))
    if (module.at("name") == name) return module;
  throw std::runtime_error("no module " + name);
}

std::vector<const FigureMark*> marksOf(const Figure& figure, MarkStyle style, int slot) {
  std::vector<const FigureMark*> marks;
  for (const FigureMark& mark : figure.marks)
    if (mark.style == style && mark.slot == slot) marks.push_back(&mark);
  return marks;
}

}  // namespace

class ActivationsViewTest : public QObject {
  Q_OBJECT
  std::vector<hopscope::ModelAnalysisPtr> analyses_;      // bert-tiny, opt-tiny@softmax1
  std::vector<hopscope::QuantizationStudyPtr> studies_;  // the same models, W8A8
  std::vector<json> json_;                                // the analyses as the CLI writes them

  const hopscope::QuantizerSummary& quantizerAt(size_t model, const std::string& site) {
    for (const hopscope::QuantizerSummary& q : studies_[model]->quantizers)
      if (q.kind == "activation" && q.site == site) return q;
    throw std::runtime_error("no quantizer " + site);
  }

 private slots:
  void initTestCase() {
    if (!QFileInfo::exists(kModels + "bert-tiny/config.json") || !QFileInfo::exists(kModels + "opt-tiny/config.json"))
      QSKIP("fixtures bert-tiny / opt-tiny missing");
    const hopscope::TextCorpus data = hopscope::readTextCorpus(hopscope::requireBundledFile(hopscope::kBundledEvalText, "--data"));
    const hopscope::TextCorpus calibration =
        hopscope::readTextCorpus(hopscope::requireBundledFile(hopscope::kBundledTrainText, "--calib"));
    hopscope::AnalysisSettings analysis;
    analysis.samples = 4;
    analysis.seqLen = 16;
    analysis.batch = 4;
    hopscope::QuantizationSweepSettings quantization;
    quantization.evaluation = analysis;
    quantization.calibrationBatches = 1;
    std::vector<hopscope::ModelAnalysis> values;
    for (const QString& argument : {kModels + "bert-tiny", kModels + "opt-tiny@softmax1"}) {
      const auto model = hopscope::LoadedModel::open(argument.toStdString());
      values.push_back(hopscope::analyzeModel(*model, data, analysis));
      analyses_.push_back(std::make_shared<const hopscope::ModelAnalysis>(values.back()));
      studies_.push_back(std::make_shared<const hopscope::QuantizationStudy>(
          hopscope::runQuantizationStudy(*model, data, calibration, quantization)));
    }
    const json document = hopscope::analysisJson(values);
    for (const json& model : document.at("models")) json_.push_back(model);
    QCOMPARE(json_.size(), size_t{2});
  }

  void matchingFindsTheQuantizerOfABertAndAnOptModule() {
    struct Case {
      size_t model;
      const char* module;
      const char* site;  // nullptr: not quantized
    };
    const Case cases[] = {
        {0, "bert.encoder.layer.1.output.dense", "bert.encoder.layer.1.output.dense"},
        {0, "bert.encoder.layer.0.output.LayerNorm.input", "bert.encoder.layer.0.output.LayerNorm.input"},
        {0, "bert.encoder.layer.1.output", "bert.encoder.layer.1.output.LayerNorm"},  // another name of it
        {0, "bert.encoder.layer.1.intermediate.dense", nullptr},  // before GELU: not quantized
        {0, "cls.predictions.transform.dense", nullptr},          // the MLM head stays float
        {1, "model.decoder.layers.1.fc2", "model.decoder.layers.1.fc2"},
        {1, "model.decoder.layers.1.self_attn_layer_norm.input", "model.decoder.layers.0"},  // = the previous block's output
        {1, "model.decoder.final_layer_norm", "model.decoder.final_layer_norm"},
        {1, "model.decoder.layers.0.fc1", nullptr},            // before ReLU
        {1, "model.decoder.embed_positions", nullptr},
    };
    for (const Case& c : cases) {
      const hopscope::ModuleAnalysis* module = analyses_[c.model]->module(c.module);
      QVERIFY2(module, c.module);
      const hopscope::QuantizerSummary* q = activationQuantizerFor(*studies_[c.model], *module);
      if (!c.site) {
        QVERIFY2(!q, c.module);
        continue;
      }
      QVERIFY2(q, c.module);
      QCOMPARE(q->site, std::string(c.site));
      QCOMPARE(q->kind, std::string("activation"));
    }
    // Every activation quantizer but the attention scores and probabilities has a module.
    for (size_t m = 0; m < 2; ++m)
      for (const hopscope::QuantizerSummary& q : studies_[m]->quantizers) {
        if (q.kind != "activation" || q.role == hopscope::SiteRole::Scores || q.role == hopscope::SiteRole::Probs)
          continue;
        const hopscope::ModuleAnalysis* module = analyses_[m]->module(q.site);
        QVERIFY2(module && activationQuantizerFor(*studies_[m], *module) == &q, q.site.c_str());
      }
  }

  void gridLevelsAreTheQuantizersOutputs() {
    // By hand: 3 bits, Δ = 0.5, z = 2: the outputs Δ·(k − z) are −1, −0.5, …, 2.5 = min + k·Δ.
    hopscope::QuantizerSummary hand;
    hand.bits = 3;
    hand.min = -1;
    hand.max = 2.5;
    hand.scale = 0.5;
    hand.zeroPoint = 2;
    const std::vector<double> expected = {-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5};
    QCOMPARE(gridLevels(hand), expected);
    for (size_t k = 0; k < expected.size(); ++k) QCOMPARE(gridLevels(hand)[k], hand.min + double(k) * hand.scale);

    // A real 8-bit quantizer: 256 levels Δ·(k − z); the outer ones within half a step of the
    // calibrated range (z is rounded).
    const hopscope::QuantizerSummary& q = quantizerAt(0, "bert.encoder.layer.1.output.dense");
    const std::vector<double> levels = gridLevels(q);
    QCOMPARE(levels.size(), size_t{256});
    for (size_t k = 0; k < levels.size(); ++k) QCOMPARE(levels[k], (double(k) - double(q.zeroPoint)) * q.scale);
    QCOMPARE(levels[static_cast<size_t>(q.zeroPoint)], 0.0);
    QVERIFY(std::abs(levels.front() - q.min) <= q.scale / 2 + 1e-12);
    QVERIFY(std::abs(levels.back() - q.max) <= q.scale / 2 + 1e-12);

    // The stride: 1 when every level is far enough apart, else the smallest power of two that is.
    QCOMPARE(gridStride(hand, 1e-3, -1.2, 2.7, 100000), 1);
    const int stride = gridStride(q, 1e-3, q.min * 1.1, q.max * 1.1, 600);
    QVERIFY(stride > 1 && (stride & (stride - 1)) == 0);
    const double pixelsPerUnit = 600 / (symlog(q.max * 1.1, 1e-3) - symlog(q.min * 1.1, 1e-3));
    double previous = std::numeric_limits<double>::quiet_NaN(), smallest = kInf;
    for (int64_t k = 0; k < 256; ++k)
      if ((k - q.zeroPoint) % stride == 0) {
        const double u = symlog(levels[static_cast<size_t>(k)], 1e-3);
        if (!std::isnan(previous)) smallest = std::min(smallest, (u - previous) * pixelsPerUnit);
        previous = u;
      }
    QVERIFY(smallest >= 3);
    QVERIFY(gridStride(q, 1e-3, q.min * 1.1, q.max * 1.1, 600, 3) == stride);
  }

  void overlaidPlotShowsTheGridAndLegendFigures() {
    ActivationsView view;
    view.resize(1200, 800);
    view.setResults({analyses_[0]}, {0}, {studies_[0]}, {0});
    QVERIFY(view.selectModule(QStringLiteral("bert.encoder.layer.1.output.dense")));
    QCOMPARE(view.currentModule(), QStringLiteral("bert.encoder.layer.1.output.dense"));
    FigurePlot* plot = view.overlayPlot();
    QCOMPARE(plot->graphCount(), 1);
    const Figure& figure = plot->figure();
    const hopscope::QuantizerSummary& q = quantizerAt(0, "bert.encoder.layer.1.output.dense");

    // Clipped tails: shaded from the axes' edges to exactly the calibrated range.
    const auto bands = marksOf(figure, MarkStyle::Band, 0);
    QCOMPARE(bands.size(), size_t{2});
    QCOMPARE(bands[0]->low, -kInf);
    QCOMPARE(bands[0]->high, q.min);
    QCOMPARE(bands[1]->low, q.max);
    QCOMPARE(bands[1]->high, kInf);
    const auto lines = marksOf(figure, MarkStyle::Line, 0);
    QCOMPARE(lines.size(), size_t{2});
    QCOMPARE(lines[0]->low, q.min);
    QCOMPARE(lines[1]->low, q.max);
    // Ticks: a subset of the levels, zero among them, every stride-th.
    const auto ticks = marksOf(figure, MarkStyle::Ticks, 0);
    QCOMPARE(ticks.size(), size_t{1});
    const std::vector<double> levels = gridLevels(q);
    QVERIFY(!ticks[0]->at.empty());
    const size_t stride = levels.size() / ticks[0]->at.size();
    for (size_t i = 0; i < ticks[0]->at.size(); ++i) QVERIFY(std::find(levels.begin(), levels.end(), ticks[0]->at[i]) != levels.end());
    QVERIFY(std::find(ticks[0]->at.begin(), ticks[0]->at.end(), 0.0) != ticks[0]->at.end());
    if (stride > 1) QVERIFY2(figure.note.contains(QStringLiteral("every %1th").arg(stride)), qPrintable(figure.note));
    // The x range holds the whole calibrated range.
    QVERIFY(plot->xAxis->range().lower < symlog(q.min, 1e-3));
    QVERIFY(plot->xAxis->range().upper > symlog(q.max, 1e-3));

    // The legend: kurtosis and max |x| of the analysis (as the JSON has them), the quantizer's figures.
    const json& module = moduleNamed(json_[0], "bert.encoder.layer.1.output.dense");
    const QString legend = plot->graph(0)->name();
    QVERIFY2(legend.startsWith(QStringLiteral("softmax · bert-tiny")), qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("kurtosis %1").arg(threeDigits(module.at("kurtosis").get<double>()))),
             qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("max |x| %1").arg(threeDigits(module.at("max_abs").at("value").get<double>()))),
             qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("step %1").arg(threeDigits(q.scale))), qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("%1 of 256 levels").arg(q.levels99)), qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("clipped")), qPrintable(legend));
    // The settings each result was computed with.
    QVERIFY2(figure.note.contains(QStringLiteral("4 blocks × 16 tokens")), qPrintable(figure.note));
    QVERIFY2(figure.note.contains(QStringLiteral("W8A8")), qPrintable(figure.note));

    // Counts (default) sum to the values seen; fractions to 1.
    double sum = 0;
    for (auto point = plot->graph(0)->data()->constBegin(); point != plot->graph(0)->data()->constEnd(); ++point)
      if (!std::isnan(point->value)) sum += point->value;
    QCOMPARE(sum, double(analyses_[0]->module("bert.encoder.layer.1.output.dense")->stats.histogram().total()));
    QVERIFY(plot->yAxis->label().contains(QStringLiteral("values per bin")));
    view.yScaleSelector()->setCurrentIndex(1);
    sum = 0;
    for (auto point = plot->graph(0)->data()->constBegin(); point != plot->graph(0)->data()->constEnd(); ++point)
      if (!std::isnan(point->value)) sum += point->value;
    QVERIFY(std::abs(sum - 1) < 1e-12);
    QVERIFY(plot->yAxis->label().contains(QStringLiteral("fraction")));

    // The grid can be switched off.
    view.gridCheck()->setChecked(false);
    QVERIFY(view.overlayPlot()->figure().marks.empty());
  }

  void switchingBetweenOverlaidAndSideBySide() {
    ActivationsView view;
    view.resize(1200, 800);
    view.setResults(analyses_, {0, 1}, studies_, {0, 1});
    // BERT and OPT share no names: per-layer subjects, each model's own FFN output.
    QCOMPARE(view.currentModule(), QStringLiteral("FFN output, layer 1"));
    QCOMPARE(view.visiblePlots().size(), size_t{1});
    QCOMPARE(view.overlayPlot()->graphCount(), 2);
    QVERIFY(view.overlayPlot()->graph(0)->pen().color() != view.overlayPlot()->graph(1)->pen().color());
    QCOMPARE(marksOf(view.overlayPlot()->figure(), MarkStyle::Ticks, 1).size(), size_t{1});

    view.modeSelector()->setCurrentIndex(1);
    const std::vector<FigurePlot*> plots = view.visiblePlots();
    QCOMPARE(plots.size(), size_t{2});
    for (size_t i = 0; i < 2; ++i) {
      QCOMPARE(plots[i]->graphCount(), 1);
      QCOMPARE(plots[i]->graph(0)->pen().color(), view.overlayPlot()->graph(static_cast<int>(i))->pen().color());
    }
    // Shared axes: the stretch of one variant's range is comparable with the other's.
    QCOMPARE(plots[0]->xAxis->range().lower, plots[1]->xAxis->range().lower);
    QCOMPARE(plots[0]->xAxis->range().upper, plots[1]->xAxis->range().upper);
    QCOMPARE(plots[0]->yAxis->range().upper, plots[1]->yAxis->range().upper);
    QVERIFY(plots[1]->figure().title.startsWith(QStringLiteral("softmax1 · opt-tiny")));
    // The OPT plot's grid is fc2's quantizer.
    const hopscope::QuantizerSummary& fc2 = quantizerAt(1, "model.decoder.layers.1.fc2");
    QCOMPARE(marksOf(plots[1]->figure(), MarkStyle::Line, 1).front()->low, fc2.min);

    // The filters narrow the selector; the worst module is one click away.
    view.modeSelector()->setCurrentIndex(0);
    view.layerFilter()->setCurrentIndex(view.layerFilter()->findData(0));
    for (int i = 0; i < view.moduleSelector()->count(); ++i)
      QVERIFY2(!view.moduleSelector()->itemText(i).contains(QStringLiteral("layer.1.")) &&
                   !view.moduleSelector()->itemText(i).contains(QStringLiteral("layers.1.")),
               qPrintable(view.moduleSelector()->itemText(i)));
    view.roleFilter()->setCurrentIndex(view.roleFilter()->findText(QStringLiteral("ffn output")));
    QVERIFY(view.moduleSelector()->count() >= 1);
    view.worstButton()->click();
    QVERIFY(view.layerFilter()->currentIndex() == 0 || view.moduleSelector()->count() > 0);
    QVERIFY(view.worstButton()->toolTip().contains(QStringLiteral("kurtosis")));

    if (qEnvironmentVariableIsSet("HOPSCOPE_VIEW_SCREENSHOTS")) {
      const QString dir = qEnvironmentVariable("HOPSCOPE_VIEW_SCREENSHOTS");
      view.show();
      view.selectModule(QStringLiteral("bert.encoder.layer.1.output.dense"));
      view.grab().save(dir + QStringLiteral("/activations-overlaid.png"));
      view.modeSelector()->setCurrentIndex(1);
      view.setResults(analyses_, {0, 1}, studies_, {0, 1});
      QTest::qWait(100);  // the scroll area lays the plots out
      view.grab().save(dir + QStringLiteral("/activations-side.png"));
      view.selectModule(QStringLiteral("model.decoder.layers.1.fc2"));  // one variant has it
      QTest::qWait(100);
      view.grab().save(dir + QStringLiteral("/activations-side-one.png"));
    }
  }

  void missingAndStaleResultsAreMarked() {
    ActivationsView view;
    QSignalSpy quantize(&view, &ActivationsView::quantizeRequested);
    view.setResults({analyses_[0]}, {0}, {}, {});
    QVERIFY(view.selectModule(QStringLiteral("bert.encoder.layer.1.output.dense")));
    QVERIFY(view.overlayPlot()->graph(0)->name().contains(QStringLiteral("not quantized yet")));
    QVERIFY(view.statusLabel()->text().contains(QStringLiteral("No quantization study")));
    QVERIFY(!view.quantizeButton()->isHidden());
    view.quantizeButton()->click();
    QCOMPARE(quantize.count(), 1);

    // The main window's statuses (result_status.h) mark the variants: stale ones say why, pending
    // ones say so.
    view.setResults({analyses_[0]}, {0}, {studies_[0]}, {0});
    QVERIFY(view.quantizeButton()->isHidden());
    view.setStatuses({ResultStatus{}}, {ResultStatus{}});
    QVERIFY2(!view.overlayPlot()->figure().note.contains(QStringLiteral("other settings")),
             qPrintable(view.overlayPlot()->figure().note));
    const ResultStatus stale{ResultStatus::State::Stale,
                             QStringLiteral("Computed with W8A8, but the settings row now says W8A6")};
    view.setStatuses({ResultStatus{}}, {stale});
    const QString note = view.overlayPlot()->figure().note;
    QVERIFY2(note.contains(stale.note), qPrintable(note));
    QVERIFY(view.overlayPlot()->graph(0)->name().contains(QStringLiteral("other settings")));
    QVERIFY(!view.overlayPlot()->graph(0)->name().contains(QStringLiteral("analysed with other settings")));
    view.setStatuses({ResultStatus{ResultStatus::State::Pending, QStringLiteral("Being recomputed")}}, {stale});
    QVERIFY(view.overlayPlot()->graph(0)->name().contains(QStringLiteral("analysis pending")));
    QVERIFY(!view.statusLabel()->isHidden());
    // A model with no result yet but being evaluated: the view says results are coming.
    view.setStatuses({ResultStatus{}, ResultStatus{ResultStatus::State::Pending, QStringLiteral("Being computed.")}},
                     {stale});
    QVERIFY(view.statusLabel()->text().contains(QStringLiteral("being computed")));
  }

  void marksFollowTheMainWindowsStatuses() {
    // Through the main window: the Activations view marks what the Outliers and Quantization views
    // mark, from the same statuses (MainWindow::analysisStatus / quantizationStatus).
    MainWindow window;
    window.show();
    const int id = window.openModel(kModels + "bert-tiny");
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QVERIFY(window.showView(QStringLiteral("activations")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    ActivationsView* view = window.activationsView();
    QCOMPARE(view->variants().size(), size_t{1});
    QCOMPARE(view->variants()[0].quantizationStatus.state, ResultStatus::State::Current);
    QVERIFY(!view->overlayPlot()->graph(0)->name().contains(QStringLiteral("other settings")));
    window.evaluationControls()->activationBitsBox()->setValue(6);
    QCOMPARE(window.quantizationStatus(id).state, ResultStatus::State::Stale);
    QCOMPARE(view->variants()[0].quantizationStatus.state, ResultStatus::State::Stale);
    QCOMPARE(view->variants()[0].quantizationStatus.note, window.quantizationStatus(id).note);
    QVERIFY(view->overlayPlot()->graph(0)->name().contains(QStringLiteral("other settings")));
    QVERIFY2(view->overlayPlot()->figure().note.contains(window.quantizationStatus(id).note),
             qPrintable(view->overlayPlot()->figure().note));
    QCOMPARE(view->variants()[0].analysisStatus.state, ResultStatus::State::Current);  // bits: quantization only
    window.evaluationControls()->samplesBox()->setValue(window.evaluationControls()->samplesBox()->value() + 1);
    QCOMPARE(view->variants()[0].analysisStatus.state, window.analysisStatus(id).state);
    QCOMPARE(view->variants()[0].analysisStatus.state, ResultStatus::State::Stale);
    // Recomputing: pending, then current again.
    window.analyzeModels();
    QCOMPARE(view->variants()[0].analysisStatus.state, ResultStatus::State::Pending);
    QVERIFY(view->overlayPlot()->graph(0)->name().contains(QStringLiteral("analysis pending")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QCOMPARE(view->variants()[0].analysisStatus.state, ResultStatus::State::Current);
    // The quantization, computed with 8 bits and the old block count, stays stale until recomputed.
    window.evaluationControls()->activationBitsBox()->setValue(8);
    QCOMPARE(view->variants()[0].quantizationStatus.state, ResultStatus::State::Stale);
    window.quantizeModels();
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QCOMPARE(view->variants()[0].quantizationStatus.state, ResultStatus::State::Current);
    QVERIFY(!view->overlayPlot()->graph(0)->name().contains(QStringLiteral("other settings")));
  }

  void exportWritesEveryVisiblePlot() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ActivationsView view;
    view.resize(1200, 800);
    view.setResults(analyses_, {0, 1}, studies_, {0, 1});
    const QString stem = view.suggestedFileStem();
    QVERIFY2(stem.startsWith(QStringLiteral("activations_FFN-output-layer-1_2-variants")), qPrintable(stem));
    for (int mode : {0, 1}) {
      view.modeSelector()->setCurrentIndex(mode);
      for (const char* suffix : {"png", "svg", "pdf"}) {
        const QString path = dir.filePath(QStringLiteral("%1-%2.%3").arg(stem).arg(mode).arg(QLatin1String(suffix)));
        view.exportPlots(path);
        QVERIFY2(QFileInfo(path).size() > 1000, qPrintable(path));
      }
      const QImage png(dir.filePath(QStringLiteral("%1-%2.png").arg(stem).arg(mode)));
      QVERIFY(!png.isNull());
      // Side by side: both plots side by side in one picture.
      if (mode == 1) QVERIFY(png.width() >= 2 * 2 * view.sideBySidePlots()[0]->width());
      QSvgRenderer svg(dir.filePath(QStringLiteral("%1-%2.svg").arg(stem).arg(mode)));
      QVERIFY(svg.isValid());
      QFile pdf(dir.filePath(QStringLiteral("%1-%2.pdf").arg(stem).arg(mode)));
      QVERIFY(pdf.open(QIODevice::ReadOnly));
      const QByteArray bytes = pdf.readAll();
      QVERIFY(bytes.startsWith("%PDF"));
      QVERIFY(bytes.trimmed().endsWith("%%EOF"));
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 6);  // no temporary files left
  }

  void outliersJumpToTheModuleInActivations() {
    // The signal: a Modules row names its module.
    OutlierView outliers;
    outliers.setModels({analyses_[0]});
    QSignalSpy activated(&outliers, &OutlierView::moduleActivated);
    QTableView* table = outliers.modulesPanel()->table();
    const QModelIndex row = table->model()->index(3, ModuleTableModel::MaxAbs);
    emit table->activated(row);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.front().front().toString(),
             QString::fromStdString(analyses_[0]->modules[3].name));
    // A summary cell: the module behind the figure (highest kurtosis / largest |x|).
    QVERIFY(!outliers.summaryModule(0, 0).isEmpty());

    // Through the main window: the tab switches and the module is selected.
    MainWindow window;
    window.show();
    window.openModel(kModels + "bert-tiny");
    window.openModel(kModels + "bert-tiny@softmax1");
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QVERIFY(window.showView(QStringLiteral("outliers")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QCOMPARE(window.outlierView()->summaryModel()->rowCount(), 2);
    QTableView* modules = window.outlierView()->modulesPanel()->table();
    const QString name = QStringLiteral("bert.encoder.layer.0.attention.output.dense");
    int found = -1;
    for (int r = 0; r < modules->model()->rowCount(); ++r)
      if (modules->model()->index(r, ModuleTableModel::Module).data(ModuleTableModel::ValueRole).toString() == name) found = r;
    QVERIFY(found >= 0);
    emit modules->activated(modules->model()->index(found, ModuleTableModel::Kurtosis));
    QVERIFY(window.activationsView()->isVisibleTo(&window));
    QVERIFY(!window.outlierView()->isVisibleTo(&window));
    QCOMPARE(window.activationsView()->currentModule(), name);
    // Opening the view quantizes what lacks a study; the grid arrives and the choice stays.
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QCOMPARE(window.activationsView()->currentModule(), name);
    QCOMPARE(window.activationsView()->overlayPlot()->graphCount(), 2);
    for (int slot : {0, 1})
      QCOMPARE(marksOf(window.activationsView()->overlayPlot()->figure(), MarkStyle::Line, slot).size(), size_t{2});
    QVERIFY(MainWindow::viewNames().indexOf(QStringLiteral("activations")) == 2);
  }
};

int runActivationsViewTests(int argc, char** argv) {
  ActivationsViewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "activations_view_test.moc"
