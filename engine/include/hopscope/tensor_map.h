#pragma once
// Named tensors as read from or written to a checkpoint file, in file order.
#include <ATen/core/Tensor.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hopscope {

// Ordered (name, tensor) pairs. Order is kept so a written file lists tensors as given; an index
// keeps lookups constant-time, so a file with tens of thousands of tensors loads in linear time.
class TensorMap {
 public:
  void insert(const std::string& name, const at::Tensor& tensor);  // throws Error on a duplicate
  bool contains(const std::string& name) const;
  const at::Tensor* find(const std::string& name) const;            // nullptr when absent
  const at::Tensor& at(const std::string& name) const;              // throws Error when absent
  bool erase(const std::string& name);
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<std::string, at::Tensor>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, at::Tensor>> items_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in items_
};

}  // namespace hopscope
