#include "hopscope/quantized_evaluation.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/perplexity.h"

namespace hopscope {
namespace {

// Calibration masks are drawn far from the evaluation blocks' indices, so they differ from them.
constexpr int64_t kCalibrationBlockOffset = int64_t(1) << 40;

}  // namespace

PerplexityAccumulator evaluateFloat(const EvaluationTask& task, const TaskData& blocks, int64_t begin, int64_t end,
                                    const JobControl& job) {
  at::NoGradGuard noGrad;
  const TransformerModel& model = task.model().model();
  PerplexityAccumulator metric;
  task.forEachBatchInRange(blocks, begin, end, job, task.model().info().name + ": float", [&](const TaskBatch& batch) {
    task.score(metric, model.forward(batch.inputs), batch);
  });
  return metric;
}

void calibrateSimulator(QuantizationSimulator& simulator, const EvaluationTask& task,
                        const TaskData& calibrationBlocks, const JobControl& job) {
  if (calibrationBlocks.size() < 1)
    throw Error("quantization needs at least one calibration block");
  task.forEachBatch(calibrationBlocks, kCalibrationBlockOffset, job, task.model().info().name + ": calibrating",
                    [&](const TaskBatch& batch) { simulator.calibrate(batch.inputs); });
  simulator.freeze();
}

QuantizedEvaluation evaluateQuantized(const EvaluationTask& task, const TaskData& blocks, int64_t begin, int64_t end,
                                      const TaskData& calibrationBlocks, const QuantizationSettings& settings,
                                      const JobControl& job) {
  QuantizationSimulator simulator(task.model().model(), settings);
  calibrateSimulator(simulator, task, calibrationBlocks, job.slice(0.0, 0.3));
  const std::string label = task.model().info().name + ": W" + std::to_string(settings.weightBits) + "A" +
                            std::to_string(settings.activationBits) + " evaluating";
  QuantizedEvaluation result;
  result.settings = settings;
  task.forEachBatchInRange(blocks, begin, end, job.slice(0.3, 1.0), label, [&](const TaskBatch& batch) {
    task.score(result.metric, simulator.forward(batch.inputs), batch);
  });
  result.quantizers = simulator.quantizers();
  result.activationDiagnostics = simulator.activationDiagnostics();
  return result;
}

}  // namespace hopscope
