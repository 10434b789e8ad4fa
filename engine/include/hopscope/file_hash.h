#pragma once
// SHA-256 of files (Nettle), for provenance: which data a model was trained on, which weights a
// report describes.
#include <string>
#include <vector>

namespace hopscope {

// Lower-case hex SHA-256 of the bytes of every file, concatenated in the given order. Error naming
// the file when one cannot be read.
std::string sha256OfFiles(const std::vector<std::string>& paths);

}  // namespace hopscope
