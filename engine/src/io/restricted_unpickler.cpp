#include "io/restricted_unpickler.h"

#include "hopscope/error.h"
#include "hopscope/message_text.h"

#include <cstring>
#include <set>
#include <unordered_map>

namespace hopscope {

namespace {

const char* const kRebuildTensor = "torch._utils._rebuild_tensor_v2";
const char* const kRebuildParameter = "torch._utils._rebuild_parameter";
const char* const kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
const char* const kOrderedDict = "collections.OrderedDict";

const std::set<std::string>& storageClasses() {
  static const std::set<std::string> names = {
      "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
      "torch.LongStorage",  "torch.IntStorage",    "torch.ShortStorage", "torch.CharStorage",
      "torch.ByteStorage",  "torch.BoolStorage"};
  return names;
}

// Opcodes of pickle protocols 2 (and FRAME/MEMOIZE/STACK_GLOBAL of 4) that state dicts use.
enum Opcode : uint8_t {
  PROTO = 0x80, FRAME = 0x95, STOP = '.', MARK = '(',
  EMPTY_DICT = '}', EMPTY_LIST = ']', EMPTY_TUPLE = ')',
  TUPLE = 't', TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87,
  BINUNICODE = 'X', SHORT_BINUNICODE = 0x8c, BINSTRING = 'T', SHORT_BINSTRING = 'U',
  BININT = 'J', BININT1 = 'K', BININT2 = 'M', LONG1 = 0x8a, BINFLOAT = 'G',
  NONE = 'N', NEWTRUE = 0x88, NEWFALSE = 0x89,
  BINPUT = 'q', LONG_BINPUT = 'r', BINGET = 'h', LONG_BINGET = 'j', MEMOIZE = 0x94,
  SETITEM = 's', SETITEMS = 'u', APPEND = 'a', APPENDS = 'e',
  GLOBAL = 'c', STACK_GLOBAL = 0x93, REDUCE = 'R', BUILD = 'b', BINPERSID = 'Q', NEWOBJ = 0x81,
};

std::string describeOpcode(uint8_t op) {
  static const char* hex = "0123456789abcdef";
  std::string text = "0x";
  text += hex[op >> 4];
  text += hex[op & 15];
  if (op >= 0x20 && op < 0x7f) text += std::string(" ('") + static_cast<char>(op) + "')";
  return text;
}

}  // namespace

const char* pickleKindName(PickleValue::Kind kind) {
  switch (kind) {
    case PickleValue::Kind::None: return "None";
    case PickleValue::Kind::Bool: return "bool";
    case PickleValue::Kind::Int: return "int";
    case PickleValue::Kind::Float: return "float";
    case PickleValue::Kind::String: return "string";
    case PickleValue::Kind::Tuple: return "tuple";
    case PickleValue::Kind::List: return "list";
    case PickleValue::Kind::Dict: return "dict";
    case PickleValue::Kind::Global: return "global";
    case PickleValue::Kind::Storage: return "storage";
    case PickleValue::Kind::Tensor: return "tensor";
  }
  return "unknown";
}

bool isAllowedPickleGlobal(const std::string& name) {
  return name == kOrderedDict || name == kRebuildTensor || name == kRebuildParameter ||
         name == kRebuildParameterWithState || storageClasses().count(name) > 0;
}

class RestrictedUnpickler {
 public:
  RestrictedUnpickler(std::string_view bytes, const std::string& sourceName, size_t maxBytes)
      : bytes_(bytes), source_(sourceName), maxBytes_(maxBytes) {}

  UnpickledObject run() {
    while (true) {
      if (pos_ >= bytes_.size()) fail("pickle ends without STOP (truncated?)");
      opOffset_ = pos_;
      const uint8_t op = static_cast<uint8_t>(bytes_[pos_++]);
      if (op == STOP) {
        result_.root_ = pop("STOP");
        result_.bytesUsed_ = used_;
        return std::move(result_);
      }
      step(op);
    }
  }

 private:
  using Kind = PickleValue::Kind;

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(source_ + ": " + problem + " (pickle byte offset " + std::to_string(opOffset_) + ")");
  }

  // ---- reading operands, bounds-checked
  const char* take(size_t count, const char* what) {
    if (count > bytes_.size() - pos_)
      fail(std::string("truncated pickle: ") + what + " needs " + std::to_string(count) +
           " bytes, " + std::to_string(bytes_.size() - pos_) + " remain");
    const char* start = bytes_.data() + pos_;
    pos_ += count;
    return start;
  }
  uint64_t readLittleEndian(size_t count, const char* what) {
    const auto* p = reinterpret_cast<const uint8_t*>(take(count, what));
    uint64_t value = 0;
    for (size_t i = 0; i < count; ++i) value |= static_cast<uint64_t>(p[i]) << (8 * i);
    return value;
  }
  std::string readLine(const char* what) {
    const size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) fail(std::string("truncated pickle: unterminated ") + what);
    std::string line(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return line;
  }

  // ---- memory accounting: every allocation the pickle causes is charged before it is made
  void charge(size_t bytes) {
    if (bytes > maxBytes_ - used_)
      fail("the pickle builds more than " + std::to_string(maxBytes_ >> 20) +
           " MiB of values from " + std::to_string(bytes_.size()) +
           " bytes (not a state dict written by torch.save)");
    used_ += bytes;
  }
  static constexpr size_t kSlot = sizeof(void*) * 2;  // a pointer in a container, with slack

  // ---- values and the stack
  PickleValue* make(Kind kind) {
    charge(sizeof(PickleValue) + sizeof(std::unique_ptr<PickleValue>) + kSlot);
    result_.pool_.push_back(std::make_unique<PickleValue>());
    result_.pool_.back()->kind = kind;
    return result_.pool_.back().get();
  }
  void push(PickleValue* value) {
    charge(kSlot);
    stack_.push_back(value);
  }
  size_t stackFloor() const { return marks_.empty() ? 0 : marks_.back(); }
  PickleValue* pop(const char* opName) {
    if (stack_.size() <= stackFloor()) fail(std::string(opName) + " on an empty stack");
    PickleValue* value = stack_.back();
    stack_.pop_back();
    return value;
  }
  PickleValue* top(const char* opName) {
    if (stack_.size() <= stackFloor()) fail(std::string(opName) + " on an empty stack");
    return stack_.back();
  }
  std::vector<PickleValue*> popToMark(const char* opName) {
    if (marks_.empty()) fail(std::string(opName) + " without a preceding MARK");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  PickleValue* expect(PickleValue* value, Kind kind, const std::string& role) {
    if (value->kind != kind)
      fail(role + " must be of type " + pickleKindName(kind) + ", found " +
           pickleKindName(value->kind));
    return value;
  }
  PickleValue* tupleOf(std::vector<PickleValue*> items) {
    PickleValue* tuple = make(Kind::Tuple);
    tuple->items = std::move(items);
    return tuple;
  }

  // Python dicts replace the value of an existing key; keys are compared by value for strings
  // and ints, by identity otherwise. The index keeps big dicts linear to build.
  static std::string keyIdentity(const PickleValue* key) {
    if (key->kind == Kind::String) return "s" + key->text;
    if (key->kind == Kind::Int) return "i" + std::to_string(key->integer);
    return "p" + std::to_string(reinterpret_cast<uintptr_t>(key));
  }
  void setItem(PickleValue* dict, PickleValue* key, PickleValue* value) {
    const std::string identity = keyIdentity(key);
    charge(identity.size() + 8 * kSlot);  // index node, key copy and the entry
    auto& index = dictIndex_[dict];
    auto inserted = index.emplace(identity, dict->entries.size());
    if (inserted.second)
      dict->entries.emplace_back(key, value);
    else
      dict->entries[inserted.first->second].second = value;
  }

  // ---- memo
  void memoPut(uint64_t index) {
    charge(4 * kSlot);  // a hash node
    memo_[index] = top("PUT");
  }
  void memoGet(uint64_t index) {
    auto found = memo_.find(index);
    if (found == memo_.end()) fail("memo index " + std::to_string(index) + " was never stored");
    push(found->second);
  }

  // ---- globals and the callables they name
  void pushGlobal(const std::string& module, const std::string& name) {
    const std::string qualified = module + "." + name;
    if (!isAllowedPickleGlobal(qualified))
      throw Error(source_ + ": refusing pickle global '" + printable(qualified) +
                  "': only the globals of a plain state dict are allowed");
    PickleValue* global = make(Kind::Global);
    global->text = qualified;
    push(global);
  }

  std::vector<int64_t> intTuple(PickleValue* value, const std::string& role) {
    expect(value, Kind::Tuple, role);
    std::vector<int64_t> numbers;
    for (PickleValue* item : value->items) numbers.push_back(expect(item, Kind::Int, role + " entry")->integer);
    return numbers;
  }

  PickleValue* rebuildTensor(const std::vector<PickleValue*>& args) {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const bool emptyMetadata =
        args.size() == 7 && (args[6]->kind == Kind::None ||
                             (args[6]->kind == Kind::Dict && args[6]->entries.empty()));
    if (args.size() != 6 && !emptyMetadata)
      fail(std::string(kRebuildTensor) + " expects 6 arguments (or 7 with empty metadata), got " +
           std::to_string(args.size()));
    PickleValue* tensor = make(Kind::Tensor);
    TensorReference& ref = tensor->tensor;
    ref.storage = expect(args[0], Kind::Storage, "tensor storage")->storage;
    ref.storageOffset = expect(args[1], Kind::Int, "tensor storage offset")->integer;
    ref.sizes = intTuple(args[2], "tensor size");
    ref.strides = intTuple(args[3], "tensor stride");
    if (ref.sizes.size() != ref.strides.size())
      fail("tensor size has " + std::to_string(ref.sizes.size()) + " dimensions but stride has " +
           std::to_string(ref.strides.size()));
    ref.requiresGrad = expect(args[4], Kind::Bool, "requires_grad")->boolean;
    expect(args[5], Kind::Dict, "backward hooks");  // torch always writes an empty OrderedDict
    return tensor;
  }

  PickleValue* rebuildParameter(const std::vector<PickleValue*>& args, bool withState) {
    // (data, requires_grad, backward_hooks[, state]): the parameter is its tensor.
    const size_t expected = withState ? 4 : 3;
    const char* name = withState ? kRebuildParameterWithState : kRebuildParameter;
    if (args.size() != expected)
      fail(std::string(name) + " expects " + std::to_string(expected) + " arguments, got " +
           std::to_string(args.size()));
    PickleValue* parameter = make(Kind::Tensor);
    parameter->tensor = expect(args[0], Kind::Tensor, "parameter data")->tensor;
    parameter->tensor.requiresGrad = expect(args[1], Kind::Bool, "requires_grad")->boolean;
    parameter->tensor.isParameter = true;
    expect(args[2], Kind::Dict, "backward hooks");
    if (withState && args[3]->kind != Kind::None && args[3]->kind != Kind::Dict)
      fail(std::string("parameter state must be a dict, found a ") + pickleKindName(args[3]->kind));
    return parameter;
  }

  PickleValue* call(PickleValue* callable, PickleValue* args, const char* opName) {
    expect(callable, Kind::Global, std::string(opName) + " callable");
    expect(args, Kind::Tuple, std::string(opName) + " arguments");
    const std::string& name = callable->text;
    if (name == kOrderedDict) {
      if (!args->items.empty()) fail("collections.OrderedDict called with arguments");
      PickleValue* dict = make(Kind::Dict);
      dict->isOrderedDict = true;
      return dict;
    }
    if (std::string(opName) == "REDUCE") {
      if (name == kRebuildTensor) return rebuildTensor(args->items);
      if (name == kRebuildParameter) return rebuildParameter(args->items, false);
      if (name == kRebuildParameterWithState) return rebuildParameter(args->items, true);
    }
    fail(std::string(opName) + " of '" + name + "' is not allowed");
  }

  // BUILD sets attributes on the object below it. Only OrderedDict attributes are accepted: that
  // is how a Module.state_dict() carries its _metadata (kept aside, never mixed with the items).
  void build() {
    PickleValue* state = pop("BUILD");
    PickleValue* target = top("BUILD");
    if (target->kind != Kind::Dict || !target->isOrderedDict)
      fail(std::string("BUILD on a ") + pickleKindName(target->kind) + " is not allowed");
    if (state->kind == Kind::None) return;
    expect(state, Kind::Dict, "BUILD state of an OrderedDict");
    for (const auto& entry : state->entries) {
      expect(entry.first, Kind::String, "OrderedDict attribute name");
      charge(2 * kSlot);
      target->attributes.push_back(entry);
    }
  }

  // ('storage', torch.FloatStorage, key, location, numel) -> a storage reference.
  void persistentLoad() {
    PickleValue* pid = expect(pop("BINPERSID"), Kind::Tuple, "persistent id");
    const auto& items = pid->items;
    if (items.size() != 5 || items[0]->kind != Kind::String || items[0]->text != "storage")
      fail("persistent id is not ('storage', type, key, location, numel)");
    const std::string& type = expect(items[1], Kind::Global, "storage type")->text;
    if (storageClasses().count(type) == 0) fail("storage type '" + type + "' is not a storage class");
    PickleValue* storage = make(Kind::Storage);
    storage->storage.storageType = type.substr(type.find('.') + 1);
    storage->storage.key = expect(items[2], Kind::String, "storage key")->text;
    storage->storage.location = expect(items[3], Kind::String, "storage location")->text;
    storage->storage.numel = expect(items[4], Kind::Int, "storage numel")->integer;
    if (storage->storage.numel < 0) fail("storage numel is negative");
    if (storage->storage.key.empty() || storage->storage.key.find('/') != std::string::npos ||
        storage->storage.key.find("..") != std::string::npos || hasControlCharacters(storage->storage.key))
      fail("storage key '" + printable(storage->storage.key) + "' is not a plain record name");
    push(storage);
  }

  void pushInt(int64_t value) {
    PickleValue* number = make(Kind::Int);
    number->integer = value;
    push(number);
  }
  void pushString(const char* data, size_t length) {
    charge(length);
    PickleValue* text = make(Kind::String);
    text->text.assign(data, length);
    push(text);
  }
  void pushBool(bool value) {
    PickleValue* flag = make(Kind::Bool);
    flag->boolean = value;
    push(flag);
  }

  void step(uint8_t op) {
    switch (op) {
      case PROTO: {
        const uint64_t version = readLittleEndian(1, "PROTO");
        if (version < 2 || version > 5) fail("unsupported pickle protocol " + std::to_string(version));
        break;
      }
      case FRAME: {  // framing only groups the opcodes that follow; check the length and go on
        const uint64_t length = readLittleEndian(8, "FRAME");
        if (length > bytes_.size() - pos_) fail("truncated pickle: FRAME longer than the data");
        break;
      }
      case MARK:
        charge(kSlot);
        marks_.push_back(stack_.size());
        break;
      case EMPTY_DICT: push(make(Kind::Dict)); break;
      case EMPTY_LIST: push(make(Kind::List)); break;
      case EMPTY_TUPLE: push(make(Kind::Tuple)); break;
      case TUPLE: push(tupleOf(popToMark("TUPLE"))); break;
      case TUPLE1: case TUPLE2: case TUPLE3: {
        std::vector<PickleValue*> items(op - TUPLE1 + 1);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop("TUPLEn");
        push(tupleOf(std::move(items)));
        break;
      }
      case BINUNICODE: case BINSTRING: {
        const uint64_t raw = readLittleEndian(4, "string length");
        if (op == BINSTRING && (raw & 0x80000000u)) fail("BINSTRING with a negative length");
        pushString(take(raw, "string"), raw);
        break;
      }
      case SHORT_BINUNICODE: case SHORT_BINSTRING: {
        const uint64_t length = readLittleEndian(1, "string length");
        pushString(take(length, "string"), length);
        break;
      }
      case BININT: pushInt(static_cast<int32_t>(readLittleEndian(4, "BININT"))); break;
      case BININT1: pushInt(static_cast<int64_t>(readLittleEndian(1, "BININT1"))); break;
      case BININT2: pushInt(static_cast<int64_t>(readLittleEndian(2, "BININT2"))); break;
      case LONG1: {  // little-endian two's complement of n bytes
        const uint64_t length = readLittleEndian(1, "LONG1 length");
        if (length > 8) fail("LONG1 integer of " + std::to_string(length) + " bytes exceeds 64 bits");
        uint64_t value = readLittleEndian(length, "LONG1");
        if (length > 0 && length < 8 && (value >> (8 * length - 1)) & 1) value |= ~0ull << (8 * length);
        pushInt(static_cast<int64_t>(value));
        break;
      }
      case BINFLOAT: {  // big-endian IEEE double
        const auto* p = reinterpret_cast<const uint8_t*>(take(8, "BINFLOAT"));
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
        PickleValue* number = make(Kind::Float);
        std::memcpy(&number->real, &bits, sizeof bits);
        push(number);
        break;
      }
      case NONE: push(make(Kind::None)); break;
      case NEWTRUE: pushBool(true); break;
      case NEWFALSE: pushBool(false); break;
      case BINPUT: memoPut(readLittleEndian(1, "BINPUT")); break;
      case LONG_BINPUT: memoPut(readLittleEndian(4, "LONG_BINPUT")); break;
      case MEMOIZE: memoPut(memo_.size()); break;
      case BINGET: memoGet(readLittleEndian(1, "BINGET")); break;
      case LONG_BINGET: memoGet(readLittleEndian(4, "LONG_BINGET")); break;
      case SETITEM: {
        PickleValue* value = pop("SETITEM");
        PickleValue* key = pop("SETITEM");
        setItem(expect(top("SETITEM"), Kind::Dict, "SETITEM target"), key, value);
        break;
      }
      case SETITEMS: {
        std::vector<PickleValue*> items = popToMark("SETITEMS");
        if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
        PickleValue* dict = expect(top("SETITEMS"), Kind::Dict, "SETITEMS target");
        for (size_t i = 0; i < items.size(); i += 2) setItem(dict, items[i], items[i + 1]);
        break;
      }
      case APPEND: {
        PickleValue* value = pop("APPEND");
        charge(kSlot);
        expect(top("APPEND"), Kind::List, "APPEND target")->items.push_back(value);
        break;
      }
      case APPENDS: {
        std::vector<PickleValue*> items = popToMark("APPENDS");
        PickleValue* list = expect(top("APPENDS"), Kind::List, "APPENDS target");
        charge(items.size() * kSlot);
        list->items.insert(list->items.end(), items.begin(), items.end());
        break;
      }
      case GLOBAL: {
        const std::string module = readLine("GLOBAL module");
        const std::string name = readLine("GLOBAL name");
        pushGlobal(module, name);
        break;
      }
      case STACK_GLOBAL: {
        PickleValue* name = expect(pop("STACK_GLOBAL"), Kind::String, "STACK_GLOBAL name");
        PickleValue* module = expect(pop("STACK_GLOBAL"), Kind::String, "STACK_GLOBAL module");
        pushGlobal(module->text, name->text);
        break;
      }
      case REDUCE: {
        PickleValue* args = pop("REDUCE");
        PickleValue* callable = pop("REDUCE");
        push(call(callable, args, "REDUCE"));
        break;
      }
      case NEWOBJ: {
        PickleValue* args = pop("NEWOBJ");
        PickleValue* cls = pop("NEWOBJ");
        push(call(cls, args, "NEWOBJ"));
        break;
      }
      case BUILD: build(); break;
      case BINPERSID: persistentLoad(); break;
      default:
        fail("unknown or unsupported pickle opcode " + describeOpcode(op));
    }
  }

  std::string_view bytes_;
  const std::string& source_;
  size_t maxBytes_;
  size_t used_ = 0;
  size_t pos_ = 0;
  size_t opOffset_ = 0;
  std::vector<PickleValue*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValue*> memo_;
  std::unordered_map<const PickleValue*, std::unordered_map<std::string, size_t>> dictIndex_;
  UnpickledObject result_;
};

size_t defaultUnpicklerLimit(size_t pickleBytes) {
  if (pickleBytes > (SIZE_MAX - kUnpicklerBaseBytes) / kUnpicklerBytesPerInputByte) return SIZE_MAX;
  return kUnpicklerBaseBytes + kUnpicklerBytesPerInputByte * pickleBytes;
}

UnpickledObject unpickleRestricted(std::string_view bytes, const std::string& sourceName,
                                   size_t maxBytes) {
  return RestrictedUnpickler(bytes, sourceName, maxBytes).run();
}

UnpickledObject unpickleRestricted(std::string_view bytes, const std::string& sourceName) {
  return unpickleRestricted(bytes, sourceName, defaultUnpicklerLimit(bytes.size()));
}

}  // namespace hopscope
