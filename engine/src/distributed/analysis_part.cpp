#include "hopscope/analysis_part.h"

#include <string>

#include "distributed/byte_codec.h"
#include "distributed/statistics_codec.h"
#include "hopscope/error.h"

namespace hopscope {

namespace {

// "hopscope analysis part", format 1 (byte_codec.h).
constexpr char kMagic[8] = {'H', 'S', 'A', 'P', 'A', 'R', 'T', '1'};
constexpr const char* kMalformed = "a partial analysis from another rank is malformed";

}  // namespace

void AnalysisPart::merge(const AnalysisPart& next) {
  if (next.blocks == 0) return;
  if (blocks == 0) {
    *this = next;
    return;
  }
  if (next.firstBlock != firstBlock + blocks)
    throw Error("cannot merge the analysis of blocks " + std::to_string(next.firstBlock) + ".. after blocks " +
                std::to_string(firstBlock) + ".." + std::to_string(firstBlock + blocks - 1) + ": not adjacent");
  if (next.modules.size() != modules.size() || next.attention.size() != attention.size())
    throw Error("cannot merge analyses of different modules (different models or settings on different ranks)");
  for (size_t i = 0; i < modules.size(); ++i) {
    if (modules[i].name != next.modules[i].name)
      throw Error("cannot merge the analysis of " + modules[i].name + " with that of " + next.modules[i].name);
    modules[i].stats.merge(next.modules[i].stats);
  }
  for (size_t i = 0; i < attention.size(); ++i) {
    if (attention[i].module != next.attention[i].module)
      throw Error("cannot merge the analysis of " + attention[i].module + " with that of " + next.attention[i].module);
    attention[i].heads.merge(next.attention[i].heads);
  }
  metric.merge(next.metric);
  blocks += next.blocks;
}

std::vector<uint8_t> encodeAnalysisPart(const AnalysisPart& part) {
  ByteWriter out;
  out.raw(kMagic, sizeof kMagic);
  out.put(part.firstBlock);
  out.put(part.blocks);
  out.put<uint64_t>(part.modules.size());
  for (const ModuleAnalysis& module : part.modules) {
    out.put(module.name);
    out.put(module.layer);
    out.put<int32_t>(static_cast<int32_t>(module.role));
    out.put(module.shortName);
    out.put(module.aliasOf);
    StatisticsCodec::write(out, module.stats);
  }
  out.put<uint64_t>(part.attention.size());
  for (const AttentionAnalysis& attention : part.attention) {
    out.put(attention.module);
    out.put(attention.layer);
    StatisticsCodec::write(out, attention.heads);
  }
  StatisticsCodec::write(out, part.metric);
  return out.take();
}

AnalysisPart decodeAnalysisPart(const std::vector<uint8_t>& bytes) {
  ByteReader in(bytes, kMalformed);
  in.expect(kMagic, sizeof kMagic);
  AnalysisPart part;
  part.firstBlock = in.get<int64_t>();
  part.blocks = in.get<int64_t>();
  const uint64_t modules = in.get<uint64_t>();
  for (uint64_t i = 0; i < modules && !in.done(); ++i) {
    ModuleAnalysis module;
    module.name = in.text();
    module.layer = in.get<int64_t>();
    module.role = static_cast<SiteRole>(in.get<int32_t>());
    module.shortName = in.text();
    module.aliasOf = in.text();
    module.stats = StatisticsCodec::readModuleStatistics(in);
    part.modules.push_back(std::move(module));
  }
  if (part.modules.size() != modules) in.fail();
  const uint64_t attention = in.get<uint64_t>();
  for (uint64_t i = 0; i < attention && !in.done(); ++i) {
    AttentionAnalysis entry;
    entry.module = in.text();
    entry.layer = in.get<int64_t>();
    entry.heads = StatisticsCodec::readHeads(in);
    part.attention.push_back(std::move(entry));
  }
  if (part.attention.size() != attention) in.fail();
  part.metric = StatisticsCodec::readMetric(in);
  if (!in.done()) in.fail();
  return part;
}

}  // namespace hopscope
