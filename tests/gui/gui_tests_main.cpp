// One executable for every GUI test class; each runs under QT_QPA_PLATFORM=offscreen (set by
// ctest, and here as a fallback so the binary also runs by hand without a display). QSettings (window
// layout, recent files) go to a temporary folder, for this process and the hopscope processes the
// tests start, so no test reads or changes the user's settings.
#include <QApplication>
#include <QSettings>
#include <QTemporaryDir>

int runLoadedModelsModelTests(int argc, char** argv);
int runHeatmapPlotTests(int argc, char** argv);
int runFigurePlotTests(int argc, char** argv);
int runMainWindowTests(int argc, char** argv);
int runScreenshotTests(int argc, char** argv);
int runOutlierViewTests(int argc, char** argv);
int runQuantizationViewTests(int argc, char** argv);
int runEvaluationViewsTests(int argc, char** argv);
int runTrainingViewTests(int argc, char** argv);
int runAttentionViewTests(int argc, char** argv);
int runImageAttentionTests(int argc, char** argv);
int runImageEvaluationTests(int argc, char** argv);
int runActivationsViewTests(int argc, char** argv);
int runTableExportTests(int argc, char** argv);
int runWorkspaceTests(int argc, char** argv);
int runAppShellTests(int argc, char** argv);
int runUiStallTests(int argc, char** argv);
int runOutlierAttentionTests(int argc, char** argv);

// HOPSCOPE_GUI_TESTS=AppShell,Workspace runs only those classes (names without "Tests").
static bool selected(const char* name) {
  const QByteArray only = qgetenv("HOPSCOPE_GUI_TESTS");
  return only.isEmpty() || only.split(',').contains(QByteArray(name));
}

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QTemporaryDir settingsDir;
  qputenv("XDG_CONFIG_HOME", settingsDir.path().toLocal8Bit());
  QApplication app(argc, argv);
  for (QSettings::Format format : {QSettings::NativeFormat, QSettings::IniFormat})
    QSettings::setPath(format, QSettings::UserScope, settingsDir.path());
  int failures = 0;
  if (selected("LoadedModelsModel")) failures += runLoadedModelsModelTests(argc, argv);
  if (selected("HeatmapPlot")) failures += runHeatmapPlotTests(argc, argv);
  if (selected("FigurePlot")) failures += runFigurePlotTests(argc, argv);
  if (selected("MainWindow")) failures += runMainWindowTests(argc, argv);
  if (selected("Screenshot")) failures += runScreenshotTests(argc, argv);
  if (selected("OutlierView")) failures += runOutlierViewTests(argc, argv);
  if (selected("QuantizationView")) failures += runQuantizationViewTests(argc, argv);
  if (selected("EvaluationViews")) failures += runEvaluationViewsTests(argc, argv);
  if (selected("TrainingView")) failures += runTrainingViewTests(argc, argv);
  if (selected("TableExport")) failures += runTableExportTests(argc, argv);
  if (selected("Workspace")) failures += runWorkspaceTests(argc, argv);
  if (selected("AppShell")) failures += runAppShellTests(argc, argv);
  if (selected("UiStall")) failures += runUiStallTests(argc, argv);
  if (selected("AttentionView")) failures += runAttentionViewTests(argc, argv);
  if (selected("ImageAttention")) failures += runImageAttentionTests(argc, argv);
  if (selected("ImageEvaluation")) failures += runImageEvaluationTests(argc, argv);
  if (selected("ActivationsView")) failures += runActivationsViewTests(argc, argv);
  if (selected("OutlierAttention")) failures += runOutlierAttentionTests(argc, argv);
  return failures == 0 ? 0 : 1;
}
