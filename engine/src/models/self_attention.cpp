#include "self_attention.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "hopscope/attention_normalizer.h"

namespace hopscope {

at::Tensor splitHeads(const at::Tensor& x, int64_t heads) {
  const int64_t batch = x.size(0), tokens = x.size(1);
  return x.view({batch, tokens, heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

at::Tensor mergeHeads(const at::Tensor& x) {
  const int64_t batch = x.size(0), heads = x.size(1), tokens = x.size(2), headDim = x.size(3);
  return x.permute({0, 2, 1, 3}).reshape({batch, tokens, heads * headDim});
}

at::Tensor selfAttention(const at::Tensor& x, const at::Tensor& additiveMask,
                         const SelfAttentionWeights& weights, const NormalizerSpec& normalizer,
                         const SelfAttentionOptions& options, const SelfAttentionSites& sites,
                         ForwardHooks* hooks) {
  const int64_t headDim = x.size(2) / options.heads;
  at::Tensor query = tap(hooks, sites.query, at::linear(x, weights.queryWeight, weights.queryBias));
  const at::Tensor key = tap(hooks, sites.key, at::linear(x, weights.keyWeight, weights.keyBias));
  const at::Tensor value = tap(hooks, sites.value, at::linear(x, weights.valueWeight, weights.valueBias));
  if (options.scaling == QueryScaling::QueryTimesInverseSqrtAfterBias)
    query = query * std::pow(static_cast<double>(headDim), -0.5);

  at::Tensor scores = at::matmul(splitHeads(query, options.heads),
                                 splitHeads(key, options.heads).transpose(-1, -2));
  if (options.scaling == QueryScaling::ScoresDividedBySqrtHeadDim)
    scores = scores / std::sqrt(static_cast<double>(headDim));
  scores = tap(hooks, sites.scores, scores);
  if (options.maskFillsDtypeMin) {
    scores = scores.masked_fill(additiveMask, std::numeric_limits<float>::lowest());
  } else {
    scores = scores + additiveMask;
    if (options.clampScoresAtDtypeMin) scores = scores.clamp_min(std::numeric_limits<float>::lowest());
  }

  const at::Tensor probs = tap(hooks, sites.probs, normalizeAttention(scores, normalizer));
  at::Tensor context = at::matmul(attentionDropout(options.dropout, probs), splitHeads(value, options.heads));
  if (weights.gate.kind != GateKind::None)
    context = context * weights.gate.gates(splitHeads(x, options.heads));
  return tap(hooks, sites.context, mergeHeads(context));
}

}  // namespace hopscope
