#pragma once
// Reads a pytorch_model.bin written by torch.save(state_dict) (zip archive: archive/data.pkl +
// archive/data/N storages) without executing anything: a restricted unpickler accepts only the
// globals a state dict needs and names any other it refuses.
#include "hopscope/tensor_map.h"

#include <string>

namespace hopscope {

// Tensors keep the dtype stored in the file. Throws Error naming the file and the problem. What it
// allocates (records, the pickle's values, copies of strided views) is charged to a LoadBudget of
// loadBudgetFor(file size) first, and no view may have more elements than its storage.
TensorMap readPytorchBin(const std::string& path);

}  // namespace hopscope
