#pragma once
// A torch.save archive read with libzip. Records are named as PyTorchStreamReader names them:
// relative to the archive's top folder, the first entry's ("archive/data.pkl" -> "data.pkl").
// Every record's claimed size is known from the central directory before anything is inflated
// (so a load budget can refuse a deflate bomb first), and reading a record checks its size and
// CRC. (LibTorch's own reader leaks its zip state whenever its constructor throws on a damaged
// archive, and allocates a record's claimed size without asking first.)
#include <c10/core/Allocator.h>

#include <cstdint>
#include <string>

typedef struct zip zip_t;

namespace hopscope {

class ZipArchive {
 public:
  // Error "<path>: damaged zip archive (truncated download?): <reason>" when libzip cannot read
  // the directory, the archive is empty, or its first entry is not inside a folder.
  explicit ZipArchive(const std::string& path);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  bool has(const std::string& name) const;
  // Sizes the directory claims for the record; Error when there is no such record.
  uint64_t uncompressedSize(const std::string& name) const;
  uint64_t compressedSize(const std::string& name) const;
  // The record's bytes in a CPU allocation of exactly uncompressedSize(name); Error naming the
  // record when it is encrypted, shorter or longer than claimed, or fails its CRC.
  at::DataPtr read(const std::string& name) const;

 private:
  int64_t indexOf(const std::string& name) const;  // Error when missing

  std::string path_;
  std::string prefix_;  // "archive/"
  zip_t* zip_ = nullptr;
};

}  // namespace hopscope
