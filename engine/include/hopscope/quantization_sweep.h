#pragma once
// One model's whole `quantize` study: the float metric, then every (estimator, weight bits,
// activation bits) combination on the very same evaluation blocks and masks. The first combination
// is the main result: its quantizers are listed in full. The CLI writes the study as JSON
// (result_json.h) and the GUI shows the same value.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hopscope/evaluation_settings.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/quantization_part.h"
#include "hopscope/quantization_study.h"
#include "hopscope/quantizer.h"

namespace hopscope {

class DistributedGroup;
class LoadedModel;
struct TextCorpus;

struct QuantizationSweepSettings {
  std::vector<int> weightBits{8};
  std::vector<int> activationBits{8};
  std::vector<std::string> estimators{"running"};  // minmax, running, percentile:P, mse
  Granularity granularity = Granularity::PerTensor;
  WeightRange weightRange = WeightRange::MinMax;
  WeightGrid weightGrid = WeightGrid::Signed;
  std::vector<std::string> keepFloat;  // regular expressions of sites kept in float
  EvaluationSettings evaluation;       // evaluation blocks, batch, masking
  int64_t calibrationBatches = 4;      // of `evaluation.batch` blocks each, from the calibration text
  // Image families (ViT): run the quantized model with the OutEffHop reference's block, LayerNorm
  // after each sublayer (README "reference-compat"); the float model stays pre-LN.
  bool referenceCompat = false;
};

// The names the JSON and the CLI use: "tensor"/"channel", "minmax"/"mse", "signed"/"auto".
std::string granularityName(Granularity granularity);
std::string weightRangeName(WeightRange range);
std::string weightGridName(WeightGrid grid);

// Throws Error on bad settings (empty lists, settings that do not fit the model: evaluation_task.h)
// and what evaluation throws; Cancelled when the job is cancelled.
QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TextCorpus& data, const TextCorpus& calibration,
                                       const QuantizationSweepSettings& settings, const JobControl& job = {});
// The same on prepared data (token blocks, or images with labels: evaluation_task.h TaskData).
QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TaskData& data, const DataSource& dataSource,
                                       const TaskData& calibration, const DataSource& calibrationSource,
                                       const QuantizationSweepSettings& settings, const JobControl& job = {});

// The evaluation and calibration blocks of a text study: settings.evaluation.samples blocks of
// `data` and calibrationBatches x batch blocks of `calibration`, cut with the model's tokenizer.
std::pair<at::Tensor, at::Tensor> quantizationBlocks(const LoadedModel& model, const TextCorpus& data,
                                                     const TextCorpus& calibration,
                                                     const QuantizationSweepSettings& settings,
                                                     const JobControl& job = {});

// The same in parts. Every configuration is calibrated on all of `calibration` (so its frozen
// ranges do not depend on how the evaluation is split) and evaluated on blocks [begin, end) of
// `data` (begin a multiple of the batch; masks by global block index) ...
struct QuantizedBlockRange {
  QuantizationPart part;                     // what merges (and travels between processes)
  std::vector<QuantizerSummary> quantizers;  // the main configuration's: ranges and scales final,
                                             // diagnostic figures of this range only
};
QuantizedBlockRange quantizeBlockRange(const LoadedModel& model, const TaskData& data, const TaskData& calibration,
                                       const QuantizationSweepSettings& settings, int64_t begin, int64_t end,
                                       const JobControl& job = {});
// ... and the study of all of `data` from the merge of the parts and one range's quantizers, whose
// activation figures are derived again from the merged diagnostics (weights: the same on every
// range). runQuantizationStudy = finishQuantizationStudy(quantizeBlockRange(all)).
QuantizationStudy finishQuantizationStudy(const LoadedModel& model, const TaskData& data, const DataSource& dataSource,
                                          const DataSource& calibrationSource,
                                          const QuantizationSweepSettings& settings, QuantizationPart whole,
                                          std::vector<QuantizerSummary> quantizers);

// runQuantizationStudy sharded over the ranks of `group` (distributed.h): every rank passes the
// same model, data and settings, calibrates on all calibration blocks, evaluates its shardOfBlocks
// (outlier_analysis.h), and rank 0 merges the parts in block order. Returns the study on rank 0
// (equal to one process's up to summation order, quantization_part.h) and nullopt on the other
// ranks. A group of 1 is runQuantizationStudy.
std::optional<QuantizationStudy> runQuantizationStudySharded(const LoadedModel& model, const TaskData& data,
                                                             const DataSource& dataSource, const TaskData& calibration,
                                                             const DataSource& calibrationSource,
                                                             const QuantizationSweepSettings& settings,
                                                             DistributedGroup& group, const JobControl& job = {});
std::optional<QuantizationStudy> runQuantizationStudySharded(const LoadedModel& model, const TextCorpus& data,
                                                             const TextCorpus& calibration,
                                                             const QuantizationSweepSettings& settings,
                                                             DistributedGroup& group, const JobControl& job = {});

}  // namespace hopscope
