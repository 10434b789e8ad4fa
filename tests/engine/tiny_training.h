#pragma once
// Training settings small enough for unit tests: a few milliseconds per step.
#include <string>

#include "hopscope/trainer.h"

namespace hopscope::test {

// A tiny model of a text family on Moby-Dick with the family's fixture tokenizer.
inline TrainingSettings tinyTraining(const std::string& family) {
  const std::string fixtures = HOPSCOPE_FIXTURES_DIR, resources = HOPSCOPE_RESOURCES_DIR;
  TrainingSettings s;
  s.family = family;
  s.data = resources + "/corpora/moby-dick-train.txt";
  s.evalData = resources + "/corpora/moby-dick-eval.txt";
  s.tokenizerDir = fixtures + "/models/" + family + "-tiny";
  s.layers = 2;
  s.hidden = 32;
  s.heads = 4;
  s.ffn = 64;
  s.seqLen = 32;
  s.batch = 4;
  s.steps = 24;
  s.warmup = 4;
  s.learningRate = 2e-3;
  s.evalEvery = 8;
  s.evalSamples = 4;
  return s;
}

// A tiny ViT on the 24 Fashion-MNIST fixture images (28 x 28, patch 7: 17 tokens).
inline TrainingSettings tinyVitTraining() {
  TrainingSettings s = tinyTraining("bert");
  s.family = "vit";
  s.data = s.evalData = std::string(HOPSCOPE_FIXTURES_DIR) + "/images/fashion24-images-idx3-ubyte.gz";
  s.tokenizerDir.clear();
  s.patchSize = 7;
  s.evalSamples = 8;
  s.learningRate = 1e-2;
  return s;
}

}  // namespace hopscope::test
