#pragma once
// The private state of the mergeable statistics, field by field, for the parts ranks send each
// other (analysis_part.h, quantization_part.h). The classes declare this struct a friend.
#include "distributed/byte_codec.h"
#include "hopscope/activation_statistics.h"
#include "hopscope/attention_head_statistics.h"
#include "hopscope/perplexity.h"
#include "hopscope/symlog_histogram.h"

namespace hopscope {

struct StatisticsCodec {
  static void write(ByteWriter& out, const MomentAccumulator& moments);
  static MomentAccumulator readMoments(ByteReader& in);
  static void write(ByteWriter& out, const SymlogHistogram& histogram);
  static SymlogHistogram readHistogram(ByteReader& in);
  static void write(ByteWriter& out, const ModuleStatistics& stats);
  static ModuleStatistics readModuleStatistics(ByteReader& in);
  static void write(ByteWriter& out, const AttentionHeadStatistics& heads);
  static AttentionHeadStatistics readHeads(ByteReader& in);
  static void write(ByteWriter& out, const PerplexityAccumulator& metric);
  static PerplexityAccumulator readMetric(ByteReader& in);
};

}  // namespace hopscope
