// Workspace files (app/workspace.h) without a window: a round trip keeps every field, paths inside
// the workspace's folder are stored relative and resolved against it, and a missing, malformed,
// foreign or newer file is an error naming the file and the problem.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "app/workspace.h"
#include "hopscope/error.h"

namespace {

void writeText(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(bytes);
}

QString errorOf(const QString& path) {
  try {
    readWorkspace(path);
  } catch (const hopscope::Error& error) {
    return QString::fromUtf8(error.what());
  }
  return {};
}

}  // namespace

class WorkspaceTest : public QObject {
  Q_OBJECT
 private slots:
  void roundTripKeepsEveryField() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("models/bert")));
    Workspace workspace;
    workspace.models = {{dir.filePath(QStringLiteral("models/bert")), QStringLiteral("softmax1")},
                        {QStringLiteral("/elsewhere/opt-tiny"), QString()}};
    workspace.text = QStringLiteral("Call me Ishmael, \"he\" said.\nSecond line");
    workspace.evaluation.dataPath = dir.filePath(QStringLiteral("text.txt"));
    workspace.evaluation.imagePath = dir.filePath(QStringLiteral("images/t10k-images-idx3-ubyte.gz"));
    workspace.evaluation.samples = 7;
    workspace.evaluation.seqLen = 32;
    workspace.evaluation.weightBits = 6;
    workspace.evaluation.activationBits = 5;
    workspace.evaluation.estimator = QStringLiteral("percentile:99.999");
    workspace.evaluation.sweepActivationBits = true;
    workspace.evaluation.unsignedGridWhenNonNegative = true;
    workspace.view = QStringLiteral("quantization");
    workspace.layer = 1;
    workspace.head = -1;
    workspace.colours = QStringLiteral("log");
    const QString path = dir.filePath(QStringLiteral("session.json"));
    writeWorkspace(workspace, path);
    QVERIFY(isWorkspaceFile(path));

    // Inside the folder: relative; elsewhere: absolute.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(root.value(QStringLiteral("hopscope_workspace")).toInt(), 1);
    QCOMPARE(root[QStringLiteral("models")][0][QStringLiteral("path")].toString(), QStringLiteral("models/bert"));
    QCOMPARE(root[QStringLiteral("models")][1][QStringLiteral("path")].toString(), QStringLiteral("/elsewhere/opt-tiny"));
    QCOMPARE(root[QStringLiteral("evaluation")][QStringLiteral("data")].toString(), QStringLiteral("text.txt"));
    QCOMPARE(root[QStringLiteral("evaluation")][QStringLiteral("images")].toString(),
             QStringLiteral("images/t10k-images-idx3-ubyte.gz"));

    const Workspace read = readWorkspace(path);
    QCOMPARE(read.models.size(), workspace.models.size());
    for (size_t i = 0; i < read.models.size(); ++i) {
      QCOMPARE(read.models[i].path, workspace.models[i].path);
      QCOMPARE(read.models[i].normalizer, workspace.models[i].normalizer);
    }
    QCOMPARE(read.models[0].argument(), dir.filePath(QStringLiteral("models/bert")) + QStringLiteral("@softmax1"));
    QCOMPARE(read.text, workspace.text);
    QVERIFY(read.evaluation == workspace.evaluation);
    QCOMPARE(read.view, workspace.view);
    QCOMPARE(read.layer, 1);
    QCOMPARE(read.head, -1);
    QCOMPARE(read.colours, QStringLiteral("log"));

    // Moved with its folder, the relative paths follow.
    QTemporaryDir moved;
    QVERIFY(QFile::copy(path, moved.filePath(QStringLiteral("session.json"))));
    QCOMPARE(readWorkspace(moved.filePath(QStringLiteral("session.json"))).models[0].path,
             moved.filePath(QStringLiteral("models/bert")));
  }

  void modelArgumentsSplitAtTheNormalizer() {
    const WorkspaceModel model = WorkspaceModel::fromArgument(QStringLiteral("/a/b@clipped:-0.025:1"));
    QCOMPARE(model.path, QStringLiteral("/a/b"));
    QCOMPARE(model.normalizer, QStringLiteral("clipped:-0.025:1"));
    QCOMPARE(WorkspaceModel::fromArgument(QStringLiteral("/a/b")).normalizer, QString());
  }

  void badFilesAreErrorsNamingFileAndProblem() {
    QTemporaryDir dir;
    const QString missing = dir.filePath(QStringLiteral("missing.json"));
    QVERIFY2(errorOf(missing).contains(missing) && errorOf(missing).contains(QStringLiteral("no such file")),
             qPrintable(errorOf(missing)));

    struct Case {
      const char* name;
      QByteArray content;
      QString expected;
    };
    const Case cases[] = {
        {"broken.json", "{\"hopscope_workspace\": 1, ", QStringLiteral("not valid JSON")},
        {"list.json", "[1, 2]", QStringLiteral("not a hopscope workspace")},
        {"foreign.json", "{\"models\": []}", QStringLiteral("not a hopscope workspace")},
        {"newer.json", "{\"hopscope_workspace\": 2}", QStringLiteral("format version 2 is newer")},
        {"older.json", "{\"hopscope_workspace\": 0}", QStringLiteral("unsupported workspace format version 0")},
        {"typed.json", "{\"hopscope_workspace\": 1, \"models\": {}}", QStringLiteral("\"models\" must be a list")},
        {"blocks.json", "{\"hopscope_workspace\": 1, \"evaluation\": {\"blocks\": \"many\"}}",
         QStringLiteral("\"evaluation.blocks\" must be a whole number")},
        {"nopath.json", "{\"hopscope_workspace\": 1, \"models\": [{\"normalizer\": \"softmax\"}]}",
         QStringLiteral("\"models[0].path\" is missing")},
        // fuzz_workspace: a number beyond int (converting it was undefined), a version as text
        {"huge.json", "{\"hopscope_workspace\": 1, \"evaluation\": {\"tokens\": 18446744073709551615}}",
         QStringLiteral("\"evaluation.tokens\" must be a whole number from 0 to 1048576")},
        {"textversion.json", "{\"hopscope_workspace\": \"1\\n2\"}", QStringLiteral("must be a number")},
    };
    for (const Case& c : cases) {
      const QString path = dir.filePath(QString::fromLatin1(c.name));
      writeText(path, c.content);
      const QString message = errorOf(path);
      QVERIFY2(message.contains(path) && message.contains(c.expected), qPrintable(c.name + QStringLiteral(": ") + message));
    }
    QVERIFY(!isWorkspaceFile(dir.filePath(QStringLiteral("foreign.json"))));
    try {
      writeWorkspace(Workspace(), dir.filePath(QStringLiteral("no/such/folder/w.json")));
      QFAIL("no error for a missing folder");
    } catch (const hopscope::Error& error) {
      QVERIFY(QString::fromUtf8(error.what()).contains(QStringLiteral("no/such/folder/w.json")));
    }
  }
};

int runWorkspaceTests(int argc, char** argv) {
  WorkspaceTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "workspace_test.moc"
