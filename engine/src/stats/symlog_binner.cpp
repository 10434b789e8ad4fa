#include "stats/symlog_binner.h"

#include <limits>

namespace hopscope {
namespace {

// The smallest float32 >= x (strict: > x).
float floatAtLeast(double x, bool strict) {
  if (x > static_cast<double>(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x || (strict && static_cast<double>(f) == x))
    f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

}  // namespace

SymlogBinner::SymlogBinner(int64_t binCount, double linearThreshold, double maxMagnitude)
    : binCount_(binCount),
      maxMagnitude_(maxMagnitude),
      inverseThreshold_(static_cast<float>(1.0 / linearThreshold)) {
  const double half = 0.5 * static_cast<double>(binCount);
  const double uMax = std::log10(1.0 + maxMagnitude / linearThreshold);
  const double base = std::floor(half);
  // v >= 0: floor(half + p) >= base + m  <=>  p >= base + m - half  <=>  y >= 10^((base + m - half) umax / half).
  for (int64_t m = 1; base + static_cast<double>(m) <= static_cast<double>(binCount - 1); ++m)
    thresholds_[0].push_back(
        floatAtLeast(std::pow(10.0, (base + static_cast<double>(m) - half) * uMax / half), false));
  // v < 0: floor(half - p) < base - j  <=>  p > half - base + j  <=>  y > 10^((half - base + j) umax / half).
  for (int64_t j = 0; base - static_cast<double>(j) >= 1.0; ++j)
    thresholds_[1].push_back(
        floatAtLeast(std::pow(10.0, (half - base + static_cast<double>(j)) * uMax / half), true));
  // 2^7 cells per octave hold at most one threshold of the default binning (6.7 bins per octave);
  // finer binnings get finer cells.
  for (int mantissaBits = 7;; ++mantissaBits) {
    cellShift_ = 23 - mantissaBits;
    firstCell_ = 127u << mantissaBits;
    if ((buildCells(thresholds_[0], countAtCellStart_[0]) && buildCells(thresholds_[1], countAtCellStart_[1])) ||
        mantissaBits == 23)
      break;
  }
  for (int s = 0; s < 2; ++s) {
    thresholds_[s].push_back(std::numeric_limits<float>::quiet_NaN());
    sides_[s] = {thresholds_[s].data(), countAtCellStart_[s].data(),
                 static_cast<uint32_t>(countAtCellStart_[s].size() - 1), static_cast<int32_t>(base), s == 0 ? 1 : -1};
  }
}

bool SymlogBinner::buildCells(const std::vector<float>& thresholds, std::vector<uint16_t>& countAtCellStart) const {
  // Cells up to the one holding the largest threshold; beyond it every threshold is <= y.
  uint32_t cells = 0;
  if (!thresholds.empty()) {
    uint32_t lastBits;
    std::memcpy(&lastBits, &thresholds.back(), sizeof lastBits);
    cells = (lastBits >> cellShift_) - firstCell_ + 1;
  }
  countAtCellStart.assign(cells + 1, 0);
  size_t n = 0;
  for (uint32_t cell = 0; cell < cells; ++cell) {
    const uint32_t startBits = (cell + firstCell_) << cellShift_;
    float start;
    std::memcpy(&start, &startBits, sizeof start);
    while (n < thresholds.size() && thresholds[n] <= start) ++n;
    countAtCellStart[cell] = static_cast<uint16_t>(n);
    // The cell is [start, next start): more than one threshold inside it needs finer cells.
    const uint32_t nextBits = (cell + 1 + firstCell_) << cellShift_;
    float next;
    std::memcpy(&next, &nextBits, sizeof next);
    if (n + 1 < thresholds.size() && thresholds[n + 1] < next) return false;
  }
  countAtCellStart[cells] = static_cast<uint16_t>(thresholds.size());
  return true;
}

}  // namespace hopscope
