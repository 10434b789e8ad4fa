#pragma once
// FP versus simulated-quantized task metric on the same token blocks and masks (science.md
// section 6), through the model's evaluation task, with per-quantizer diagnostics. Evaluations run
// on a range of whole batches under their global block indices, so a sharded run sees the masks
// and batches of a single one and its results merge (quantization_part.h).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "hopscope/evaluation_task.h"
#include "hopscope/job_control.h"
#include "hopscope/perplexity.h"
#include "hopscope/quantization_diagnostics.h"
#include "hopscope/quantization_simulator.h"

namespace hopscope {

// The float model's predictions on blocks [begin, end) of `blocks` (EvaluationTask::forEachBatchInRange).
PerplexityAccumulator evaluateFloat(const EvaluationTask& task, const TaskData& blocks, int64_t begin, int64_t end,
                                    const JobControl& job = {});

// Calibrates a simulator on every calibration block (masked-LM inputs masked like the evaluation's,
// with other masks) and freezes it.
void calibrateSimulator(QuantizationSimulator& simulator, const EvaluationTask& task,
                        const TaskData& calibrationBlocks, const JobControl& job = {});

struct QuantizedEvaluation {
  QuantizationSettings settings;
  PerplexityAccumulator metric;              // the evaluated blocks' predictions
  std::vector<QuantizerSummary> quantizers;  // ranges final; diagnostic figures of the evaluated blocks
  std::vector<QuantizerDiagnostics> activationDiagnostics;  // as quantizers lists the activations
};

// Quantizes weights, calibrates on every calibration block, freezes, evaluates blocks [begin, end)
// of `blocks`.
QuantizedEvaluation evaluateQuantized(const EvaluationTask& task, const TaskData& blocks, int64_t begin, int64_t end,
                                      const TaskData& calibrationBlocks, const QuantizationSettings& settings,
                                      const JobControl& job = {});

}  // namespace hopscope
