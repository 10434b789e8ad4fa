#include "io/zip_directory.h"

#include "hopscope/error.h"

#include <fstream>
#include <string_view>
#include <vector>

namespace hopscope {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr size_t kEndRecordBytes = 22;
constexpr size_t kMaxCommentBytes = 65535;

uint64_t little(std::string_view bytes, size_t at, size_t count) {
  uint64_t value = 0;
  for (size_t i = 0; i < count; ++i) value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return value;
}

class ZipFile {
 public:
  explicit ZipFile(const std::string& path) : path_(path), file_(path, std::ios::binary) {
    if (!file_) throw Error(path + ": cannot open file");
    file_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(file_.tellg());
  }
  uint64_t size() const { return size_; }
  std::string read(uint64_t offset, uint64_t count) {
    if (offset > size_ || count > size_ - offset) fail("the zip directory points beyond the end of the file");
    std::string bytes(count, '\0');
    file_.seekg(static_cast<std::streamoff>(offset));
    file_.read(bytes.data(), static_cast<std::streamsize>(count));
    if (!file_) fail("cannot read the zip directory");
    return bytes;
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(path_ + ": damaged zip archive (truncated download?): " + problem);
  }

 private:
  std::string path_;
  std::ifstream file_;
  uint64_t size_ = 0;
};

}  // namespace

std::map<std::string, ZipRecordSizes> readZipRecordSizes(const std::string& path) {
  ZipFile zip(path);
  if (zip.size() < kEndRecordBytes) zip.fail("too short for a zip end record");
  // The end record sits in the last 22 bytes plus at most a 64 KiB comment: search backwards.
  const uint64_t tailStart = zip.size() - std::min<uint64_t>(zip.size(), kEndRecordBytes + kMaxCommentBytes);
  const std::string tail = zip.read(tailStart, zip.size() - tailStart);
  size_t end = std::string::npos;
  for (size_t at = tail.size() - kEndRecordBytes + 1; at-- > 0;)
    if (little(tail, at, 4) == kEndOfDirectory) {
      end = at;
      break;
    }
  if (end == std::string::npos) zip.fail("no end of central directory record");
  uint64_t entries = little(tail, end + 10, 2);
  uint64_t directorySize = little(tail, end + 12, 4);
  uint64_t directoryOffset = little(tail, end + 16, 4);
  if (entries == 0xffff || directorySize == 0xffffffff || directoryOffset == 0xffffffff) {
    // Zip64: a locator right before the end record gives the offset of the zip64 end record.
    const uint64_t endOffset = tailStart + end;
    if (endOffset < 20) zip.fail("zip64 locator missing");
    const std::string locator = zip.read(endOffset - 20, 20);
    if (little(locator, 0, 4) != kZip64Locator) zip.fail("zip64 locator missing");
    const std::string record = zip.read(little(locator, 8, 8), 56);
    if (little(record, 0, 4) != kZip64EndOfDirectory) zip.fail("zip64 end record missing");
    entries = little(record, 32, 8);
    directorySize = little(record, 40, 8);
    directoryOffset = little(record, 48, 8);
  }
  // Each entry takes at least 46 bytes, so the count is checked against the directory's size.
  if (entries > directorySize / 46) zip.fail("the directory claims more entries than it holds");
  const std::string directory = zip.read(directoryOffset, directorySize);

  std::map<std::string, ZipRecordSizes> records;
  size_t at = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (directory.size() - at < 46 || little(directory, at, 4) != kDirectoryEntry)
      zip.fail("bad central directory entry");
    ZipRecordSizes sizes{little(directory, at + 20, 4), little(directory, at + 24, 4)};
    const size_t nameLength = little(directory, at + 28, 2);
    const size_t extraLength = little(directory, at + 30, 2);
    const size_t commentLength = little(directory, at + 32, 2);
    if (directory.size() - at - 46 < nameLength + extraLength + commentLength)
      zip.fail("bad central directory entry");
    std::string name = directory.substr(at + 46, nameLength);
    // Zip64 extra field: the 64-bit sizes of those fields that hold 0xffffffff, in this order.
    std::string_view extra = std::string_view(directory).substr(at + 46 + nameLength, extraLength);
    while (extra.size() >= 4) {
      const uint64_t id = little(extra, 0, 2), length = little(extra, 2, 2);
      if (length > extra.size() - 4) break;
      if (id == 0x0001) {
        size_t field = 4;
        for (uint64_t* value : {&sizes.uncompressed, &sizes.compressed}) {
          if (*value != 0xffffffff) continue;
          if (field + 8 > 4 + length) zip.fail("short zip64 extra field");
          *value = little(extra, field, 8);
          field += 8;
        }
      }
      extra.remove_prefix(4 + length);
    }
    const size_t slash = name.find('/');
    records[slash == std::string::npos ? name : name.substr(slash + 1)] = sizes;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

}  // namespace hopscope
