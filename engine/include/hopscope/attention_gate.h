#pragma once
// Gated attention (Bondarenko et al. 2023, science.md section 3): per head h a small network G_h on
// that head's slice of the attention input; sigmoid(G_h(x_h)) scales the head's context P.V.
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hopscope {

enum class GateKind { None, Linear, Mlp };

std::string gateKindName(GateKind kind);  // "none" | "linear" | "mlp"

// One layer's gate networks. The heads' own tensors are kept (the model's weights themselves, not
// copies) and stacked along a leading head dimension at each forward, so a weight changed in place
// (an optimizer step) is what the next forward uses, and gradients reach the weights.
struct AttentionGate {
  GateKind kind = GateKind::None;
  // Per head h: linear w1 [1, dh], b1 [1]; mlp w1 [dh/4, dh], b1 [dh/4], w2 [1, dh/4], b2 [1].
  std::vector<at::Tensor> w1, b1, w2, b2;

  // heads: [B, H, T, dh] (the attention input split into heads). Returns sigmoid gates [B, H, T, 1].
  at::Tensor gates(const at::Tensor& heads) const;
};

// Checkpoint names and shapes of one layer's gate tensors, e.g. prefix
// "bert.encoder.layer.0.attention.self.alpha": linear "{prefix}.{h}.weight" [1, dh] and ".bias" [1];
// mlp "{prefix}.{h}.0.weight" [dh/4, dh], ".0.bias", ".2.weight" [1, dh/4], ".2.bias".
std::vector<std::pair<std::string, std::vector<int64_t>>> gateTensorShapes(GateKind kind, const std::string& prefix,
                                                                           int64_t heads, int64_t headDim);

// Builds a layer's gate from those tensors; `tensor(name)` looks one up.
AttentionGate loadGate(GateKind kind, const std::string& prefix, int64_t heads,
                       const std::function<at::Tensor(const std::string&)>& tensor);

}  // namespace hopscope
