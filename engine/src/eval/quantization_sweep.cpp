#include "hopscope/quantization_sweep.h"

#include <algorithm>

#include "hopscope/error.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"
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

QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TextCorpus& corpus,
                                       const TextCorpus& calibration, const QuantizationSweepSettings& s,
                                       const JobControl& job) {
  const EvaluationTask task(model, s.evaluation);
  job.report(0.0, model.info().name + ": tokenizing");
  const at::Tensor blocks = task.makeBlocks(corpus, s.evaluation.samples);
  const at::Tensor calibrationBlocks = task.makeBlocks(calibration, s.calibrationBatches * s.evaluation.batch);
  return runQuantizationStudy(model, blocks, corpus.source(), calibrationBlocks, calibration.source(), s, job);
}

QuantizationStudy runQuantizationStudy(const LoadedModel& model, const TaskData& blocks, const DataSource& dataSource,
                                       const TaskData& calibrationBlocks, const DataSource& calibrationSource,
                                       const QuantizationSweepSettings& s, const JobControl& job) {
  if (s.weightBits.empty() || s.activationBits.empty() || s.estimators.empty())
    throw Error("quantization sweep: the bit widths and estimators must not be empty");
  if (s.calibrationBatches < 1) throw Error("--calib-batches must be at least 1");
  EvaluationSettings evaluation = s.evaluation;
  evaluation.samples = std::max<int64_t>(1, blocks.size());
  const EvaluationTask task(model, evaluation);

  QuantizationStudy study;
  study.info = model.info();
  study.settings = {s.evaluation, s.calibrationBatches, granularityName(s.granularity),
                    weightRangeName(s.weightRange), weightGridName(s.weightGrid), s.keepFloat};
  study.settings.blockMode = s.referenceCompat ? "reference-compat" : "pre-norm";
  study.data = dataSource;
  study.calibration = calibrationSource;

  // The float pass and each combination share the job's progress equally.
  const double steps = 1.0 + static_cast<double>(s.estimators.size() * s.weightBits.size() * s.activationBits.size());
  int step = 0;
  auto part = [&] { return job.slice(step / steps, (step + 1) / steps); };
  study.fp = evaluateFloat(task, blocks, part());
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
        QuantizedEvaluation result = evaluateQuantized(task, blocks, calibrationBlocks, settings, part());
        ++step;
        study.sweep.push_back({w, a, estimator, result.metric});
        if (study.sweep.size() == 1) {
          study.main = study.sweep.front();
          study.quantizers = std::move(result.quantizers);
        }
      }
  return study;
}

}  // namespace hopscope
