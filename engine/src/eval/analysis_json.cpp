#include "hopscope/analysis_json.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace hopscope {
namespace {

using nlohmann::json;

json figuresJson(const Figures& figures) {
  json object = json::object();
  for (const auto& [name, value] : figures) object[name] = value;  // NaN is written as null
  return object;
}

json topChannels(const std::vector<double>& channelMax, size_t count) {
  std::vector<size_t> order(channelMax.size());
  std::iota(order.begin(), order.end(), 0);
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](size_t a, size_t b) { return channelMax[a] > channelMax[b]; });
  json list = json::array();
  for (size_t i = 0; i < count; ++i) list.push_back({{"channel", order[i]}, {"max_abs", channelMax[order[i]]}});
  return list;
}

json moduleJson(const ModuleAnalysis& module) {
  const ModuleStatistics& stats = module.stats;
  const MaxAbsLocation where = stats.maxAbs();
  const SymlogHistogram& histogram = stats.histogram();
  json entry = {{"name", module.name},
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
                {"top_channels", topChannels(stats.channelMaxAbs(), 16)},
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
  return {{"module", attention.module}, {"rows", attention.heads.rows()}, {"heads", heads}};
}

std::string number(double value) {
  if (std::isnan(value)) return "";
  std::ostringstream out;
  out.precision(10);
  out << value;
  return out.str();
}

}  // namespace

json analysisJson(const std::vector<ModelAnalysis>& analyses, const AnalysisSettings& settings,
                  const TextCorpus& corpus) {
  json models = json::array();
  for (const ModelAnalysis& analysis : analyses) {
    json modules = json::array();
    for (const ModuleAnalysis& module : analysis.modules) modules.push_back(moduleJson(module));
    json attention = json::array();
    for (const AttentionAnalysis& entry : analysis.attention) attention.push_back(attentionJson(entry));
    const ModelInfo& info = analysis.info;
    models.push_back({{"name", info.name},
                      {"argument", info.argument},
                      {"path", info.path},
                      {"family", info.family},
                      {"normalizer", info.normalizer},
                      {"gate", info.gate},
                      {"samples", analysis.samples},
                      {"tokens", analysis.tokens},
                      {"metric", {{"name", analysis.metricName},
                                  {"value", analysis.metricValue},
                                  {"batch_mean", analysis.metricBatchMean},
                                  {"predictions", analysis.metricPredictions}}},
                      {"summary", figuresJson(analysis.summary)},
                      {"all_modules", figuresJson(analysis.allModules)},
                      {"modules", modules},
                      {"attention", attention}});
  }
  return {{"tool", "hopscope-cli analyze"},
          {"settings", {{"samples", settings.samples},
                        {"seq_len", settings.seqLen},
                        {"batch", settings.batch},
                        {"mask_prob", settings.maskProb},
                        {"seed", settings.seed}}},
          {"data", {{"path", corpus.path},
                    {"files", corpus.files},
                    {"bytes", corpus.totalBytes},
                    {"fingerprint", corpus.fingerprint},
                    {"documents", corpus.documents.size()}}},
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
    for (const auto& [figure, value] : analysis.summary)
      out << analysis.info.name << "," << analysis.info.family << "," << analysis.info.normalizer << ","
          << analysis.info.gate << "," << analysis.metricName << "," << number(analysis.metricValue) << ","
          << number(analysis.metricBatchMean) << "," << figure << "," << number(value) << "\n";
  return out.str();
}

}  // namespace hopscope
