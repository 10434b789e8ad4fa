#pragma once
// FP versus simulated-quantized task metric on the same token blocks and masks (science.md
// section 6), with per-quantizer diagnostics, and sweeps over bit widths and estimators.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "hopscope/job_control.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_simulator.h"

namespace hopscope {

struct EvaluationData {
  at::Tensor blocks;             // int64 [N, L] evaluation blocks
  at::Tensor calibrationBlocks;  // int64 [M, L] calibration blocks
  int64_t batch = 8;
  double maskProb = 0.15;  // BERT masked-LM masking
  uint64_t seed = 0;
};

struct MetricValue {
  std::string name;       // "masked_lm_perplexity" | "causal_lm_perplexity"
  double value = 0;       // token-weighted
  double batchMean = 0;   // the reference scripts' average
  int64_t predictions = 0;
};

// The float model's metric.
MetricValue evaluateFloat(const LoadedModel& model, const EvaluationData& data, const JobControl& job = {});

struct QuantizedEvaluation {
  QuantizationSettings settings;
  MetricValue metric;
  std::vector<QuantizerSummary> quantizers;
};

// Calibrates a simulator on every calibration block (BERT inputs masked like the evaluation's, with
// other masks) and freezes it.
void calibrateSimulator(QuantizationSimulator& simulator, const LoadedModel& model, const EvaluationData& data,
                        const JobControl& job = {});

// Quantizes weights, calibrates on every calibration block, freezes, evaluates.
QuantizedEvaluation evaluateQuantized(const LoadedModel& model, const EvaluationData& data,
                                      const QuantizationSettings& settings, const JobControl& job = {});

}  // namespace hopscope
