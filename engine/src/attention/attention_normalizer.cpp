#include "hopscope/attention_normalizer.h"

#include <ATen/ATen.h>

namespace hopscope {
namespace {

// exp(x_i) / (1 + sum_j exp(x_j)), stabilised with m = max(max_j x_j, 0):
// exp(x_i - m) / (exp(-m) + sum_j exp(x_j - m)).
at::Tensor softmax1(const at::Tensor& scores) {
  const at::Tensor shift = std::get<0>(scores.max(-1, /*keepdim=*/true)).clamp_min(0).detach();
  const at::Tensor numerators = (scores - shift).exp();
  return numerators / (numerators.sum(-1, /*keepdim=*/true) + (-shift).exp());
}

// The reference repository's spring-2024 form: exp(x_i - m) / (1 + sum_j exp(x_j - m)) with
// m = max_j x_j. Shift-invariant, so it is not Softmax_1; offered to test which one a checkpoint uses.
at::Tensor softmax1Legacy(const at::Tensor& scores) {
  const at::Tensor shift = std::get<0>(scores.max(-1, /*keepdim=*/true)).detach();
  const at::Tensor numerators = (scores - shift).exp();
  return numerators / (numerators.sum(-1, /*keepdim=*/true) + 1.0);
}

}  // namespace

at::Tensor normalizeAttention(const at::Tensor& scores, const NormalizerSpec& spec) {
  switch (spec.kind) {
    case NormalizerKind::Softmax: return at::softmax(scores, -1);
    case NormalizerKind::Softmax1: return softmax1(scores);
    case NormalizerKind::Softmax1Legacy: return softmax1Legacy(scores);
    case NormalizerKind::Clipped:
      return ((spec.zeta - spec.gamma) * at::softmax(scores, -1) + spec.gamma).clamp(0.0, 1.0);
    case NormalizerKind::ClippedSoftmax1:
      return ((spec.zeta - spec.gamma) * softmax1(scores) + spec.gamma).clamp(0.0, 1.0);
  }
  return at::softmax(scores, -1);
}

}  // namespace hopscope
