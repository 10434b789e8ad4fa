#pragma once
// Parsing and validation of a safetensors header, from the file's bytes to plain structures.
// No file access here, so every validation rule can be tested on bytes built in memory.
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hopscope {

// Larger headers are rejected before parsing (the official implementation uses the same limit).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct SafetensorsTensorInfo {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte range [begin, end) relative to the data block
  uint64_t end = 0;
};

struct SafetensorsHeader {
  uint64_t dataStart = 0;  // offset of the data block in the file: 8 + header length
  uint64_t dataSize = 0;   // bytes from dataStart to the end of the file
  std::vector<SafetensorsTensorInfo> tensors;   // in header order
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent
};

// Parses the header of a whole safetensors file held in bytes[0, size) and checks it against the
// size: offsets in bounds, ranges covering the data block exactly once, byte counts matching
// shape x dtype, names unique. Throws Error("<source>: ...") on the first problem found.
SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, size_t size,
                                         const std::string& source);

// The safetensors name of a dtype ("F32", "BF16", ...), or nullopt when the format has none that
// hopscope supports (complex, quantized, unsigned wider than 8 bits).
std::optional<std::string> safetensorsDtypeName(at::ScalarType dtype);
std::optional<at::ScalarType> scalarTypeOfSafetensorsDtype(const std::string& name);

// "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL", for messages.
std::string supportedSafetensorsDtypes();

}  // namespace hopscope
