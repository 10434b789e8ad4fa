#pragma once
// The outlier analysis pass (science.md section 5): run a model over token blocks of a real corpus
// through its evaluation task, stream statistics of every tapped module and every attention head,
// evaluate the task metric, and summarise per the reference protocol its family declares. Nothing
// stores whole activations: memory does not grow with the number of samples.
#include <ATen/core/Tensor.h>

#include <vector>

#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "hopscope/model_family.h"
#include "hopscope/text_corpus.h"

namespace hopscope {

// Analyses one model on blocks made from `corpus` with the model's own tokenizer (so models sharing
// a tokenizer see identical blocks and, with the same seed, identical masks). Throws Error when
// the settings do not fit the model (evaluation_task.h) or the corpus is too short.
ModelAnalysis analyzeModel(const LoadedModel& model, const TextCorpus& corpus,
                           const AnalysisSettings& settings, const JobControl& job = {});

// The same on given token blocks (int64 [N, L]; settings.samples and seqLen are taken from them), or
// for an image model on images with labels (evaluation_task.h TaskData; seqLen = its tokens).
ModelAnalysis analyzeBlocks(const LoadedModel& model, const TaskData& blocks,
                            const AnalysisSettings& settings, const JobControl& job = {});

// The protocol figures a family declares, from per-module results (exposed for tests).
Figures protocolSummary(const std::vector<ProtocolFigure>& protocol, const std::vector<ModuleAnalysis>& modules);
Figures allModulesSummary(const std::vector<ModuleAnalysis>& modules);

}  // namespace hopscope
