// Benchmark (not a test): the median time of a training step (forward, loss, backward, clipping,
// AdamW) for the demo set's model size, per family, with the plain softmax and the gated softmax1
// variant, as `hopscope-cli train` runs it. Compare with bench/pytorch_train_step.py, the same
// models in PyTorch eager mode, run on the same machine with the same thread count.
//
//   train_bench [--threads N] [--steps S] [--family NAME] [--plain]
//
// --family runs one family only; --plain only its plain softmax variant (what the PyTorch script has).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "hopscope/model_family.h"
#include "hopscope/runtime.h"
#include "hopscope/trainer.h"

using namespace hopscope;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  int threads = 0;
  int64_t steps = 20;
  std::string onlyFamily;
  bool plainOnly = false;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "--plain") plainOnly = true;
    else if (i + 1 >= argc) break;
    else if (option == "--threads") threads = std::atoi(argv[++i]);
    else if (option == "--steps") steps = std::atoll(argv[++i]);
    else if (option == "--family") onlyFamily = argv[++i];
  }
  std::printf("%d threads, %lld steps per run\n", configureThreads(threads), static_cast<long long>(steps));
  const std::string resources = HOPSCOPE_RESOURCES_DIR;
  for (const ModelFamily* family : modelFamilies())
    for (const auto& [normalizer, gated] : {std::pair{"softmax", false}, std::pair{"softmax1", true}}) {
      if ((!onlyFamily.empty() && family->name != onlyFamily) || (plainOnly && gated)) continue;
      TrainingSettings s;
      s.family = family->name;
      s.normalizer = parseNormalizer(normalizer);
      s.gate = gated ? (family->name == modelFamilies().front()->name ? GateKind::Mlp : GateKind::Linear) : GateKind::None;
      s.data = resources + "/corpora/moby-dick-train.txt";
      s.evalData = resources + "/corpora/moby-dick-eval.txt";
      s.vocabSize = 4096;  // the demo set's size (scripts/train_demo.sh)
      s.layers = 4;
      s.hidden = 128;
      s.heads = 4;
      s.ffn = 512;
      s.seqLen = 128;
      s.batch = 32;
      s.steps = steps;
      s.evalEvery = steps;
      s.evalSamples = 8;
      const fs::path out = fs::temp_directory_path() / ("hopscope-train-bench-" + family->name + "-" + normalizer);
      fs::remove_all(out);
      const TrainingResult result = train(s, out.string(), false);
      fs::remove_all(out);
      const double tokens = static_cast<double>(s.batch * s.seqLen);
      std::printf("%-5s %-9s gate %-6s  median %.3f s/step  %.2f steps/s  %.0f tokens/s\n", family->name.c_str(),
                  normalizer, gateKindName(s.gate).c_str(), result.secondsPerStep, 1.0 / result.secondsPerStep,
                  tokens / result.secondsPerStep);
    }
  return 0;
}
