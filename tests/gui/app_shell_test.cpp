// The application shell on the real main window: export of what is visible (every plot as PNG, SVG
// and PDF, every table as CSV, with file names saying what they hold, never a plot on a hidden
// tab); stale and pending marks when the settings row changes or a rerun is cancelled; a token
// count beyond a model's position table is the CLI's error, not a silent cap; workspaces save and
// reopen the same session; a dropped folder opens; recent files and the dock's state persist;
// a bad checkpoint is an error and the window keeps working; plots zoom and reset.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <cmath>
#include <memory>

#include "app/app_settings.h"
#include "app/demo_set.h"
#include "app/evaluation_controls.h"
#include "app/export_target.h"
#include "app/workspace.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"
#include "jobs/model_jobs.h"
#include "app/main_window.h"
#include "plots/figure_plot.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/loaded_models_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"
#include "views/quantization_metric_model.h"
#include "views/quantization_view.h"

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name; }

// Checks an exported file is a whole image / drawing / document of its kind.
void checkExport(const QString& path) {
  const QString suffix = QFileInfo(path).suffix();
  QVERIFY2(QFileInfo(path).size() > 200, qPrintable(path));
  if (suffix == QLatin1String("png")) {
    const QImage image(path);
    QVERIFY2(!image.isNull() && image.width() >= 300 && image.height() >= 200, qPrintable(path));
  } else if (suffix == QLatin1String("svg")) {
    QSvgRenderer svg(path);
    QVERIFY2(svg.isValid(), qPrintable(path));
  } else if (suffix == QLatin1String("pdf")) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY2(file.read(5) == "%PDF-", qPrintable(path));
    const QString pdfinfo = QStandardPaths::findExecutable(QStringLiteral("pdfinfo"));
    if (!pdfinfo.isEmpty()) {
      QProcess process;
      process.start(pdfinfo, {path});
      QVERIFY(process.waitForFinished(30000));
      QVERIFY2(process.exitCode() == 0, qPrintable(QString::fromLocal8Bit(process.readAllStandardError())));
      QVERIFY(process.readAllStandardOutput().contains("Pages:"));
    }
  }
}

QStringList csvLines(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QStringList lines = QString::fromUtf8(file.readAll()).split(QStringLiteral("\r\n"));
  if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
  return lines;
}

QString engineError(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& error) {
    return QString::fromStdString(error.what()).trimmed();
  }
  return {};
}

}  // namespace

class AppShellTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;

  bool waitForJobs() {
    return QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 120000);
  }
  EvaluationControls& controls() { return *window_->evaluationControls(); }
  // Two fixture models analysed with 2 blocks of 16 tokens.
  void analyzeTwoModels() {
    window_->openModel(fixture("bert-tiny"));
    window_->openModel(fixture("opt-tiny") + QStringLiteral("@softmax1"));
    QVERIFY(waitForJobs());
    controls().samplesBox()->setValue(2);
    controls().seqLenBox()->setValue(16);
    QVERIFY(window_->showView(QStringLiteral("outliers")));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 2);
  }

 private slots:
  void init() {
    window_ = std::make_unique<MainWindow>();
    window_->setInputText(MainWindow::defaultText());
    window_->resize(1400, 900);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  }
  void cleanup() {
    window_.reset();
    appSettings().clear();
  }

  void exportActsOnWhatIsVisibleWithDescriptiveNames() {
    analyzeTwoModels();
    OutlierView* outliers = window_->outlierView();
    QTemporaryDir dir;
    // Per layer tab: the plot (not the summary table above it).
    outliers->plotTabs()->setCurrentIndex(0);
    QCOMPARE(window_->exportTarget().plot, static_cast<QCustomPlot*>(outliers->layerPlot()));
    const QString layerStem = window_->exportFileStem(outliers->layerPlot());
    QVERIFY2(layerStem.contains(QStringLiteral("bert-tiny")) && layerStem.contains(QStringLiteral("opt-tiny_softmax1")) &&
                 layerStem.contains(QStringLiteral("outliers")) && layerStem.contains(QStringLiteral("Kurtosis")),
             qPrintable(layerStem));
    for (const char* suffix : {"png", "svg", "pdf"}) {
      const QString path = dir.filePath(layerStem + QLatin1Char('.') + QLatin1String(suffix));
      QVERIFY2(window_->exportVisible(path), qPrintable(window_->errorText()));
      checkExport(path);
    }
    QVERIFY(!window_->exportVisible(dir.filePath(QStringLiteral("plot.csv"))));  // a plot is not a table
    window_->dismissErrors();
    // Histogram tab.
    outliers->plotTabs()->setCurrentIndex(1);
    QCOMPARE(window_->exportTarget().plot, static_cast<QCustomPlot*>(outliers->histogramPlot()));
    QVERIFY(window_->exportFileStem(outliers->histogramPlot()).contains(QStringLiteral("histogram")));
    for (const char* suffix : {"png", "svg", "pdf"}) {
      const QString path = dir.filePath(QStringLiteral("histogram.") + QLatin1String(suffix));
      QVERIFY2(window_->exportVisible(path), qPrintable(window_->errorText()));
      checkExport(path);
    }
    // Modules tab: no plot is visible, so the table is exported (never the hidden plot).
    outliers->plotTabs()->setCurrentIndex(2);
    const ExportTarget modules = window_->exportTarget();
    QVERIFY(!modules.plot);
    QCOMPARE(modules.table, outliers->modulesPanel()->table());
    outliers->modulesPanel()->modelSelector()->setCurrentIndex(0);  // results may arrive in any order
    const QString modulesStem = window_->exportFileStem(modules.table);
    QVERIFY2(modulesStem.startsWith(QStringLiteral("bert-tiny_softmax-outliers-modules")), qPrintable(modulesStem));
    QVERIFY(!window_->exportVisible(dir.filePath(QStringLiteral("modules.png"))));  // a table is not a plot
    window_->dismissErrors();
    QVERIFY2(window_->exportVisible(dir.filePath(QStringLiteral("modules.csv"))), qPrintable(window_->errorText()));
    const QStringList moduleLines = csvLines(dir.filePath(QStringLiteral("modules.csv")));
    QCOMPARE(moduleLines.size(), outliers->modulesPanel()->table()->model()->rowCount() + 1);
    // The key columns first (views/module_table_panel.cpp).
    QVERIFY2(moduleLines.first().startsWith(QStringLiteral("Module,Max |x|,At token,Channel,Kurtosis")),
             qPrintable(moduleLines.first()));
    // The summary table, when it has the focus.
    outliers->summaryTable()->setFocus();
    QTRY_COMPARE(window_->exportTarget().table, outliers->summaryTable());
    QVERIFY(window_->exportVisible(dir.filePath(QStringLiteral("summary.csv"))));
    const QStringList summary = csvLines(dir.filePath(QStringLiteral("summary.csv")));
    QCOMPARE(summary.size(), 3);
    QVERIFY2(summary[0].startsWith(QStringLiteral("model,MLM perplexity,")) &&
                 summary[0].endsWith(QStringLiteral(",computed with")),
             qPrintable(summary[0]));
    QVERIFY2(summary[1].startsWith(QStringLiteral("bert-tiny@softmax,")) &&
                 summary[1].endsWith(QStringLiteral(",\"2 × 16 tokens, moby-dick-eval.txt\"")),
             qPrintable(summary[1]));
    // The Models dock's table exports from its context menu; Ctrl+E stays with the view.
    window_->modelsTable()->setFocus();
    QTRY_VERIFY(window_->modelsTable()->hasFocus());
    QCOMPARE(window_->exportTarget().plot, static_cast<QCustomPlot*>(nullptr));
    QCOMPARE(window_->exportTarget().table, outliers->modulesPanel()->table());
    QCOMPARE(window_->exportFileStem(window_->modelsTable()), QStringLiteral("models"));

    // Quantization: metric table and every plot.
    QVERIFY(window_->showView(QStringLiteral("quantization")));
    QVERIFY(waitForJobs());
    QuantizationView* quantization = window_->quantizationView();
    quantization->tabs()->setCurrentIndex(0);
    QCOMPARE(window_->exportTarget().table, quantization->quantizerTable());
    QVERIFY(window_->exportFileStem(quantization->quantizerTable()).endsWith(QStringLiteral("quantization-quantizers")));
    QVERIFY(window_->exportVisible(dir.filePath(QStringLiteral("quantizers.csv"))));
    QCOMPARE(csvLines(dir.filePath(QStringLiteral("quantizers.csv"))).size(), quantization->quantizerTable()->model()->rowCount() + 1);
    for (int tab : {1, 2}) {
      quantization->tabs()->setCurrentIndex(tab);
      QCustomPlot* plot = window_->exportTarget().plot;
      QCOMPARE(plot, tab == 1 ? static_cast<QCustomPlot*>(quantization->sqnrPlot())
                              : static_cast<QCustomPlot*>(quantization->sweepPlot()));
      for (const char* suffix : {"png", "svg", "pdf"}) {
        const QString path = dir.filePath(window_->exportFileStem(plot) + QLatin1Char('.') + QLatin1String(suffix));
        QVERIFY2(window_->exportVisible(path), qPrintable(window_->errorText()));
        checkExport(path);
      }
    }
    quantization->metricTable()->setFocus();
    QTRY_COMPARE(window_->exportTarget().table, quantization->metricTable());
    QVERIFY(window_->exportVisible(dir.filePath(QStringLiteral("metrics.csv"))));
    QCOMPARE(csvLines(dir.filePath(QStringLiteral("metrics.csv"))).size(), 3);

    // Attention: the heatmap, named by model, layer and head.
    quantization->metricTable()->clearFocus();
    window_->showView(QStringLiteral("attention"));
    window_->attentionView()->layerBox()->setValue(1);
    window_->attentionView()->headBox()->setValue(2);
    QCustomPlot* heatmap = window_->exportTarget().plot;
    QVERIFY(heatmap);
    QCOMPARE(window_->exportFileStem(heatmap), QStringLiteral("bert-tiny_softmax-attention-layer1-head2"));
    QVERIFY(window_->exportVisible(dir.filePath(QStringLiteral("attention.pdf"))));
    checkExport(dir.filePath(QStringLiteral("attention.pdf")));
    QVERIFY(!window_->errorVisible());
  }

  void everyPlotAndTableHasAContextMenu() {
    for (QCustomPlot* plot : window_->findChildren<QCustomPlot*>())
      QCOMPARE(plot->contextMenuPolicy(), Qt::CustomContextMenu);
    for (QTableView* table : window_->findChildren<QTableView*>()) {
      QCOMPARE(table->contextMenuPolicy(), Qt::CustomContextMenu);
      bool copies = false;
      for (QAction* action : table->actions()) copies = copies || action->shortcut() == QKeySequence::Copy;
      QVERIFY2(copies, qPrintable(table->objectName()));
    }
  }

  void figurePlotsZoomPanAndReset() {
    analyzeTwoModels();
    FigurePlot* plot = window_->outlierView()->layerPlot();
    QVERIFY(plot->interactions().testFlag(QCP::iRangeDrag));
    QVERIFY(plot->interactions().testFlag(QCP::iRangeZoom));
    QVERIFY(!plot->isZoomed());
    const QCPRange home = plot->xAxis->range();
    plot->xAxis->scaleRange(0.5);
    plot->yAxis->moveRange(0.1);
    QVERIFY(plot->isZoomed());
    QTest::mouseDClick(plot, Qt::LeftButton, Qt::NoModifier, plot->axisRect()->center());
    QVERIFY(!plot->isZoomed());
    QCOMPARE(plot->xAxis->range().lower, home.lower);
  }

  void resultsWithOtherSettingsAreMarkedStale() {
    analyzeTwoModels();
    OutlierView* view = window_->outlierView();
    OutlierSummaryModel* table = view->summaryModel();
    const int settings = table->columnOf(QStringLiteral("settings"));
    QVERIFY(settings > 0);
    QCOMPARE(table->index(0, settings).data().toString(), QStringLiteral("2 × 16 tokens, moby-dick-eval.txt"));
    QVERIFY(table->status(0).current() && table->status(1).current());
    QCOMPARE(view->settingsCaption()->text(), QStringLiteral("Computed with 2 × 16 tokens, moby-dick-eval.txt"));

    controls().samplesBox()->setValue(3);  // the rows no longer match the settings row
    for (int row = 0; row < 2; ++row) {
      QCOMPARE(table->status(row).state, ResultStatus::State::Stale);
      QVERIFY(table->index(row, 1).data(Qt::FontRole).value<QFont>().italic());
      QVERIFY(!table->index(row, settings).data(Qt::DecorationRole).value<QIcon>().isNull());
      QVERIFY(table->index(row, settings).data().toString().startsWith(QStringLiteral("stale: ")));
      const QString tooltip = table->index(row, 0).data(Qt::ToolTipRole).toString();
      QVERIFY2(tooltip.contains(QStringLiteral("2 blocks × 16 tokens")) && tooltip.contains(QStringLiteral("3 blocks × 16 tokens")),
               qPrintable(tooltip));
    }
    QVERIFY(view->settingsCaption()->text().startsWith(QStringLiteral("⚠")));
    QVERIFY(view->layerPlot()->graph(0)->name().endsWith(QStringLiteral("(stale)")));
    // Back to the settings they were computed with: current again.
    controls().samplesBox()->setValue(2);
    QVERIFY(table->status(0).current());
    QVERIFY(!view->layerPlot()->graph(0)->name().contains(QStringLiteral("stale")));

    // A rerun that is cancelled leaves the old rows marked, never silently mixed with new ones.
    controls().samplesBox()->setValue(400);
    window_->analyzeModels();
    QCOMPARE(table->status(0).state, ResultStatus::State::Pending);
    QVERIFY(table->index(0, settings).data().toString().startsWith(QStringLiteral("pending: ")));
    window_->jobs()->cancelAll();
    QVERIFY(waitForJobs());
    QCOMPARE(table->rowCount(), 2);
    for (int row = 0; row < 2; ++row) QCOMPARE(table->status(row).state, ResultStatus::State::Stale);

    // The quantization table marks its rows the same way.
    controls().samplesBox()->setValue(2);
    window_->showView(QStringLiteral("quantization"));
    QVERIFY(waitForJobs());
    QuantizationMetricModel* metrics = static_cast<QuantizationMetricModel*>(window_->quantizationView()->metricModel());
    QVERIFY(metrics->status(0).current());
    QCOMPARE(metrics->index(0, QuantizationMetricModel::Settings).data().toString(),
             QStringLiteral("2 × 16 tokens, moby-dick-eval.txt; calibrated on 2 batches"));
    controls().weightBitsBox()->setValue(4);
    QCOMPARE(metrics->status(0).state, ResultStatus::State::Stale);
    QVERIFY(metrics->index(0, QuantizationMetricModel::Fp).data(Qt::FontRole).value<QFont>().italic());
  }

  void tokensBeyondThePositionTableAreTheClisError() {
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    const auto model = window_->models()->entryAt(0).model;
    QCOMPARE(model->info().maxPositions, 64);
    hopscope::EvaluationSettings settings;
    settings.seqLen = 128;
    const QString expected = engineError([&] { hopscope::EvaluationTask task(*model, settings); });
    QVERIFY2(expected.startsWith(QStringLiteral("--seq-len 128 exceeds bert-tiny")) &&
                 expected.endsWith(QStringLiteral("position table of 64")),
             qPrintable(expected));

    controls().samplesBox()->setValue(2);
    controls().seqLenBox()->setValue(128);
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QVERIFY2(window_->errorText().contains(expected), qPrintable(window_->errorText()));
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 0);  // nothing silently capped
    // auto: the CLI's default, 128 or the position table if shorter.
    window_->dismissErrors();
    controls().seqLenBox()->setValue(controls().seqLenBox()->minimum());
    QCOMPARE(controls().seqLenBox()->text(), QStringLiteral("auto"));
    window_->analyzeModels();
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    OutlierSummaryModel* table = window_->outlierView()->summaryModel();
    QCOMPARE(table->index(0, table->columnOf(QStringLiteral("settings"))).data().toString(),
             QStringLiteral("2 × 64 tokens, moby-dick-eval.txt"));
    // Quantization goes through the same check.
    controls().seqLenBox()->setValue(100);
    window_->showView(QStringLiteral("quantization"));
    QVERIFY(waitForJobs());
    QVERIFY2(window_->errorText().contains(QString(expected).replace(QStringLiteral("128"), QStringLiteral("100"))),
             qPrintable(window_->errorText()));
  }

  void workspaceSavesAndReopensTheSession() {
    window_->openModel(fixture("bert-tiny") + QStringLiteral("@softmax1"));
    window_->openModel(fixture("opt-tiny"));
    window_->setInputText(QStringLiteral("the sea was calm"));
    QVERIFY(waitForJobs());
    window_->attentionView()->layerBox()->setValue(1);
    window_->attentionView()->headBox()->setValue(3);
    window_->attentionView()->colourScaleBox()->setCurrentIndex(3);  // log
    controls().samplesBox()->setValue(5);
    controls().seqLenBox()->setValue(24);
    controls().activationBitsBox()->setValue(6);
    controls().sweepBox()->setChecked(true);
    window_->showView(QStringLiteral("training"));  // a view that starts no evaluation
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("session.json"));
    QVERIFY2(window_->saveWorkspace(path), qPrintable(window_->errorText()));
    const Workspace saved = window_->currentWorkspace();

    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(window_->openWorkspace(path));
    QVERIFY(waitForJobs());
    QVERIFY2(!window_->errorVisible(), qPrintable(window_->errorText()));
    const Workspace reopened = window_->currentWorkspace();
    QCOMPARE(reopened.models.size(), size_t{2});
    for (size_t i = 0; i < 2; ++i) {
      QCOMPARE(reopened.models[i].path, saved.models[i].path);
      QCOMPARE(reopened.models[i].normalizer, saved.models[i].normalizer);
    }
    QCOMPARE(reopened.models[0].normalizer, QStringLiteral("softmax1"));
    QCOMPARE(window_->models()->entryAt(0).model->info().normalizer, std::string("softmax1"));
    QCOMPARE(reopened.text, QStringLiteral("the sea was calm"));
    QVERIFY(reopened.evaluation == saved.evaluation);
    QCOMPARE(reopened.evaluation.samples, 5);
    QCOMPARE(reopened.view, QStringLiteral("training"));
    QCOMPARE(reopened.layer, 1);
    QCOMPARE(reopened.head, 3);
    QCOMPARE(reopened.colours, QStringLiteral("log"));
    QCOMPARE(window_->attentionView()->grid()->colourMode(), AttentionGrid::ColourMode::Log);
    QVERIFY(window_->windowTitle().contains(QStringLiteral("session.json")));
    QVERIFY(RecentFiles::entries().contains(QFileInfo(path).absoluteFilePath()));

    // A relative model path is resolved against the workspace's folder.
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("models/bert")));
    for (const char* file : {"config.json", "model.safetensors", "vocab.txt"})
      QVERIFY(QFile::copy(fixture("bert-tiny/") + QLatin1String(file), dir.filePath(QStringLiteral("models/bert/")) + QLatin1String(file)));
    const QString relative = dir.filePath(QStringLiteral("relative.json"));
    QFile file(relative);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"hopscope_workspace": 1, "models": [{"path": "models/bert"}], "view": "attention"})");
    file.close();
    QVERIFY(window_->openWorkspace(relative));
    QVERIFY(waitForJobs());
    QCOMPARE(window_->models()->rowCount(), 1);
    QCOMPARE(window_->models()->entryAt(0).argument, dir.filePath(QStringLiteral("models/bert")));
    QVERIFY(window_->models()->entryAt(0).model != nullptr);

    // A bad workspace is an error in the banner; the open session stays.
    QVERIFY(!window_->openWorkspace(dir.filePath(QStringLiteral("missing.json"))));
    QVERIFY(window_->errorText().contains(QStringLiteral("missing.json: no such file")));
    QCOMPARE(window_->models()->rowCount(), 1);
  }

  void droppingAFolderOrAWorkspaceOpensIt() {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(fixture("bert-tiny")), QUrl::fromLocalFile(fixture("opt-tiny/model.safetensors"))});
    const QPoint centre = window_->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &drop);
    QVERIFY(drop.isAccepted());
    QVERIFY(waitForJobs());
    QCOMPARE(window_->models()->rowCount(), 2);
    QVERIFY(window_->models()->entryAt(0).model != nullptr);
    QVERIFY2(window_->models()->entryAt(1).model != nullptr, qPrintable(window_->errorText()));
    QCOMPARE(window_->models()->entryAt(1).model->info().family, std::string("opt"));

    // Recent files: both loaded models, newest first, in a new window's menu too.
    QStringList recent = RecentFiles::entries();
    QVERIFY2(recent.mid(0, 2).contains(fixture("opt-tiny/model.safetensors")) && recent.mid(0, 2).contains(fixture("bert-tiny")),
             qPrintable(recent.join('\n')));
    MainWindow other;
    QStringList menu;
    for (QAction* action : other.recentMenu()->actions()) menu << action->text();
    QVERIFY2(menu.contains(fixture("bert-tiny")), qPrintable(menu.join('\n')));

    // A dropped workspace replaces the session.
    QTemporaryDir dir;
    Workspace workspace;
    workspace.models = {{fixture("opt-tiny"), QStringLiteral("softmax1")}};
    workspace.view = QStringLiteral("attention");
    writeWorkspace(workspace, dir.filePath(QStringLiteral("w.json")));
    QMimeData workspaceMime;
    workspaceMime.setUrls({QUrl::fromLocalFile(dir.filePath(QStringLiteral("w.json")))});
    QDragEnterEvent enterWorkspace(centre, Qt::CopyAction, &workspaceMime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &enterWorkspace);  // a drop goes where the drag entered
    QDropEvent dropWorkspace(centre, Qt::CopyAction, &workspaceMime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &dropWorkspace);
    QVERIFY(dropWorkspace.isAccepted());
    QVERIFY(waitForJobs());
    QVERIFY2(window_->models()->rowCount() == 1, qPrintable(window_->errorText()));
    QCOMPARE(window_->models()->entryAt(0).argument, fixture("opt-tiny") + QStringLiteral("@softmax1"));
  }

  void theDockClosesFromTheViewMenuAndTheLayoutPersists() {
    QDockWidget* dock = window_->modelsDock();
    QVERIFY(dock->isVisible());
    QVERIFY(dock->features().testFlag(QDockWidget::DockWidgetClosable));
    QVERIFY2(dock->width() < window_->width() / 3, qPrintable(QString::number(dock->width())));  // starts narrow
    window_->modelsDockAction()->trigger();
    QVERIFY(!dock->isVisible());
    QVERIFY(!window_->modelsDockAction()->isChecked());
    // Switching views does not bring it back.
    window_->showView(QStringLiteral("training"));
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(!dock->isVisible());
    window_->close();  // saves the layout

    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    QVERIFY(!window_->modelsDock()->isVisible());
    QVERIFY(!window_->modelsDockAction()->isChecked());
    window_->modelsDockAction()->trigger();
    QVERIFY(window_->modelsDock()->isVisible());
    // The dock's own close button counts as "not wanted" too.
    window_->modelsDock()->close();
    QVERIFY(!window_->modelsDockAction()->isChecked());
  }

  void aBadCheckpointIsAnErrorAndTheWindowKeepsWorking() {
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("bert-truncated"));
    QVERIFY(QDir().mkpath(bad));
    for (const char* file : {"config.json", "vocab.txt"})
      QVERIFY(QFile::copy(fixture("bert-tiny/") + QLatin1String(file), bad + QLatin1Char('/') + QLatin1String(file)));
    QFile source(fixture("bert-tiny/model.safetensors"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    QFile truncated(bad + QStringLiteral("/model.safetensors"));
    QVERIFY(truncated.open(QIODevice::WriteOnly));
    truncated.write(source.read(source.size() / 2));
    truncated.close();
    const QString expected = engineError([&] { hopscope::LoadedModel::open(bad.toStdString()); });
    QVERIFY(!expected.isEmpty());

    window_->openModel(bad);
    QVERIFY(waitForJobs());
    QVERIFY(window_->errorVisible());
    QVERIFY2(window_->errorText().contains(expected), qPrintable(window_->errorText()));
    QCOMPARE(window_->models()->entryAt(0).state, LoadedModelsModel::State::Failed);
    // Still working: another model loads, runs and is analysed.
    window_->openModel(fixture("bert-tiny"));
    QVERIFY(waitForJobs());
    QVERIFY(window_->models()->entryAt(1).lastRun.has_value());
    controls().samplesBox()->setValue(2);
    window_->showView(QStringLiteral("outliers"));
    QVERIFY(waitForJobs());
    QCOMPARE(window_->outlierView()->summaryModel()->rowCount(), 1);
  }

  // The demo set lists its families and opens family by family, vanilla softmax first.
  void demoSetOrdersVariantsAndFilters() {
    QTemporaryDir resources;
    for (const char* name : {"bert-softmax1-mlp", "opt-softmax-none", "bert-softmax-none", "bert-clipped-none",
                             "bert-softmax1-none", "bert-softmax-mlp", "vit-softmax-linear"}) {
      QVERIFY(QDir(resources.path()).mkpath(QStringLiteral("demo/") + QLatin1String(name)));
      QFile config(resources.filePath(QStringLiteral("demo/%1/config.json").arg(QLatin1String(name))));
      QVERIFY(config.open(QIODevice::WriteOnly));
    }
    QVERIFY(QDir(resources.path()).mkpath(QStringLiteral("demo/not-a-model")));  // no config.json
    qputenv("HOPSCOPE_RESOURCES", resources.path().toLocal8Bit());
    const DemoSet all = findDemoSet();
    const DemoSet bert = findDemoSet(QStringLiteral("bert"));
    const DemoSet none = findDemoSet(QStringLiteral("gpt"));
    qunsetenv("HOPSCOPE_RESOURCES");
    QCOMPARE(all.families, QStringList({QStringLiteral("bert"), QStringLiteral("opt"), QStringLiteral("vit")}));
    QCOMPARE(all.models.size(), 7);
    QStringList names;
    for (const QString& path : bert.models) names << QFileInfo(path).fileName();
    QCOMPARE(names, QStringList({QStringLiteral("bert-softmax-none"), QStringLiteral("bert-clipped-none"),
                                 QStringLiteral("bert-softmax-mlp"), QStringLiteral("bert-softmax1-none"),
                                 QStringLiteral("bert-softmax1-mlp")}));
    QVERIFY(none.models.isEmpty());
    QVERIFY2(none.error.contains(QStringLiteral("no demo models of the family \"gpt\"")) &&
                 none.error.contains(QStringLiteral("(it has: bert, opt, vit)")),
             qPrintable(none.error));
  }

  void demoWithoutADemoSetSaysSo() {
    QTemporaryDir resources;
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("HOPSCOPE_RESOURCES"), resources.path());
    process.setProcessEnvironment(environment);
    const QString screenshot = resources.filePath(QStringLiteral("shot.png"));
    process.start(QStringLiteral(HOPSCOPE_GUI_BINARY), {QStringLiteral("--demo"), QStringLiteral("--screenshot"), screenshot});
    QVERIFY(process.waitForFinished(120000));
    const QString errors = QString::fromLocal8Bit(process.readAllStandardError());
    QVERIFY2(errors.contains(QStringLiteral("no demo set: %1/demo holds no checkpoint folder").arg(resources.path())),
             qPrintable(errors));

    // With a demo folder, --demo opens every checkpoint in it, and a workspace argument opens too.
    QVERIFY(QDir(resources.path()).mkpath(QStringLiteral("demo/bert-a")));
    for (const char* file : {"config.json", "model.safetensors", "vocab.txt"})
      QVERIFY(QFile::copy(fixture("bert-tiny/") + QLatin1String(file),
                          resources.filePath(QStringLiteral("demo/bert-a/")) + QLatin1String(file)));
    environment.insert(QStringLiteral("HOPSCOPE_RESOURCES"), resources.path());
    QVERIFY(QDir().mkpath(resources.filePath(QStringLiteral("corpora"))));
    QFile::copy(QStringLiteral(HOPSCOPE_RESOURCES_DIR "/corpora/moby-dick-eval.txt"),
                resources.filePath(QStringLiteral("corpora/moby-dick-eval.txt")));
    QFile::copy(QStringLiteral(HOPSCOPE_RESOURCES_DIR "/corpora/moby-dick-train.txt"),
                resources.filePath(QStringLiteral("corpora/moby-dick-train.txt")));
    QProcess demo;
    demo.setProcessEnvironment(environment);
    demo.start(QStringLiteral(HOPSCOPE_GUI_BINARY), {QStringLiteral("--demo"), QStringLiteral("--screenshot"), screenshot});
    QVERIFY(demo.waitForFinished(120000));
    QVERIFY2(demo.exitCode() == 0, qPrintable(QString::fromLocal8Bit(demo.readAllStandardError())));
    QVERIFY(!QString::fromLocal8Bit(demo.readAllStandardError()).contains(QStringLiteral("no demo set")));
    QVERIFY(!QImage(screenshot).isNull());

    // --demo-family opens one family; a family the set does not hold is a clear error.
    QProcess other;
    other.setProcessEnvironment(environment);
    other.start(QStringLiteral(HOPSCOPE_GUI_BINARY),
                {QStringLiteral("--demo-family"), QStringLiteral("opt"), QStringLiteral("--screenshot"), screenshot});
    QVERIFY(other.waitForFinished(120000));
    const QString otherErrors = QString::fromLocal8Bit(other.readAllStandardError());
    QVERIFY2(otherErrors.contains(QStringLiteral("no demo models of the family \"opt\"")) &&
                 otherErrors.contains(QStringLiteral("(it has: bert)")),
             qPrintable(otherErrors));
  }

  // Opening the demo set evaluates on the held-out text of the README's demo tables, with their
  // blocks, tokens and calibration, so the perplexities on screen are the README's.
  void demoSetEvaluatesOnTheReadmesHeldOutText() {
    const DemoSet demo = findDemoSet(QStringLiteral("bert"));
    if (demo.models.isEmpty()) QSKIP("no bundled demo set");
    MainWindow window;
    window.show();
    QCOMPARE(QFileInfo(window.evaluationControls()->dataPath()).fileName(), QStringLiteral("moby-dick-eval.txt"));
    QVERIFY(window.openDemoSet(QStringLiteral("bert")));
    const QuantizationRequest request = window.evaluationControls()->quantizationRequest();
    // The text the demo models held out while training: their config.json names it by hash.
    QFile config(demo.models.front() + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QString heldOut = QJsonDocument::fromJson(config.readAll())
                                .object()[QStringLiteral("hopscope")]
                                .toObject()[QStringLiteral("eval_data_sha256")]
                                .toString();
    QFile text(request.dataPath);
    QVERIFY(text.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(text.readAll(), QCryptographicHash::Sha256).toHex()), heldOut);
    QCOMPARE(QFileInfo(request.calibrationPath).fileName(), QStringLiteral("sotu-calib.txt"));
    QCOMPARE(request.calibrationBatches, int64_t{4});  // hopscope-cli quantize's default, as demo_table.py runs it
    const QString tip = window.evaluationControls()->dataLabel()->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("README")) && tip.contains(QStringLiteral("held-out")), qPrintable(tip));
    // The README table's blocks and tokens, and its numbers for the vanilla model.
    QFile readme(QStringLiteral(HOPSCOPE_RESOURCES_DIR "/../README.md"));
    QVERIFY(readme.open(QIODevice::ReadOnly));
    const QString readmeText = QString::fromUtf8(readme.readAll());
    const QRegularExpressionMatch header =
        QRegularExpression(QStringLiteral("\\*\\*BERT\\*\\* \\(masked lm perplexity on (\\d+) held-out blocks of (\\d+) tokens"))
            .match(readmeText);
    QVERIFY(header.hasMatch());
    QCOMPARE(request.samples, header.captured(1).toLongLong());
    QCOMPARE(request.seqLen, header.captured(2).toLongLong());
    const QRegularExpressionMatch row =
        QRegularExpression(QStringLiteral("\\| bert-softmax-none \\|[^|]+\\|[^|]+\\| ([^ |]+) \\| ([^ |]+) \\|"))
            .match(readmeText);
    QVERIFY(row.hasMatch());
    std::vector<int> others;  // only the vanilla model is evaluated: the test stays short
    for (size_t i = 1; i < window.models()->entries().size(); ++i) others.push_back(window.models()->entries()[i].id);
    for (int id : others) window.removeModel(id);
    QVERIFY(window.showView(QStringLiteral("quantization")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 300000));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    QAbstractItemModel* metrics = window.quantizationView()->metricModel();
    QCOMPARE(metrics->rowCount(), 1);
    const auto fourDigits = [](double value) { return QString::number(value, 'g', 4); };
    QCOMPARE(fourDigits(metrics->index(0, QuantizationMetricModel::Fp).data(QuantizationMetricModel::ValueRole).toDouble()),
             row.captured(1));
    // The W8A8 figure moves in the 4th digit with the thread count (float sums in another order can
    // round a calibrated range across a level): 407.64 with 1 thread, 407.72 with 2, against 407.7.
    const double w8a8 = metrics->index(0, QuantizationMetricModel::Quantized).data(QuantizationMetricModel::ValueRole).toDouble();
    QVERIFY2(std::abs(w8a8 / row.captured(2).toDouble() - 1) < 1e-3, qPrintable(QString::number(w8a8)));
  }
};

int runAppShellTests(int argc, char** argv) {
  AppShellTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "app_shell_test.moc"
