// The outlier analysis sharded over the ranks of a DistributedGroup: every rank builds the same
// blocks, analyses its contiguous range of whole batches, and rank 0 merges the parts in rank
// (= block) order, so ties of maxima resolve as in one process and the metric's batches are the same.
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <optional>

#include "distributed/merge_parts.h"
#include "hopscope/distributed.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"

namespace hopscope {

std::pair<int64_t, int64_t> shardOfBlocks(int64_t blocks, int64_t batch, int rank, int world) {
  const int64_t batches = (blocks + batch - 1) / batch;
  const int64_t firstBatch = batches * rank / world, endBatch = batches * (rank + 1) / world;
  return {std::min(blocks, firstBatch * batch), std::min(blocks, endBatch * batch)};
}

std::optional<ModelAnalysis> analyzeBlocksSharded(const LoadedModel& model, const TaskData& data,
                                                  const AnalysisSettings& settings, DistributedGroup& group,
                                                  const JobControl& job) {
  const auto [begin, end] = shardOfBlocks(data.size(), settings.batch, group.rank(), group.worldSize());
  AnalysisPart part = analyzeBlockRange(model, data, settings, begin, end, job.slice(0.0, 0.99));
  const std::vector<std::vector<uint8_t>> parts =
      group.gatherToRoot(group.distributed() ? encodeAnalysisPart(part) : std::vector<uint8_t>{},
                         model.info().name + ": gather analysis");
  if (!group.isRoot()) return std::nullopt;
  if (group.distributed()) part = mergeParts(group, parts, decodeAnalysisPart, model.info().name);
  ModelAnalysis analysis = finishAnalysis(model, data, settings, std::move(part));
  job.report(1.0, model.info().name + ": done");
  return analysis;
}

std::optional<ModelAnalysis> analyzeModelSharded(const LoadedModel& model, const TextCorpus& corpus,
                                                 const AnalysisSettings& settings, DistributedGroup& group,
                                                 const JobControl& job) {
  const EvaluationTask task(model, settings);
  job.report(0.0, model.info().name + ": tokenizing");
  std::optional<ModelAnalysis> analysis =
      analyzeBlocksSharded(model, task.makeBlocks(corpus, settings.samples, job), settings, group, job);
  if (analysis) analysis->data = corpus.source();
  return analysis;
}

}  // namespace hopscope
