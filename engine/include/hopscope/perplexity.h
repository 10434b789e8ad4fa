#pragma once
// Perplexity of masked-LM and causal-LM predictions, accumulated over batches.
// Negative log-likelihoods are computed in float64 with ATen (log_softmax + gather).
// Two averages are kept:
//   tokenWeighted() = exp(sum of nll / number of predictions)
//   batchMean()     = exp(mean over batches of each batch's mean nll)  (what the reference
//                     scripts report: exp of the mean of per-batch losses)
// A batch is one add call; a batch without any counted prediction does not enter batchMean.
// Predictions whose logits row holds a NaN or infinity (or whose nll is not finite) are counted in
// nonFinitePredictions() and left out of every sum.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace hopscope {

struct StatisticsCodec;

class PerplexityAccumulator {
 public:
  // logits [B, T, V] (any float type and device), labels int64 [B, T]: the target id, or -100 for
  // positions that are not predicted. Throws Error on mismatched shapes or labels outside [0, V).
  void addMaskedLm(const at::Tensor& logits, const at::Tensor& labels);
  // logits [B, T, V], ids int64 [B, T]: position t predicts ids[t + 1], T - 1 predictions per row.
  void addCausalLm(const at::Tensor& logits, const at::Tensor& ids);
  // Image classification: logits [B, K], labels int64 [B] (-1: unlabelled, skipped). The NLL sums
  // are the cross-entropy; top-1 hits are counted overall and per class.
  void addClassification(const at::Tensor& logits, const at::Tensor& labels);
  // Adds another accumulator's predictions and batches (e.g. from another thread or data shard).
  void merge(const PerplexityAccumulator& other);

  double tokenWeighted() const;  // NaN when nothing was counted
  double batchMean() const;      // NaN when nothing was counted
  double nllSum() const { return nllSum_; }
  int64_t predictions() const { return predictions_; }
  int64_t batches() const { return batches_; }
  int64_t nonFinitePredictions() const { return nonFinite_; }
  // Classification: top-1 hits, the mean of the batches' accuracies, per class {count, hits}.
  int64_t correct() const { return correct_; }
  double batchMeanAccuracy() const;
  const std::vector<std::pair<int64_t, int64_t>>& perClass() const { return perClass_; }

 private:
  friend struct StatisticsCodec;  // analysis_part.h: partial results sent between processes
  // rows [P, V] of logits and their targets [P]: the predictions of one batch.
  void addPredictions(const at::Tensor& rows, const at::Tensor& targets);

  double nllSum_ = 0.0;
  int64_t predictions_ = 0;
  double batchMeanNllSum_ = 0.0;
  int64_t batches_ = 0;
  int64_t nonFinite_ = 0;
  int64_t correct_ = 0;
  double batchAccuracySum_ = 0.0;
  int64_t accuracyBatches_ = 0;
  std::vector<std::pair<int64_t, int64_t>> perClass_;
};

}  // namespace hopscope
