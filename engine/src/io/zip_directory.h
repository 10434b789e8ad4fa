#pragma once
// The sizes a zip archive's central directory claims for its records, read before any record is
// inflated: LibTorch's PyTorchStreamReader allocates a record's claimed uncompressed size in
// getRecord() and offers no way to ask for it first, so a small deflated record could expand to
// gigabytes. Only the directory is read (classic and zip64 end records, zip64 size extras).
#include <cstdint>
#include <map>
#include <string>

namespace hopscope {

struct ZipRecordSizes {
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
};

// Records by name without the archive's top folder ("archive/data.pkl" -> "data.pkl"), as
// PyTorchStreamReader names them. Throws Error("<path>: ...") when the directory is unreadable.
std::map<std::string, ZipRecordSizes> readZipRecordSizes(const std::string& path);

}  // namespace hopscope
