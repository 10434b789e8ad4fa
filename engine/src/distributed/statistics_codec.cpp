#include "distributed/statistics_codec.h"

#include <string>
#include <vector>

#include "hopscope/error.h"

namespace hopscope {

void StatisticsCodec::write(ByteWriter& out, const MomentAccumulator& moments) {
  out.put(moments.count);
  out.put(moments.mean);
  out.put(moments.m2);
  out.put(moments.m3);
  out.put(moments.m4);
}
MomentAccumulator StatisticsCodec::readMoments(ByteReader& in) {
  MomentAccumulator moments;
  moments.count = in.get<int64_t>();
  moments.mean = in.get<double>();
  moments.m2 = in.get<double>();
  moments.m3 = in.get<double>();
  moments.m4 = in.get<double>();
  return moments;
}

void StatisticsCodec::write(ByteWriter& out, const SymlogHistogram& histogram) {
  out.put(histogram.binCount_);
  out.put(histogram.linearThreshold_);
  out.put(histogram.maxMagnitude_);
  out.put(histogram.counts_);
  out.put(histogram.total_);
  out.put(histogram.overflow_);
}
SymlogHistogram StatisticsCodec::readHistogram(ByteReader& in) {
  const int64_t binCount = in.get<int64_t>();
  const double linearThreshold = in.get<double>();
  const double maxMagnitude = in.get<double>();
  SymlogHistogram histogram(binCount, linearThreshold, maxMagnitude);  // checks the binning
  const std::vector<int64_t> counts = in.values<int64_t>();
  const int64_t total = in.get<int64_t>();
  const int64_t overflow = in.get<int64_t>();
  histogram.addBinned(counts, total, overflow);  // checks the bin count
  return histogram;
}

void StatisticsCodec::write(ByteWriter& out, const ModuleStatistics& stats) {
  out.put<int32_t>(static_cast<int32_t>(stats.mode_));
  out.put(stats.rows_);
  out.put(stats.nonFiniteRows_);
  out.put(stats.nonFiniteValues_);
  out.put(stats.kurtosisSum_);
  out.put(stats.infNormSum_);
  out.put(stats.maxKurtosis_);
  out.put(stats.maxAbs_.value);
  out.put(stats.maxAbs_.sample);
  out.put(stats.maxAbs_.token);
  out.put(stats.maxAbs_.channel);
  out.put(stats.channelMaxAbs_);
  write(out, stats.moments_);
  write(out, stats.histogram_);
}
ModuleStatistics StatisticsCodec::readModuleStatistics(ByteReader& in) {
  const int32_t mode = in.get<int32_t>();
  if (mode != static_cast<int32_t>(RowMode::PerSample) && mode != static_cast<int32_t>(RowMode::PerToken))
    in.fail();
  ModuleStatistics stats(static_cast<RowMode>(mode));
  stats.rows_ = in.get<int64_t>();
  stats.nonFiniteRows_ = in.get<int64_t>();
  stats.nonFiniteValues_ = in.get<int64_t>();
  stats.kurtosisSum_ = in.get<double>();
  stats.infNormSum_ = in.get<double>();
  stats.maxKurtosis_ = in.get<double>();
  stats.maxAbs_.value = in.get<double>();
  stats.maxAbs_.sample = in.get<int64_t>();
  stats.maxAbs_.token = in.get<int64_t>();
  stats.maxAbs_.channel = in.get<int64_t>();
  stats.channelMaxAbs_ = in.values<double>();
  stats.moments_ = readMoments(in);
  stats.histogram_ = readHistogram(in);
  return stats;
}

void StatisticsCodec::write(ByteWriter& out, const AttentionHeadStatistics& heads) {
  out.put(heads.heads_);
  out.put(heads.rows_);
  out.put(heads.allowedWeights_);
  for (const std::vector<double>* sums : {&heads.entropy_, &heads.firstToken_, &heads.delimiter_, &heads.noOp_,
                                          &heads.exactZeros_, &heads.maxWeight_})
    out.put(*sums);
}
AttentionHeadStatistics StatisticsCodec::readHeads(ByteReader& in) {
  AttentionHeadStatistics heads;
  heads.heads_ = in.get<int64_t>();
  heads.rows_ = in.get<int64_t>();
  heads.allowedWeights_ = in.get<int64_t>();
  for (std::vector<double>* sums : {&heads.entropy_, &heads.firstToken_, &heads.delimiter_, &heads.noOp_,
                                    &heads.exactZeros_, &heads.maxWeight_}) {
    *sums = in.values<double>();
    if (static_cast<int64_t>(sums->size()) != heads.heads_)
      in.fail();
  }
  return heads;
}

void StatisticsCodec::write(ByteWriter& out, const PerplexityAccumulator& metric) {
  out.put(metric.nllSum_);
  out.put(metric.predictions_);
  out.put(metric.batchMeanNllSum_);
  out.put(metric.batches_);
  out.put(metric.nonFinite_);
  out.put(metric.correct_);
  out.put(metric.batchAccuracySum_);
  out.put(metric.accuracyBatches_);
  std::vector<int64_t> perClass;  // {count, hits} per class, flattened
  for (const auto& [count, hits] : metric.perClass_) {
    perClass.push_back(count);
    perClass.push_back(hits);
  }
  out.put(perClass);
}
PerplexityAccumulator StatisticsCodec::readMetric(ByteReader& in) {
  PerplexityAccumulator metric;
  metric.nllSum_ = in.get<double>();
  metric.predictions_ = in.get<int64_t>();
  metric.batchMeanNllSum_ = in.get<double>();
  metric.batches_ = in.get<int64_t>();
  metric.nonFinite_ = in.get<int64_t>();
  metric.correct_ = in.get<int64_t>();
  metric.batchAccuracySum_ = in.get<double>();
  metric.accuracyBatches_ = in.get<int64_t>();
  const std::vector<int64_t> perClass = in.values<int64_t>();
  if (perClass.size() % 2 != 0) in.fail();
  for (size_t i = 0; i < perClass.size(); i += 2) metric.perClass_.emplace_back(perClass[i], perClass[i + 1]);
  return metric;
}

}  // namespace hopscope
