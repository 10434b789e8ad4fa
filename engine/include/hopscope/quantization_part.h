#pragma once
// A mergeable part of a quantization study (quantization_sweep.h): the evaluation of one
// contiguous range of blocks (whole batches) by the float model and by every configuration of the
// sweep, before the metrics and the quantizer summaries are derived from it. Calibration is not
// part of it: every rank calibrates on all calibration blocks, so the frozen ranges, and with them
// the quantized models, are the same everywhere. Parts of consecutive ranges, merged in block
// order, equal the evaluation of the whole range: counts exactly, sums up to floating-point
// summation order. Parts travel between processes as bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/perplexity.h"
#include "hopscope/quantization_diagnostics.h"

namespace hopscope {

struct QuantizationPart {
  int64_t firstBlock = 0;  // global index of the range's first block
  int64_t blocks = 0;      // blocks evaluated (0: an empty part, e.g. a rank with no work)
  PerplexityAccumulator fp;
  std::vector<PerplexityAccumulator> runs;  // one per configuration, sweep order (main first)
  // The main configuration's activation quantizers, forward order: the listed ones.
  std::vector<std::string> activationSites;
  std::vector<QuantizerDiagnostics> activationDiagnostics;

  // Appends the part of the range that follows this one's. Throws Error when the ranges are not
  // adjacent or the parts hold different configurations or quantizers.
  void merge(const QuantizationPart& next);
};

// Bytes that decodeQuantizationPart turns back into an equal part (bit-exact numbers), between
// processes of the same build. Throws Error on bytes that are not such a part.
std::vector<uint8_t> encodeQuantizationPart(const QuantizationPart& part);
QuantizationPart decodeQuantizationPart(const std::vector<uint8_t>& bytes);

}  // namespace hopscope
