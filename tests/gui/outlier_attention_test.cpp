// From an outlier location to the Attention view, on the real main window: double-clicking a
// module's "At token" cell in the Outliers view's Modules tab (or its "Show in Attention" button)
// runs the evaluation block holding that module's largest |x| through every model, shows the
// module's layer and selects that token as the query in every pane, and the pane's label at that
// row is the token the analysis names.
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QPlainTextEdit>
#include <QSpinBox>

#include "app/evaluation_controls.h"
#include <QtTest>

#include "app/main_window.h"
#include "plots/heatmap_plot.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/loaded_models_model.h"
#include "views/patch_attention.h"
#include "views/module_table_model.h"
#include "views/module_table_panel.h"
#include "views/outlier_view.h"

namespace {

const QString kModels = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/");

// The Modules table's row (in its current order) of this module, or -1.
int rowOf(QTableView* table, const QString& module) {
  for (int row = 0; row < table->model()->rowCount(); ++row)
    if (table->model()->index(row, ModuleTableModel::Module).data(ModuleTableModel::ValueRole).toString() == module)
      return row;
  return -1;
}

}  // namespace

class OutlierAttentionTest : public QObject {
  Q_OBJECT

  // Every text pane shows the module's layer with the context's token selected, labelled as the
  // analysis labels the token.
  void checkAttentionShows(MainWindow& window, const hopscope::ModuleAnalysis& module, const std::vector<int>& ids) {
    AttentionView* attention = window.attentionView();
    QVERIFY(attention->isVisibleTo(&window));
    QCOMPARE(window.textEdit()->toPlainText(), QString::fromStdString(module.maxAbsContext.text));
    QCOMPARE(attention->layerBox()->value(), static_cast<int>(module.layer));
    const int token = static_cast<int>(module.maxAbsContext.token);
    QCOMPARE(attention->grid()->selectedRow(), token);
    for (int id : ids) {
      HeatmapPlot* pane = attention->grid()->paneForModel(id);
      QVERIFY(pane && pane->hasMap());
      QCOMPARE(pane->selectedRow(), token);
      QVERIFY(token < pane->heatmapData().rows());
      // The run's token there is the block's (as read; the analysis may have seen it masked).
      const LoadedModelsModel::Entry* entry = window.models()->entryById(id);
      QVERIFY(entry && entry->lastRun);
      QCOMPARE(entry->lastRun->ids.at(static_cast<size_t>(token)), module.maxAbsContext.id);
      if (module.maxAbsToken != "[MASK]")
        QCOMPARE(pane->heatmapData().rowLabels[token], QString::fromStdString(module.maxAbsToken));
    }
  }

 private slots:
  void outlierLocationJumpsToItsTokenInAttention() {
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    const std::vector<int> ids = {window.openModel(kModels + "bert-tiny"), window.openModel(kModels + "bert-tiny@softmax1")};
    window.setInputText(QStringLiteral("A short sentence that is not the block."));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QCOMPARE(window.attentionView()->layerBox()->value(), 0);
    QCOMPARE(window.attentionView()->grid()->selectedRow(), -1);
    QVERIFY(window.showView(QStringLiteral("outliers")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));

    // The second model's Modules table: its largest |x| of the last layer's FFN output.
    ModuleTablePanel* panel = window.outlierView()->modulesPanel();
    window.outlierView()->plotTabs()->setCurrentWidget(panel);
    panel->modelSelector()->setCurrentIndex(1);
    QTableView* table = panel->table();
    const QString name = QStringLiteral("bert.encoder.layer.1.output.dense");
    const int row = rowOf(table, name);
    QVERIFY(row >= 0);
    const hopscope::ModuleAnalysis* module = panel->moduleAt(table->model()->index(row, ModuleTableModel::Module));
    QVERIFY(module);
    QCOMPARE(module->layer, int64_t{1});
    QVERIFY(!module->maxAbsContext.text.empty());
    QVERIFY(module->maxAbsContext.exact);
    QVERIFY(module->maxAbsContext.token >= 0);

    // A double-click on its "At token" cell.
    const QModelIndex cell = table->model()->index(row, ModuleTableModel::Token);
    QVERIFY(table->model()->data(cell, Qt::ToolTipRole).toString().contains(QStringLiteral("Attention")));
    table->scrollTo(cell);
    const QPoint centre = table->visualRect(cell).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QCOMPARE(window.attentionView()->currentModelId(), ids[1]);
    checkAttentionShows(window, *module, ids);
    if (QTest::currentTestFailed()) return;

    // "Show in Attention" on a layer-0 module of the first model: the same jump, by the button.
    QVERIFY(window.showView(QStringLiteral("outliers")));
    panel->modelSelector()->setCurrentIndex(0);
    const QString first = QStringLiteral("bert.encoder.layer.0.output.dense");
    const int firstRow = rowOf(table, first);
    QVERIFY(firstRow >= 0);
    table->setCurrentIndex(table->model()->index(firstRow, ModuleTableModel::Module));
    QVERIFY(panel->attentionButton()->isEnabled());
    const hopscope::ModuleAnalysis* other = panel->currentModule();
    QVERIFY(other && other->name == first.toStdString());
    QTest::mouseClick(panel->attentionButton(), Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QCOMPARE(window.attentionView()->currentModelId(), ids[0]);
    checkAttentionShows(window, *other, ids);
  }

  void imageLocationOpensItsImageWithThePatchAsTheQuery() {
    const QString images = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/images/fashion24-images-idx3-ubyte.gz");
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    window.evaluationControls()->setImagePath(images);
    window.evaluationControls()->samplesBox()->setValue(8);
    const int id = window.openModel(kModels + "vit-tiny-hf");
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QVERIFY(!window.hasImage());
    QVERIFY(window.showView(QStringLiteral("outliers")));
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));

    // The last layer's module whose largest |x| is on a patch (else on the class token).
    ModuleTablePanel* panel = window.outlierView()->modulesPanel();
    window.outlierView()->plotTabs()->setCurrentWidget(panel);
    QTableView* table = panel->table();
    int row = -1;
    const hopscope::ModuleAnalysis* module = nullptr;
    for (int r = 0; r < table->model()->rowCount(); ++r) {
      const hopscope::ModuleAnalysis* candidate = panel->moduleAt(table->model()->index(r, ModuleTableModel::Module));
      if (!candidate || candidate->layer < 1 || candidate->stats.maxAbs().sample < 0) continue;
      if (!module || (module->stats.maxAbs().token == 0 && candidate->stats.maxAbs().token > 0)) {
        module = candidate;
        row = r;
      }
    }
    QVERIFY(module);
    const hopscope::MaxAbsLocation where = module->stats.maxAbs();
    const QModelIndex cell = table->model()->index(row, ModuleTableModel::Token);
    QVERIFY(table->model()->data(cell, Qt::ToolTipRole).toString().contains(QStringLiteral("image %1").arg(where.sample)));
    table->scrollTo(cell);
    const QPoint centre = table->visualRect(cell).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    QVERIFY(window.attentionView()->isVisibleTo(&window));
    QVERIFY(window.hasImage());
    QCOMPARE(window.imagePath(), images);
    QCOMPARE(static_cast<int64_t>(window.image()->index), where.sample);
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QCOMPARE(window.attentionView()->currentModelId(), id);
    QCOMPARE(window.attentionView()->layerBox()->value(), static_cast<int>(module->layer));
    // Token 0 is the class token, then the patches row by row.
    const patch_attention::PatchQuery query = window.attentionView()->grid()->imageQuery();
    if (where.token == 0) {
      QVERIFY(query.isClassToken());
    } else {
      const hopscope::ImageRunResult* run = window.models()->entryById(id)->lastImageRun ?
                                                &*window.models()->entryById(id)->lastImageRun : nullptr;
      QVERIFY(run);
      QCOMPARE(patch_attention::queryToken(*run, query), static_cast<int>(where.token));
    }
  }

  void aModuleWithoutALocationIsAnError() {
    MainWindow window;
    window.show();
    const int id = window.openModel(kModels + "bert-tiny");
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 60000));
    QVERIFY(!window.showInAttention(id, QStringLiteral("bert.encoder.layer.0.output.dense")));  // not analysed yet
    QVERIFY(window.errorVisible());
    QVERIFY2(window.errorText().contains(QStringLiteral("no token location")), qPrintable(window.errorText()));
  }
};

int runOutlierAttentionTests(int argc, char** argv) {
  OutlierAttentionTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "outlier_attention_test.moc"
