#pragma once
// Per-head behaviour of one attention module over a dataset: how peaked the rows are (entropy),
// how much weight parks on the first token and on delimiters ([CLS], [SEP], '.', </s>), how much
// the softmax1 kinds leave unassigned (the "no-op" mass 1 - sum p), and how many weights clipped
// softmax sets to exactly zero. Sums and counts only, so results merge across batches and processes.
#include <cstdint>
#include <vector>

namespace at {
class Tensor;  // only references here: the header stays torch-free
}  // namespace at

namespace hopscope {

struct StatisticsCodec;

struct HeadSummary {
  double entropy = 0;          // mean over query rows of -sum_k p log p (nats)
  double firstTokenMass = 0;   // mean over query rows of p[key 0]
  double delimiterMass = 0;    // mean over query rows of the weight on delimiter keys
  double noOpMass = 0;         // mean over query rows of 1 - sum_k p
  double exactZeroFraction = 0;  // fraction of allowed (query, key) weights that are exactly 0
  double maxWeight = 0;        // mean over query rows of max_k p
};

class AttentionHeadStatistics {
 public:
  explicit AttentionHeadStatistics(int64_t heads = 0);

  // probs [B, H, T, T]; ids and mask [B, T] (mask 1 = real token); delimiterIds: token ids counted
  // as delimiters; causal: key k is allowed for query q only when k <= q. Padded queries are skipped.
  void add(const at::Tensor& probs, const at::Tensor& ids, const at::Tensor& mask,
           const std::vector<int64_t>& delimiterIds, bool causal);
  void merge(const AttentionHeadStatistics& other);

  int64_t heads() const { return heads_; }
  int64_t rows() const { return rows_; }  // query rows per head
  HeadSummary head(int64_t h) const;

 private:
  friend struct StatisticsCodec;  // analysis_part.h: partial results sent between processes
  int64_t heads_ = 0;
  int64_t rows_ = 0;
  int64_t allowedWeights_ = 0;
  // Per-head sums, float64.
  std::vector<double> entropy_, firstToken_, delimiter_, noOp_, exactZeros_, maxWeight_;
};

}  // namespace hopscope
