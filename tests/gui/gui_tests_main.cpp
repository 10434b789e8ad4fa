// One executable for every GUI test class; each runs under QT_QPA_PLATFORM=offscreen (set by
// ctest, and here as a fallback so the binary also runs by hand without a display).
#include <QApplication>

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
int runActivationsViewTests(int argc, char** argv);

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  int failures = 0;
  failures += runLoadedModelsModelTests(argc, argv);
  failures += runHeatmapPlotTests(argc, argv);
  failures += runFigurePlotTests(argc, argv);
  failures += runMainWindowTests(argc, argv);
  failures += runScreenshotTests(argc, argv);
  failures += runOutlierViewTests(argc, argv);
  failures += runQuantizationViewTests(argc, argv);
  failures += runEvaluationViewsTests(argc, argv);
  failures += runTrainingViewTests(argc, argv);
  failures += runAttentionViewTests(argc, argv);
  failures += runActivationsViewTests(argc, argv);
  return failures == 0 ? 0 : 1;
}
