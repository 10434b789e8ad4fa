#include "hopscope/pytorch_bin_reader.h"

#include "hopscope/error.h"
#include "hopscope/load_budget.h"
#include "hopscope/message_text.h"
#include "io/restricted_unpickler.h"
#include "io/zip_archive.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_set>

namespace hopscope {

namespace {


std::string joinInts(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

// Refuses files that are plainly not a torch.save zip before the zip reader sees them, so the
// message says what the file is instead of what miniz could not find.
void checkLeadingBytes(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    throw Error(path + ": is a directory, not a pytorch_model.bin file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot open file: " + std::strerror(errno));
  char head[64] = {};
  file.read(head, sizeof head);
  const std::string start(head, static_cast<size_t>(file.gcount()));
  if (start.empty()) throw Error(path + ": file is empty");
  if (static_cast<uint8_t>(start[0]) == 0x80)  // PROTO: a bare pickle, as torch.save wrote before 1.6
    throw Error(path + ": legacy PyTorch format (a bare pickle, written before torch 1.6 or with "
                "_use_new_zipfile_serialization=False) is not supported: re-save it with "
                "torch.save from torch >= 1.6, or convert it to safetensors");
  if (start.rfind("version https://git-lfs", 0) == 0)
    throw Error(path + ": this is a Git LFS pointer, not the weights: fetch them with 'git lfs pull'");
  if (start.rfind("PK\x03\x04", 0) != 0 && start.rfind("PK\x05\x06", 0) != 0)
    throw Error(path + ": not a zip archive (truncated download?): a pytorch_model.bin must be "
                "written by torch.save");
}

// Reads one record after charging its claimed size to the budget (the read allocates that much).
std::pair<at::DataPtr, size_t> readRecord(const ZipArchive& archive, LoadBudget& budget, const std::string& name) {
  const uint64_t size = archive.uncompressedSize(name);
  budget.charge(size, "record '" + name + "'");
  return {archive.read(name), static_cast<size_t>(size)};
}

// torch.save writes a "version" record (or ".data/version"): a small integer, 1 to 10 for the
// archives LibTorch 1.13 reads. Checked so that any other zip file is not taken for a checkpoint.
void checkArchiveVersion(const ZipArchive& archive, LoadBudget& budget, const std::string& path) {
  const std::string name = archive.has(".data/version") ? ".data/version" : "version";
  if (!archive.has(name)) throw Error(path + ": archive has no record 'version': not a checkpoint written by torch.save");
  if (archive.uncompressedSize(name) > 32) throw Error(path + ": record '" + name + "' is not a format version");
  const auto record = readRecord(archive, budget, name);
  std::string text(static_cast<const char*>(record.first.get()), record.second);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const bool digits = !text.empty() && text.size() <= 4 && text.find_first_not_of("0123456789") == std::string::npos;
  const int version = digits ? std::stoi(text) : 0;
  if (version < 1 || version > 10)
    throw Error(path + ": record '" + name + "' holds '" + printable(text) +
                "', not a torch.save format version (1 to 10)");
}

at::ScalarType dtypeOfStorage(const std::string& storageType) {
  static const std::map<std::string, at::ScalarType> types = {
      {"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort}, {"CharStorage", at::kChar}, {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool}};
  return types.at(storageType);  // the unpickler only lets these through
}

// Builds tensors from the references the unpickler produced, reading each storage record once
// (tied weights name the same storage key).
class TensorBuilder {
 public:
  TensorBuilder(const ZipArchive& archive, LoadBudget& budget, const std::string& path)
      : archive_(archive), budget_(budget), path_(path) {}

  at::Tensor build(const std::string& name, const TensorReference& ref) {
    const at::Tensor& storage = loadStorage(ref.storage);
    checkWithinStorage(name, ref);
    // A view of the record buffer; contiguous() copies only when the layout needs it (transposes,
    // column slices). Contiguous views keep sharing the buffer, as torch.load's tensors do.
    at::Tensor view = storage.as_strided(ref.sizes, ref.strides, ref.storageOffset);
    if (!view.is_contiguous())
      budget_.charge(static_cast<uint64_t>(view.numel()) * view.element_size(),
                     "the copy of tensor '" + name + "'");
    return view.contiguous();
  }

 private:
  const at::Tensor& loadStorage(const StorageReference& ref) {
    const at::ScalarType dtype = dtypeOfStorage(ref.storageType);
    auto found = storages_.find(ref.key);
    if (found != storages_.end()) {
      if (found->second.scalar_type() != dtype || found->second.numel() != ref.numel)
        throw Error(path_ + ": storage '" + ref.key + "' is used with two different types or sizes");
      return found->second;
    }
    const std::string record = "data/" + ref.key;
    auto data = readRecord(archive_, budget_, record);
    const size_t elementSize = c10::elementSize(dtype);
    const uint64_t numel = static_cast<uint64_t>(ref.numel);
    if (numel > data.second / elementSize)
      throw Error(path_ + ": record '" + record + "' holds " + std::to_string(data.second) +
                  " bytes, but its storage of " + std::to_string(numel) + " " + ref.storageType +
                  " elements needs " + std::to_string(numel * elementSize) +
                  " (truncated or damaged file?)");
    at::Tensor storage;
    if (numel == 0) {
      storage = at::empty({0}, at::TensorOptions().dtype(dtype));
    } else {
      // The record buffer stays alive as long as any tensor viewing it (files are little-endian,
      // as is every platform hopscope builds for).
      auto owner = std::make_shared<at::DataPtr>(std::move(data.first));
      storage = at::from_blob(owner->get(), {ref.numel}, [owner](void*) {},
                              at::TensorOptions().dtype(dtype));
    }
    return storages_.emplace(ref.key, storage).first->second;
  }

  void checkWithinStorage(const std::string& name, const TensorReference& ref) const {
    const std::string where = path_ + ": tensor '" + name + "' (offset " +
                              std::to_string(ref.storageOffset) + ", size " + joinInts(ref.sizes) +
                              ", stride " + joinInts(ref.strides) + ")";
    if (ref.storageOffset < 0) throw Error(where + " has a negative storage offset");
    bool empty = false;
    for (size_t d = 0; d < ref.sizes.size(); ++d) {
      if (ref.sizes[d] < 0 || ref.strides[d] < 0) throw Error(where + " has a negative size or stride");
      if (ref.sizes[d] == 0) empty = true;
    }
    if (empty) {
      if (ref.storageOffset > ref.storage.numel)
        throw Error(where + " starts beyond its storage of " + std::to_string(ref.storage.numel) +
                    " elements");
      return;
    }
    int64_t last = ref.storageOffset;  // index of the last element the view reaches
    for (size_t d = 0; d < ref.sizes.size(); ++d) {
      int64_t reach = 0;
      if (__builtin_mul_overflow(ref.sizes[d] - 1, ref.strides[d], &reach) ||
          __builtin_add_overflow(last, reach, &last))
        throw Error(where + " overflows 64-bit indexing");
    }
    if (last >= ref.storage.numel)
      throw Error(where + " reaches element " + std::to_string(last) + " of storage '" +
                  ref.storage.key + "', which holds " + std::to_string(ref.storage.numel) +
                  " elements");
    // A view may not have more elements than its storage: stride 0 over a huge size would make
    // contiguous() materialize terabytes from a few bytes (torch.save never writes such views
    // for parameters).
    int64_t elements = 1;
    for (int64_t size : ref.sizes)
      if (__builtin_mul_overflow(elements, size, &elements)) elements = INT64_MAX;
    if (elements > ref.storage.numel)
      throw Error(where + " has " + (elements == INT64_MAX ? std::string("over 2^63") : std::to_string(elements)) +
                  " elements, more than its storage '" + ref.storage.key + "' holds (" +
                  std::to_string(ref.storage.numel) + ")");
  }

  const ZipArchive& archive_;
  LoadBudget& budget_;
  const std::string& path_;
  std::map<std::string, at::Tensor> storages_;
};

// True when a value that is not itself a tensor still holds tensors or storages somewhere inside
// (a nested checkpoint): skipping it would silently drop weights. Iterative, cycle-safe.
bool holdsTensors(const PickleValue& value) {
  std::vector<const PickleValue*> pending = {&value};
  std::unordered_set<const PickleValue*> seen;
  while (!pending.empty()) {
    const PickleValue* current = pending.back();
    pending.pop_back();
    if (!seen.insert(current).second) continue;
    if (current->kind == PickleValue::Kind::Tensor || current->kind == PickleValue::Kind::Storage)
      return true;
    for (const PickleValue* item : current->items) pending.push_back(item);
    for (const auto& entry : current->entries) {
      pending.push_back(entry.first);
      pending.push_back(entry.second);
    }
  }
  return false;
}

bool isDict(const PickleValue& value) { return value.kind == PickleValue::Kind::Dict; }

// The state dict itself, or the one inside {"state_dict": ...} / {"model": ...}.
const PickleValue& findStateDict(const PickleValue& root, const std::string& path) {
  if (!isDict(root))
    throw Error(path + ": the pickle holds a " + std::string(pickleKindName(root.kind)) +
                ", not a state dict (a dict of name -> tensor)");
  if (root.entries.size() == 1) {
    const PickleValue& key = *root.entries[0].first;
    const PickleValue& value = *root.entries[0].second;
    if (key.kind == PickleValue::Kind::String && (key.text == "state_dict" || key.text == "model") &&
        isDict(value))
      return value;
  }
  return root;
}

}  // namespace

TensorMap readPytorchBin(const std::string& path) {
  checkLeadingBytes(path);
  const ZipArchive archive(path);
  std::error_code ignored;
  LoadBudget budget(loadBudgetFor(std::filesystem::file_size(path, ignored)), path);
  checkArchiveVersion(archive, budget, path);
  auto pickle = readRecord(archive, budget, "data.pkl");
  const UnpickledObject object = unpickleRestricted(
      std::string_view(static_cast<const char*>(pickle.first.get()), pickle.second), path,
      std::min<uint64_t>(budget.remaining(), defaultUnpicklerLimit(pickle.second)));
  budget.charge(object.bytesUsed(), "the pickle's values");
  const PickleValue& stateDict = findStateDict(object.root(), path);

  TensorBuilder builder(archive, budget, path);
  TensorMap tensors;
  for (const auto& entry : stateDict.entries) {
    if (entry.first->kind != PickleValue::Kind::String)
      throw Error(path + ": state dict key of type " + pickleKindName(entry.first->kind) +
                  " (expected tensor names)");
    const std::string& name = entry.first->text;
    // Names end up in messages and dumps; torch.save never writes control characters in them.
    if (hasControlCharacters(name))
      throw Error(path + ": tensor name '" + printable(name) + "' contains control characters");
    const PickleValue& value = *entry.second;
    if (value.kind == PickleValue::Kind::Tensor) {
      tensors.insert(name, builder.build(name, value.tensor));
      continue;
    }
    // Skipped: values with no tensor inside: numbers, strings, None and containers of them
    // (training step counters, names, config lists saved beside the weights). The _metadata
    // of a Module.state_dict() is an OrderedDict attribute, never an item, so it is not seen here.
    if (holdsTensors(value))
      throw Error(path + ": entry '" + name + "' is a " + pickleKindName(value.kind) +
                  " holding tensors: expected a flat state dict (name -> tensor), or a dict whose "
                  "only key is 'state_dict' or 'model'");
  }
  return tensors;
}

}  // namespace hopscope
