#include "stats/row_scan.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "stats/symlog_binner.h"

#define HOPSCOPE_INLINE inline __attribute__((always_inline))
// An AVX2 copy of each entry point next to the baseline one; the loader picks per machine.
#define HOPSCOPE_CLONES __attribute__((target_clones("avx2", "default")))

namespace hopscope {
namespace {

constexpr int kLanes = 16;  // independent accumulators: vectorisable without reassociation

// Fourth powers of float32 deviations beyond this summed over a token could overflow float32.
constexpr double kFloatSumLimit = 1e8;

template <typename T>
HOPSCOPE_INLINE void sumAndMaxAbs(const T* x, int64_t n, double& sum, T& maxAbs) {
  double sums[kLanes] = {};
  T maxima[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      sums[j] += static_cast<double>(x[i + j]);
      const T magnitude = std::fabs(x[i + j]);
      maxima[j] = maxima[j] < magnitude ? magnitude : maxima[j];
    }
  sum = 0;
  maxAbs = 0;
  for (; i < n; ++i) {
    sum += static_cast<double>(x[i]);
    maxAbs = std::max(maxAbs, static_cast<T>(std::fabs(x[i])));
  }
  for (int j = 0; j < kLanes; ++j) {
    sum += sums[j];
    maxAbs = std::max(maxAbs, maxima[j]);
  }
}

// Four interleaved copies of the histogram counts: consecutive values often share a bin, and one
// copy would chain each increment on the previous store.
constexpr int kHistogramCopies = 4;

// Sums of powers 1..4 of (x - centre) for one token, Acc precision per token, then float64;
// also the channels' largest |x| and the histogram bins.

template <typename T, typename Acc>
HOPSCOPE_INLINE void tokenSums(const T* x, int64_t channels, Acc centre, double powers[4], T* channelMaxAbs,
                               const SymlogBinner& binner, int32_t* tokenBins,
                               uint32_t* const bins[kHistogramCopies]) {
  Acc s1[kLanes] = {}, s2[kLanes] = {}, s3[kLanes] = {}, s4[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= channels; c += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      const T value = x[c + j];
      const Acc d = static_cast<Acc>(value) - centre;
      const Acc d2 = d * d;
      s1[j] += d;
      s2[j] += d2;
      s3[j] += d2 * d;
      s4[j] += d2 * d2;
      const T magnitude = std::fabs(value);
      channelMaxAbs[c + j] = channelMaxAbs[c + j] < magnitude ? magnitude : channelMaxAbs[c + j];
    }
  for (; c < channels; ++c) {
    const Acc d = static_cast<Acc>(x[c]) - centre;
    s1[0] += d;
    s2[0] += d * d;
    s3[0] += d * d * d;
    s4[0] += d * d * d * d;
    channelMaxAbs[c] = std::max(channelMaxAbs[c], static_cast<T>(std::fabs(x[c])));
  }
  for (int j = 0; j < kLanes; ++j) {
    powers[0] += static_cast<double>(s1[j]);
    powers[1] += static_cast<double>(s2[j]);
    powers[2] += static_cast<double>(s3[j]);
    powers[3] += static_cast<double>(s4[j]);
  }
  int64_t k = 0;
  if constexpr (std::is_same<T, float>::value) {
    binner.binAll(x, tokenBins, channels);
    for (; k + kHistogramCopies <= channels; k += kHistogramCopies)
      for (int j = 0; j < kHistogramCopies; ++j) ++bins[j][tokenBins[k + j]];
    for (; k < channels; ++k) ++bins[0][tokenBins[k]];
  } else {
    for (; k + kHistogramCopies <= channels; k += kHistogramCopies)
      for (int j = 0; j < kHistogramCopies; ++j) ++bins[j][binner.bin(static_cast<float>(x[k + j]))];
    for (; k < channels; ++k) ++bins[0][binner.bin(static_cast<float>(x[k]))];
  }
}

template <typename T>
HOPSCOPE_INLINE int64_t countOverflow(const T* x, int64_t n, const SymlogBinner& binner) {
  int64_t beyond = 0;
  for (int64_t i = 0; i < n; ++i) beyond += binner.overflows(std::fabs(static_cast<double>(x[i])));
  return beyond;
}

template <typename T>
HOPSCOPE_INLINE void scanRowsOf(const T* data, int64_t rowBegin, int64_t rowEnd, int64_t tokensPerRow,
                                int64_t channels, const SymlogBinner& binner, RowFigures* figures,
                                ScanTotals& totals) {
  const int64_t rowLength = tokensPerRow * channels;
  const double n = static_cast<double>(rowLength);
  std::vector<T> channelMaxAbs(static_cast<size_t>(channels), T(0));
  std::vector<int32_t> tokenBins(static_cast<size_t>(channels));  // one token's bins, float32 only
  int64_t overflow = 0;
  // 32-bit counts are half the cache footprint; they are added to the totals before they can wrap.
  const size_t binCount = totals.bins.size();
  std::vector<uint32_t> counts(kHistogramCopies * binCount, 0);
  uint32_t* const bins[kHistogramCopies] = {&counts[0], &counts[binCount], &counts[2 * binCount],
                                            &counts[3 * binCount]};
  int64_t pending = 0;
  auto flushCounts = [&] {
    for (size_t b = 0; b < counts.size(); ++b) totals.bins[b % binCount] += counts[b];
    std::fill(counts.begin(), counts.end(), 0u);
    pending = 0;
  };
  for (int64_t r = rowBegin; r < rowEnd; ++r) {
    const T* row = data + r * rowLength;
    RowFigures& figure = figures[r];
    figure = RowFigures();
    double sum;
    T maxAbs;
    sumAndMaxAbs(row, rowLength, sum, maxAbs);
    if (!std::isfinite(sum)) {  // NaN or Inf somewhere (or, for float64, a sum that overflowed)
      for (int64_t i = 0; i < rowLength; ++i) figure.nonFinite += !std::isfinite(row[i]);
      if (figure.nonFinite > 0) continue;
    }
    figure.maxAbs = static_cast<double>(maxAbs);
    const double centre = sum / n;
    double powers[4] = {};
    const bool floatSums = std::is_same<T, float>::value && figure.maxAbs < kFloatSumLimit;
    for (int64_t t = 0; t < tokensPerRow; ++t) {
      const T* token = row + t * channels;
      if (floatSums)
        tokenSums<T, float>(token, channels, static_cast<float>(centre), powers, channelMaxAbs.data(), binner,
                            tokenBins.data(), bins);
      else
        tokenSums<T, double>(token, channels, centre, powers, channelMaxAbs.data(), binner, tokenBins.data(),
                             bins);
    }
    // Values beyond the histogram's range: only a row whose largest |x| is beyond it has any.
    if (binner.overflows(figure.maxAbs)) overflow += countOverflow(row, rowLength, binner);
    // The sums are around the centre as rounded for the accumulator; shift them to the exact mean.
    const double a = powers[0] / n, a2 = a * a;
    const double centreUsed = floatSums ? static_cast<double>(static_cast<float>(centre)) : centre;
    figure.mean = centreUsed + a;
    figure.m2 = powers[1] - n * a2;
    figure.m3 = powers[2] - 3.0 * a * powers[1] + 2.0 * n * a2 * a;
    figure.m4 = powers[3] - 4.0 * a * powers[2] + 6.0 * a2 * powers[1] - 3.0 * n * a2 * a2;
    totals.binned += rowLength;
    pending += rowLength;
    if (pending > (int64_t{1} << 30)) flushCounts();
  }
  flushCounts();
  for (size_t c = 0; c < channelMaxAbs.size(); ++c)
    totals.channelMaxAbs[c] = std::max(totals.channelMaxAbs[c], static_cast<double>(channelMaxAbs[c]));
  totals.overflow += overflow;
}

}  // namespace

ScanTotals::ScanTotals(int64_t channels, int64_t binCount)
    : channelMaxAbs(static_cast<size_t>(channels), 0.0), bins(static_cast<size_t>(binCount), 0) {}

void ScanTotals::merge(const ScanTotals& other) {
  for (size_t c = 0; c < channelMaxAbs.size(); ++c) channelMaxAbs[c] = std::max(channelMaxAbs[c], other.channelMaxAbs[c]);
  for (size_t b = 0; b < bins.size(); ++b) bins[b] += other.bins[b];
  binned += other.binned;
  overflow += other.overflow;
}

HOPSCOPE_CLONES void scanRows(const float* data, int64_t rowBegin, int64_t rowEnd, int64_t tokensPerRow,
                              int64_t channels, const SymlogBinner& binner, RowFigures* figures,
                              ScanTotals& totals) {
  scanRowsOf(data, rowBegin, rowEnd, tokensPerRow, channels, binner, figures, totals);
}

HOPSCOPE_CLONES void scanRows(const double* data, int64_t rowBegin, int64_t rowEnd, int64_t tokensPerRow,
                              int64_t channels, const SymlogBinner& binner, RowFigures* figures,
                              ScanTotals& totals) {
  scanRowsOf(data, rowBegin, rowEnd, tokensPerRow, channels, binner, figures, totals);
}

}  // namespace hopscope
