#pragma once
// One sweep over the attention probabilities of (batch item, head) pairs that yields every per-head
// sum AttentionHeadStatistics keeps: entropy, first-token mass, delimiter mass, row sums (for the
// no-op mass), exact zeros among allowed keys and the row maximum. Plain C++ on raw pointers,
// compiled with -O3 and an AVX2 clone chosen at load time: the ATen equivalent is ~15 passes and
// temporaries over every [B, H, T, T] map.
#include <cstdint>

namespace hopscope {

// Sums over the real query rows of one head (one row = one query token of one batch item).
struct HeadSums {
  void add(const HeadSums& other);

  double entropy = 0;     // -sum_k p log p over p > 0
  double firstToken = 0;  // p[key 0]
  double delimiter = 0;   // weight on delimiter keys
  double noOp = 0;        // 1 - sum_k p
  double exactZeros = 0;  // keys with p == 0 among the allowed ones
  double maxWeight = 0;   // max_k p (NaN if the row holds one)
};

// What the sweep needs besides the probabilities.
struct HeadScanLayout {
  int64_t heads = 0;
  int64_t tokens = 0;
  const bool* realTokens = nullptr;       // [batch, tokens]: false = padding (query skipped, key not allowed)
  const bool* delimiterTokens = nullptr;  // [batch, tokens]: keys whose weight counts as delimiter mass
  bool causal = false;                    // key k allowed for query q only when k <= q
};

// Sweeps the pairs [pairBegin, pairEnd) of probs laid out [batch * heads, tokens, tokens]
// (pair = b * heads + h), adding each pair's sums to sums[h].
void scanHeads(const float* probs, int64_t pairBegin, int64_t pairEnd, const HeadScanLayout& layout,
               HeadSums* sums);
void scanHeads(const double* probs, int64_t pairBegin, int64_t pairEnd, const HeadScanLayout& layout,
               HeadSums* sums);

}  // namespace hopscope
