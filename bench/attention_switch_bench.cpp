// Times switches of the attention grid: five variants, 512 tokens each (synthetic runs,
// 4 layers × 8 heads), offscreen. One switch = building every pane's map and no-op strip, writing
// the colour maps and redrawing every pane. Prints the median of N switches of each kind (target:
// ≤ 50 ms): a layer switch (head 0), a head switch (same layer), and a switch to the mean over
// heads, which also moves to the next layer (setLayer, then setHead(-1): two rebuilds).
//
//   QT_QPA_PLATFORM=offscreen build/bench/attention_switch_bench [N] [TOKENS]
#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "plots/heatmap_plot.h"
#include "views/attention_grid.h"
#include "views/loaded_models_model.h"

namespace {

hopscope::TextRunResult syntheticRun(int tokens, int layers, int heads, unsigned seed) {
  std::mt19937 random(seed);
  std::exponential_distribution<float> weight(1.0f);
  hopscope::TextRunResult run;
  for (int t = 0; t < tokens; ++t) {
    run.ids.push_back(t);
    run.tokens.push_back("tok" + std::to_string(t));
  }
  run.displayTokens = run.tokens;
  for (int layer = 0; layer < layers; ++layer) {
    hopscope::AttentionProbabilities attention;
    attention.layer = layer;
    attention.heads = heads;
    attention.queries = attention.keys = tokens;
    attention.probs.resize(static_cast<size_t>(heads) * tokens * tokens);
    for (int row = 0; row < heads * tokens; ++row) {
      float* p = attention.probs.data() + static_cast<size_t>(row) * tokens;
      float sum = 0;
      for (int k = 0; k < tokens; ++k) sum += p[k] = weight(random);
      for (int k = 0; k < tokens; ++k) p[k] /= sum * 1.05f;  // rows sum to < 1, as softmax1's may
    }
    run.attention.push_back(std::move(attention));
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 21;
  const int tokens = argc > 2 ? std::max(2, std::atoi(argv[2])) : 512;
  constexpr int kVariants = 5, kLayers = 4, kHeads = 8;

  LoadedModelsModel models;
  for (int v = 0; v < kVariants; ++v) {
    const int id = models.addLoading(QStringLiteral("variant-%1").arg(v));
    models.setRunResult(id, syntheticRun(tokens, kLayers, kHeads, 1234u + static_cast<unsigned>(v)));
  }
  AttentionGrid grid(&models);
  grid.resize(1500, 1000);
  grid.show();
  QApplication::processEvents();

  auto switchTo = [&](int layer, int head) {
    grid.setLayer(layer);
    grid.setHead(head);
    for (int pane = 0; pane < grid.paneCount(); ++pane) grid.pane(pane)->replot();  // draw now
    QApplication::processEvents();
  };
  switchTo(1, 0);  // warm up
  std::vector<double> layerMs, headMs, meanMs;
  for (int i = 0; i < repeats; ++i) {
    QElapsedTimer clock;
    clock.start();
    switchTo(i % kLayers, 0);
    layerMs.push_back(clock.nsecsElapsed() / 1e6);
    clock.restart();
    switchTo(i % kLayers, 1 + i % (kHeads - 1));
    headMs.push_back(clock.nsecsElapsed() / 1e6);
    clock.restart();
    switchTo((i + 1) % kLayers, -1);
    meanMs.push_back(clock.nsecsElapsed() / 1e6);
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  std::printf("attention grid, %d variants × %d tokens, %d switches each (median):\n", kVariants, tokens, repeats);
  std::printf("  layer switch (one head): %.1f ms\n", median(layerMs));
  std::printf("  head switch:             %.1f ms\n", median(headMs));
  std::printf("  switch to head mean:     %.1f ms\n", median(meanMs));
  return 0;
}
