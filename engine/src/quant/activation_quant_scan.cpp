#include "quant/activation_quant_scan.h"

#include <algorithm>
#include <cmath>

#define HOPSCOPE_CLONES __attribute__((target_clones("avx2", "default")))

namespace hopscope {
namespace {

constexpr int64_t kBlock = 256;  // values per vectorised block, then their levels are counted
constexpr int kLanes = 8;

template <typename T>
inline __attribute__((always_inline)) void scan(const T* x, T* out, int64_t begin, int64_t end, T scale,
                                                T zeroPoint, T largestCode, QuantScanTotals& totals) {
  T codes[kBlock];
  double signal[kLanes] = {}, noise[kLanes] = {};
  int64_t clipped = 0;
  int64_t* levels = totals.levelCounts.data();
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t n = std::min(kBlock, end - start);
    const T* xs = x + start;
    T* qs = out + start;
    // The operation order of fakeQuantizeActivation: x / Δ, round half to even, + z, clamp, - z, · Δ.
    for (int64_t i = 0; i < n; ++i) {
      const T code = std::nearbyint(xs[i] / scale) + zeroPoint;
      clipped += !(code >= T(0) && code <= largestCode);
      const T low = code < T(0) ? T(0) : code;
      const T clamped = low > largestCode ? largestCode : low;
      codes[i] = clamped;
      qs[i] = (clamped - zeroPoint) * scale;
    }
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const double value = static_cast<double>(xs[i + j]);
        const double error = value - static_cast<double>(qs[i + j]);
        signal[j] += value * value;
        noise[j] += error * error;
      }
    for (; i < n; ++i) {
      const double value = static_cast<double>(xs[i]);
      const double error = value - static_cast<double>(qs[i]);
      signal[0] += value * value;
      noise[0] += error * error;
    }
    for (int64_t k = 0; k < n; ++k)
      if (codes[k] == codes[k]) ++levels[static_cast<int64_t>(codes[k])];  // NaN codes have no level
  }
  for (int j = 0; j < kLanes; ++j) {
    totals.signalEnergy += signal[j];
    totals.noiseEnergy += noise[j];
  }
  totals.clipped += clipped;
}

}  // namespace

HOPSCOPE_CLONES void fakeQuantizeScan(const float* x, float* out, int64_t begin, int64_t end, float scale,
                                      float zeroPoint, float largestCode, QuantScanTotals& totals) {
  scan(x, out, begin, end, scale, zeroPoint, largestCode, totals);
}

HOPSCOPE_CLONES void fakeQuantizeScan(const double* x, double* out, int64_t begin, int64_t end, double scale,
                                      double zeroPoint, double largestCode, QuantScanTotals& totals) {
  scan(x, out, begin, end, scale, zeroPoint, largestCode, totals);
}

}  // namespace hopscope
