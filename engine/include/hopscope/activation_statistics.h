#pragma once
// Streaming, mergeable outlier statistics of tapped activations (science.md section 5): per-row
// kurtosis and infinity norm as the reference protocol defines them, plus moments over all values,
// the largest |x| and where it was, per-channel largest |x| and a symlog histogram. Every figure
// is mergeable, so batches, shards and processes can be reduced in any grouping. Torch-free header
// (at::Tensor is only declared): results holding these statistics cross into the GUI.
#include <cstdint>
#include <vector>

#include "hopscope/row_mode.h"
#include "hopscope/symlog_histogram.h"

namespace at {
class Tensor;  // only references here: the header stays torch-free
}  // namespace at

namespace hopscope {

struct StatisticsCodec;

// Count, mean and sums of centred powers M2..M4 in float64; mergeable with the pairwise update
// formulas of Pébay (2008) / Terriberry, so merging partial results equals accumulating the whole.
struct MomentAccumulator {
  int64_t count = 0;
  double mean = 0, m2 = 0, m3 = 0, m4 = 0;

  void add(const at::Tensor& values);  // any shape, finite values only (the caller filters)
  void merge(const MomentAccumulator& other);
  double variance(bool unbiased) const;  // NaN if undefined
  double pearsonKurtosis() const;        // (m4/n) / (m2/n)^2, population; NaN if undefined
};

struct MaxAbsLocation {
  double value = 0;
  int64_t sample = -1, token = -1, channel = -1;
};

// Statistics of one tapped module over all rows seen.
class ModuleStatistics {
 public:
  explicit ModuleStatistics(RowMode mode);

  // activation: [B, T, C] (token-shaped) or [B, C] (treated as T = 1), any floating dtype.
  // firstSample: global index of batch item 0, so locations refer to the whole dataset.
  // Rows holding NaN or Inf are counted (nonFiniteRows, nonFiniteValues) and left out of every
  // other figure. Throws Error on another rank, a channel count that changed, or rows of fewer
  // than 2 values (the unbiased standard deviation needs 2).
  void add(const at::Tensor& activation, int64_t firstSample);
  // Throws Error if the row modes or channel counts differ.
  void merge(const ModuleStatistics& other);

  RowMode mode() const { return mode_; }
  int64_t rows() const { return rows_; }  // finite rows counted
  int64_t nonFiniteRows() const { return nonFiniteRows_; }
  int64_t nonFiniteValues() const { return nonFiniteValues_; }  // NaN or Inf elements seen
  double meanKurtosis() const;  // mean over rows of the protocol's kurtosis; NaN with no rows
  double meanInfNorm() const;   // mean over rows of max |x|; NaN with no rows
  double maxKurtosis() const;   // max over rows; NaN with no rows
  MaxAbsLocation maxAbs() const { return maxAbs_; }
  const std::vector<double>& channelMaxAbs() const { return channelMaxAbs_; }  // per last dim
  const MomentAccumulator& moments() const { return moments_; }  // over all finite rows' values
  const SymlogHistogram& histogram() const { return histogram_; }

 private:
  friend struct StatisticsCodec;  // analysis_part.h: partial results sent between processes
  void takeMaxAbs(const MaxAbsLocation& candidate);

  RowMode mode_;
  int64_t rows_ = 0;
  int64_t nonFiniteRows_ = 0;
  int64_t nonFiniteValues_ = 0;
  double kurtosisSum_ = 0;
  double infNormSum_ = 0;
  double maxKurtosis_ = 0;
  MaxAbsLocation maxAbs_;
  std::vector<double> channelMaxAbs_;
  MomentAccumulator moments_;
  SymlogHistogram histogram_;
};

}  // namespace hopscope
