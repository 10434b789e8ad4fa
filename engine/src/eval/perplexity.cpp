#include "hopscope/perplexity.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hopscope/error.h"
#include "hopscope/masked_lm.h"

namespace hopscope {
namespace {

// Rows converted to float64 at a time: bounds the memory of a large-vocabulary batch.
constexpr int64_t kRowsPerChunk = 512;

std::string shapeText(const at::Tensor& tensor) {
  std::string text = "[";
  for (int64_t d = 0; d < tensor.dim(); ++d)
    text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + "]";
}

void checkShapes(const at::Tensor& logits, const at::Tensor& targets, const char* what) {
  if (!logits.defined() || logits.dim() != 3 || !at::isFloatingType(logits.scalar_type()))
    throw Error("perplexity: logits must be a floating-point tensor [batch, tokens, vocab], got " +
                (logits.defined() ? shapeText(logits) : std::string("nothing")));
  if (!targets.defined() || targets.dim() != 2 || targets.scalar_type() != at::kLong ||
      targets.size(0) != logits.size(0) || targets.size(1) != logits.size(1))
    throw Error(std::string("perplexity: ") + what + " must be int64 [" +
                std::to_string(logits.size(0)) + ", " + std::to_string(logits.size(1)) +
                "] to match the logits " + shapeText(logits) + ", got " +
                (targets.defined() ? shapeText(targets) : std::string("nothing")));
}

}  // namespace

void PerplexityAccumulator::addMaskedLm(const at::Tensor& logits, const at::Tensor& labels) {
  checkShapes(logits, labels, "labels");
  const int64_t vocab = logits.size(2);
  const at::Tensor flatLabels = labels.reshape({-1}).to(logits.device());
  const at::Tensor selected = flatLabels.ne(kIgnoredLabel).nonzero().reshape({-1});
  addPredictions(logits.reshape({-1, vocab}).index_select(0, selected),
                 flatLabels.index_select(0, selected));
}

void PerplexityAccumulator::addCausalLm(const at::Tensor& logits, const at::Tensor& ids) {
  checkShapes(logits, ids, "ids");
  const int64_t vocab = logits.size(2), tokens = logits.size(1);
  if (tokens < 2) {
    addPredictions(logits.new_empty({0, vocab}), ids.new_empty({0}));
    return;
  }
  const at::Tensor rows = logits.narrow(1, 0, tokens - 1).reshape({-1, vocab});
  const at::Tensor targets = ids.narrow(1, 1, tokens - 1).reshape({-1}).to(logits.device());
  addPredictions(rows, targets);
}

void PerplexityAccumulator::addPredictions(const at::Tensor& rows, const at::Tensor& targets) {
  const int64_t vocab = rows.size(1);
  if (targets.numel() > 0) {
    const bool inRange = targets.ge(0).logical_and(targets.lt(vocab)).all().item<bool>();
    if (!inRange)
      throw Error("perplexity: a target id is outside the vocabulary [0, " + std::to_string(vocab) +
                  ") (labels may only be token ids or -100)");
  }
  double batchSum = 0.0;
  int64_t batchCount = 0, batchNonFinite = 0;
  for (int64_t start = 0; start < rows.size(0); start += kRowsPerChunk) {
    const int64_t count = std::min(kRowsPerChunk, rows.size(0) - start);
    const at::Tensor chunk = rows.narrow(0, start, count).to(at::kDouble);
    const at::Tensor chunkTargets = targets.narrow(0, start, count);
    const at::Tensor nll =
        -at::log_softmax(chunk, 1).gather(1, chunkTargets.unsqueeze(1)).squeeze(1);
    const at::Tensor finite = at::isfinite(chunk).all(1).logical_and(at::isfinite(nll));
    const int64_t finiteCount = finite.sum().item<int64_t>();
    batchSum += at::where(finite, nll, at::zeros_like(nll)).sum().item<double>();
    batchCount += finiteCount;
    batchNonFinite += count - finiteCount;
  }
  nllSum_ += batchSum;
  predictions_ += batchCount;
  nonFinite_ += batchNonFinite;
  if (batchCount > 0) {
    batchMeanNllSum_ += batchSum / static_cast<double>(batchCount);
    ++batches_;
  }
}

void PerplexityAccumulator::addClassification(const at::Tensor& logits, const at::Tensor& labels) {
  if (!logits.defined() || logits.dim() != 2 || !at::isFloatingType(logits.scalar_type()))
    throw Error("accuracy: logits must be a floating-point tensor [batch, classes], got " +
                (logits.defined() ? shapeText(logits) : std::string("nothing")));
  if (!labels.defined() || labels.dim() != 1 || labels.scalar_type() != at::kLong || labels.size(0) != logits.size(0))
    throw Error("accuracy: labels must be int64 [" + std::to_string(logits.size(0)) + "]");
  const int64_t classes = logits.size(1);
  const at::Tensor targets = labels.to(logits.device());
  if (targets.ge(classes).any().item<bool>())
    throw Error("accuracy: a label is not below the model's " + std::to_string(classes) +
                " classes (labels and model do not match?)");
  const at::Tensor selected = targets.ge(0).nonzero().reshape({-1});
  const at::Tensor rows = logits.index_select(0, selected), kept = targets.index_select(0, selected);
  const at::Tensor finite = at::isfinite(rows).all(1);
  const at::Tensor hits = rows.argmax(1).eq(kept).logical_and(finite);
  const int64_t before = predictions_;
  addPredictions(rows, kept);
  const int64_t counted = predictions_ - before;
  const int64_t batchHits = hits.sum().item<int64_t>();
  correct_ += batchHits;
  if (counted > 0) {
    batchAccuracySum_ += static_cast<double>(batchHits) / static_cast<double>(counted);
    ++accuracyBatches_;
  }
  if (static_cast<int64_t>(perClass_.size()) < classes) perClass_.resize(static_cast<size_t>(classes), {0, 0});
  const at::Tensor cpuLabels = kept.masked_select(finite).to(at::kCPU), cpuHits = hits.masked_select(finite).to(at::kCPU);
  const int64_t* label = cpuLabels.data_ptr<int64_t>();
  const bool* hit = cpuHits.data_ptr<bool>();
  for (int64_t i = 0; i < cpuLabels.numel(); ++i) {
    perClass_[static_cast<size_t>(label[i])].first += 1;
    perClass_[static_cast<size_t>(label[i])].second += hit[i] ? 1 : 0;
  }
}

double PerplexityAccumulator::batchMeanAccuracy() const {
  if (accuracyBatches_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return batchAccuracySum_ / static_cast<double>(accuracyBatches_);
}

void PerplexityAccumulator::merge(const PerplexityAccumulator& other) {
  correct_ += other.correct_;
  batchAccuracySum_ += other.batchAccuracySum_;
  accuracyBatches_ += other.accuracyBatches_;
  if (perClass_.size() < other.perClass_.size()) perClass_.resize(other.perClass_.size(), {0, 0});
  for (size_t i = 0; i < other.perClass_.size(); ++i) {
    perClass_[i].first += other.perClass_[i].first;
    perClass_[i].second += other.perClass_[i].second;
  }
  nllSum_ += other.nllSum_;
  predictions_ += other.predictions_;
  batchMeanNllSum_ += other.batchMeanNllSum_;
  batches_ += other.batches_;
  nonFinite_ += other.nonFinite_;
}

double PerplexityAccumulator::tokenWeighted() const {
  if (predictions_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::exp(nllSum_ / static_cast<double>(predictions_));
}

double PerplexityAccumulator::batchMean() const {
  if (batches_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::exp(batchMeanNllSum_ / static_cast<double>(batches_));
}

}  // namespace hopscope
