#pragma once
// Files hopscope writes appear whole or not at all: write to a temporary file beside the
// target, flush, then rename over it.
#include <functional>
#include <ostream>
#include <string>

namespace hopscope {

// Calls write(stream) on a temporary file and renames it to path on success. If write throws
// or the stream fails, the temporary file is removed, path is left untouched, and Error is thrown.
void writeFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Convenience for text/bytes already in memory.
void writeFileAtomically(const std::string& path, const std::string& contents);

}  // namespace hopscope
