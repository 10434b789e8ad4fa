#pragma once
// Builds a family's list of expected checkpoint tensors with the shapes its config implies:
// Linear layers (weight [out, in] + bias [out]), LayerNorms (weight + bias [d]) and gate networks.
#include <string>
#include <utility>
#include <vector>

#include "hopscope/attention_gate.h"
#include "hopscope/model_family.h"

namespace hopscope {

class ExpectedTensors {
 public:
  void add(const std::string& name, std::vector<int64_t> shape, bool optional = false) {
    list_.push_back({name, std::move(shape), optional});
  }
  void linear(const std::string& module, int64_t out, int64_t in) {
    add(module + ".weight", {out, in});
    add(module + ".bias", {out});
  }
  void norm(const std::string& module, int64_t width) {
    add(module + ".weight", {width});
    add(module + ".bias", {width});
  }
  // One layer's gate networks under `prefix` (attention_gate.h gateTensorShapes).
  void gate(GateKind kind, const std::string& prefix, int64_t heads, int64_t headDim) {
    for (auto& [name, shape] : gateTensorShapes(kind, prefix, heads, headDim)) add(name, std::move(shape));
  }
  std::vector<ExpectedTensor> take() { return std::move(list_); }

 private:
  std::vector<ExpectedTensor> list_;
};

}  // namespace hopscope
