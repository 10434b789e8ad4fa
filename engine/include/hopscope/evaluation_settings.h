#pragma once
// The settings and data identity every evaluation records (analysis, quantization, training
// evaluations), and the task metric they report. Torch-free: part of the results the GUI shows.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace hopscope {

struct EvaluationSettings {
  int64_t samples = 64;    // token blocks (sequences) to evaluate
  int64_t seqLen = 128;    // tokens per block
  int64_t batch = 8;       // blocks per forward
  double maskProb = 0.15;  // masked LM: masking probability (0: unmasked input, no metric)
  uint64_t seed = 0;       // masked LM: masking seed
  bool perClass = false;   // image classification: also report the accuracy per class
};

// Which data an evaluation read (text_corpus.h's identity of a corpus).
struct DataSource {
  std::string path;
  std::vector<std::string> files;  // the files read, in reading order
  int64_t bytes = 0;
  std::string fingerprint;
  int64_t documents = 0;
};

// One class of a classifier's evaluation.
struct ClassScore {
  int64_t label = 0;
  std::string name;  // from the config's id2label, or empty
  int64_t count = 0, correct = 0;
};

struct MetricValue {
  std::string name;  // "masked_lm_perplexity" | "causal_lm_perplexity" | "top1_accuracy"
  double value = std::numeric_limits<double>::quiet_NaN();      // token-weighted; NaN: not computed
  double batchMean = std::numeric_limits<double>::quiet_NaN();  // the reference scripts' average
  int64_t predictions = 0;
  // Image classification: mean cross-entropy (nats) over the images, and per class on request.
  double crossEntropy = std::numeric_limits<double>::quiet_NaN();
  std::vector<ClassScore> perClass;
};

}  // namespace hopscope
