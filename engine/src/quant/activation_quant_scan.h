#pragma once
// Fake quantization of an activation on a frozen grid together with its diagnostics, in one sweep:
// q = Δ·(clamp(round(x/Δ) + z, 0, 2^b - 1) - z) in the values' own precision (the exact operation
// sequence of fakeQuantizeActivation, so results are bit-identical), plus the clipped count, Σx²,
// Σ(x - q)² in float64 and the count per integer level. Plain C++ on raw pointers, -O3, AVX2 clone.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hopscope {

struct QuantScanTotals {
  explicit QuantScanTotals(int64_t levels) : levelCounts(static_cast<size_t>(levels), 0) {}
  int64_t clipped = 0;      // codes outside [0, 2^b - 1] before the clamp (and NaN codes)
  double signalEnergy = 0;  // Σ x²
  double noiseEnergy = 0;   // Σ (x - q)²
  std::vector<int64_t> levelCounts;
};

// Values [begin, end) of x into out; grid: scale Δ, zero point z, largest code 2^b - 1, each
// already rounded to the values' type by the caller.
void fakeQuantizeScan(const float* x, float* out, int64_t begin, int64_t end, float scale, float zeroPoint,
                      float largestCode, QuantScanTotals& totals);
void fakeQuantizeScan(const double* x, double* out, int64_t begin, int64_t end, double scale, double zeroPoint,
                      double largestCode, QuantScanTotals& totals);

}  // namespace hopscope
