#pragma once
// The result of one model's quantization study (quantization_sweep.h) as a value: the float
// metric, the main quantized configuration with every quantizer's diagnostics, and the metric of
// every configuration of the sweep. Torch-free; result_json.h writes it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hopscope/evaluation_settings.h"
#include "hopscope/model_info.h"
#include "hopscope/tap_site.h"

namespace hopscope {

struct QuantizerSummary {
  std::string site;
  std::string kind;  // "weight" | "activation"
  int64_t layer = -1;
  SiteRole role = SiteRole::Other;  // of the site, or of the module owning the weight
  std::string shortName;            // e.g. "L3 output.dense"
  int bits = 0;
  double min = 0, max = 0;   // weights: the tensor's range; activations: the frozen range
  double scale = 0;          // per-channel weights: the largest channel scale
  int64_t zeroPoint = 0;
  bool unsignedGrid = false; // weights only: codes in [0, 2^b - 1] (WeightGrid::UnsignedWhenNonNegative)
  double clippedFraction = 0;
  double sqnrDb = 0;
  int64_t levels99 = 0;      // grid levels holding 99% of the values
  int64_t values = 0;        // values seen by the diagnostics
};

// One quantized configuration and its metric.
struct QuantizedRun {
  int weightBits = 8, activationBits = 8;
  std::string estimator;
  MetricValue metric;
};

struct QuantizationStudySettings {
  EvaluationSettings evaluation;
  int64_t calibrationBatches = 4;  // of `evaluation.batch` blocks each, from the calibration text
  std::string granularity;         // "tensor" | "channel"
  std::string weightRange;         // "minmax" | "mse"
  std::string weightGrid;          // "signed" | "auto"
  std::vector<std::string> keepFloat;
  std::string blockMode = "pre-norm";  // image families: "pre-norm" | "reference-compat" (README)
};

struct QuantizationStudy {
  ModelInfo info;
  QuantizationStudySettings settings;
  DataSource data, calibration;
  MetricValue fp;
  QuantizedRun main;                         // the first configuration: its quantizers are listed
  std::vector<QuantizerSummary> quantizers;  // weights first, then activations in forward order
  std::vector<QuantizedRun> sweep;           // every configuration, main first
};

// How front ends hold a result: shared and immutable.
using QuantizationStudyPtr = std::shared_ptr<const QuantizationStudy>;

}  // namespace hopscope
