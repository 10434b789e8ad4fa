// LoadedModelsModel on its own (no engine work): Qt's model checker while rows come and go, and
// the states a row shows before any model has loaded.
#include <QAbstractItemModelTester>
#include <QIcon>
#include <QImage>
#include <QSignalSpy>
#include <QtTest>

#include "views/loaded_models_model.h"
#include "plots/model_palette.h"

namespace {

// The colour in the middle of a row's Name swatch.
QColor swatchColour(const LoadedModelsModel& model, int row) {
  const QIcon icon = model.index(row, LoadedModelsModel::Name).data(Qt::DecorationRole).value<QIcon>();
  const QImage image = icon.pixmap(QSize(12, 12)).toImage();
  return image.pixelColor(image.width() / 2, image.height() / 2);
}

}  // namespace

class LoadedModelsModelTest : public QObject {
  Q_OBJECT
 private slots:
  void passesTheModelTesterWhileRowsChange() {
    LoadedModelsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const int a = model.addLoading(QStringLiteral("/models/bert-tiny@softmax1"));
    const int b = model.addLoading(QStringLiteral("/models/opt-tiny/"));
    const int c = model.addLoading(QStringLiteral("relative/path"));
    model.setFailed(b, QStringLiteral("config.json is missing"));
    model.setRunning(a);  // no model yet: stays Loading
    QVERIFY(model.removeRows(0, 1));
    QVERIFY(!model.removeRows(5, 1));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOfId(a), -1);
    QCOMPARE(model.rowOfId(b), 0);
    QCOMPARE(model.rowOfId(c), 1);
  }

  void showsTheRequestedNameAndStateBeforeLoading() {
    LoadedModelsModel model;
    const int a = model.addLoading(QStringLiteral("/models/bert-tiny@softmax1"));
    const int b = model.addLoading(QStringLiteral("/models/opt-tiny/"));
    QCOMPARE(model.columnCount(), 7);
    QCOMPARE(model.headerData(LoadedModelsModel::Size, Qt::Horizontal).toString(),
             QStringLiteral("Layers×Hidden"));
    QCOMPARE(model.index(0, LoadedModelsModel::Name).data().toString(),
             QStringLiteral("bert-tiny@softmax1"));
    QCOMPARE(model.index(1, LoadedModelsModel::Name).data().toString(), QStringLiteral("opt-tiny"));
    QCOMPARE(model.index(0, LoadedModelsModel::Status).data().toString(), QStringLiteral("loading…"));
    QCOMPARE(model.index(0, LoadedModelsModel::Gate).data(LoadedModelsModel::ModelIdRole).toInt(), a);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setFailed(b, QStringLiteral("/models/opt-tiny: config.json not found"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(1, LoadedModelsModel::Status).data().toString(),
             QStringLiteral("/models/opt-tiny: config.json not found"));
    QVERIFY(model.index(1, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("error: ")));
    QVERIFY(model.index(1, LoadedModelsModel::Status).data(Qt::ForegroundRole).isValid());
    QVERIFY(!model.index(0, LoadedModelsModel::Status).data(Qt::ForegroundRole).isValid());
  }

  void theNameShowsTheRowsPaletteColour() {
    LoadedModelsModel model;
    const int a = model.addLoading(QStringLiteral("/models/bert-tiny"));
    model.addLoading(QStringLiteral("/models/opt-tiny"));
    model.addLoading(QStringLiteral("/models/opt-tiny@softmax1"));
    for (int row = 0; row < 3; ++row) QCOMPARE(swatchColour(model, row), modelColour(row));
    QVERIFY(!model.index(0, LoadedModelsModel::Status).data(Qt::DecorationRole).isValid());
    // Removing a row moves the rows below up a slot, and says so.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(model.removeRows(model.rowOfId(a), 1));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
    QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 1);
    QCOMPARE(swatchColour(model, 0), modelColour(0));
    QCOMPARE(swatchColour(model, 1), modelColour(1));
  }
};

int runLoadedModelsModelTests(int argc, char** argv) {
  LoadedModelsModelTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "loaded_models_model_test.moc"
