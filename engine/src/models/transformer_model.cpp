#include "hopscope/transformer_model.h"

#include <set>

namespace hopscope {

int64_t TransformerModel::parameterCount() const {
  // Tied tensors appear under two names but share storage: count each storage once.
  std::set<const void*> seen;
  int64_t count = 0;
  for (const auto& [name, tensor] : weights().items())
    if (seen.insert(tensor.data_ptr()).second) count += tensor.numel();
  return count;
}

}  // namespace hopscope
