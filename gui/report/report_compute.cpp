#include "report/report_compute.h"

#include <algorithm>

#include "hopscope/error.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/text_corpus.h"
#include "image_inputs.h"
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
  input.provenance.labels = QString::fromStdString(request.labels);
  input.provenance.calibrationImages = QString::fromStdString(request.calibrationImages);
  input.provenance.calibrationLabels = QString::fromStdString(request.calibrationLabels);

  // Every model is opened first: a report holds text models or image models, not both, and the
  // data (text, or images preprocessed per model) depends on which.
  const double share = 0.98 / static_cast<double>(sources.size());
  auto part = [&](size_t i, double begin, double end) {
    const double base = 0.02 + share * static_cast<double>(i);
    return job.slice(base + share * begin, base + share * end);
  };
  std::vector<std::shared_ptr<const hopscope::LoadedModel>> models;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::shared_ptr<const hopscope::LoadedModel> model = sources[i].model;
    if (!model) model = hopscope::LoadedModel::open(sources[i].argument, part(i, 0.0, 0.1), request.device);
    job.checkCancelled();
    const hopscope::ModelInfo& info = model->info();
    const hopscope::ModelInfo& first = models.empty() ? info : models.front()->info();
    if ((info.imageSize > 0) != (first.imageSize > 0)) {
      const hopscope::ModelInfo& image = info.imageSize > 0 ? info : first;
      const hopscope::ModelInfo& text = info.imageSize > 0 ? first : info;
      throw hopscope::Error("a report holds text models or image models, not both: " + image.name +
                            " is an image model, " + text.name + " a text model; make one report of each");
    }
    if (info.imageSize > 0 && request.images.empty())
      throw hopscope::Error(info.name + " is an image model: give --images (an idx file or an image folder)");
    models.push_back(std::move(model));
  }
  const bool images = models.front()->info().imageSize > 0;

  hopscope::TextCorpus corpus, calibration;
  if (!images) {
    job.report(0.0, "reading " + request.data);
    corpus = hopscope::readTextCorpus(request.data);
    job.checkCancelled();
    calibration = hopscope::readTextCorpus(request.calibration);
    input.provenance.data = hashFiles(corpus.files, job.slice(0.0, 0.01));
    input.provenance.calibration = hashFiles(calibration.files, job.slice(0.01, 0.02));
  }

  hopscope::QuantizationSweepSettings quantization;
  quantization.weightBits = {request.weightBits};
  quantization.activationBits = {request.activationBits};
  quantization.estimators = {request.estimator};
  quantization.weightGrid =
      request.unsignedWeightGrid ? hopscope::WeightGrid::UnsignedWhenNonNegative : hopscope::WeightGrid::Signed;
  quantization.calibrationBatches = request.calibrationBatches;

  for (size_t i = 0; i < sources.size(); ++i) {
    const ReportModelSource& source = sources[i];
    const hopscope::LoadedModel& model = *models[i];

    ReportModel entry;
    entry.info = model.info();
    // Without a slot of its own: the model's place among the models of its family, so that every
    // family's figures start at the palette's strongest colours (a ten-model report would
    // otherwise give the second family yellow and repeated colours) and the n-th variant of each
    // family has the same colour.
    int familyIndex = 0;
    for (const ReportModel& earlier : input.models) familyIndex += earlier.info.family == entry.info.family;
    entry.slot = source.slot >= 0 ? source.slot : familyIndex;
    entry.weights = hashFiles(checkpointFiles(entry.info), part(i, 0.1, 0.15));
    const int64_t seqLen =
        request.capSeqLenToModel ? std::min<int64_t>(request.evaluation.seqLen, entry.info.maxPositions)
                                 : request.evaluation.seqLen;
    const hopscope::EvaluationSettings evaluation = evaluationFor(request, seqLen);

    if (images) {
      // As `analyze --images` and `quantize --images`: the first --samples images, calibrated on
      // --calib-images or on the calibration batches' images that follow the evaluated ones.
      const hopscope::LoadedImages evaluated =
          hopscope::loadImages(request.images, request.labels, model, 0, request.evaluation.samples);
      const int64_t calibrationCount = request.calibrationBatches * request.evaluation.batch;
      const hopscope::LoadedImages calibrated =
          request.calibrationImages.empty()
              ? hopscope::loadImages(request.images, request.labels, model,
                                     static_cast<int64_t>(evaluated.data.size()), calibrationCount)
              : hopscope::loadImages(request.calibrationImages, request.calibrationLabels, model, 0, calibrationCount);
      job.checkCancelled();
      if (input.provenance.data.empty()) input.provenance.data = hashFiles(evaluated.source.files, part(i, 0.15, 0.16));
      if (input.provenance.calibration.empty())
        input.provenance.calibration = hashFiles(calibrated.source.files, part(i, 0.16, 0.17));
      if (source.analysis && analysisMatches(*source.analysis, request, source.analysis->settings.seqLen,
                                             evaluated.source.fingerprint)) {
        entry.analysis = source.analysis;
        if (reused) ++*reused;
      } else {
        hopscope::ModelAnalysis analysis = hopscope::analyzeBlocks(model, evaluated.data, evaluation, part(i, 0.17, 0.5));
        analysis.data = evaluated.source;
        entry.analysis = std::make_shared<const hopscope::ModelAnalysis>(std::move(analysis));
      }
      job.checkCancelled();
      hopscope::QuantizationSweepSettings settings = quantization;
      settings.evaluation = evaluation;
      entry.quantization = std::make_shared<const hopscope::QuantizationStudy>(hopscope::runQuantizationStudy(
          model, evaluated.data, evaluated.source, calibrated.data, calibrated.source, settings, part(i, 0.5, 0.95)));
      job.checkCancelled();
      input.models.push_back(std::move(entry));
      continue;
    }

    if (source.analysis && analysisMatches(*source.analysis, request, seqLen, corpus.fingerprint)) {
      entry.analysis = source.analysis;
      if (reused) ++*reused;
    } else {
      entry.analysis = std::make_shared<const hopscope::ModelAnalysis>(
          hopscope::analyzeModel(model, corpus, evaluation, part(i, 0.15, 0.5)));
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
          hopscope::runQuantizationStudy(model, corpus, calibration, settings, part(i, 0.5, 0.95)));
    }
    job.checkCancelled();
    if (!request.sampleText.empty() && model.tokenizer())
      entry.sample = model.runText(request.sampleText, 5, part(i, 0.95, 1.0));
    input.models.push_back(std::move(entry));
  }
  job.report(1.0, "computed");
  return input;
}
