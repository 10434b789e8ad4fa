#include "hopscope/symlog_histogram.h"

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

#include "hopscope/error.h"

namespace hopscope {
namespace {

// One cheap pass in the common case: a sum is finite only if every term is. A float64 sum of
// finite float64 values can still overflow, so a non-finite sum is checked element by element.
bool allFinite(const at::Tensor& values) {
  if (std::isfinite(values.sum(at::kDouble).item<double>())) return true;
  return at::isfinite(values).all().item<bool>();
}

}  // namespace

SymlogHistogram::SymlogHistogram(int64_t binCount, double linearThreshold, double maxMagnitude)
    : binCount_(binCount), linearThreshold_(linearThreshold), maxMagnitude_(maxMagnitude) {
  if (binCount < 1)
    throw Error("symlog histogram: the bin count must be at least 1, got " +
                std::to_string(binCount));
  if (!(std::isfinite(linearThreshold) && linearThreshold > 0))
    throw Error("symlog histogram: the linear threshold must be a positive number, got " +
                std::to_string(linearThreshold));
  if (!(std::isfinite(maxMagnitude) && maxMagnitude > 0))
    throw Error("symlog histogram: the largest magnitude must be a positive number, got " +
                std::to_string(maxMagnitude));
  uMax_ = std::log10(1.0 + maxMagnitude / linearThreshold);
  counts_.assign(static_cast<size_t>(binCount), 0);
}

void SymlogHistogram::add(const at::Tensor& values) {
  // float32 is plenty to pick a bin and several times faster than float64 here.
  at::Tensor v = values.detach().reshape({-1});
  if (v.scalar_type() != at::kDouble) v = v.to(at::kFloat);
  if (v.numel() == 0) return;
  if (!allFinite(v)) v = v.masked_select(at::isfinite(v));
  addFinite(v);
}

void SymlogHistogram::addFinite(const at::Tensor& values) {
  at::Tensor v = values.detach().reshape({-1});
  if (v.scalar_type() != at::kDouble) v = v.to(at::kFloat);
  if (v.numel() == 0) return;

  at::Tensor magnitude = v.abs();
  overflow_ += (magnitude > maxMagnitude_).sum().item<int64_t>();
  // Bin position (u / umax + 1) * binCount / 2 in [0, binCount]: edge i sits at position i.
  const double half = 0.5 * static_cast<double>(binCount_);
  // log(1 + a) rather than log1p(a): ATen vectorizes log but not log1p (10x slower here), and the
  // difference (< 1e-7 absolute for tiny a) moves a value by under 1e-6 of a bin.
  at::Tensor position = magnitude.div_(linearThreshold_).add_(1.0).log_().mul_(half / (std::log(10.0) * uMax_));
  at::Tensor bin = at::copysign(position, v).add_(half).floor_();
  bin = bin.clamp_(0, static_cast<double>(binCount_ - 1)).to(at::kLong);
  at::Tensor binCounts = at::bincount(bin, {}, binCount_).cpu().contiguous();
  const int64_t* added = binCounts.data_ptr<int64_t>();
  for (int64_t i = 0; i < binCount_; ++i) counts_[static_cast<size_t>(i)] += added[i];
  total_ += v.numel();
}

void SymlogHistogram::merge(const SymlogHistogram& other) {
  if (other.binCount_ != binCount_ || other.linearThreshold_ != linearThreshold_ ||
      other.maxMagnitude_ != maxMagnitude_)
    throw Error("cannot merge symlog histograms with different binnings: " + describeBinning() +
                " and " + other.describeBinning());
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  overflow_ += other.overflow_;
}

std::vector<double> SymlogHistogram::binEdges() const {
  std::vector<double> edges(static_cast<size_t>(binCount_ + 1));
  for (int64_t i = 0; i <= binCount_; ++i) {
    // Written so that edge binCount - i is exactly -edge i.
    const double u = uMax_ * static_cast<double>(2 * i - binCount_) / static_cast<double>(binCount_);
    const double magnitude = linearThreshold_ * std::expm1(std::fabs(u) * std::log(10.0));
    edges[static_cast<size_t>(i)] = u < 0 ? -magnitude : magnitude;
  }
  return edges;
}

std::string SymlogHistogram::describeBinning() const {
  std::ostringstream text;
  text << binCount_ << " bins, linear threshold " << linearThreshold_ << ", range +-"
       << maxMagnitude_;
  return text.str();
}

}  // namespace hopscope
