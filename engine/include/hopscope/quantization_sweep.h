#pragma once
// One model's whole `quantize` study: the float metric, then every (estimator, weight bits,
// activation bits) combination on the very same evaluation blocks and masks, as the JSON object
// `hopscope-cli quantize` writes per model (and the GUI shows). The first combination is the main
// result: its quantizers are listed in full.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/job_control.h"
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
  int64_t samples = 64;                // evaluation blocks
  int64_t seqLen = 128;
  int64_t batch = 8;
  int64_t calibrationBatches = 4;      // of `batch` blocks each, from the calibration text
  double maskProb = 0.15;
  uint64_t seed = 0;
};

// The names the JSON and the CLI use: "tensor"/"channel", "minmax"/"mse", "signed"/"auto".
std::string granularityName(Granularity granularity);
std::string weightRangeName(WeightRange range);
std::string weightGridName(WeightGrid grid);

// Throws Error on bad settings (empty lists, a sequence longer than the model's positions, no
// tokenizer) and what evaluation throws; Cancelled when the job is cancelled.
nlohmann::json quantizationSweepJson(const LoadedModel& model, const TextCorpus& data, const TextCorpus& calibration,
                                     const QuantizationSweepSettings& settings, const JobControl& job = {});

}  // namespace hopscope
