#include "hopscope/activation_statistics.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <limits>
#include <string>

#include "hopscope/error.h"

namespace hopscope {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The reference protocol's guard against a zero standard deviation (science.md 5).
constexpr double kKurtosisEpsilon = 1e-6;

const char* modeName(RowMode mode) { return mode == RowMode::PerSample ? "per-sample" : "per-token"; }

// [B, T, C] view of an activation; [B, C] becomes [B, 1, C].
at::Tensor tokenShaped(const at::Tensor& activation) {
  if (!activation.defined()) throw Error("activation statistics: the activation tensor is empty");
  if (!at::isFloatingType(activation.scalar_type()))
    throw Error("activation statistics: expected a floating-point activation, got " +
                std::string(c10::toString(activation.scalar_type())));
  if (activation.dim() == 2) return activation.detach().unsqueeze(1);
  if (activation.dim() == 3) return activation.detach();
  throw Error("activation statistics: expected an activation of shape [B, T, C] or [B, C], got " +
              std::to_string(activation.dim()) + " dimensions");
}

}  // namespace

RowMoments RowMoments::of(const at::Tensor& rows) {
  RowMoments moments;
  moments.rowLength = rows.size(1);
  moments.mean = rows.mean(1);
  at::Tensor deviation = rows - moments.mean.unsqueeze(1);
  at::Tensor squared = deviation * deviation;
  moments.m2 = squared.sum(1);
  moments.m3 = deviation.mul_(squared).sum(1);
  moments.m4 = squared.mul_(squared).sum(1);
  return moments;
}

void MomentAccumulator::add(const at::Tensor& values) {
  if (values.numel() == 0) return;
  add(RowMoments::of(values.detach().reshape({1, -1}).to(at::kDouble)));
}

void MomentAccumulator::add(const RowMoments& rows) {
  const int64_t rowCount = rows.mean.numel();
  if (rowCount == 0 || rows.rowLength == 0) return;
  // Rows of equal length D combine exactly around the overall mean: with delta_i = mean_i - mean,
  // sum (d + delta)^k expands and the first-power deviations of each row sum to zero.
  const double length = static_cast<double>(rows.rowLength);
  MomentAccumulator batch;
  batch.count = rowCount * rows.rowLength;
  batch.mean = rows.mean.mean().item<double>();
  at::Tensor delta = rows.mean - batch.mean;
  at::Tensor delta2 = delta * delta;
  batch.m2 = (rows.m2.sum() + length * delta2.sum()).item<double>();
  batch.m3 = (rows.m3.sum() + 3.0 * (delta * rows.m2).sum() + length * (delta2 * delta).sum())
                 .item<double>();
  batch.m4 = (rows.m4.sum() + 4.0 * (delta * rows.m3).sum() + 6.0 * (delta2 * rows.m2).sum() +
              length * (delta2 * delta2).sum())
                 .item<double>();
  merge(batch);
}

void MomentAccumulator::merge(const MomentAccumulator& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count), nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  const double delta2 = delta * delta;
  const double m2Merged = m2 + other.m2 + delta2 * na * nb / n;
  const double m3Merged = m3 + other.m3 + delta2 * delta * na * nb * (na - nb) / (n * n) +
                          3.0 * delta * (na * other.m2 - nb * m2) / n;
  const double m4Merged = m4 + other.m4 +
                          delta2 * delta2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                          6.0 * delta2 * (na * na * other.m2 + nb * nb * m2) / (n * n) +
                          4.0 * delta * (na * other.m3 - nb * m3) / n;
  count += other.count;
  mean += delta * nb / n;
  m2 = m2Merged;
  m3 = m3Merged;
  m4 = m4Merged;
}

double MomentAccumulator::variance(bool unbiased) const {
  const int64_t divisor = unbiased ? count - 1 : count;
  return divisor > 0 ? m2 / static_cast<double>(divisor) : kNaN;
}

double MomentAccumulator::pearsonKurtosis() const {
  if (count == 0 || m2 <= 0) return kNaN;
  return static_cast<double>(count) * m4 / (m2 * m2);
}

ModuleStatistics::ModuleStatistics(RowMode mode) : mode_(mode) {}

void ModuleStatistics::add(const at::Tensor& activation, int64_t firstSample) {
  const at::Tensor x = tokenShaped(activation);
  const int64_t batch = x.size(0), tokens = x.size(1), channels = x.size(2);
  if (!channelMaxAbs_.empty() && static_cast<int64_t>(channelMaxAbs_.size()) != channels)
    throw Error("activation statistics: the channel count changed from " +
                std::to_string(channelMaxAbs_.size()) + " to " + std::to_string(channels));
  const int64_t rowLength = mode_ == RowMode::PerSample ? tokens * channels : channels;
  if (x.numel() == 0) return;
  if (rowLength < 2)
    throw Error(std::string("activation statistics: ") + modeName(mode_) + " rows of " +
                std::to_string(rowLength) +
                " value(s) have no unbiased standard deviation, so no kurtosis");

  const at::Tensor rows = x.reshape({-1, rowLength});
  const int64_t rowCount = rows.size(0);
  // One pass gives |x|, the row infinity norms and, since max propagates NaN and Inf, which rows
  // are finite: only those rows are then checked value by value.
  at::Tensor magnitudes = x.abs();
  const at::Tensor rowInfNorms = magnitudes.reshape({rowCount, rowLength}).amax(1);
  at::Tensor rowIsFinite = at::isfinite(rowInfNorms);
  int64_t finiteRows = rowIsFinite.sum().item<int64_t>();
  if (finiteRows < rowCount) {
    const at::Tensor suspicious = rowIsFinite.logical_not().nonzero().squeeze(1);
    const at::Tensor finiteCounts = at::isfinite(rows.index_select(0, suspicious)).sum(1);
    nonFiniteValues_ += suspicious.numel() * rowLength - finiteCounts.sum().item<int64_t>();
  }
  nonFiniteRows_ += rowCount - finiteRows;
  if (finiteRows == 0) return;
  const bool allFinite = finiteRows == rowCount;

  if (!allFinite) {
    const at::Tensor excluded = rowIsFinite.logical_not();
    magnitudes.masked_fill_(mode_ == RowMode::PerSample ? excluded.reshape({batch, 1, 1})
                                                        : excluded.reshape({batch, tokens, 1}),
                            -1.0);
  }
  infNormSum_ += (allFinite ? rowInfNorms : rowInfNorms.masked_select(rowIsFinite))
                     .to(at::kDouble).sum().item<double>();
  takeChannelMaxAbs(magnitudes.amax({0, 1}));
  // The largest |x|: the row with the largest norm, then the position within that row (cheaper than
  // a second pass over everything; ties resolve to the first occurrence either way).
  const int64_t bestRow =
      (allFinite ? rowInfNorms : rowInfNorms.masked_fill(rowIsFinite.logical_not(), -1.0)).argmax().item<int64_t>();
  const auto [largest, indexInRow] = magnitudes.reshape({rowCount, rowLength})[bestRow].max(0);
  const int64_t index = bestRow * rowLength + indexInRow.item<int64_t>();
  takeMaxAbs({largest.item<double>(), firstSample + index / (tokens * channels),
              (index / channels) % tokens, index % channels});

  const at::Tensor finiteRowValues =
      allFinite ? rows : rows.index_select(0, rowIsFinite.nonzero().squeeze(1));
  // Per-row moments in the activation's own precision (ATen sums float32 with cascaded partial
  // sums, ~1e-7 relative), then carried in float64: a float64 copy of every activation would cost
  // more than the forward that produced it.
  // Fourth powers of float32 deviations overflow past ~1e9: such rows are done in float64.
  const bool hugeForFloat = x.scalar_type() != at::kDouble && largest.item<double>() > 1e9;
  RowMoments moments = RowMoments::of(hugeForFloat ? finiteRowValues.to(at::kDouble) : finiteRowValues);
  moments.mean = moments.mean.to(at::kDouble);
  moments.m2 = moments.m2.to(at::kDouble);
  moments.m3 = moments.m3.to(at::kDouble);
  moments.m4 = moments.m4.to(at::kDouble);
  const at::Tensor unbiasedVariance = moments.m2 / static_cast<double>(rowLength - 1);
  const at::Tensor kurtosis = (moments.m4 / static_cast<double>(rowLength)) /
                              (unbiasedVariance * unbiasedVariance + kKurtosisEpsilon);
  const double batchMaxKurtosis = kurtosis.max().item<double>();
  maxKurtosis_ = rows_ == 0 ? batchMaxKurtosis : std::max(maxKurtosis_, batchMaxKurtosis);
  kurtosisSum_ += kurtosis.sum().item<double>();
  rows_ += finiteRows;

  moments_.add(moments);
  histogram_.addFinite(finiteRowValues);
}

void ModuleStatistics::merge(const ModuleStatistics& other) {
  if (other.mode_ != mode_)
    throw Error(std::string("cannot merge activation statistics with ") + modeName(mode_) +
                " rows and statistics with " + modeName(other.mode_) + " rows");
  if (!channelMaxAbs_.empty() && !other.channelMaxAbs_.empty() &&
      channelMaxAbs_.size() != other.channelMaxAbs_.size())
    throw Error("cannot merge activation statistics over " + std::to_string(channelMaxAbs_.size()) +
                " channels and over " + std::to_string(other.channelMaxAbs_.size()) + " channels");
  histogram_.merge(other.histogram_);  // first: it is the other check that can throw
  if (other.rows_ > 0) {
    maxKurtosis_ = rows_ == 0 ? other.maxKurtosis_ : std::max(maxKurtosis_, other.maxKurtosis_);
    takeMaxAbs(other.maxAbs_);
  }
  if (channelMaxAbs_.empty()) {
    channelMaxAbs_ = other.channelMaxAbs_;
  } else {
    for (size_t i = 0; i < other.channelMaxAbs_.size(); ++i)
      channelMaxAbs_[i] = std::max(channelMaxAbs_[i], other.channelMaxAbs_[i]);
  }
  rows_ += other.rows_;
  nonFiniteRows_ += other.nonFiniteRows_;
  nonFiniteValues_ += other.nonFiniteValues_;
  kurtosisSum_ += other.kurtosisSum_;
  infNormSum_ += other.infNormSum_;
  moments_.merge(other.moments_);
}

double ModuleStatistics::meanKurtosis() const {
  return rows_ > 0 ? kurtosisSum_ / static_cast<double>(rows_) : kNaN;
}

double ModuleStatistics::meanInfNorm() const {
  return rows_ > 0 ? infNormSum_ / static_cast<double>(rows_) : kNaN;
}

double ModuleStatistics::maxKurtosis() const { return rows_ > 0 ? maxKurtosis_ : kNaN; }

void ModuleStatistics::takeChannelMaxAbs(const at::Tensor& batchChannelMaxAbs) {
  const at::Tensor values = batchChannelMaxAbs.to(at::kDouble).cpu().contiguous();
  const double* batchValues = values.data_ptr<double>();
  if (channelMaxAbs_.empty()) channelMaxAbs_.assign(static_cast<size_t>(values.numel()), 0.0);
  for (size_t i = 0; i < channelMaxAbs_.size(); ++i)
    channelMaxAbs_[i] = std::max(channelMaxAbs_[i], batchValues[i]);
}

// Ties keep the location seen first, so merge order matches accumulation order.
void ModuleStatistics::takeMaxAbs(const MaxAbsLocation& candidate) {
  if (maxAbs_.sample < 0 || candidate.value > maxAbs_.value) maxAbs_ = candidate;
}

}  // namespace hopscope
