#include "report/report_compute.h"

#include <algorithm>

#include "hopscope/error.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"
#include "report/report_provenance.h"

namespace {

using hopscope::JobControl;

bool sameEvaluation(const hopscope::EvaluationSettings& a, const hopscope::EvaluationSettings& b) {
  return a.samples == b.samples && a.seqLen == b.seqLen && a.batch == b.batch && a.maskProb == b.maskProb &&
         a.seed == b.seed;
}

hopscope::EvaluationSettings evaluationFor(const ReportRequest& request, int64_t seqLen) {
  hopscope::EvaluationSettings settings = request.evaluation;
  settings.seqLen = seqLen;
  return settings;
}

}  // namespace

bool analysisMatches(const hopscope::ModelAnalysis& analysis, const ReportRequest& request, int64_t seqLen,
                     const std::string& dataFingerprint) {
  return sameEvaluation(analysis.settings, evaluationFor(request, seqLen)) &&
         analysis.data.fingerprint == dataFingerprint;
}

bool studyMatches(const hopscope::QuantizationStudy& study, const ReportRequest& request, int64_t seqLen,
                  const std::string& dataFingerprint, const std::string& calibrationFingerprint) {
  const auto& s = study.settings;
  return sameEvaluation(s.evaluation, evaluationFor(request, seqLen)) &&
         s.calibrationBatches == request.calibrationBatches && s.granularity == "tensor" && s.weightRange == "minmax" &&
         s.weightGrid == (request.unsignedWeightGrid ? "auto" : "signed") && s.keepFloat.empty() &&
         study.main.weightBits == request.weightBits && study.main.activationBits == request.activationBits &&
         study.main.estimator == request.estimator && study.data.fingerprint == dataFingerprint &&
         study.calibration.fingerprint == calibrationFingerprint;
}

ReportInput computeReportInput(const ReportRequest& request, const std::vector<ReportModelSource>& sources,
                               const JobControl& job, int* reused) {
  if (sources.empty()) throw hopscope::Error("a report needs at least one model");
  if (reused) *reused = 0;
  ReportInput input;
  input.title = request.title;
  input.sampleText = QString::fromStdString(request.sampleText);
  input.attention = request.attention;
  input.provenance = describeThisRun(request.command);

  job.report(0.0, "reading " + request.data);
  const hopscope::TextCorpus corpus = hopscope::readTextCorpus(request.data);
  job.checkCancelled();
  const hopscope::TextCorpus calibration = hopscope::readTextCorpus(request.calibration);
  input.provenance.data = hashFiles(corpus.files, job.slice(0.0, 0.01));
  input.provenance.calibration = hashFiles(calibration.files, job.slice(0.01, 0.02));

  hopscope::QuantizationSweepSettings quantization;
  quantization.weightBits = {request.weightBits};
  quantization.activationBits = {request.activationBits};
  quantization.estimators = {request.estimator};
  quantization.weightGrid =
      request.unsignedWeightGrid ? hopscope::WeightGrid::UnsignedWhenNonNegative : hopscope::WeightGrid::Signed;
  quantization.calibrationBatches = request.calibrationBatches;

  const double share = 0.98 / static_cast<double>(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    const ReportModelSource& source = sources[i];
    const double base = 0.02 + share * static_cast<double>(i);
    auto part = [&](double begin, double end) { return job.slice(base + share * begin, base + share * end); };
    std::shared_ptr<const hopscope::LoadedModel> model = source.model;
    if (!model) model = hopscope::LoadedModel::open(source.argument, part(0.0, 0.1), request.device);
    job.checkCancelled();

    ReportModel entry;
    entry.info = model->info();
    // Without a slot of its own: the model's place among the models of its family, so that every
    // family's figures start at the palette's strongest colours (a ten-model report would
    // otherwise give the second family yellow and repeated colours) and the n-th variant of each
    // family has the same colour.
    int familyIndex = 0;
    for (const ReportModel& earlier : input.models) familyIndex += earlier.info.family == entry.info.family;
    entry.slot = source.slot >= 0 ? source.slot : familyIndex;
    entry.weights = hashFiles(checkpointFiles(entry.info), part(0.1, 0.15));
    const int64_t seqLen =
        request.capSeqLenToModel ? std::min<int64_t>(request.evaluation.seqLen, entry.info.maxPositions)
                                 : request.evaluation.seqLen;
    const hopscope::EvaluationSettings evaluation = evaluationFor(request, seqLen);

    if (source.analysis && analysisMatches(*source.analysis, request, seqLen, corpus.fingerprint)) {
      entry.analysis = source.analysis;
      if (reused) ++*reused;
    } else {
      entry.analysis = std::make_shared<const hopscope::ModelAnalysis>(
          hopscope::analyzeModel(*model, corpus, evaluation, part(0.15, 0.5)));
    }
    job.checkCancelled();
    if (source.quantization &&
        studyMatches(*source.quantization, request, seqLen, corpus.fingerprint, calibration.fingerprint)) {
      entry.quantization = source.quantization;
      if (reused) ++*reused;
    } else {
      hopscope::QuantizationSweepSettings settings = quantization;
      settings.evaluation = evaluation;
      entry.quantization = std::make_shared<const hopscope::QuantizationStudy>(
          hopscope::runQuantizationStudy(*model, corpus, calibration, settings, part(0.5, 0.95)));
    }
    job.checkCancelled();
    if (!request.sampleText.empty() && model->tokenizer())
      entry.sample = model->runText(request.sampleText, 5, part(0.95, 1.0));
    input.models.push_back(std::move(entry));
  }
  job.report(1.0, "computed");
  return input;
}
