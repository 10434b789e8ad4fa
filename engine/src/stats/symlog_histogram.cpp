#include "hopscope/symlog_histogram.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "hopscope/error.h"
#include "stats/symlog_binner.h"

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
  if (binCount < 1 || binCount > 65536)
    throw Error("symlog histogram: the bin count must be between 1 and 65536, got " +
                std::to_string(binCount));
  if (!(std::isfinite(linearThreshold) && linearThreshold > 0))
    throw Error("symlog histogram: the linear threshold must be a positive number, got " +
                std::to_string(linearThreshold));
  if (!(std::isfinite(maxMagnitude) && maxMagnitude > 0))
    throw Error("symlog histogram: the largest magnitude must be a positive number, got " +
                std::to_string(maxMagnitude));
  uMax_ = std::log10(1.0 + maxMagnitude / linearThreshold);
  counts_.assign(static_cast<size_t>(binCount), 0);
  binner_ = std::make_shared<const SymlogBinner>(binCount, linearThreshold, maxMagnitude);
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
  v = v.to(at::kCPU).contiguous();
  if (v.numel() == 0) return;
  // Per-thread counts over chunks of the values, added up afterwards.
  const size_t threads = static_cast<size_t>(at::get_num_threads());
  std::vector<std::vector<int64_t>> counts(threads, std::vector<int64_t>(counts_.size(), 0));
  std::vector<int64_t> overflow(threads, 0);
  const SymlogBinner& binning = *binner_;
  at::parallel_for(0, v.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    const size_t thread = static_cast<size_t>(at::get_thread_num());
    int64_t* mine = counts[thread].data();
    int64_t beyond = 0;
    if (v.scalar_type() == at::kDouble) {
      const double* data = v.data_ptr<double>();
      for (int64_t i = begin; i < end; ++i) {
        ++mine[binning.bin(static_cast<float>(data[i]))];
        beyond += binning.overflows(std::fabs(data[i]));
      }
    } else {
      const float* data = v.data_ptr<float>();
      int32_t bins[1024];
      for (int64_t start = begin; start < end; start += 1024) {
        const int64_t n = std::min<int64_t>(1024, end - start);
        binning.binAll(data + start, bins, n);
        for (int64_t i = 0; i < n; ++i) {
          ++mine[bins[i]];
          beyond += binning.overflows(std::fabs(static_cast<double>(data[start + i])));
        }
      }
    }
    overflow[thread] += beyond;
  });
  for (size_t t = 0; t < threads; ++t) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += counts[t][i];
    overflow_ += overflow[t];
  }
  total_ += v.numel();
}

void SymlogHistogram::addBinned(const std::vector<int64_t>& counts, int64_t total, int64_t overflow) {
  if (counts.size() != counts_.size())
    throw Error("symlog histogram: got " + std::to_string(counts.size()) + " bin counts for " +
                std::to_string(counts_.size()) + " bins");
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += counts[i];
  total_ += total;
  overflow_ += overflow;
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
