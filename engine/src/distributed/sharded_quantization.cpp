// The quantization study sharded over the ranks of a DistributedGroup. Calibration is a few
// batches, so every rank calibrates every configuration on all of them, in the same order: the
// frozen ranges are the same on every rank by construction, whatever the number of ranks. The
// evaluation blocks are split into contiguous runs of whole batches (as analysis splits them);
// rank 0 merges the float and quantized metrics and the activation quantizers' diagnostics in rank
// (= block) order and derives the study from them.
#include <ATen/core/Tensor.h>

#include <optional>

#include "distributed/merge_parts.h"
#include "hopscope/distributed.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"

namespace hopscope {

std::optional<QuantizationStudy> runQuantizationStudySharded(const LoadedModel& model, const TaskData& data,
                                                             const DataSource& dataSource, const TaskData& calibration,
                                                             const DataSource& calibrationSource,
                                                             const QuantizationSweepSettings& settings,
                                                             DistributedGroup& group, const JobControl& job) {
  const auto [begin, end] = shardOfBlocks(data.size(), settings.evaluation.batch, group.rank(), group.worldSize());
  QuantizedBlockRange range = quantizeBlockRange(model, data, calibration, settings, begin, end, job);
  const std::vector<std::vector<uint8_t>> parts =
      group.gatherToRoot(group.distributed() ? encodeQuantizationPart(range.part) : std::vector<uint8_t>{},
                         model.info().name + ": gather quantization");
  if (!group.isRoot()) return std::nullopt;
  if (group.distributed()) range.part = mergeParts(group, parts, decodeQuantizationPart, model.info().name);
  // Rank 0's quantizers: their ranges and scales are every rank's (the same calibration).
  return finishQuantizationStudy(model, data, dataSource, calibrationSource, settings, std::move(range.part),
                                 std::move(range.quantizers));
}

std::optional<QuantizationStudy> runQuantizationStudySharded(const LoadedModel& model, const TextCorpus& corpus,
                                                             const TextCorpus& calibration,
                                                             const QuantizationSweepSettings& settings,
                                                             DistributedGroup& group, const JobControl& job) {
  job.report(0.0, model.info().name + ": tokenizing");
  const auto [blocks, calibrationBlocks] = quantizationBlocks(model, corpus, calibration, settings, job);
  return runQuantizationStudySharded(model, blocks, corpus.source(), calibrationBlocks, calibration.source(), settings,
                                     group, job);
}

}  // namespace hopscope
