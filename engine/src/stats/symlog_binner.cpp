#include "stats/symlog_binner.h"

#include <immintrin.h>

#include <algorithm>
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

float floatOfBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t bitsOf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// Per cell (y's bits >> shift, from y = 1), the number of thresholds <= the cell's smallest y, up
// to the cell of the largest threshold. Empty if some cell would hold two thresholds.
std::vector<int32_t> cellCounts(const std::vector<float>& thresholds, int shift) {
  const uint32_t first = bitsOf(1.0f) >> shift;
  const uint32_t cells = thresholds.empty() ? 1 : (bitsOf(thresholds.back()) >> shift) - first + 1;
  std::vector<int32_t> counts(cells, 0);
  size_t n = 0;
  for (uint32_t cell = 0; cell < cells; ++cell) {
    const float start = floatOfBits((cell + first) << shift);
    const float next = floatOfBits((cell + 1 + first) << shift);
    while (n < thresholds.size() && thresholds[n] <= start) ++n;
    counts[cell] = static_cast<int32_t>(n);
    if (n + 1 < thresholds.size() && thresholds[n + 1] < next) return {};
  }
  return counts;
}

}  // namespace

// The arithmetic of bin(), eight lanes at a time (no FMA: y must round exactly as in bin()).
__attribute__((target("avx2"))) void SymlogBinner::binAllAvx2(const float* values, int32_t* bins,
                                                               int64_t count) const {
  const SymlogBinner& b = *this;
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inverse = _mm256_set1_ps(b.inverseThreshold_), one = _mm256_set1_ps(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  const __m128i shift = _mm_cvtsi32_si128(b.cellShift_);
  const __m256i firstCell = _mm256_set1_epi32(static_cast<int32_t>(b.firstCell_));
  const __m256i lastCell = _mm256_set1_epi32(static_cast<int32_t>(b.lastCell_));
  const __m256i negativeCells = _mm256_set1_epi32(static_cast<int32_t>(b.lastCell_ + 1));
  const __m256i negativeThresholds = _mm256_set1_epi32(b.negativeThresholdsAt_);
  const __m256i base = _mm256_set1_epi32(b.base_);
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 v = _mm256_loadu_ps(values + i);
    const __m256i negative = _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_LT_OQ));  // all ones if v < 0
    const __m256 y = _mm256_add_ps(one, _mm256_mul_ps(_mm256_and_ps(v, absMask), inverse));
    __m256i cell = _mm256_sub_epi32(_mm256_srl_epi32(_mm256_castps_si256(y), shift), firstCell);
    cell = _mm256_min_epu32(cell, lastCell);
    cell = _mm256_add_epi32(cell, _mm256_and_si256(negative, negativeCells));
    __m256i n = _mm256_i32gather_epi32(b.countAtCellStart_.data(), cell, 4);
    const __m256i at = _mm256_add_epi32(n, _mm256_and_si256(negative, negativeThresholds));
    const __m256 threshold = _mm256_i32gather_ps(b.thresholds_.data(), at, 4);
    n = _mm256_sub_epi32(n, _mm256_castps_si256(_mm256_cmp_ps(y, threshold, _CMP_GE_OQ)));
    // base + n for v >= 0, base - n for v < 0: (n ^ mask) - mask negates where the mask is all ones.
    const __m256i signedN = _mm256_sub_epi32(_mm256_xor_si256(n, negative), negative);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bins + i), _mm256_add_epi32(base, signedN));
  }
  for (; i < count; ++i) bins[i] = bin(values[i]);
}

void SymlogBinner::binAll(const float* values, int32_t* bins, int64_t count) const {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    binAllAvx2(values, bins, count);
    return;
  }
  for (int64_t i = 0; i < count; ++i) bins[i] = bin(values[i]);
}

SymlogBinner::SymlogBinner(int64_t binCount, double linearThreshold, double maxMagnitude)
    : inverseThreshold_(static_cast<float>(1.0 / linearThreshold)),
      binCount_(binCount),
      maxMagnitude_(maxMagnitude) {
  const double half = 0.5 * static_cast<double>(binCount);
  const double uMax = std::log10(1.0 + maxMagnitude / linearThreshold);
  const double base = std::floor(half);
  base_ = static_cast<int32_t>(base);
  std::vector<float> positive, negative;
  // v >= 0: floor(half + p) >= base + m  <=>  p >= base + m - half  <=>  y >= 10^((base + m - half) umax / half).
  for (int64_t m = 1; base + static_cast<double>(m) <= static_cast<double>(binCount - 1); ++m)
    positive.push_back(floatAtLeast(std::pow(10.0, (base + static_cast<double>(m) - half) * uMax / half), false));
  // v < 0: floor(half - p) < base - j  <=>  p > half - base + j  <=>  y > 10^((half - base + j) umax / half).
  for (int64_t j = 0; base - static_cast<double>(j) >= 1.0; ++j)
    negative.push_back(floatAtLeast(std::pow(10.0, (half - base + static_cast<double>(j)) * uMax / half), true));

  // 2^7 cells per octave hold at most one threshold of the default binning (6.7 bins per octave);
  // finer binnings get finer cells (a cell of one float value can never hold two).
  std::vector<int32_t> positiveCells, negativeCells;
  for (int mantissaBits = 7; mantissaBits <= 23; ++mantissaBits) {
    cellShift_ = 23 - mantissaBits;
    positiveCells = cellCounts(positive, cellShift_);
    negativeCells = cellCounts(negative, cellShift_);
    if (!positiveCells.empty() && !negativeCells.empty()) break;
  }
  firstCell_ = bitsOf(1.0f) >> cellShift_;
  lastCell_ = static_cast<uint32_t>(std::max(positiveCells.size(), negativeCells.size()));
  // Each side padded to lastCell_ + 1 cells with its full count.
  positiveCells.resize(lastCell_ + 1, static_cast<int32_t>(positive.size()));
  negativeCells.resize(lastCell_ + 1, static_cast<int32_t>(negative.size()));
  countAtCellStart_ = positiveCells;
  countAtCellStart_.insert(countAtCellStart_.end(), negativeCells.begin(), negativeCells.end());

  const float sentinel = std::numeric_limits<float>::quiet_NaN();
  thresholds_ = positive;
  thresholds_.push_back(sentinel);
  negativeThresholdsAt_ = static_cast<int32_t>(thresholds_.size());
  thresholds_.insert(thresholds_.end(), negative.begin(), negative.end());
  thresholds_.push_back(sentinel);
}

}  // namespace hopscope
