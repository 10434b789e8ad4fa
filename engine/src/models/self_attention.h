#pragma once
// Multi-head self-attention shared by the families: projections, scores, mask, normalizer,
// optional gate, merged context (before the output projection). The families differ only in
// where the 1/sqrt(d_head) scaling happens and how the mask applies (added, or filling the dtype
// minimum).
#include <ATen/core/Tensor.h>

#include <string>

#include "hopscope/attention_gate.h"
#include "hopscope/dropout.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/normalizer_spec.h"

namespace hopscope {

struct SelfAttentionWeights {
  at::Tensor queryWeight, queryBias, keyWeight, keyBias, valueWeight, valueBias;
  AttentionGate gate;
};

struct SelfAttentionSites {
  std::string query, key, value;  // projection outputs
  std::string scores;             // scaled scores before the mask [B, H, Tq, Tk]
  std::string probs;              // normalizer output [B, H, Tq, Tk]
  std::string context;            // merged (gated) heads [B, T, d], the output projection's input
};

enum class QueryScaling {
  ScoresDividedBySqrtHeadDim,      // (q k^T) / sqrt(d_head)
  QueryTimesInverseSqrtAfterBias,  // q = q_proj(x) * d_head^-0.5, then q k^T
};

struct SelfAttentionOptions {
  int64_t heads = 1;
  QueryScaling scaling = QueryScaling::ScoresDividedBySqrtHeadDim;
  bool clampScoresAtDtypeMin = false;  // max(scores + mask, finfo.min)
  // The mask is a bool tensor, true at masked keys, and those scores become finfo.min:
  // scores.masked_fill(mask, finfo.min). For a causal mask (every query sees at least its own key)
  // that equals the additive causal mask of 0 / finfo.min with clampScoresAtDtypeMin, values and
  // score gradients, for scores of magnitude below 2^103 (any real score): finfo.min + s rounds to
  // finfo.min, and at masked keys the probability is exactly 0, so the normalizer's gradient there
  // is 0 either way. One pass over the scores instead of two, and no copy of them kept for the
  // clamp's backward. (Not for padding masks: a query whose every key is masked gets uniform
  // weights, whose gradient the clamp passes on to the scores and masked_fill does not.)
  bool maskFillsDtypeMin = false;
  const Dropout* dropout = nullptr;    // training: dropout on the probabilities (after the tap)
};

// x: [B, T, d]. additiveMask: broadcastable to [B, H, T, T], 0 or the dtype minimum; with
// options.maskFillsDtypeMin a bool tensor, true at masked keys.
// Returns the merged context [B, T, d] (gated per head when a gate is present), tapped as
// sites.context.
at::Tensor selfAttention(const at::Tensor& x, const at::Tensor& additiveMask,
                         const SelfAttentionWeights& weights, const NormalizerSpec& normalizer,
                         const SelfAttentionOptions& options, const SelfAttentionSites& sites,
                         ForwardHooks* hooks);

// [B, T, H*dh] -> [B, H, T, dh]
at::Tensor splitHeads(const at::Tensor& x, int64_t heads);
// [B, H, T, dh] -> [B, T, H*dh]
at::Tensor mergeHeads(const at::Tensor& x);

}  // namespace hopscope
