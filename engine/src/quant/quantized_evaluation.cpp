#include "hopscope/quantized_evaluation.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <functional>

#include "hopscope/error.h"
#include "hopscope/masked_lm.h"
#include "hopscope/perplexity.h"
#include "hopscope/transformer_model.h"

namespace hopscope {
namespace {

// Calibration masks are drawn far from the evaluation blocks' indices, so they differ from them.
constexpr int64_t kCalibrationBlockOffset = int64_t(1) << 40;

// Runs `forward` over blocks in batches, masking BERT inputs deterministically, and returns the
// perplexity of the logits.
MetricValue runBlocks(const LoadedModel& model, const at::Tensor& blocks, const EvaluationData& data,
                      int64_t blockOffset, const std::function<at::Tensor(const ModelInputs&)>& forward,
                      const JobControl& job, const std::string& stage) {
  const bool maskedLm = model.info().family == "bert";
  if (!model.tokenizer()) throw Error(model.info().path + ": no tokenizer files, so text data cannot be used");
  const MaskingOptions masking = maskedLm ? bertMaskingOptions(*model.tokenizer(), data.maskProb, data.seed)
                                          : MaskingOptions{};
  PerplexityAccumulator perplexity;
  const int64_t count = blocks.size(0);
  for (int64_t first = 0; first < count; first += data.batch) {
    job.checkCancelled();
    job.report(static_cast<double>(first) / static_cast<double>(count),
               stage + " " + std::to_string(first + 1) + "/" + std::to_string(count));
    const at::Tensor ids = blocks.slice(0, first, std::min(first + data.batch, count));
    ModelInputs inputs;
    at::Tensor labels;
    if (maskedLm) {
      MaskingOptions options = masking;
      options.firstBlockIndex = blockOffset + first;
      MaskedBlocks masked = maskTokens(ids, options);
      inputs.inputIds = masked.inputs;
      labels = masked.labels;
    } else {
      inputs.inputIds = ids;
    }
    const at::Tensor logits = forward(inputs);
    if (!logits.defined()) continue;  // calibration: nothing to score
    if (!maskedLm)
      perplexity.addCausalLm(logits, ids);
    else if (data.maskProb > 0)
      perplexity.addMaskedLm(logits, labels);
  }
  MetricValue metric;
  metric.name = maskedLm ? "masked_lm_perplexity" : "causal_lm_perplexity";
  metric.value = perplexity.tokenWeighted();
  metric.batchMean = perplexity.batchMean();
  metric.predictions = perplexity.predictions();
  return metric;
}

}  // namespace

MetricValue evaluateFloat(const LoadedModel& model, const EvaluationData& data, const JobControl& job) {
  at::NoGradGuard noGrad;
  return runBlocks(model, data.blocks, data, 0,
                   [&](const ModelInputs& inputs) { return model.model().forward(inputs); }, job,
                   model.info().name + ": float");
}

void calibrateSimulator(QuantizationSimulator& simulator, const LoadedModel& model, const EvaluationData& data,
                        const JobControl& job) {
  if (!data.calibrationBlocks.defined() || data.calibrationBlocks.size(0) < 1)
    throw Error("quantization needs at least one calibration block");
  runBlocks(model, data.calibrationBlocks, data, kCalibrationBlockOffset,
            [&](const ModelInputs& inputs) {
              simulator.calibrate(inputs);
              return at::Tensor();
            },
            job, model.info().name + ": calibrating");
  simulator.freeze();
}

QuantizedEvaluation evaluateQuantized(const LoadedModel& model, const EvaluationData& data,
                                      const QuantizationSettings& settings, const JobControl& job) {
  QuantizationSimulator simulator(model.model(), settings);
  const std::string label = model.info().name + ": W" + std::to_string(settings.weightBits) + "A" +
                            std::to_string(settings.activationBits);
  JobControl calibrationJob = job;
  calibrationJob.progress = [&](double fraction, const std::string& stage) { job.report(0.3 * fraction, stage); };
  calibrateSimulator(simulator, model, data, calibrationJob);
  JobControl evaluationJob = job;
  evaluationJob.progress = [&](double fraction, const std::string& stage) { job.report(0.3 + 0.7 * fraction, stage); };
  QuantizedEvaluation result;
  result.settings = settings;
  result.metric = runBlocks(model, data.blocks, data, 0,
                            [&](const ModelInputs& inputs) { return simulator.forward(inputs); }, evaluationJob,
                            label + " evaluating");
  result.quantizers = simulator.quantizers();
  return result;
}

}  // namespace hopscope
