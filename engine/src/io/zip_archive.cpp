#include "io/zip_archive.h"

#include <c10/core/CPUAllocator.h>
#include <zip.h>

#include <memory>

#include "hopscope/error.h"
#include "hopscope/message_text.h"

namespace hopscope {
namespace {

std::string libzipReason(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string reason = zip_error_strerror(&error);
  zip_error_fini(&error);
  return reason;
}

struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

}  // namespace

ZipArchive::ZipArchive(const std::string& path) : path_(path) {
  int code = 0;
  // ZIP_CHECKCONS: also compare every local header with its directory entry.
  zip_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!zip_) throw Error(path + ": damaged zip archive (truncated download?): " + libzipReason(code));
  const char* first = zip_get_num_entries(zip_, 0) > 0 ? zip_get_name(zip_, 0, ZIP_FL_ENC_RAW) : nullptr;
  const std::string firstName = first ? first : "";
  const size_t slash = firstName.find('/');
  if (firstName.empty() || slash == std::string::npos || slash == 0) {
    zip_discard(zip_);
    throw Error(path + (firstName.empty() ? ": damaged zip archive (truncated download?): it holds no files"
                                          : ": not a torch.save archive: its first file '" + printable(firstName) +
                                                "' is not inside a folder"));
  }
  prefix_ = firstName.substr(0, slash + 1);
}

ZipArchive::~ZipArchive() {
  if (zip_) zip_discard(zip_);  // read-only: nothing to write back
}

bool ZipArchive::has(const std::string& name) const {
  return zip_name_locate(zip_, (prefix_ + name).c_str(), ZIP_FL_ENC_RAW) >= 0;
}

int64_t ZipArchive::indexOf(const std::string& name) const {
  const zip_int64_t index = zip_name_locate(zip_, (prefix_ + name).c_str(), ZIP_FL_ENC_RAW);
  if (index < 0)
    throw Error(path_ + ": archive has no record '" + name + "': not a checkpoint written by torch.save");
  return index;
}

uint64_t ZipArchive::uncompressedSize(const std::string& name) const {
  zip_stat_t stat;
  if (zip_stat_index(zip_, static_cast<zip_uint64_t>(indexOf(name)), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw Error(path_ + ": cannot read the size of record '" + name + "' (damaged archive?)");
  return stat.size;
}

uint64_t ZipArchive::compressedSize(const std::string& name) const {
  zip_stat_t stat;
  if (zip_stat_index(zip_, static_cast<zip_uint64_t>(indexOf(name)), 0, &stat) != 0 ||
      !(stat.valid & ZIP_STAT_COMP_SIZE))
    throw Error(path_ + ": cannot read the size of record '" + name + "' (damaged archive?)");
  return stat.comp_size;
}

at::DataPtr ZipArchive::read(const std::string& name) const {
  const uint64_t size = uncompressedSize(name);
  const std::string where = path_ + ": cannot read record '" + name + "' (damaged archive?): ";
  const std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(zip_, static_cast<zip_uint64_t>(indexOf(name)), 0));
  if (!file) throw Error(where + zip_strerror(zip_));
  at::DataPtr data = c10::GetCPUAllocator()->allocate(size);
  auto* bytes = static_cast<char*>(data.get());
  uint64_t done = 0;
  while (done < size) {
    const zip_int64_t got = zip_fread(file.get(), bytes + done, size - done);
    if (got < 0) throw Error(where + zip_file_strerror(file.get()));
    if (got == 0) throw Error(where + "it ends after " + std::to_string(done) + " of " + std::to_string(size) + " bytes");
    done += static_cast<uint64_t>(got);
  }
  // One more read reaches the end, where libzip checks the CRC (and finds data beyond the size).
  char extra = 0;
  const zip_int64_t more = zip_fread(file.get(), &extra, 1);
  if (more < 0) throw Error(where + zip_file_strerror(file.get()));
  if (more > 0) throw Error(where + "it holds more than the " + std::to_string(size) + " bytes its directory entry claims");
  return data;
}

}  // namespace hopscope
