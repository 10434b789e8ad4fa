#pragma once
// Counts of activation values on fixed symmetric-log bins. The bins depend only on the binning
// parameters, never on the data, so histograms from different batches, modules or processes merge
// by adding counts.
//
// A value v maps to u = sign(v) * log10(1 + |v| / linearThreshold): linear near zero, logarithmic
// beyond. u in [-umax, umax], umax = log10(1 + maxMagnitude / linearThreshold), is split into
// binCount equal bins. Values with |v| > maxMagnitude land in the end bins and are also counted as
// overflow.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;  // only references here: the header stays torch-free
}  // namespace at

namespace hopscope {

class SymlogBinner;
struct StatisticsCodec;

class SymlogHistogram {
 public:
  static constexpr int64_t kDefaultBinCount = 400;
  static constexpr double kDefaultLinearThreshold = 1e-3;
  static constexpr double kDefaultMaxMagnitude = 1e6;

  // Throws Error unless 1 <= binCount <= 65536 and 0 < linearThreshold, 0 < maxMagnitude (all finite).
  explicit SymlogHistogram(int64_t binCount = kDefaultBinCount,
                           double linearThreshold = kDefaultLinearThreshold,
                           double maxMagnitude = kDefaultMaxMagnitude);

  // Any shape, any floating dtype. NaN and Inf are skipped (callers that care count them).
  void add(const at::Tensor& values);
  // The same for values the caller already knows to be finite (skips a pass over them).
  void addFinite(const at::Tensor& values);
  // Counts binned elsewhere with binner() (one per bin), over `total` values, `overflow` of them
  // beyond maxMagnitude. Throws Error if the number of counts is not binCount.
  void addBinned(const std::vector<int64_t>& counts, int64_t total, int64_t overflow);
  const SymlogBinner& binner() const { return *binner_; }
  // Throws Error if the other histogram has a different binning.
  void merge(const SymlogHistogram& other);

  const std::vector<int64_t>& counts() const { return counts_; }
  // binCount + 1 edges in value units, ascending, exactly symmetric around 0.
  std::vector<double> binEdges() const;
  int64_t total() const { return total_; }
  int64_t overflow() const { return overflow_; }

  int64_t binCount() const { return binCount_; }
  double linearThreshold() const { return linearThreshold_; }
  double maxMagnitude() const { return maxMagnitude_; }

 private:
  friend struct StatisticsCodec;  // analysis_part.h: partial results sent between processes
  std::string describeBinning() const;

  int64_t binCount_;
  double linearThreshold_;
  double maxMagnitude_;
  double uMax_;
  std::shared_ptr<const SymlogBinner> binner_;  // shared by copies: it depends on the binning only
  std::vector<int64_t> counts_;
  int64_t total_ = 0;
  int64_t overflow_ = 0;
};

}  // namespace hopscope
