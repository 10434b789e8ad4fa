#include "hopscope/tensor_map.h"

#include "hopscope/error.h"

namespace hopscope {

void TensorMap::insert(const std::string& name, const at::Tensor& tensor) {
  if (contains(name)) throw Error("duplicate tensor name '" + name + "'");
  items_.emplace_back(name, tensor);
}

bool TensorMap::contains(const std::string& name) const { return find(name) != nullptr; }

const at::Tensor* TensorMap::find(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return &item.second;
  return nullptr;
}

const at::Tensor& TensorMap::at(const std::string& name) const {
  const at::Tensor* tensor = find(name);
  if (!tensor) throw Error("missing tensor '" + name + "'");
  return *tensor;
}

bool TensorMap::erase(const std::string& name) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (it->first == name) {
      items_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace hopscope
