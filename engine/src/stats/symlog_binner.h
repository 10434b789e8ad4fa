#pragma once
// The symlog histogram's bin of a value without a logarithm per value: the bin boundaries are
// turned into thresholds on y = 1 + |v| / linearThreshold (float32), and a table indexed by the
// exponent and top mantissa bits of y gives the bin at the start of each small y-cell, cells being
// fine enough to hold at most one threshold; one comparison finishes the job, without a branch.
// Exact against the boundaries in float32 y, which is how finely the histogram resolves values
// anyway, and several times faster than a vectorised log. binAll() does eight values at a time
// with AVX2 gathers where the CPU has them; bin() is the same arithmetic for one value.
//
// With half = binCount / 2 and p = log10(y) * half / umax, the bin is floor(half + p) for v >= 0
// and floor(half - p) for v < 0, clamped to [0, binCount - 1] (symlog_histogram.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hopscope {

class SymlogBinner {
 public:
  SymlogBinner(int64_t binCount, double linearThreshold, double maxMagnitude);

  int32_t bin(float value) const {
    const int32_t negative = value < 0;
    const float y = 1.0f + std::fabs(value) * inverseThreshold_;
    uint32_t bits;
    std::memcpy(&bits, &y, sizeof bits);
    const uint32_t cell = std::min((bits >> cellShift_) - firstCell_, lastCell_);
    int32_t n = countAtCellStart_[cell + static_cast<uint32_t>(negative) * (lastCell_ + 1)];
    n += y >= thresholds_[static_cast<size_t>(n + negative * negativeThresholdsAt_)];
    return base_ + (negative ? -n : n);
  }
  // bins[i] = bin(values[i]) for i < count.
  void binAll(const float* values, int32_t* bins, int64_t count) const;
  bool overflows(double magnitude) const { return magnitude > maxMagnitude_; }
  int64_t binCount() const { return binCount_; }

 private:
  // Both signs' tables side by side, so one index expression (and one gather) serves either sign.
  // v >= 0: bin = base + (number of thresholds <= y); v < 0: bin = base - (that number).
  // thresholds_: the positive side's (ascending), a NaN sentinel (nothing compares >= to it), then
  // the negative side's from negativeThresholdsAt_, and a sentinel.
  // countAtCellStart_: per cell the number of the side's thresholds <= the cell's smallest y; cells
  // 0..lastCell_ for v >= 0, then the same for v < 0. Cells beyond lastCell_ use lastCell_, whose
  // count is all of the side's thresholds.
  __attribute__((target("avx2"))) void binAllAvx2(const float* values, int32_t* bins, int64_t count) const;

  std::vector<float> thresholds_;
  std::vector<int32_t> countAtCellStart_;
  int32_t negativeThresholdsAt_ = 0;
  uint32_t lastCell_ = 0;
  int cellShift_ = 0;       // y's bits >> cellShift_ is its cell ...
  uint32_t firstCell_ = 0;  // ... minus the cell of y = 1.0f
  int32_t base_ = 0;
  float inverseThreshold_;
  int64_t binCount_;
  double maxMagnitude_;

};

}  // namespace hopscope
