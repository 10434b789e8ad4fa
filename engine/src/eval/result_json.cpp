#include "hopscope/result_json.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace hopscope {
namespace {

using nlohmann::json;

json figuresJson(const Figures& figures) {
  json object = json::object();
  for (const Figure& figure : figures) object[figure.name] = figure.value;  // NaN is written as null
  return object;
}

json metricJson(const MetricValue& metric) {
  json entry = {{"value", metric.value}, {"batch_mean", metric.batchMean}, {"predictions", metric.predictions}};
  // Image classification also reports the cross-entropy, and per class on request.
  if (!std::isnan(metric.crossEntropy)) entry["cross_entropy"] = metric.crossEntropy;
  if (!metric.perClass.empty()) {
    json classes = json::array();
    for (const ClassScore& score : metric.perClass)
      classes.push_back({{"label", score.label},
                         {"name", score.name},
                         {"count", score.count},
                         {"correct", score.correct},
                         {"accuracy", static_cast<double>(score.correct) / static_cast<double>(score.count)}});
    entry["per_class"] = classes;
  }
  return entry;
}

json settingsJson(const EvaluationSettings& settings) {
  return {{"samples", settings.samples},
          {"seq_len", settings.seqLen},
          {"batch", settings.batch},
          {"mask_prob", settings.maskProb},
          {"seed", settings.seed}};
}

json dataJson(const DataSource& data) {
  return {{"path", data.path},
          {"files", data.files},
          {"bytes", data.bytes},
          {"fingerprint", data.fingerprint},
          {"documents", data.documents}};
}

json quantizerJson(const QuantizerSummary& q) {
  json entry = {{"site", q.site},
                {"kind", q.kind},
                {"layer", q.layer},
                {"role", roleName(q.role)},
                {"short_name", q.shortName},
                {"bits", q.bits},
                {"min", q.min},
                {"max", q.max},
                {"scale", q.scale},
                {"zero_point", q.zeroPoint},
                {"clipped_fraction", q.clippedFraction},
                {"sqnr_db", q.sqnrDb},  // +inf (exact) becomes null in JSON
                {"levels_99", q.levels99},
                {"values", q.values}};
  if (q.kind == "weight") entry["grid"] = q.unsignedGrid ? "unsigned" : "signed";
  return entry;
}

json topChannelsJson(const ModuleStatistics& stats, size_t count) {
  json list = json::array();
  for (const auto& [channel, maxAbs] : topChannels(stats, count)) list.push_back({{"channel", channel}, {"max_abs", maxAbs}});
  return list;
}

json moduleJson(const ModuleAnalysis& module) {
  const ModuleStatistics& stats = module.stats;
  const MaxAbsLocation where = stats.maxAbs();
  const SymlogHistogram& histogram = stats.histogram();
  json entry = {{"name", module.name},
                {"layer", module.layer},
                {"role", roleName(module.role)},
                {"short_name", module.shortName},
                {"row", stats.mode() == RowMode::PerSample ? "sample" : "token"},
                {"rows", stats.rows()},
                {"kurtosis", stats.meanKurtosis()},
                {"max_kurtosis", stats.maxKurtosis()},
                {"inf_norm", stats.meanInfNorm()},
                {"max_abs", {{"value", where.value},
                             {"sample", where.sample},
                             {"token", where.token},
                             {"channel", where.channel},
                             {"token_text", module.maxAbsToken}}},
                {"mean", stats.moments().mean},
                {"std", std::sqrt(stats.moments().variance(true))},
                {"excess_kurtosis_all_values", stats.moments().pearsonKurtosis() - 3.0},
                {"non_finite_values", stats.nonFiniteValues()},
                {"non_finite_rows", stats.nonFiniteRows()},
                {"top_channels", topChannelsJson(stats, 16)},
                {"histogram", {{"scale", "symlog"},
                               {"linear_threshold", histogram.linearThreshold()},
                               {"max_magnitude", histogram.maxMagnitude()},
                               {"bins", histogram.binCount()},
                               {"overflow", histogram.overflow()},
                               {"counts", histogram.counts()}}}};
  if (!module.aliasOf.empty()) entry["alias_of"] = module.aliasOf;
  return entry;
}

json attentionJson(const AttentionAnalysis& attention) {
  json heads = json::array();
  for (int64_t h = 0; h < attention.heads.heads(); ++h) {
    const HeadSummary summary = attention.heads.head(h);
    heads.push_back({{"head", h},
                     {"entropy", summary.entropy},
                     {"first_token_mass", summary.firstTokenMass},
                     {"delimiter_mass", summary.delimiterMass},
                     {"no_op_mass", summary.noOpMass},
                     {"exact_zero_fraction", summary.exactZeroFraction},
                     {"mean_max_weight", summary.maxWeight}});
  }
  return {{"module", attention.module}, {"layer", attention.layer}, {"rows", attention.heads.rows()}, {"heads", heads}};
}

std::string number(double value) {
  if (std::isnan(value)) return "";
  std::ostringstream out;
  out.precision(10);
  out << value;
  return out.str();
}

}  // namespace

json modelIdentityJson(const ModelInfo& info) {
  return {{"name", info.name},
          {"argument", info.argument},
          {"path", info.path},
          {"family", info.family},
          {"normalizer", info.normalizer},
          {"gate", info.gate}};
}

json modelInfoJson(const ModelInfo& info) {
  json entry = modelIdentityJson(info);
  entry.update({{"architecture", info.architecture},
                {"task", info.task},
                {"device", info.device},
                {"format", info.format},
                {"tokenizer", info.tokenizer},
                {"layers", info.layers},
                {"hidden_size", info.hidden},
                {"heads", info.heads},
                {"intermediate_size", info.intermediate},
                {"vocab_size", info.vocabSize},
                {"max_positions", info.maxPositions},
                {"parameters", info.parameterCount},
                {"tensors", info.tensorCount},
                {"notes", info.notes}});
  if (info.imageSize > 0)  // image families only: text models' JSON is unchanged
    entry.update({{"image_size", info.imageSize},
                  {"patch_size", info.patchSize},
                  {"channels", info.channels},
                  {"class_labels", info.classLabels},
                  {"preprocessing", info.preprocessing}});
  return entry;
}

json modelAnalysisJson(const ModelAnalysis& analysis) {
  json modules = json::array();
  for (const ModuleAnalysis& module : analysis.modules) modules.push_back(moduleJson(module));
  json attention = json::array();
  for (const AttentionAnalysis& entry : analysis.attention) attention.push_back(attentionJson(entry));
  json entry = modelIdentityJson(analysis.info);
  json metric = metricJson(analysis.metric);
  metric["name"] = analysis.metric.name;
  entry.update({{"samples", analysis.samples},
                {"tokens", analysis.tokens},
                {"metric", metric},
                {"summary", figuresJson(analysis.summary)},
                {"all_modules", figuresJson(analysis.allModules)},
                {"modules", modules},
                {"attention", attention}});
  return entry;
}

json analysisJson(const std::vector<ModelAnalysis>& analyses) {
  json models = json::array();
  for (const ModelAnalysis& analysis : analyses) models.push_back(modelAnalysisJson(analysis));
  const ModelAnalysis first = analyses.empty() ? ModelAnalysis{} : analyses.front();
  return {{"tool", "hopscope-cli analyze"},
          {"settings", settingsJson(first.settings)},
          {"data", dataJson(first.data)},
          {"models", models}};
}

json quantizationStudyJson(const QuantizationStudy& study) {
  json quantizers = json::array();
  for (const QuantizerSummary& q : study.quantizers) quantizers.push_back(quantizerJson(q));
  json sweep = json::array();
  for (const QuantizedRun& run : study.sweep)
    sweep.push_back({{"wbits", run.weightBits},
                     {"abits", run.activationBits},
                     {"estimator", run.estimator},
                     {"quantized", metricJson(run.metric)}});
  json entry = modelIdentityJson(study.info);
  entry.update({{"metric", {{"name", study.fp.name},
                            {"fp", study.fp.value},
                            {"quantized", study.main.metric.value},
                            {"fp_detail", metricJson(study.fp)},
                            {"quantized_detail", metricJson(study.main.metric)}}},
                {"quantization", {{"wbits", study.main.weightBits},
                                  {"abits", study.main.activationBits},
                                  {"estimator", study.main.estimator},
                                  {"granularity", study.settings.granularity},
                                  {"weight_range", study.settings.weightRange},
                                  {"weight_grid", study.settings.weightGrid},
                                  {"keep_float", study.settings.keepFloat},
                                  {"block_mode", study.settings.blockMode}}},
                {"quantizers", quantizers},
                {"sweep", sweep}});
  return entry;
}

json quantizationJson(const std::vector<QuantizationStudy>& studies) {
  json models = json::array();
  for (const QuantizationStudy& study : studies) models.push_back(quantizationStudyJson(study));
  const QuantizationStudy first = studies.empty() ? QuantizationStudy{} : studies.front();
  json settings = settingsJson(first.settings.evaluation);
  settings["calib_batches"] = first.settings.calibrationBatches;
  return {{"tool", "hopscope-cli quantize"},
          {"settings", settings},
          {"data", dataJson(first.data)},
          {"calib", dataJson(first.calibration)},
          {"models", models}};
}

std::string moduleCsv(const ModelAnalysis& analysis) {
  std::ostringstream out;
  out << "module,row,rows,kurtosis,max_kurtosis,inf_norm,max_abs,max_abs_sample,max_abs_token,"
         "max_abs_channel,mean,std,non_finite_values,alias_of\n";
  for (const ModuleAnalysis& module : analysis.modules) {
    const ModuleStatistics& stats = module.stats;
    const MaxAbsLocation where = stats.maxAbs();
    out << module.name << "," << (stats.mode() == RowMode::PerSample ? "sample" : "token") << ","
        << stats.rows() << "," << number(stats.meanKurtosis()) << "," << number(stats.maxKurtosis()) << ","
        << number(stats.meanInfNorm()) << "," << number(where.value) << "," << where.sample << ","
        << where.token << "," << where.channel << "," << number(stats.moments().mean) << ","
        << number(std::sqrt(stats.moments().variance(true))) << "," << stats.nonFiniteValues() << ","
        << module.aliasOf << "\n";
  }
  return out.str();
}

std::string summaryCsv(const std::vector<ModelAnalysis>& analyses) {
  std::ostringstream out;
  out << "model,family,normalizer,gate,metric,metric_value,metric_batch_mean,figure,value\n";
  for (const ModelAnalysis& analysis : analyses)
    for (const Figure& figure : analysis.summary)
      out << analysis.info.name << "," << analysis.info.family << "," << analysis.info.normalizer << ","
          << analysis.info.gate << "," << analysis.metric.name << "," << number(analysis.metric.value) << ","
          << number(analysis.metric.batchMean) << "," << figure.name << "," << number(figure.value) << "\n";
  return out.str();
}

}  // namespace hopscope
