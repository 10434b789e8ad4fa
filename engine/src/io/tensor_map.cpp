#include "hopscope/tensor_map.h"

#include "hopscope/error.h"

namespace hopscope {

void TensorMap::insert(const std::string& name, const at::Tensor& tensor) {
  if (!index_.emplace(name, items_.size()).second)
    throw Error("duplicate tensor name '" + name + "'");
  items_.emplace_back(name, tensor);
}

bool TensorMap::contains(const std::string& name) const { return find(name) != nullptr; }

const at::Tensor* TensorMap::find(const std::string& name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : &items_[found->second].second;
}

const at::Tensor& TensorMap::at(const std::string& name) const {
  const at::Tensor* tensor = find(name);
  if (!tensor) throw Error("missing tensor '" + name + "'");
  return *tensor;
}

bool TensorMap::erase(const std::string& name) {
  const auto found = index_.find(name);
  if (found == index_.end()) return false;
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(found->second));
  index_.clear();  // positions after the erased one moved: rebuild (erasing is rare)
  for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
  return true;
}

}  // namespace hopscope
