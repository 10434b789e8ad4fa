#include "hopscope/quantization_sweep.h"

#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantized_evaluation.h"
#include "hopscope/text_corpus.h"
#include "hopscope/token_blocks.h"

namespace hopscope {
namespace {

nlohmann::json quantizerJson(const QuantizerSummary& q) {
  nlohmann::json json = {{"site", q.site},
                         {"kind", q.kind},
                         {"bits", q.bits},
                         {"min", q.min},
                         {"max", q.max},
                         {"scale", q.scale},
                         {"zero_point", q.zeroPoint},
                         {"clipped_fraction", q.clippedFraction},
                         {"sqnr_db", q.sqnrDb},  // +inf (exact) becomes null in JSON
                         {"levels_99", q.levels99},
                         {"values", q.values}};
  if (q.kind == "weight") json["grid"] = q.unsignedGrid ? "unsigned" : "signed";
  return json;
}

nlohmann::json metricJson(const MetricValue& metric) {
  return {{"value", metric.value}, {"batch_mean", metric.batchMean}, {"predictions", metric.predictions}};
}

}  // namespace

std::string granularityName(Granularity granularity) {
  return granularity == Granularity::PerChannel ? "channel" : "tensor";
}
std::string weightRangeName(WeightRange range) { return range == WeightRange::Mse ? "mse" : "minmax"; }
std::string weightGridName(WeightGrid grid) {
  return grid == WeightGrid::UnsignedWhenNonNegative ? "auto" : "signed";
}

nlohmann::json quantizationSweepJson(const LoadedModel& model, const TextCorpus& corpus, const TextCorpus& calibration,
                                     const QuantizationSweepSettings& s, const JobControl& job) {
  const ModelInfo& info = model.info();
  if (s.weightBits.empty() || s.activationBits.empty() || s.estimators.empty())
    throw Error("quantization sweep: the bit widths and estimators must not be empty");
  if (!model.tokenizer()) throw Error(info.path + ": no tokenizer files, so text data cannot be used");
  if (s.seqLen > info.maxPositions)
    throw Error("--seq-len " + std::to_string(s.seqLen) + " exceeds " + info.name + "'s position table of " +
                std::to_string(info.maxPositions));
  EvaluationData data;
  job.report(0.0, info.name + ": tokenizing");
  data.blocks = makeTokenBlocks(corpus, *model.tokenizer(), s.seqLen, s.samples).ids;
  data.calibrationBlocks = makeTokenBlocks(calibration, *model.tokenizer(), s.seqLen, s.calibrationBatches * s.batch).ids;
  data.batch = s.batch;
  data.maskProb = s.maskProb;
  data.seed = s.seed;

  // The float pass and each combination share the job's progress equally.
  const double steps = 1.0 + static_cast<double>(s.estimators.size() * s.weightBits.size() * s.activationBits.size());
  int step = 0;
  auto part = [&] { return job.slice(step / steps, (step + 1) / steps); };
  const MetricValue fp = evaluateFloat(model, data, part());
  ++step;

  nlohmann::json sweep = nlohmann::json::array();
  nlohmann::json main;
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
        const QuantizedEvaluation result = evaluateQuantized(model, data, settings, part());
        ++step;
        sweep.push_back({{"wbits", w}, {"abits", a}, {"estimator", estimator}, {"quantized", metricJson(result.metric)}});
        if (main.is_null()) {
          nlohmann::json quantizers = nlohmann::json::array();
          for (const QuantizerSummary& q : result.quantizers) quantizers.push_back(quantizerJson(q));
          main = {{"wbits", w}, {"abits", a}, {"estimator", estimator}, {"quantized", result.metric.value},
                  {"quantized_detail", metricJson(result.metric)}, {"quantizers", quantizers}};
        }
      }
  return {{"name", info.name},
          {"argument", info.argument},
          {"path", info.path},
          {"family", info.family},
          {"normalizer", info.normalizer},
          {"gate", info.gate},
          {"metric", {{"name", fp.name}, {"fp", fp.value}, {"quantized", main["quantized"]},
                      {"fp_detail", metricJson(fp)}, {"quantized_detail", main["quantized_detail"]}}},
          {"quantization", {{"wbits", main["wbits"]}, {"abits", main["abits"]}, {"estimator", main["estimator"]},
                            {"granularity", granularityName(s.granularity)},
                            {"weight_range", weightRangeName(s.weightRange)},
                            {"weight_grid", weightGridName(s.weightGrid)}, {"keep_float", s.keepFloat}}},
          {"quantizers", main["quantizers"]},
          {"sweep", sweep}};
}

}  // namespace hopscope
