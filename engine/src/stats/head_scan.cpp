#include "stats/head_scan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#define HOPSCOPE_INLINE inline __attribute__((always_inline))
// An AVX2 copy of each entry point next to the baseline one; the loader picks per machine.
#define HOPSCOPE_CLONES __attribute__((target_clones("avx2", "default")))

namespace hopscope {
namespace {

constexpr int kLanes = 16;  // independent accumulators: vectorisable without reassociation
// Keys summed in value-typed lanes before they move to float64: bounds float32 rounding on long rows.
constexpr int64_t kBlock = 256;

// Natural log, Cephes logf's polynomial (relative error ~1e-7) after musl's branch-free range
// reduction: GCC sinks selects into branches and keeps a loop with branches scalar, and libm's
// logf would too. Finite for every input: +Inf and NaN come out near 89 (> 0), zero and negative
// inputs as finite garbage; subnormals are read as normal numbers, off by at most 16 in the log, which
// moves p log p by less than 2e-37.
HOPSCOPE_INLINE float logOf(float x) {
  constexpr uint32_t kSqrtHalfBits = 0x3f3504f3;  // sqrt(1/2)
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  // x = 2^exponent * mantissa with mantissa in [sqrt(1/2), sqrt(2)).
  const uint32_t shifted = bits - kSqrtHalfBits;
  const float exponent = static_cast<float>(static_cast<int32_t>(shifted) >> 23);
  const uint32_t mantissaBits = (shifted & 0x007fffff) + kSqrtHalfBits;
  float mantissa;
  std::memcpy(&mantissa, &mantissaBits, sizeof mantissa);
  const float m = mantissa - 1.0f;
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += -2.12194440e-4f * exponent;  // ln 2 split in two so that exponent * 0.693359375 is exact
  y += -0.5f * z;
  return m + y + 0.693359375f * exponent;
}

// p log p for p > 0, 0 for p <= 0, NaN for NaN, as the ATen formula it replaces (which also gave
// NaN for a -Inf probability; this gives 0). Only loaded values are selected, never results:
// floating-point operations may trap, so GCC puts one whose result is selected behind a branch,
// and a branch keeps the loop scalar.
HOPSCOPE_INLINE float plogp(float p) { return (!(p <= 0) ? p : 0.0f) * logOf(p); }
HOPSCOPE_INLINE double plogp(double p) { return p * (p > 0 ? std::log(p) : 0.0); }

// The row maximum as torch.max has it: a NaN anywhere wins.
template <typename T>
HOPSCOPE_INLINE T maxKeepingNaN(T a, T b) {
  return ((b > a) | (b != b)) ? b : a;
}

// Per-key flags of one batch item in the value type, so every lane operation has one width.
template <typename T>
struct KeyFlags {
  std::vector<T> delimiter;    // 1 on delimiter keys, else 0
  std::vector<T> allowedFrom;  // first query allowed to see the key: 0 (k if causal), +Inf for padding

  void fill(const bool* real, const bool* delimiterTokens, int64_t tokens, bool causal) {
    delimiter.resize(static_cast<size_t>(tokens));
    allowedFrom.resize(static_cast<size_t>(tokens));
    for (int64_t k = 0; k < tokens; ++k) {
      delimiter[k] = delimiterTokens[k] ? T(1) : T(0);
      allowedFrom[k] = !real[k] ? std::numeric_limits<T>::infinity() : causal ? static_cast<T>(k) : T(0);
    }
  }
};

// Linear sums over the rows of one pair, float64 lanes.
struct PairLanes {
  double entropy[kLanes] = {}, delimiter[kLanes] = {}, total[kLanes] = {}, zeros[kLanes] = {};
};

template <typename T>
HOPSCOPE_INLINE void scanRow(const T* p, int64_t tokens, const KeyFlags<T>& keys, T query, PairLanes& lanes,
                             HeadSums& sums) {
  const T* delimiter = keys.delimiter.data();
  const T* allowedFrom = keys.allowedFrom.data();
  T maxima[kLanes];
  std::fill(maxima, maxima + kLanes, -std::numeric_limits<T>::infinity());
  int64_t k = 0;
  while (k + kLanes <= tokens) {
    T entropy[kLanes] = {}, delimiterMass[kLanes] = {}, total[kLanes] = {}, zeros[kLanes] = {};
    const int64_t blockEnd = std::min(tokens, k + kBlock);
    for (; k + kLanes <= blockEnd; k += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const T x = p[k + j];
        entropy[j] -= plogp(x);
        delimiterMass[j] += x * delimiter[k + j];
        total[j] += x;
        zeros[j] += ((x == 0) & (allowedFrom[k + j] <= query)) ? T(1) : T(0);
        maxima[j] = maxKeepingNaN(maxima[j], x);
      }
    for (int j = 0; j < kLanes; ++j) {
      lanes.entropy[j] += static_cast<double>(entropy[j]);
      lanes.delimiter[j] += static_cast<double>(delimiterMass[j]);
      lanes.total[j] += static_cast<double>(total[j]);
      lanes.zeros[j] += static_cast<double>(zeros[j]);
    }
  }
  T maximum = -std::numeric_limits<T>::infinity();
  for (; k < tokens; ++k) {  // the last tokens % kLanes keys
    const T x = p[k];
    lanes.entropy[0] -= static_cast<double>(plogp(x));
    lanes.delimiter[0] += static_cast<double>(x * delimiter[k]);
    lanes.total[0] += static_cast<double>(x);
    lanes.zeros[0] += ((x == 0) & (allowedFrom[k] <= query)) ? 1.0 : 0.0;
    maximum = maxKeepingNaN(maximum, x);
  }
  for (int j = 0; j < kLanes; ++j) maximum = maxKeepingNaN(maximum, maxima[j]);
  sums.maxWeight += static_cast<double>(maximum);
  sums.firstToken += static_cast<double>(p[0]);
  sums.noOp += 1.0;  // minus the row's total, taken from the lanes after the last row
}

template <typename T>
HOPSCOPE_INLINE void scanHeadsOf(const T* probs, int64_t pairBegin, int64_t pairEnd, const HeadScanLayout& layout,
                                 HeadSums* sums) {
  const int64_t tokens = layout.tokens;
  KeyFlags<T> keys;
  int64_t keysOfItem = -1;
  for (int64_t pair = pairBegin; pair < pairEnd; ++pair) {
    const int64_t item = pair / layout.heads;
    const bool* real = layout.realTokens + item * tokens;
    if (item != keysOfItem) {
      keys.fill(real, layout.delimiterTokens + item * tokens, tokens, layout.causal);
      keysOfItem = item;
    }
    const T* map = probs + pair * tokens * tokens;
    PairLanes lanes;
    HeadSums pairSums;
    for (int64_t q = 0; q < tokens; ++q)
      if (real[q]) scanRow(map + q * tokens, tokens, keys, static_cast<T>(q), lanes, pairSums);
    for (int j = 0; j < kLanes; ++j) {
      pairSums.entropy += lanes.entropy[j];
      pairSums.delimiter += lanes.delimiter[j];
      pairSums.noOp -= lanes.total[j];
      pairSums.exactZeros += lanes.zeros[j];
    }
    sums[pair % layout.heads].add(pairSums);
  }
}

}  // namespace

void HeadSums::add(const HeadSums& other) {
  entropy += other.entropy;
  firstToken += other.firstToken;
  delimiter += other.delimiter;
  noOp += other.noOp;
  exactZeros += other.exactZeros;
  maxWeight += other.maxWeight;
}

HOPSCOPE_CLONES void scanHeads(const float* probs, int64_t pairBegin, int64_t pairEnd, const HeadScanLayout& layout,
                               HeadSums* sums) {
  scanHeadsOf(probs, pairBegin, pairEnd, layout, sums);
}

HOPSCOPE_CLONES void scanHeads(const double* probs, int64_t pairBegin, int64_t pairEnd,
                               const HeadScanLayout& layout, HeadSums* sums) {
  scanHeadsOf(probs, pairBegin, pairEnd, layout, sums);
}

}  // namespace hopscope
