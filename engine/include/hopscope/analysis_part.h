#pragma once
// A mergeable part of an outlier analysis: the statistics of one contiguous range of blocks
// (whole batches), before the metric, the token labels and the summaries are derived from them
// (outlier_analysis.h finishAnalysis). The parts of consecutive ranges, merged in block order,
// equal the analysis of the whole range: counts, maxima and their locations exactly, sums and
// moments up to floating-point summation order. Parts travel between processes as bytes.
#include <cstdint>
#include <vector>

#include "hopscope/model_analysis.h"
#include "hopscope/perplexity.h"

namespace hopscope {

struct AnalysisPart {
  int64_t firstBlock = 0;  // global index of the range's first block
  int64_t blocks = 0;      // blocks analysed (0: an empty part, e.g. a rank with no work)
  std::vector<ModuleAnalysis> modules;       // forward order; maxAbsToken is left empty
  std::vector<AttentionAnalysis> attention;  // layer order
  PerplexityAccumulator metric;

  // Appends the part of the range that follows this one's. Throws Error when the ranges are not
  // adjacent or the parts hold different modules (different models or settings).
  void merge(const AnalysisPart& next);
};

// Bytes that decodeAnalysisPart turns back into an equal part (bit-exact numbers), between
// processes of the same build. Throws Error on bytes that are not such a part.
std::vector<uint8_t> encodeAnalysisPart(const AnalysisPart& part);
AnalysisPart decodeAnalysisPart(const std::vector<uint8_t>& bytes);

}  // namespace hopscope
