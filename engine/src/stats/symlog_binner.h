#pragma once
// The symlog histogram's bin of a value without a logarithm per value: the bin boundaries are
// turned into thresholds on y = 1 + |v| / linearThreshold (float32), and a table indexed by the
// exponent and top mantissa bits of y gives the bin at the start of each small y-cell, cells being
// fine enough to hold at most one threshold; one comparison finishes the job, without a branch.
// Exact against the boundaries in float32 y, which is how finely the histogram resolves values
// anyway, and several times faster than a vectorised log.
//
// With half = binCount / 2 and p = log10(y) * half / umax, the bin is floor(half + p) for v >= 0
// and floor(half - p) for v < 0, clamped to [0, binCount - 1] (symlog_histogram.h).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hopscope {

class SymlogBinner {
 public:
  SymlogBinner(int64_t binCount, double linearThreshold, double maxMagnitude);
  SymlogBinner(const SymlogBinner&) = delete;  // sides_ point into the vectors
  SymlogBinner& operator=(const SymlogBinner&) = delete;

  int32_t bin(float value) const {
    const Side& side = sides_[value < 0];
    const float y = 1.0f + std::fabs(value) * inverseThreshold_;
    uint32_t bits;
    std::memcpy(&bits, &y, sizeof bits);
    const uint32_t cell = (bits >> cellShift_) - firstCell_;
    int32_t n = side.countAtCellStart[cell < side.cells ? cell : side.cells];
    n += y >= side.thresholds[n];  // the one threshold the cell may hold (or the NaN sentinel)
    return side.origin + side.direction * n;
  }
  bool overflows(double magnitude) const { return magnitude > maxMagnitude_; }
  int64_t binCount() const { return binCount_; }

 private:
  // One sign's bins: the bin is origin + direction * (number of thresholds <= y).
  struct Side {
    const float* thresholds;          // ascending, then a NaN sentinel (no y compares >= to it)
    const uint16_t* countAtCellStart;  // per cell of y, then one entry for every cell beyond
    uint32_t cells;
    int32_t origin, direction;
  };
  // Cells are the values of y's top bits (exponent and leading mantissa bits); returns false if
  // some cell would hold two thresholds.
  bool buildCells(const std::vector<float>& thresholds, std::vector<uint16_t>& countAtCellStart) const;

  int64_t binCount_;
  double maxMagnitude_;
  float inverseThreshold_;
  int cellShift_ = 0;        // y's bits >> cellShift_ is its cell ...
  uint32_t firstCell_ = 0;   // ... minus the cell of y = 1.0f
  std::vector<float> thresholds_[2];
  std::vector<uint16_t> countAtCellStart_[2];
  Side sides_[2];  // [0]: v >= 0, [1]: v < 0
};

}  // namespace hopscope
