#pragma once
// Gated attention (Bondarenko et al. 2023, science.md section 3): per head h a small network G_h on
// that head's slice of the attention input; sigmoid(G_h(x_h)) scales the head's context P.V.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace hopscope {

enum class GateKind { None, Linear, Mlp };

std::string gateKindName(GateKind kind);  // "none" | "linear" | "mlp"

// One layer's gate networks, with the heads' weights stacked along a leading head dimension.
struct AttentionGate {
  GateKind kind = GateKind::None;
  // linear: w1 [H, 1, dh], b1 [H, 1]. mlp: w1 [H, dh/4, dh], b1 [H, dh/4], w2 [H, 1, dh/4], b2 [H, 1].
  at::Tensor w1, b1, w2, b2;

  // heads: [B, H, T, dh] (the attention input split into heads). Returns sigmoid gates [B, H, T, 1].
  at::Tensor gates(const at::Tensor& heads) const;
};

// Builds a layer's gate from per-head tensors as named in checkpoints. For linear, perHead[h] =
// {weight [1, dh], bias [1]}; for mlp, {0.weight, 0.bias, 2.weight, 2.bias}.
AttentionGate stackGate(GateKind kind, const std::vector<std::vector<at::Tensor>>& perHead);

}  // namespace hopscope
