#pragma once
// FP versus simulated-quantized task metric on the same token blocks and masks (science.md
// section 6), through the model's evaluation task, with per-quantizer diagnostics.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/quantization_simulator.h"

namespace hopscope {

// The float model's metric on `blocks`.
MetricValue evaluateFloat(const EvaluationTask& task, const TaskData& blocks, const JobControl& job = {});

// Calibrates a simulator on every calibration block (masked-LM inputs masked like the evaluation's,
// with other masks) and freezes it.
void calibrateSimulator(QuantizationSimulator& simulator, const EvaluationTask& task,
                        const TaskData& calibrationBlocks, const JobControl& job = {});

struct QuantizedEvaluation {
  QuantizationSettings settings;
  MetricValue metric;
  std::vector<QuantizerSummary> quantizers;
};

// Quantizes weights, calibrates on every calibration block, freezes, evaluates on `blocks`.
QuantizedEvaluation evaluateQuantized(const EvaluationTask& task, const TaskData& blocks,
                                      const TaskData& calibrationBlocks, const QuantizationSettings& settings,
                                      const JobControl& job = {});

}  // namespace hopscope
