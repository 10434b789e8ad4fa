#pragma once
// Readers that take a path get the fuzz input through a file of this process's own, rewritten for
// every input (libFuzzer runs one input at a time per process).
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace hopscope::fuzz {

inline std::string writeInputFile(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = "/tmp/hopscope-fuzz-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return path;
}

}  // namespace hopscope::fuzz
