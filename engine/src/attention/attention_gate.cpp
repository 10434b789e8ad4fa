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
  at::Tensor out = at::matmul(heads, at::stack(w1).transpose(1, 2)) + at::stack(b1).unsqueeze(1);
  if (kind == GateKind::Mlp)
    out = at::matmul(at::relu(out), at::stack(w2).transpose(1, 2)) + at::stack(b2).unsqueeze(1);
  return at::sigmoid(out);
}

std::vector<std::pair<std::string, std::vector<int64_t>>> gateTensorShapes(GateKind kind, const std::string& prefix,
                                                                           int64_t heads, int64_t headDim) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (int64_t h = 0; h < heads; ++h) {
    const std::string g = prefix + "." + std::to_string(h);
    if (kind == GateKind::Linear) {
      shapes.push_back({g + ".weight", {1, headDim}});
      shapes.push_back({g + ".bias", {1}});
    } else if (kind == GateKind::Mlp) {
      shapes.push_back({g + ".0.weight", {headDim / 4, headDim}});
      shapes.push_back({g + ".0.bias", {headDim / 4}});
      shapes.push_back({g + ".2.weight", {1, headDim / 4}});
      shapes.push_back({g + ".2.bias", {1}});
    }
  }
  return shapes;
}

AttentionGate loadGate(GateKind kind, const std::string& prefix, int64_t heads,
                       const std::function<at::Tensor(const std::string&)>& tensor) {
  AttentionGate gate;
  gate.kind = kind;
  if (kind == GateKind::None) return gate;
  const std::vector<std::string> parts = kind == GateKind::Linear
                                             ? std::vector<std::string>{".weight", ".bias"}
                                             : std::vector<std::string>{".0.weight", ".0.bias", ".2.weight", ".2.bias"};
  std::vector<at::Tensor>* targets[] = {&gate.w1, &gate.b1, &gate.w2, &gate.b2};
  for (size_t p = 0; p < parts.size(); ++p)
    for (int64_t h = 0; h < heads; ++h) targets[p]->push_back(tensor(prefix + "." + std::to_string(h) + parts[p]));
  return gate;
}

}  // namespace hopscope
