#include "hopscope/quantization_sweep.h"

#include <algorithm>
#include <utility>

#include "hopscope/error.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_diagnostics.h"
#include "hopscope/quantized_evaluation.h"
#include "hopscope/text_corpus.h"

namespace hopscope {

std::string granularityName(Granularity granularity) {
  return granularity == Granularity::PerChannel ? "channel" : "tensor";
}
std::string weightRangeName(WeightRange range) { return range == WeightRange::Mse ? "mse" : "minmax"; }
std::string weightGridName(WeightGrid grid) {
  return grid == WeightGrid::UnsignedWhenNonNegative ? "auto" : "signed";
}

std::pair<at::Tensor, at::Tensor> quantizationBlocks(const LoadedModel& model, const TextCorpus& corpus,
                                                     const TextCorpus& calibration, const QuantizationSweepSettings& s,
                                                     const JobControl& job) {
  const EvaluationTask task(model, s.evaluation);
  return {task.makeBlocks(corpus, s.evaluation.samples, job),
          task.makeBlocks(calibration, s.calibrationBatches * s.evaluation.batch, job)};
}

QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TextCorpus& corpus,
                                       const TextCorpus& calibration, const QuantizationSweepSettings& s,
                                       const JobControl& job) {
  job.report(0.0, model.info().name + ": tokenizing");
  const auto [blocks, calibrationBlocks] = quantizationBlocks(model, corpus, calibration, s, job);
  return runQuantizationStudy(model, blocks, corpus.source(), calibrationBlocks, calibration.source(), s, job);
}

QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TaskData& blocks, const DataSource& dataSource,
                                       const TaskData& calibrationBlocks, const DataSource& calibrationSource,
                                       const QuantizationSweepSettings& s, const JobControl& job) {
  QuantizedBlockRange range = quantizeBlockRange(model, blocks, calibrationBlocks, s, 0, blocks.size(), job);
  return finishQuantizationStudy(model, blocks, dataSource, calibrationSource, s, std::move(range.part),
                                 std::move(range.quantizers));
}

namespace {

// The evaluation task of a study on `blocks`: as many samples as there are blocks.
EvaluationTask studyTask(const LoadedModel& model, const TaskData& blocks, const QuantizationSweepSettings& s) {
  EvaluationSettings evaluation = s.evaluation;
  evaluation.samples = std::max<int64_t>(1, blocks.size());
  return EvaluationTask(model, evaluation);
}

}  // namespace

QuantizedBlockRange quantizeBlockRange(const LoadedModel& model, const TaskData& blocks,
                                       const TaskData& calibrationBlocks, const QuantizationSweepSettings& s,
                                       int64_t begin, int64_t end, const JobControl& job) {
  if (s.weightBits.empty() || s.activationBits.empty() || s.estimators.empty())
    throw Error("quantization sweep: the bit widths and estimators must not be empty");
  if (s.calibrationBatches < 1) throw Error("--calib-batches must be at least 1");
  const EvaluationTask task = studyTask(model, blocks, s);

  QuantizedBlockRange range;
  range.part.firstBlock = begin;
  range.part.blocks = end - begin;
  // The float pass and each combination share the job's progress equally.
  const double steps = 1.0 + static_cast<double>(s.estimators.size() * s.weightBits.size() * s.activationBits.size());
  int step = 0;
  auto slice = [&] { return job.slice(step / steps, (step + 1) / steps); };
  range.part.fp = evaluateFloat(task, blocks, begin, end, slice());
  ++step;
  for (const std::string& estimator : s.estimators)
    for (int w : s.weightBits)
      for (int a : s.activationBits) {
        QuantizationSettings settings;
        settings.weightBits = w;
        settings.activationBits = a;
        settings.weightGranularity = s.granularity;
        settings.weightRange = s.weightRange;
        settings.weightGrid = s.weightGrid;
        settings.estimator = estimator;
        settings.keepFloat = s.keepFloat;
        settings.referenceCompat = s.referenceCompat;
        QuantizedEvaluation result = evaluateQuantized(task, blocks, begin, end, calibrationBlocks, settings, slice());
        ++step;
        range.part.runs.push_back(std::move(result.metric));
        if (range.part.runs.size() == 1) {
          range.quantizers = std::move(result.quantizers);
          for (const QuantizerSummary& quantizer : range.quantizers)
            if (quantizer.kind == "activation") range.part.activationSites.push_back(quantizer.site);
          range.part.activationDiagnostics = std::move(result.activationDiagnostics);
        }
      }
  return range;
}

QuantizationStudy finishQuantizationStudy(const LoadedModel& model, const TaskData& blocks,
                                          const DataSource& dataSource, const DataSource& calibrationSource,
                                          const QuantizationSweepSettings& s, QuantizationPart whole,
                                          std::vector<QuantizerSummary> quantizers) {
  if (whole.firstBlock != 0 || whole.blocks != blocks.size())
    throw Error("the merged quantized evaluation covers blocks " + std::to_string(whole.firstBlock) + ".." +
                std::to_string(whole.firstBlock + whole.blocks) + ", not all " + std::to_string(blocks.size()));
  const EvaluationTask task = studyTask(model, blocks, s);
  QuantizationStudy study;
  study.info = model.info();
  study.settings = {s.evaluation, s.calibrationBatches, granularityName(s.granularity),
                    weightRangeName(s.weightRange), weightGridName(s.weightGrid), s.keepFloat};
  study.settings.blockMode = s.referenceCompat ? "reference-compat" : "pre-norm";
  study.data = dataSource;
  study.calibration = calibrationSource;
  study.fp = task.metric(whole.fp);

  size_t run = 0;
  for (const std::string& estimator : s.estimators)
    for (int w : s.weightBits)
      for (int a : s.activationBits) {
        if (run >= whole.runs.size()) throw Error("the merged quantized evaluation lacks configurations of the sweep");
        study.sweep.push_back({w, a, estimator, task.metric(whole.runs[run++])});
      }
  if (run != whole.runs.size() || study.sweep.empty())
    throw Error("the merged quantized evaluation does not hold the sweep's configurations");
  study.main = study.sweep.front();

  // Weights are quantized the same way everywhere; activation figures come from the merged diagnostics.
  size_t activation = 0;
  for (QuantizerSummary& quantizer : quantizers) {
    if (quantizer.kind != "activation") continue;
    if (activation >= whole.activationSites.size() || whole.activationSites[activation] != quantizer.site)
      throw Error("the merged quantized evaluation holds other activation quantizers than " + quantizer.site);
    setDiagnosticFigures(quantizer, whole.activationDiagnostics[activation++]);
  }
  if (activation != whole.activationSites.size())
    throw Error("the merged quantized evaluation holds more activation quantizers than the model");
  study.quantizers = std::move(quantizers);
  return study;
}

}  // namespace hopscope
