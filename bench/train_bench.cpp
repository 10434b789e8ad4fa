// Benchmark (not a test): the median time of a training step (forward, loss, backward, clipping,
// AdamW) for the demo set's model size, per family, with the plain softmax and the gated softmax1
// variant, as `hopscope-cli train` runs it. Compare with bench/pytorch_train_step.py, the same
// models in PyTorch eager mode, run on the same machine with the same thread count.
//
//   train_bench [--threads N] [--steps S] [--family NAME] [--plain]
//
// --family runs one family only; --plain only its plain softmax variant (what the PyTorch script has).
// The image family (vit) trains at the ViT demo size on Fashion-MNIST (skipped when Debian's
// dataset-fashion-mnist is not installed).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "hopscope/error.h"
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
    const bool valued = option == "--threads" || option == "--steps" || option == "--family";
    if (option == "--plain") plainOnly = true;
    else if (valued && i + 1 < argc && option == "--threads") threads = std::atoi(argv[++i]);
    else if (valued && i + 1 < argc && option == "--steps") steps = std::atoll(argv[++i]);
    else if (valued && i + 1 < argc && option == "--family") onlyFamily = argv[++i];
    else {
      std::fprintf(stderr, "usage: train_bench [--threads N] [--steps S] [--family NAME] [--plain]\n");
      return 2;
    }
  }
  const std::string fashion = "/usr/share/datasets/fashion-mnist";
  std::printf("%d threads, %lld steps per run\n", configureThreads(threads), static_cast<long long>(steps));
  const std::string resources = HOPSCOPE_RESOURCES_DIR;
  for (const ModelFamily* family : modelFamilies())
    for (const auto& [normalizer, gated] : {std::pair{"softmax", false}, std::pair{"softmax1", true}}) {
      if ((!onlyFamily.empty() && family->name != onlyFamily) || (plainOnly && gated)) continue;
      TrainingSettings s;
      s.family = family->name;
      s.normalizer = parseNormalizer(normalizer);
      s.gate = gated ? (family->name == modelFamilies().front()->name ? GateKind::Mlp : GateKind::Linear) : GateKind::None;
      const bool images = family->task == TaskKind::ImageClassification;
      s.layers = 4;
      s.hidden = 128;
      s.heads = 4;
      s.ffn = 512;
      if (images) {  // the ViT demo size (scripts/train_demo.sh): 28 x 28 in 7 x 7 patches, 17 tokens
        s.data = fashion + "/train-images-idx3-ubyte.gz";
        s.evalData = fashion + "/t10k-images-idx3-ubyte.gz";
        if (!fs::exists(s.data)) continue;
        s.patchSize = 7;
        s.batch = 64;
      } else {
        s.data = resources + "/corpora/moby-dick-train.txt";
        s.evalData = resources + "/corpora/moby-dick-eval.txt";
        s.vocabSize = 4096;  // the demo set's size (scripts/train_demo.sh)
        s.seqLen = 128;
        s.batch = 32;
      }
      s.steps = steps;
      s.evalEvery = steps;
      s.evalSamples = 8;
      const fs::path out = fs::temp_directory_path() / ("hopscope-train-bench-" + family->name + "-" + normalizer);
      fs::remove_all(out);
      TrainingResult result;
      try {
        result = train(s, out.string(), false);
      } catch (const Error& error) {
        std::fprintf(stderr, "%s: %s\n", family->name.c_str(), error.what());
        return 1;
      }
      fs::remove_all(out);
      const int64_t tokensPerSample = images ? (28 / s.patchSize) * (28 / s.patchSize) + 1 : s.seqLen;
      const double tokens = static_cast<double>(s.batch * tokensPerSample);
      std::printf("%-5s %-9s gate %-6s  median %.3f s/step  %.2f steps/s  %.0f tokens/s\n", family->name.c_str(),
                  normalizer, gateKindName(s.gate).c_str(), result.secondsPerStep, 1.0 / result.secondsPerStep,
                  tokens / result.secondsPerStep);
    }
  return 0;
}
