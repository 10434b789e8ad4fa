// Tables out of the window (views/table_export.h): CSV of what the view shows (sorted and filtered
// rows, visible columns in their on-screen order, display text) with RFC 4180 quoting; the
// selection as tab-separated text; atomic files with errors naming the file; file name stems; and
// module paths that keep their layer number when elided (views/module_path_delegate.h).
#include <QFile>
#include <QFontMetrics>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "hopscope/error.h"
#include "views/module_path_delegate.h"
#include "views/table_export.h"

class TableExportTest : public QObject {
  Q_OBJECT

  // name | value | note, with the fields CSV must quote.
  static QStandardItemModel* makeModel(QObject* parent) {
    auto* model = new QStandardItemModel(0, 3, parent);
    model->setHorizontalHeaderLabels({QStringLiteral("name"), QStringLiteral("max\nkurtosis"), QStringLiteral("note")});
    const QList<QStringList> rows = {
        {QStringLiteral("bert, softmax"), QStringLiteral("3.5"), QStringLiteral("said \"hi\"")},
        {QStringLiteral("opt"), QStringLiteral("12"), QStringLiteral("two\nlines")},
        {QStringLiteral("plain"), QStringLiteral("1"), QStringLiteral(" padded")},
    };
    for (const QStringList& row : rows) {
      QList<QStandardItem*> items;
      for (const QString& text : row) items << new QStandardItem(text);
      model->appendRow(items);
    }
    return model;
  }

 private slots:
  void csvFieldsAreQuotedOnlyWhenNeeded() {
    QCOMPARE(csvField(QStringLiteral("plain")), QStringLiteral("plain"));
    QCOMPARE(csvField(QStringLiteral("a,b")), QStringLiteral("\"a,b\""));
    QCOMPARE(csvField(QStringLiteral("say \"x\"")), QStringLiteral("\"say \"\"x\"\"\""));
    QCOMPARE(csvField(QStringLiteral("a\nb")), QStringLiteral("\"a\nb\""));
    QCOMPARE(csvField(QStringLiteral(" a")), QStringLiteral("\" a\""));
    QCOMPARE(csvField(QString()), QString());
  }

  void csvHoldsWhatTheTableShows() {
    QTableView table;
    QStandardItemModel* model = makeModel(&table);
    table.setModel(model);
    QCOMPARE(tableCsv(table),
             QStringLiteral("name,max kurtosis,note\r\n"
                            "\"bert, softmax\",3.5,\"said \"\"hi\"\"\"\r\n"
                            "opt,12,\"two\nlines\"\r\n"
                            "plain,1,\" padded\"\r\n"));
    // Sorted and filtered by a proxy, a column moved and one hidden: as on screen.
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(model);
    proxy.setFilterKeyColumn(0);
    proxy.setFilterFixedString(QStringLiteral("p"));  // "opt", "plain"
    proxy.sort(1, Qt::DescendingOrder);
    table.setModel(&proxy);
    table.horizontalHeader()->moveSection(2, 0);  // note first
    table.setColumnHidden(1, true);
    QCOMPARE(tableCsv(table), QStringLiteral("note,name\r\n\"two\nlines\",opt\r\n\" padded\",plain\r\n"));
  }

  void tsvCopiesTheSelection() {
    QTableView table;
    table.setModel(makeModel(&table));
    table.setSelectionBehavior(QAbstractItemView::SelectRows);
    table.selectRow(1);
    QCOMPARE(tableTsv(table), QStringLiteral("name\tmax kurtosis\tnote\nopt\t12\ttwo lines\n"));
    table.setSelectionBehavior(QAbstractItemView::SelectItems);
    table.clearSelection();
    table.selectionModel()->select(table.model()->index(0, 1), QItemSelectionModel::Select);
    table.selectionModel()->select(table.model()->index(2, 1), QItemSelectionModel::Select);
    QCOMPARE(tableTsv(table), QStringLiteral("3.5\n1\n"));
    QVERIFY(tableTsv(table, true).startsWith(QStringLiteral("name\tmax kurtosis\tnote\n")));
  }

  void exportWritesTheFileOrNamesTheProblem() {
    QTableView table;
    table.setModel(makeModel(&table));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("t.csv"));
    exportTableCsv(table, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()), tableCsv(table));
    try {
      exportTableCsv(table, dir.filePath(QStringLiteral("missing/t.csv")));
      QFAIL("no error for a missing folder");
    } catch (const hopscope::Error& error) {
      QVERIFY(QString::fromUtf8(error.what()).contains(QStringLiteral("missing/t.csv")));
    }
    QVERIFY_THROWS_EXCEPTION(hopscope::Error, exportTableCsv(table, dir.filePath(QStringLiteral("t.xlsx"))));
  }

  void fileNameStemsSayWhatItIs() {
    QCOMPARE(fileNameStem({QStringLiteral("bert-tiny@softmax1"), QStringLiteral("attention"), QStringLiteral("layer1"),
                           QStringLiteral("head2")}),
             QStringLiteral("bert-tiny_softmax1-attention-layer1-head2"));
    QCOMPARE(fileNameStem({QString(), QStringLiteral("outliers"), QStringLiteral("Kurtosis of block outputs")}),
             QStringLiteral("outliers-Kurtosis-of-block-outputs"));
    QCOMPARE(fileNameStem({QStringLiteral("../x/y")}), QStringLiteral("_x_y"));
  }

  void elidedModulePathsKeepTheLayerNumber() {
    const QFont font(QStringLiteral("DejaVu Sans"), 10);
    const QFontMetrics metrics(font);
    const QString path = QStringLiteral("model.decoder.layers.11.self_attn.k_proj.weight");
    QCOMPARE(elideModulePath(path, metrics, 2000), path);
    for (const int width : {260, 200, 160, 120}) {
      const QString shown = elideModulePath(path, metrics, width);
      QVERIFY2(metrics.horizontalAdvance(shown) <= width, qPrintable(shown));
      QVERIFY2(shown.contains(QStringLiteral("layers.11")), qPrintable(QStringLiteral("%1 at %2").arg(shown).arg(width)));
    }
    const QString dropped = elideModulePath(path, metrics, metrics.horizontalAdvance(path) - 20);
    QVERIFY2(dropped.endsWith(QStringLiteral("layers.11.self_attn.k_proj.weight")), qPrintable(dropped));
    QVERIFY2(elideModulePath(path, metrics, 160).endsWith(QStringLiteral("weight")), qPrintable(elideModulePath(path, metrics, 160)));
    QVERIFY(elideModulePath(QStringLiteral("bert.encoder.layer.3.output.dense"), metrics, 150).contains(QStringLiteral("layer.3")));
  }
};

int runTableExportTests(int argc, char** argv) {
  TableExportTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "table_export_test.moc"
