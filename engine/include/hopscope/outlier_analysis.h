#pragma once
// The outlier analysis pass (science.md section 5): run a model over token blocks of a real corpus
// through its evaluation task, stream statistics of every tapped module and every attention head,
// evaluate the task metric, and summarise per the reference protocol its family declares. Nothing
// stores whole activations: memory does not grow with the number of samples.
#include <ATen/core/Tensor.h>

#include <optional>
#include <utility>
#include <vector>

#include "hopscope/analysis_part.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "hopscope/model_family.h"
#include "hopscope/text_corpus.h"

namespace hopscope {

class DistributedGroup;

// Analyses one model on blocks made from `corpus` with the model's own tokenizer (so models sharing
// a tokenizer see identical blocks and, with the same seed, identical masks). Throws Error when
// the settings do not fit the model (evaluation_task.h) or the corpus is too short.
ModelAnalysis analyzeModel(const LoadedModel& model, const TextCorpus& corpus,
                           const AnalysisSettings& settings, const JobControl& job = {});

// The same on given token blocks (int64 [N, L]; settings.samples and seqLen are taken from them), or
// for an image model on images with labels (evaluation_task.h TaskData; seqLen = its tokens).
ModelAnalysis analyzeBlocks(const LoadedModel& model, const TaskData& blocks,
                            const AnalysisSettings& settings, const JobControl& job = {});

// The same in parts: the statistics of blocks [begin, end) of `data` (begin a multiple of
// settings.batch, so the metric sees the batches of a whole run), recorded under their global
// block indices (masks and max |x| locations as in a run over all of `data`) ...
AnalysisPart analyzeBlockRange(const LoadedModel& model, const TaskData& data, const AnalysisSettings& settings,
                               int64_t begin, int64_t end, const JobControl& job = {});
// ... and the analysis of all of `data` from the merge of its parts: the metric, the tokens
// holding the maxima, the summaries. analyzeBlocks = finishAnalysis(analyzeBlockRange(all)).
ModelAnalysis finishAnalysis(const LoadedModel& model, const TaskData& data, const AnalysisSettings& settings,
                             AnalysisPart whole);

// The blocks [first, second) rank `rank` of `world` analyses: a contiguous run of whole batches,
// the batches spread as evenly as possible (a rank may get none when there are fewer batches).
std::pair<int64_t, int64_t> shardOfBlocks(int64_t blocks, int64_t batch, int rank, int world);

// analyzeBlocks and analyzeModel sharded over the ranks of `group` (distributed.h): every rank
// passes the same model, data and settings, analyses its shardOfBlocks, and rank 0 merges the
// parts in block order. Returns the analysis on rank 0 (equal to one process's, see
// analysis_part.h) and nullopt on the other ranks. A group of 1 is analyzeBlocks.
std::optional<ModelAnalysis> analyzeBlocksSharded(const LoadedModel& model, const TaskData& data,
                                                  const AnalysisSettings& settings, DistributedGroup& group,
                                                  const JobControl& job = {});
std::optional<ModelAnalysis> analyzeModelSharded(const LoadedModel& model, const TextCorpus& corpus,
                                                 const AnalysisSettings& settings, DistributedGroup& group,
                                                 const JobControl& job = {});

// The protocol figures a family declares, from per-module results (exposed for tests).
Figures protocolSummary(const std::vector<ProtocolFigure>& protocol, const std::vector<ModuleAnalysis>& modules);
Figures allModulesSummary(const std::vector<ModuleAnalysis>& modules);

}  // namespace hopscope
