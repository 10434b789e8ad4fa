#include "hopscope/quantization_part.h"

#include "distributed/byte_codec.h"
#include "distributed/statistics_codec.h"
#include "hopscope/error.h"

namespace hopscope {

namespace {

// "hopscope quantization part", format 1 (byte_codec.h).
constexpr char kMagic[8] = {'H', 'S', 'Q', 'P', 'A', 'R', 'T', '1'};
constexpr const char* kMalformed = "a partial quantization result from another rank is malformed";

void write(ByteWriter& out, const QuantizerDiagnostics& diagnostics) {
  out.put<int32_t>(diagnostics.bits);
  out.put(diagnostics.count);
  out.put(diagnostics.clipped);
  out.put(diagnostics.signalEnergy);
  out.put(diagnostics.noiseEnergy);
  out.put(diagnostics.levelCounts);
}

QuantizerDiagnostics readDiagnostics(ByteReader& in) {
  QuantizerDiagnostics diagnostics;
  diagnostics.bits = in.get<int32_t>();
  diagnostics.count = in.get<int64_t>();
  diagnostics.clipped = in.get<int64_t>();
  diagnostics.signalEnergy = in.get<double>();
  diagnostics.noiseEnergy = in.get<double>();
  diagnostics.levelCounts = in.values<int64_t>();
  // 0 bits: nothing seen yet, no levels; else one count per level of the grid.
  const bool empty = diagnostics.bits == 0 && diagnostics.levelCounts.empty();
  const bool grid = diagnostics.bits >= 1 && diagnostics.bits <= 30 &&
                    diagnostics.levelCounts.size() == (size_t(1) << diagnostics.bits);
  if (!empty && !grid) in.fail();
  return diagnostics;
}

}  // namespace

void QuantizationPart::merge(const QuantizationPart& next) {
  if (next.blocks == 0) return;
  if (blocks == 0) {
    *this = next;
    return;
  }
  if (next.firstBlock != firstBlock + blocks)
    throw Error("cannot merge the quantized evaluation of blocks " + std::to_string(next.firstBlock) +
                ".. after blocks " + std::to_string(firstBlock) + ".." + std::to_string(firstBlock + blocks - 1) +
                ": not adjacent");
  if (next.runs.size() != runs.size() || next.activationSites != activationSites)
    throw Error("cannot merge quantized evaluations of different configurations or quantizers (different models or "
                "settings on different ranks)");
  fp.merge(next.fp);
  for (size_t i = 0; i < runs.size(); ++i) runs[i].merge(next.runs[i]);
  for (size_t i = 0; i < activationDiagnostics.size(); ++i) activationDiagnostics[i].merge(next.activationDiagnostics[i]);
  blocks += next.blocks;
}

std::vector<uint8_t> encodeQuantizationPart(const QuantizationPart& part) {
  if (part.activationSites.size() != part.activationDiagnostics.size())
    throw Error("a quantization part needs one diagnostics entry per activation site");
  ByteWriter out;
  out.raw(kMagic, sizeof kMagic);
  out.put(part.firstBlock);
  out.put(part.blocks);
  StatisticsCodec::write(out, part.fp);
  out.put<uint64_t>(part.runs.size());
  for (const PerplexityAccumulator& run : part.runs) StatisticsCodec::write(out, run);
  out.put<uint64_t>(part.activationSites.size());
  for (size_t i = 0; i < part.activationSites.size(); ++i) {
    out.put(part.activationSites[i]);
    write(out, part.activationDiagnostics[i]);
  }
  return out.take();
}

QuantizationPart decodeQuantizationPart(const std::vector<uint8_t>& bytes) {
  ByteReader in(bytes, kMalformed);
  in.expect(kMagic, sizeof kMagic);
  QuantizationPart part;
  part.firstBlock = in.get<int64_t>();
  part.blocks = in.get<int64_t>();
  part.fp = StatisticsCodec::readMetric(in);
  const uint64_t runs = in.get<uint64_t>();
  for (uint64_t i = 0; i < runs && !in.done(); ++i) part.runs.push_back(StatisticsCodec::readMetric(in));
  if (part.runs.size() != runs) in.fail();
  const uint64_t sites = in.get<uint64_t>();
  for (uint64_t i = 0; i < sites && !in.done(); ++i) {
    part.activationSites.push_back(in.text());
    part.activationDiagnostics.push_back(readDiagnostics(in));
  }
  if (part.activationSites.size() != sites || !in.done()) in.fail();
  return part;
}

}  // namespace hopscope
