#include "hopscope/attention_gate.h"

#include <ATen/ATen.h>

namespace hopscope {

std::string gateKindName(GateKind kind) {
  switch (kind) {
    case GateKind::None: return "none";
    case GateKind::Linear: return "linear";
    case GateKind::Mlp: return "mlp";
  }
  return "none";
}

at::Tensor AttentionGate::gates(const at::Tensor& heads) const {
  // [B, H, T, dh] x [H, dh, k] broadcasts over the batch: each head uses its own weights.
  at::Tensor out = at::matmul(heads, w1.transpose(1, 2)) + b1.unsqueeze(1);
  if (kind == GateKind::Mlp) out = at::matmul(at::relu(out), w2.transpose(1, 2)) + b2.unsqueeze(1);
  return at::sigmoid(out);
}

AttentionGate stackGate(GateKind kind, const std::vector<std::vector<at::Tensor>>& perHead) {
  AttentionGate gate;
  gate.kind = kind;
  if (kind == GateKind::None) return gate;
  auto stackPart = [&](size_t part) {
    std::vector<at::Tensor> parts;
    for (const auto& head : perHead) parts.push_back(head.at(part));
    return at::stack(parts);
  };
  gate.w1 = stackPart(0);
  gate.b1 = stackPart(1);
  if (kind == GateKind::Mlp) {
    gate.w2 = stackPart(2);
    gate.b2 = stackPart(3);
  }
  return gate;
}

}  // namespace hopscope
