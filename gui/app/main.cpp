// hopscope: the desktop workbench. `hopscope [MODEL... | WORKSPACE.json] [--demo | --demo-family F] [--view NAME]
// [--text TEXT] [--image FILE [--image-index N]] [--threads N] [--training-folder DIR [--training-plot NAME]]
// [--screenshot FILE.png]`; see design.md "hopscope (GUI)".
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QFont>
#include <QPixmap>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTimer>

#include <cstdio>

#include "app/main_window.h"
#include "hopscope/runtime.h"
#include "jobs/model_jobs.h"
#include "views/training_view.h"

namespace {

void printError(const QString& message) {
  std::fprintf(stderr, "hopscope: %s\n", message.toLocal8Bit().constData());
}

// Grabs the whole window once every pending load and run has finished; quits with 0, or 1 when
// the file cannot be written.
void screenshotWhenIdle(MainWindow& window, const QString& path) {
  auto grabAndQuit = [&window, path] {
    // Let the last results lay out and paint before grabbing.
    QTimer::singleShot(50, &window, [&window, path] {
      const QPixmap pixmap = window.grab();
      QSaveFile file(path);
      const bool saved = file.open(QIODevice::WriteOnly) && pixmap.save(&file, "PNG") && file.commit();
      if (!saved) printError(QStringLiteral("cannot write the screenshot %1: %2").arg(path, file.errorString()));
      QCoreApplication::exit(saved ? 0 : 1);
    });
  };
  if (window.jobs()->isIdle()) {
    grabAndQuit();
    return;
  }
  // A load that finishes queues its run before the jobs go idle, so idle means "all done".
  QObject::connect(window.jobs(), &ModelJobs::idle, &window, grabAndQuit, Qt::SingleShotConnection);
}

// The options, shared by the text-only path (--help, --version) and the GUI path.
struct CommandLine {
  QCommandLineParser parser;
  const QCommandLineOption view{QStringLiteral("view"),
      QStringLiteral("View to show: %1.").arg(MainWindow::viewNames().join(QStringLiteral(", "))),
      QStringLiteral("NAME"), QStringLiteral("attention")};
  const QCommandLineOption text{QStringLiteral("text"),
      QStringLiteral("Input text, run once each model has loaded (default: a sample sentence)."),
      QStringLiteral("TEXT")};
  const QCommandLineOption image{QStringLiteral("image"),
      QStringLiteral("Input image of image models (ViT): PNG, JPEG or an idx file (MNIST, Fashion-MNIST)."),
      QStringLiteral("FILE")};
  const QCommandLineOption imageIndex{QStringLiteral("image-index"),
      QStringLiteral("Which image of an idx --image file (default 0)."), QStringLiteral("N"), QStringLiteral("0")};
  const QCommandLineOption threads{QStringLiteral("threads"),
      QStringLiteral("LibTorch threads (default: HOPSCOPE_THREADS or the number of cores)."),
      QStringLiteral("N"), QStringLiteral("0")};
  const QCommandLineOption demo{QStringLiteral("demo"),
      QStringLiteral("Open the bundled demo set (resources/demo/<name>/ checkpoint folders).")};
  const QCommandLineOption demoFamily{QStringLiteral("demo-family"),
      QStringLiteral("Open the bundled demo models of one family only (bert, opt or vit): its variants side by side."),
      QStringLiteral("FAMILY")};
  const QCommandLineOption screenshot{QStringLiteral("screenshot"),
      QStringLiteral("Wait until every load and run has finished, save the window to FILE.png and exit."),
      QStringLiteral("FILE.png")};
  const QCommandLineOption trainingFolder{QStringLiteral("training-folder"),
      QStringLiteral("Open the Training view on DIR, a folder of training runs (one subfolder per run with its "
                     "training_log.jsonl, as the view's output folder; e.g. resources/demo), and show their curves."),
      QStringLiteral("DIR")};
  const QCommandLineOption windowSize{QStringLiteral("window-size"),
      QStringLiteral("Window size in pixels, e.g. 1920x1200 (default: the saved layout, else 1400x900): what "
                     "--screenshot saves."),
      QStringLiteral("WxH")};
  const QCommandLineOption trainingPlot{QStringLiteral("training-plot"),
      QStringLiteral("Curves the Training view shows: %1.").arg(TrainingView::plotNames().join(QStringLiteral(", "))),
      QStringLiteral("NAME"), QStringLiteral("loss")};

  CommandLine() {
    parser.setApplicationDescription(QStringLiteral(
        "hopscope: a workbench for activation outliers in transformers.\n"
        "MODEL is PATH[@NORMALIZER]: a checkpoint directory (config.json plus model.safetensors or\n"
        "pytorch_model.bin, plus tokenizer files), optionally with a normalizer: softmax, softmax1,\n"
        "softmax1-legacy, clipped:GAMMA:ZETA or clipped-softmax1:GAMMA:ZETA.\n"
        "WORKSPACE.json is a workspace saved with File > Save workspace (models, text, settings, view)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("MODEL"), QStringLiteral("Models or a workspace to open."),
                                 QStringLiteral("[MODEL... | WORKSPACE.json]"));
    parser.addOptions(
        {view, text, image, imageIndex, threads, demo, demoFamily, trainingFolder, trainingPlot, windowSize, screenshot});
  }
};

void setApplicationNames() {
  QCoreApplication::setApplicationName(QStringLiteral("hopscope"));
  QCoreApplication::setApplicationVersion(QStringLiteral(HOPSCOPE_VERSION));
}

// --help and --version print and exit: they must work without a display.
bool onlyPrints(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const QByteArray arg(argv[i]);
    if (arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "-v" || arg == "--version") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (onlyPrints(argc, argv)) {
    QCoreApplication app(argc, argv);
    setApplicationNames();
    CommandLine commandLine;
    commandLine.parser.process(app);  // prints and exits
    return 0;
  }
  QApplication app(argc, argv);
  setApplicationNames();
  QApplication::setFont(QFont(QStringLiteral("DejaVu Sans"), 10));

  CommandLine commandLine;
  const QCommandLineParser& parser = commandLine.parser;
  const QCommandLineOption& viewOption = commandLine.view;
  const QCommandLineOption& textOption = commandLine.text;
  const QCommandLineOption& threadsOption = commandLine.threads;
  const QCommandLineOption& screenshotOption = commandLine.screenshot;
  commandLine.parser.process(app);

  bool threadsOk = false;
  const int threads = parser.value(threadsOption).toInt(&threadsOk);
  if (!threadsOk || threads < 0) {
    printError(QStringLiteral("--threads wants a whole number >= 0, got '%1'").arg(parser.value(threadsOption)));
    return 2;
  }
  hopscope::configureThreads(threads);

  if (!MainWindow::viewNames().contains(parser.value(viewOption).toLower())) {
    printError(QStringLiteral("unknown view '%1' (available: %2)")
                   .arg(parser.value(viewOption), MainWindow::viewNames().join(QStringLiteral(", "))));
    return 2;
  }
  if (!TrainingView::plotNames().contains(parser.value(commandLine.trainingPlot).toLower())) {
    printError(QStringLiteral("unknown training plot '%1' (available: %2)")
                   .arg(parser.value(commandLine.trainingPlot), TrainingView::plotNames().join(QStringLiteral(", "))));
    return 2;
  }
  const QStringList trainingFolders = parser.values(commandLine.trainingFolder);
  if (trainingFolders.size() > 1) {
    printError(QStringLiteral("--training-folder is given once: the folder that holds the runs, one subfolder each"));
    return 2;
  }
  if (!trainingFolders.isEmpty() && !QFileInfo(trainingFolders.front()).isDir()) {
    printError(QStringLiteral("--training-folder: '%1' is not a folder").arg(trainingFolders.front()));
    return 2;
  }
  QSize size;
  if (parser.isSet(commandLine.windowSize)) {
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("^(\\d{3,5})x(\\d{3,5})$")).match(parser.value(commandLine.windowSize));
    size = match.hasMatch() ? QSize(match.captured(1).toInt(), match.captured(2).toInt()) : QSize();
    if (!size.isValid() || size.width() < 640 || size.height() < 480 || size.width() > 8192 || size.height() > 8192) {
      printError(QStringLiteral("--window-size wants WIDTHxHEIGHT in pixels from 640x480 to 8192x8192, got '%1'")
                     .arg(parser.value(commandLine.windowSize)));
      return 2;
    }
  }
  MainWindow window;
  if (size.isValid()) window.resize(size);  // after the saved layout, which the constructor restores
  window.setInputText(MainWindow::defaultText());
  // A workspace sets models, text, settings and view; explicit options then override it.
  QStringList models;
  bool workspaceOpened = false;
  for (const QString& argument : parser.positionalArguments()) {
    const QFileInfo info(argument);
    if (info.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0 && !argument.contains(QLatin1Char('@'))) {
      if (workspaceOpened || !models.isEmpty()) {
        printError(QStringLiteral("a workspace opens alone: give either WORKSPACE.json or MODELs"));
        return 2;
      }
      workspaceOpened = true;
      if (!window.openWorkspace(argument)) printError(window.errorText());
    } else {
      if (workspaceOpened) {
        printError(QStringLiteral("a workspace opens alone: give either WORKSPACE.json or MODELs"));
        return 2;
      }
      models << argument;
    }
  }
  if (!workspaceOpened || parser.isSet(viewOption)) window.showView(parser.value(viewOption));
  // The Training view on the runs; an explicit --view still chooses what is shown.
  if (!trainingFolders.isEmpty()) {
    if (!window.openTrainingFolder(trainingFolders.front())) printError(window.errorText());
    if (parser.isSet(viewOption)) window.showView(parser.value(viewOption));
  }
  window.trainingView()->showPlot(parser.value(commandLine.trainingPlot));
  if (parser.isSet(textOption)) window.setInputText(parser.value(textOption));
  if (parser.isSet(commandLine.image)) {
    bool indexOk = false;
    const int index = parser.value(commandLine.imageIndex).toInt(&indexOk);
    if (!indexOk || index < 0) {
      printError(QStringLiteral("--image-index wants a whole number >= 0, got '%1'").arg(parser.value(commandLine.imageIndex)));
      return 2;
    }
    // A bad image is reported and shown in the window's banner; the window opens anyway.
    if (!window.openImage(parser.value(commandLine.image), index)) printError(window.errorText());
  }
  if (parser.isSet(commandLine.demoFamily)) {
    if (!window.openDemoSet(parser.value(commandLine.demoFamily))) printError(window.errorText());
  } else if (parser.isSet(commandLine.demo) && !window.openDemoSet()) {
    printError(window.errorText());
  }
  for (const QString& model : models) window.openModel(model);
  window.show();

  if (parser.isSet(screenshotOption)) screenshotWhenIdle(window, parser.value(screenshotOption));
  return app.exec();
}
