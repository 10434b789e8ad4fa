#pragma once
// Reads a pytorch_model.bin written by torch.save(state_dict) (zip archive: archive/data.pkl +
// archive/data/N storages) without executing anything: a restricted unpickler accepts only the
// globals a state dict needs and names any other it refuses.
#include "hopscope/tensor_map.h"

#include <string>

namespace hopscope {

// Tensors keep the dtype stored in the file. Throws Error naming the file and the problem.
TensorMap readPytorchBin(const std::string& path);

}  // namespace hopscope
