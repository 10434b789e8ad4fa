#pragma once
// The outlier analysis pass (science.md section 5): run a model over token blocks of a real corpus,
// stream statistics of every tapped module and every attention head, evaluate the task metric, and
// summarise per the reference protocol of the model's family. Nothing stores whole activations:
// memory does not grow with the number of samples.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hopscope/activation_statistics.h"
#include "hopscope/attention_head_statistics.h"
#include "hopscope/job_control.h"
#include "hopscope/loaded_model.h"
#include "hopscope/perplexity.h"
#include "hopscope/text_corpus.h"

namespace hopscope {

struct AnalysisSettings {
  int64_t samples = 64;    // token blocks (sequences) to evaluate
  int64_t seqLen = 128;    // tokens per block
  int64_t batch = 8;       // blocks per forward
  double maskProb = 0.15;  // BERT: masked-LM masking probability (0: unmasked input, no metric)
  uint64_t seed = 0;       // BERT masking seed
};

struct ModuleAnalysis {
  std::string name;              // Hugging Face module path (or "<module>.input")
  std::string aliasOf;           // non-empty when the same tensor was tapped under another name
  ModuleStatistics stats{RowMode::PerSample};
  std::string maxAbsToken;       // display text of the token holding the global max |x|
};

struct AttentionAnalysis {
  std::string module;  // attention module path
  AttentionHeadStatistics heads;
};

using Figures = std::vector<std::pair<std::string, double>>;  // ordered name -> value

struct ModelAnalysis {
  ModelInfo info;
  std::string metricName;        // "perplexity" (masked LM or causal LM)
  double metricValue = 0;        // token-weighted; NaN when not computed (e.g. --mask-prob 0)
  double metricBatchMean = 0;    // the reference scripts' mean over batches of the batch loss
  int64_t metricPredictions = 0;
  int64_t samples = 0, tokens = 0;
  std::vector<ModuleAnalysis> modules;        // in forward order
  std::vector<AttentionAnalysis> attention;   // in layer order
  Figures summary;      // the family's reference-protocol figures
  Figures allModules;   // the same kind of figures over every tracked module
};

// Analyses one model on blocks made from `corpus` with the model's own tokenizer (so models sharing
// a tokenizer see identical blocks and, with the same seed, identical masks). Throws Error when the
// model has no tokenizer, the corpus is too short, or seqLen exceeds the position table.
ModelAnalysis analyzeModel(const LoadedModel& model, const TextCorpus& corpus,
                           const AnalysisSettings& settings, const JobControl& job = {});

// The same on given token blocks (int64 [N, L]); settings.samples and seqLen are taken from them.
ModelAnalysis analyzeBlocks(const LoadedModel& model, const at::Tensor& blocks,
                            const AnalysisSettings& settings, const JobControl& job = {});

// The protocol figures of science.md section 5 from per-module results (exposed for tests).
Figures protocolSummary(const std::string& family, const std::vector<ModuleAnalysis>& modules);
Figures allModulesSummary(const std::vector<ModuleAnalysis>& modules);

}  // namespace hopscope
