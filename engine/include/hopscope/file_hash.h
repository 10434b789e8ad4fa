#pragma once
// SHA-256 of files (Nettle), for provenance: which data a model was trained on, which weights a
// report describes; and of memory, to check that processes hold the same weights.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hopscope {

// Lower-case hex SHA-256 of the bytes of every file, concatenated in the given order. Error naming
// the file when one cannot be read.
std::string sha256OfFiles(const std::vector<std::string>& paths);

// Lower-case hex SHA-256 of the bytes of every (address, size) buffer, concatenated in order.
std::string sha256OfBuffers(const std::vector<std::pair<const void*, size_t>>& buffers);

}  // namespace hopscope
