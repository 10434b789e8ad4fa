// The hopscope binary end to end: --screenshot waits for the load and the run, writes the window
// as a PNG and exits 0; an unwritable screenshot path exits 1 with a message; a bad --view is a
// usage error (2), so are a --training-folder that is no folder and an unknown --training-plot;
// --help and --version work without a display.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Outcome {
  int exitCode = -1;
  QString errors;
  QString output;
};

// withDisplay false: no platform plugin is forced and no display variable is passed, as in a
// plain terminal without X.
Outcome runHopscope(const QStringList& arguments, bool withDisplay = true) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  if (withDisplay) {
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
  } else {
    for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) environment.remove(QString::fromLatin1(name));
  }
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(HOPSCOPE_GUI_BINARY), arguments);
  if (!process.waitForFinished(120000)) {
    process.kill();
    process.waitForFinished();
    return {};
  }
  Outcome outcome;
  outcome.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  outcome.errors = QString::fromLocal8Bit(process.readAllStandardError());
  outcome.output = QString::fromLocal8Bit(process.readAllStandardOutput());
  return outcome;
}

const QString kBert = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/bert-tiny");

}  // namespace

class ScreenshotTest : public QObject {
  Q_OBJECT
 private slots:
  void screenshotOfALoadedModelIsAWholePng() {
    if (!QFileInfo::exists(kBert + "/config.json")) QSKIP("fixture bert-tiny missing");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("window.png"));
    const Outcome outcome = runHopscope({kBert, QStringLiteral("--view"), QStringLiteral("attention"),
                                         QStringLiteral("--screenshot"), path});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.errors));
    const QImage image(path);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 1000 && image.height() >= 700);
  }

  void windowSizeSetsTheScreenshotsSize() {
    if (!QFileInfo::exists(kBert + "/config.json")) QSKIP("fixture bert-tiny missing");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("window.png"));
    const Outcome outcome = runHopscope({kBert, QStringLiteral("--window-size"), QStringLiteral("1700x1050"),
                                         QStringLiteral("--screenshot"), path});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.errors));
    QCOMPARE(QImage(path).size(), QSize(1700, 1050));
    for (const char* bad : {"1700", "1700x", "10x10", "99999x1000"}) {
      const Outcome usage = runHopscope({QStringLiteral("--window-size"), QLatin1String(bad)});
      QCOMPARE(usage.exitCode, 2);
      QVERIFY2(usage.errors.contains(QStringLiteral("--window-size wants WIDTHxHEIGHT")), qPrintable(usage.errors));
    }
  }

  void unwritableScreenshotExitsOneWithAMessage() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing/window.png"));
    const Outcome outcome = runHopscope({QStringLiteral("--screenshot"), path});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.errors.contains(path), qPrintable(outcome.errors));
    QVERIFY(!QFileInfo::exists(path));
  }

  void helpAndVersionNeedNoDisplay() {
    const Outcome help = runHopscope({QStringLiteral("--help")}, false);
    QVERIFY2(help.exitCode == 0, qPrintable(help.errors));
    QVERIFY2(help.output.contains(QStringLiteral("--screenshot")), qPrintable(help.output));
    const Outcome version = runHopscope({QStringLiteral("--version")}, false);
    QVERIFY2(version.exitCode == 0, qPrintable(version.errors));
    QVERIFY2(version.output.startsWith(QStringLiteral("hopscope ")), qPrintable(version.output));
  }

  void trainingFolderScreenshotAndItsUsageErrors() {
    const QString run = QStringLiteral(HOPSCOPE_RESOURCES_DIR "/demo/bert-softmax-none");
    if (!QFileInfo::exists(run + "/training_log.jsonl")) QSKIP("demo runs missing");
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("runs")));
    const QString runs = dir.filePath(QStringLiteral("runs"));
    QVERIFY(QFile::link(run, runs + QStringLiteral("/bert-softmax-none")));
    const QString path = dir.filePath(QStringLiteral("training.png"));
    const Outcome outcome = runHopscope({QStringLiteral("--training-folder"), runs, QStringLiteral("--training-plot"),
                                         QStringLiteral("kurtosis"), QStringLiteral("--screenshot"), path});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.errors));
    QVERIFY(!QImage(path).isNull());

    const Outcome missing = runHopscope({QStringLiteral("--training-folder"), dir.filePath(QStringLiteral("missing")),
                                         QStringLiteral("--screenshot"), QStringLiteral("/dev/null")});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY2(missing.errors.contains(QStringLiteral("is not a folder")), qPrintable(missing.errors));
    const Outcome badPlot = runHopscope({QStringLiteral("--training-plot"), QStringLiteral("nonsense"),
                                         QStringLiteral("--screenshot"), QStringLiteral("/dev/null")});
    QCOMPARE(badPlot.exitCode, 2);
    QVERIFY2(badPlot.errors.contains(QStringLiteral("unknown training plot 'nonsense'")), qPrintable(badPlot.errors));
  }

  void unknownViewIsAUsageError() {
    const Outcome outcome = runHopscope({QStringLiteral("--view"), QStringLiteral("nonsense"),
                                         QStringLiteral("--screenshot"), QStringLiteral("/dev/null")});
    QCOMPARE(outcome.exitCode, 2);
    QVERIFY(outcome.errors.contains(QStringLiteral("unknown view 'nonsense'")));
  }
};

int runScreenshotTests(int argc, char** argv) {
  ScreenshotTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "screenshot_test.moc"
