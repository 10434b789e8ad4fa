#pragma once
// A pickle virtual machine limited to what torch.save(state_dict) writes (protocol 2, plus the
// protocol 4 framing opcodes). It never imports or calls anything: globals are checked against an
// allow-list as they are read, and the few allowed callables are interpreted here, producing plain
// structures (tensor and storage references) instead of objects. No LibTorch dependency, so it can
// be tested on hand-built byte strings. Every malformed input throws hopscope::Error.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hopscope {

// The persistent id torch.save writes for a storage: ('storage', torch.FloatStorage, '0', 'cpu', 6).
struct StorageReference {
  std::string key;          // record name under <prefix>/data/
  std::string storageType;  // "FloatStorage", "HalfStorage", ... (allow-listed)
  std::string location;     // "cpu", "cuda:0": informational, data is always read to the CPU
  int64_t numel = 0;        // elements of storageType the record holds
};

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks),
// optionally wrapped by _rebuild_parameter. Offsets and strides are in elements; not yet checked
// against the storage (the reader does that once it knows the record size).
struct TensorReference {
  StorageReference storage;
  int64_t storageOffset = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  bool requiresGrad = false;
  bool isParameter = false;
};

struct PickleValue {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;                                          // String; Global as "module.name"
  std::vector<PickleValue*> items;                           // Tuple, List
  std::vector<std::pair<PickleValue*, PickleValue*>> entries;  // Dict, in insertion order
  bool isOrderedDict = false;                                // Dict made by collections.OrderedDict
  std::vector<std::pair<PickleValue*, PickleValue*>> attributes;  // set by BUILD (e.g. _metadata)
  StorageReference storage;                                  // Storage
  TensorReference tensor;                                    // Tensor
};

const char* pickleKindName(PickleValue::Kind kind);

// Owns every value the pickle created (values may share and even cycle, so they live in one pool).
class UnpickledObject {
 public:
  const PickleValue& root() const { return *root_; }
  size_t bytesUsed() const { return bytesUsed_; }  // as accounted against the limit

 private:
  friend class RestrictedUnpickler;
  std::vector<std::unique_ptr<PickleValue>> pool_;
  PickleValue* root_ = nullptr;
  size_t bytesUsed_ = 0;
};

// A pickle's values take far more memory than its bytes (one byte, '}', makes a whole dict), so
// the memory the unpickler may use is bounded: 16 MiB + 64 bytes per pickle byte by default, which
// is several times what torch.save's state dicts need.
constexpr size_t kUnpicklerBaseBytes = size_t{16} << 20;
constexpr size_t kUnpicklerBytesPerInputByte = 64;
size_t defaultUnpicklerLimit(size_t pickleBytes);

// Runs the pickle in `bytes`; sourceName (the file path) starts every error message. Throws Error
// when the values it builds would take more than `maxBytes` (approximately: value structs, string
// bytes, stack, memo and container slots are counted).
UnpickledObject unpickleRestricted(std::string_view bytes, const std::string& sourceName,
                                   size_t maxBytes);
UnpickledObject unpickleRestricted(std::string_view bytes, const std::string& sourceName);

// "module.name" globals the unpickler accepts.
bool isAllowedPickleGlobal(const std::string& qualifiedName);

}  // namespace hopscope
