#pragma once
// One model's whole `quantize` study: the float metric, then every (estimator, weight bits,
// activation bits) combination on the very same evaluation blocks and masks. The first combination
// is the main result: its quantizers are listed in full. The CLI writes the study as JSON
// (result_json.h) and the GUI shows the same value.
#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/evaluation_settings.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/quantization_study.h"
#include "hopscope/quantizer.h"

namespace hopscope {

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

}  // namespace hopscope
