#include "hopscope/analysis_part.h"

#include <cstring>
#include <string>
#include <type_traits>

#include "hopscope/error.h"

namespace hopscope {

namespace {

// "hopscope analysis part", format 1. Numbers are written in this machine's byte order: parts
// travel between processes of the same build.
constexpr char kMagic[8] = {'H', 'S', 'A', 'P', 'A', 'R', 'T', '1'};

class ByteWriter {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void put(const std::string& text) {
    put<uint64_t>(text.size());
    bytes_.insert(bytes_.end(), text.begin(), text.end());
  }
  template <typename T>
  void put(const std::vector<T>& values) {
    put<uint64_t>(values.size());
    for (const T& value : values) put(value);
  }
  void raw(const char* data, size_t size) { bytes_.insert(bytes_.end(), data, data + size); }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  std::string text() {
    const uint64_t size = count(1);
    std::string value(reinterpret_cast<const char*>(bytes_.data() + at_), size);
    at_ += size;
    return value;
  }
  template <typename T>
  std::vector<T> values() {
    const uint64_t size = count(sizeof(T));
    std::vector<T> result;
    result.reserve(size);
    for (uint64_t i = 0; i < size; ++i) result.push_back(get<T>());
    return result;
  }
  void expect(const char* data, size_t size) {
    need(size);
    if (std::memcmp(bytes_.data() + at_, data, size) != 0) fail();
    at_ += size;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  // An element count, checked against the bytes left (so bad input cannot allocate wildly).
  uint64_t count(size_t elementSize) {
    const uint64_t size = get<uint64_t>();
    if (size > (bytes_.size() - at_) / elementSize) fail();
    return size;
  }
  void need(size_t size) {
    if (bytes_.size() - at_ < size) fail();
  }
  [[noreturn]] static void fail() { throw Error("a partial analysis from another rank is malformed"); }

  const std::vector<uint8_t>& bytes_;
  size_t at_ = 0;
};

}  // namespace

// The classes' private state, field by field (they declare this struct a friend).
struct StatisticsCodec {
  static void write(ByteWriter& out, const MomentAccumulator& moments) {
    out.put(moments.count);
    out.put(moments.mean);
    out.put(moments.m2);
    out.put(moments.m3);
    out.put(moments.m4);
  }
  static MomentAccumulator readMoments(ByteReader& in) {
    MomentAccumulator moments;
    moments.count = in.get<int64_t>();
    moments.mean = in.get<double>();
    moments.m2 = in.get<double>();
    moments.m3 = in.get<double>();
    moments.m4 = in.get<double>();
    return moments;
  }

  static void write(ByteWriter& out, const SymlogHistogram& histogram) {
    out.put(histogram.binCount_);
    out.put(histogram.linearThreshold_);
    out.put(histogram.maxMagnitude_);
    out.put(histogram.counts_);
    out.put(histogram.total_);
    out.put(histogram.overflow_);
  }
  static SymlogHistogram readHistogram(ByteReader& in) {
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

  static void write(ByteWriter& out, const ModuleStatistics& stats) {
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
  static ModuleStatistics readModuleStatistics(ByteReader& in) {
    const int32_t mode = in.get<int32_t>();
    if (mode != static_cast<int32_t>(RowMode::PerSample) && mode != static_cast<int32_t>(RowMode::PerToken))
      throw Error("a partial analysis from another rank is malformed");
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

  static void write(ByteWriter& out, const AttentionHeadStatistics& heads) {
    out.put(heads.heads_);
    out.put(heads.rows_);
    out.put(heads.allowedWeights_);
    for (const std::vector<double>* sums : {&heads.entropy_, &heads.firstToken_, &heads.delimiter_, &heads.noOp_,
                                            &heads.exactZeros_, &heads.maxWeight_})
      out.put(*sums);
  }
  static AttentionHeadStatistics readHeads(ByteReader& in) {
    AttentionHeadStatistics heads;
    heads.heads_ = in.get<int64_t>();
    heads.rows_ = in.get<int64_t>();
    heads.allowedWeights_ = in.get<int64_t>();
    for (std::vector<double>* sums : {&heads.entropy_, &heads.firstToken_, &heads.delimiter_, &heads.noOp_,
                                      &heads.exactZeros_, &heads.maxWeight_}) {
      *sums = in.values<double>();
      if (static_cast<int64_t>(sums->size()) != heads.heads_)
        throw Error("a partial analysis from another rank is malformed");
    }
    return heads;
  }

  static void write(ByteWriter& out, const PerplexityAccumulator& metric) {
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
  static PerplexityAccumulator readMetric(ByteReader& in) {
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
    if (perClass.size() % 2 != 0) throw Error("a partial analysis from another rank is malformed");
    for (size_t i = 0; i < perClass.size(); i += 2) metric.perClass_.emplace_back(perClass[i], perClass[i + 1]);
    return metric;
  }
};


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
  ByteReader in(bytes);
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
  if (part.modules.size() != modules) throw Error("a partial analysis from another rank is malformed");
  const uint64_t attention = in.get<uint64_t>();
  for (uint64_t i = 0; i < attention && !in.done(); ++i) {
    AttentionAnalysis entry;
    entry.module = in.text();
    entry.layer = in.get<int64_t>();
    entry.heads = StatisticsCodec::readHeads(in);
    part.attention.push_back(std::move(entry));
  }
  if (part.attention.size() != attention) throw Error("a partial analysis from another rank is malformed");
  part.metric = StatisticsCodec::readMetric(in);
  if (!in.done()) throw Error("a partial analysis from another rank is malformed");
  return part;
}

}  // namespace hopscope
