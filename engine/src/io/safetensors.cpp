#include "hopscope/safetensors.h"

#include "hopscope/atomic_file.h"
#include "hopscope/error.h"
#include "io/safetensors_header.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

// Tensor bytes are copied or viewed as they are in the file, which stores them little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors I/O assumes a little-endian host; a big-endian one needs byte swaps");

namespace hopscope {
namespace {

// A whole file mapped into memory, unmapped when the last tensor viewing it is gone.
// The mapping is private and copy-on-write: the file is opened read-only and never changes, and a
// caller that writes into a tensor by mistake (e.g. in place after a no-op .to(kFloat)) modifies
// only its own pages instead of crashing on a read-only page. Tensors from readSafetensors are
// still meant to be read only; clone() before changing one.
class FileMapping {
 public:
  explicit FileMapping(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      throw Error(path + ": cannot open: " + std::strerror(error));
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
      const int error = errno;
      ::close(fd);
      throw Error(path + ": not a regular file" +
                  (error ? std::string(" (") + std::strerror(error) + ")" : std::string()));
    }
    size_ = static_cast<size_t>(status.st_size);
    if (size_ > 0) {  // mmap rejects length 0; the header parser reports such a file
      void* address = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      const int error = errno;
      ::close(fd);
      if (address == MAP_FAILED)
        throw Error(path + ": cannot memory-map the file: " + std::strerror(error));
      data_ = static_cast<unsigned char*>(address);
    } else {
      ::close(fd);
    }
  }
  ~FileMapping() {
    if (data_) ::munmap(data_, size_);
  }
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  unsigned char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// Views the mapping when the bytes are aligned for the dtype (the deleter holds the mapping);
// copies them otherwise, since LibTorch kernels may assume aligned elements.
at::Tensor tensorFromMapping(const std::shared_ptr<FileMapping>& mapping, uint64_t dataStart,
                             const SafetensorsTensorInfo& info) {
  const auto options = at::TensorOptions().dtype(info.dtype);
  if (info.end == info.begin) return at::empty(info.shape, options);
  unsigned char* bytes = mapping->data() + dataStart + info.begin;
  if (reinterpret_cast<uintptr_t>(bytes) % c10::elementSize(info.dtype) == 0) {
    return at::from_blob(bytes, info.shape, [mapping](void*) { (void)mapping; }, options);
  }
  at::Tensor copy = at::empty(info.shape, options);
  std::memcpy(copy.data_ptr(), bytes, info.end - info.begin);
  return copy;
}

void writeLittleEndian64(std::ostream& out, uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  out.write(bytes, 8);
}

}  // namespace

SafetensorsContents readSafetensors(const std::string& path) {
  auto mapping = std::make_shared<FileMapping>(path);
  SafetensorsHeader header = parseSafetensorsHeader(mapping->data(), mapping->size(), path);
  SafetensorsContents contents;
  contents.metadata = std::move(header.metadata);
  for (const auto& info : header.tensors)
    contents.tensors.insert(info.name, tensorFromMapping(mapping, header.dataStart, info));
  return contents;
}

void writeSafetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Entries keep the format's key order (dtype, shape, data_offsets) as the reference writer does.
  using Json = nlohmann::ordered_json;
  // The header is written entry by entry, in map order: building one ordered JSON object would
  // look up every key by a linear scan (quadratic in the tensor count). TensorMap names are unique.
  std::vector<std::pair<std::string, Json>> entries;
  if (!metadata.empty()) entries.emplace_back("__metadata__", Json(metadata));

  std::vector<at::Tensor> data;  // CPU, contiguous, in map order
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors.items()) {
    const std::string where = path + ": tensor '" + name + "': ";
    if (name == "__metadata__")
      throw Error(where + "the name \"__metadata__\" is reserved by the safetensors format");
    if (!tensor.defined()) throw Error(where + "the tensor is undefined");
    const auto dtypeName = safetensorsDtypeName(tensor.scalar_type());
    if (!dtypeName)
      throw Error(where + "dtype " + std::string(c10::toString(tensor.scalar_type())) +
                  " cannot be stored in safetensors (supported: " + supportedSafetensorsDtypes() +
                  ")");
    if (tensor.layout() != at::kStrided)
      throw Error(where + "only dense tensors can be stored in safetensors");
    at::Tensor contiguous = tensor.cpu().contiguous();
    const uint64_t byteCount = contiguous.numel() * contiguous.element_size();
    Json entry = Json::object();
    entry["dtype"] = *dtypeName;
    entry["shape"] = contiguous.sizes().vec();
    entry["data_offsets"] = Json::array({offset, offset + byteCount});
    entries.emplace_back(name, std::move(entry));
    offset += byteCount;
    data.push_back(std::move(contiguous));
  }

  std::string headerText = "{";
  try {
    for (const auto& [key, value] : entries) {
      if (headerText.size() > 1) headerText += ',';
      headerText += Json(key).dump() + ':' + value.dump();
    }
    headerText += '}';
  } catch (const Json::type_error& error) {
    throw Error(path + ": a tensor name or metadata entry is not valid UTF-8");
  }
  // Spaces after the JSON start the data block at a multiple of 8 bytes, so a reader can view
  // every dtype in place.
  headerText.append((8 - (8 + headerText.size()) % 8) % 8, ' ');

  writeFileAtomically(path, [&](std::ostream& out) {
    writeLittleEndian64(out, headerText.size());
    out.write(headerText.data(), static_cast<std::streamsize>(headerText.size()));
    for (const at::Tensor& tensor : data)
      out.write(static_cast<const char*>(tensor.data_ptr()),
                static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
  });
}

}  // namespace hopscope
