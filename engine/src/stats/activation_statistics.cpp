#include "hopscope/activation_statistics.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <limits>
#include <string>

#include "hopscope/error.h"
#include "stats/row_scan.h"
#include "stats/symlog_binner.h"

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

void MomentAccumulator::add(const at::Tensor& values) {
  if (values.numel() == 0) return;
  // Two passes in float64: the mean, then the centred powers (no cancellation).
  const at::Tensor x = values.detach().reshape({-1}).to(at::kDouble);
  MomentAccumulator batch;
  batch.count = x.numel();
  batch.mean = x.mean().item<double>();
  const at::Tensor deviation = x - batch.mean;
  const at::Tensor squared = deviation * deviation;
  batch.m2 = squared.sum().item<double>();
  batch.m3 = (squared * deviation).sum().item<double>();
  batch.m4 = (squared * squared).sum().item<double>();
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
  at::Tensor x = tokenShaped(activation);
  const int64_t tokens = x.size(1), channels = x.size(2);
  if (!channelMaxAbs_.empty() && static_cast<int64_t>(channelMaxAbs_.size()) != channels)
    throw Error("activation statistics: the channel count changed from " +
                std::to_string(channelMaxAbs_.size()) + " to " + std::to_string(channels));
  const int64_t tokensPerRow = mode_ == RowMode::PerSample ? tokens : 1;
  const int64_t rowLength = tokensPerRow * channels;
  if (x.numel() == 0) return;
  if (rowLength < 2)
    throw Error(std::string("activation statistics: ") + modeName(mode_) + " rows of " +
                std::to_string(rowLength) +
                " value(s) have no unbiased standard deviation, so no kurtosis");
  if (x.scalar_type() != at::kDouble) x = x.to(at::kFloat);
  x = x.to(at::kCPU).contiguous();  // the fused sweep reads host memory (a no-op for CPU models)

  // One fused sweep per row, rows shared out over the intra-op threads, each thread with its own
  // channel maxima and histogram counts.
  const int64_t rowCount = x.numel() / rowLength;
  std::vector<RowFigures> figures(static_cast<size_t>(rowCount));
  std::vector<ScanTotals> totals(static_cast<size_t>(at::get_num_threads()),
                                 ScanTotals(channels, histogram_.binCount()));
  const int64_t grain = std::max<int64_t>(1, 32768 / rowLength);
  at::parallel_for(0, rowCount, grain, [&](int64_t begin, int64_t end) {
    ScanTotals& mine = totals[static_cast<size_t>(at::get_thread_num())];
    if (x.scalar_type() == at::kDouble)
      scanRows(x.data_ptr<double>(), begin, end, tokensPerRow, channels, histogram_.binner(), figures.data(), mine);
    else
      scanRows(x.data_ptr<float>(), begin, end, tokensPerRow, channels, histogram_.binner(), figures.data(), mine);
  });
  for (size_t t = 1; t < totals.size(); ++t) totals[0].merge(totals[t]);

  const double n = static_cast<double>(rowLength);
  int64_t bestRow = -1;
  for (int64_t r = 0; r < rowCount; ++r) {
    const RowFigures& row = figures[static_cast<size_t>(r)];
    if (row.nonFinite > 0) {
      ++nonFiniteRows_;
      nonFiniteValues_ += row.nonFinite;
      continue;
    }
    const double unbiasedVariance = row.m2 / (n - 1.0);
    const double kurtosis = (row.m4 / n) / (unbiasedVariance * unbiasedVariance + kKurtosisEpsilon);
    maxKurtosis_ = rows_ == 0 ? kurtosis : std::max(maxKurtosis_, kurtosis);
    kurtosisSum_ += kurtosis;
    infNormSum_ += row.maxAbs;
    ++rows_;
    MomentAccumulator rowMoments;
    rowMoments.count = rowLength;
    rowMoments.mean = row.mean;
    rowMoments.m2 = row.m2;
    rowMoments.m3 = row.m3;
    rowMoments.m4 = row.m4;
    moments_.merge(rowMoments);
    if (bestRow < 0 || row.maxAbs > figures[static_cast<size_t>(bestRow)].maxAbs) bestRow = r;
  }
  if (bestRow < 0) return;  // every row held NaN or Inf

  if (channelMaxAbs_.empty()) channelMaxAbs_.assign(static_cast<size_t>(channels), 0.0);
  for (size_t c = 0; c < channelMaxAbs_.size(); ++c)
    channelMaxAbs_[c] = std::max(channelMaxAbs_[c], totals[0].channelMaxAbs[c]);
  histogram_.addBinned(totals[0].bins, totals[0].binned, totals[0].overflow);

  // The largest |x|: its row is known; its first position within that row.
  const double largest = figures[static_cast<size_t>(bestRow)].maxAbs;
  const at::Tensor bestValues = x.reshape({rowCount, rowLength})[bestRow].abs().to(at::kDouble);
  const int64_t indexInRow = (bestValues == largest).to(at::kByte).argmax().item<int64_t>();
  const int64_t index = bestRow * rowLength + indexInRow;
  takeMaxAbs({largest, firstSample + index / (tokens * channels), (index / channels) % tokens, index % channels});
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

// Ties keep the location seen first, so merge order matches accumulation order.
void ModuleStatistics::takeMaxAbs(const MaxAbsLocation& candidate) {
  if (maxAbs_.sample < 0 || candidate.value > maxAbs_.value) maxAbs_ = candidate;
}

}  // namespace hopscope
