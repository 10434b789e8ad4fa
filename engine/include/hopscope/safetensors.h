#pragma once
// The safetensors format: 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian tensor bytes.
#include "hopscope/tensor_map.h"

#include <map>
#include <string>

namespace hopscope {

struct SafetensorsContents {
  TensorMap tensors;                            // dtype as stored (F32, F16, BF16, F64, I64, ...)
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent
};

// Memory-maps the file; tensors view the mapping (kept alive by the tensors) when aligned.
// Validates the header: size limit, JSON shape, known dtype, offsets in bounds, contiguous and
// non-overlapping, byte count = product(shape) x dtype size, unique names.
// Throws Error naming the file and the problem.
SafetensorsContents readSafetensors(const std::string& path);

// Writes atomically (temporary file in the same folder, then rename). Tensors are written
// contiguous, little-endian, in map order, with their own dtype.
void writeSafetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace hopscope
