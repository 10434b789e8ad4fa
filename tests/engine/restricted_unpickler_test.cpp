// The restricted unpickler on hand-built byte strings: what a state dict pickle turns into, and
// that malformed or hostile pickles throw a named Error instead of crashing.
// engine/src is private to the engine target, hence the relative path.
#include "io/restricted_unpickler.h"

#include "hopscope/error.h"

#include <gtest/gtest.h>

#include <string>

namespace hopscope {
namespace {

using Kind = PickleValue::Kind;
using namespace std::string_literals;  // "..."s keeps embedded NUL bytes

std::string bytes(std::initializer_list<int> values) {
  std::string text;
  for (int v : values) text += static_cast<char>(v);
  return text;
}

// "<4-byte little-endian length>text" as BINUNICODE wants it.
std::string unicode(const std::string& text) {
  const auto n = static_cast<uint32_t>(text.size());
  return "X" + bytes({int(n & 255), int((n >> 8) & 255), int((n >> 16) & 255), int(n >> 24)}) + text;
}

// Expects an Error whose message contains every fragment.
void expectError(const std::string& pickle, std::initializer_list<const char*> fragments) {
  try {
    unpickleRestricted(pickle, "model.bin");
    FAIL() << "no Error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("model.bin: ", 0), 0u) << message;
    for (const char* fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  }
}

const std::string kProto2 = bytes({0x80, 2});

// OrderedDict([('w', _rebuild_tensor_v2(pid('storage', HalfStorage, '7', 'cpu', 300), 2,
// (3, 4), (1, 3), False, OrderedDict()))]), with a BUILD state {'_metadata': {}} and memo use.
std::string stateDictPickle() {
  return kProto2 + "ccollections\nOrderedDict\nq\x00)R"s + "q\x01" + unicode("w") +
         "ctorch._utils\n_rebuild_tensor_v2\n" + "((" + unicode("storage") +
         "ctorch\nHalfStorage\n" + unicode("7") + unicode("cpu") + bytes({'M', 0x2c, 0x01}) +
         "tQ" + bytes({'K', 2, 'K', 3, 'K', 4, 0x86, 'K', 1, 'K', 3, 0x86, 0x89}) +
         bytes({'h', 0}) + ")Rt" + "Rs" + "}" + unicode("_metadata") + "}sb.";
}

TEST(RestrictedUnpicklerTest, StateDictBecomesTensorReferences) {
  const UnpickledObject object = unpickleRestricted(stateDictPickle(), "model.bin");
  const PickleValue& root = object.root();
  ASSERT_EQ(root.kind, Kind::Dict);
  EXPECT_TRUE(root.isOrderedDict);
  ASSERT_EQ(root.entries.size(), 1u);
  EXPECT_EQ(root.entries[0].first->text, "w");
  ASSERT_EQ(root.attributes.size(), 1u);
  EXPECT_EQ(root.attributes[0].first->text, "_metadata");
  const PickleValue& tensor = *root.entries[0].second;
  ASSERT_EQ(tensor.kind, Kind::Tensor);
  EXPECT_EQ(tensor.tensor.storage.key, "7");
  EXPECT_EQ(tensor.tensor.storage.storageType, "HalfStorage");
  EXPECT_EQ(tensor.tensor.storage.location, "cpu");
  EXPECT_EQ(tensor.tensor.storage.numel, 300);
  EXPECT_EQ(tensor.tensor.storageOffset, 2);
  EXPECT_EQ(tensor.tensor.sizes, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(tensor.tensor.strides, (std::vector<int64_t>{1, 3}));
  EXPECT_FALSE(tensor.tensor.requiresGrad);
}

TEST(RestrictedUnpicklerTest, ScalarsListsAndMemoize) {
  // protocol 4: FRAME, SHORT_BINUNICODE + MEMOIZE, BININT -2, LONG1 of 2^40 and of -1, BINFLOAT
  // 1.5, SHORT_BINSTRING, NONE, list [x, x] by BINGET, dict key replaced by a second SETITEM.
  const std::string pickle = bytes({0x80, 4, 0x95, 1, 0, 0, 0, 0, 0, 0, 0}) + "(" +
                             bytes({0x8c, 2}) + "ab" + bytes({0x94}) +
                             bytes({'J', 0xfe, 0xff, 0xff, 0xff}) +
                             bytes({0x8a, 6, 0, 0, 0, 0, 0, 1}) + bytes({0x8a, 1, 0xff}) +
                             bytes({'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}) + "U\x01z" + "N" +
                             "](h" + std::string(1, '\0') + "h" + std::string(1, '\0') + "e" +
                             "}K\x01K\x02sK\x01K\x03s" + "t.";
  const UnpickledObject object = unpickleRestricted(pickle, "model.bin");
  const auto& items = object.root().items;
  ASSERT_EQ(items.size(), 9u);
  EXPECT_EQ(items[0]->text, "ab");
  EXPECT_EQ(items[1]->integer, -2);
  EXPECT_EQ(items[2]->integer, int64_t{1} << 40);
  EXPECT_EQ(items[3]->integer, -1);
  EXPECT_EQ(items[4]->real, 1.5);
  EXPECT_EQ(items[5]->text, "z");
  EXPECT_EQ(items[6]->kind, Kind::None);
  ASSERT_EQ(items[7]->items.size(), 2u);
  EXPECT_EQ(items[7]->items[0], items[0]);  // the memo shares one value
  ASSERT_EQ(items[8]->entries.size(), 1u);
  EXPECT_EQ(items[8]->entries[0].second->integer, 3);
}

TEST(RestrictedUnpicklerTest, ForbiddenGlobalsAreNamed) {
  expectError(kProto2 + "cos\nsystem\n" + unicode("ls") + "\x85R.",
              {"refusing pickle global 'os.system'", "only the globals of a plain state dict"});
  expectError(kProto2 + "cbuiltins\neval\n.", {"'builtins.eval'"});
  expectError(kProto2 + "c__builtin__\ngetattr\n.", {"'__builtin__.getattr'"});
  expectError(kProto2 + "ctorch.nn.modules.linear\nLinear\n.", {"'torch.nn.modules.linear.Linear'"});
  expectError(kProto2 + unicode("posix") + unicode("system") + bytes({0x93}) + ".",
              {"'posix.system'"});
}

TEST(RestrictedUnpicklerTest, AllowedGlobalsCannotBeMisused) {
  // An allow-listed storage class is not callable; BUILD is only for OrderedDict attributes.
  expectError(kProto2 + "ctorch\nFloatStorage\n)R.", {"REDUCE of 'torch.FloatStorage' is not allowed"});
  expectError(kProto2 + "]}b.", {"BUILD on a list is not allowed"});
  expectError(kProto2 + "ccollections\nOrderedDict\n(K\x01tR.", {"OrderedDict called with arguments"});
  expectError(kProto2 + "ctorch._utils\n_rebuild_tensor_v2\n(K\x01tR.",
              {"expects 6 arguments", "got 1"});
  expectError(kProto2 + "(" + unicode("storage") + "ctorch\nFloatStorage\n" + unicode("../x") +
                  unicode("cpu") + "K\x01tQ.",
              {"storage key '../x' is not a plain record name"});
}

TEST(RestrictedUnpicklerTest, TruncatedPicklesThrow) {
  expectError(kProto2 + "X\x05\x00\x00\x00" "ab"s, {"truncated pickle", "needs 5 bytes, 2 remain"});
  expectError(kProto2 + "J\x01\x00"s, {"truncated pickle", "BININT"});
  expectError(kProto2 + "cos\nsys", {"unterminated GLOBAL name"});
  expectError(kProto2 + "N", {"pickle ends without STOP"});
  expectError(std::string(), {"pickle ends without STOP"});
  // Every prefix of a valid pickle fails cleanly.
  const std::string whole = stateDictPickle();
  for (size_t length = 0; length < whole.size(); ++length)
    EXPECT_THROW(unpickleRestricted(whole.substr(0, length), "model.bin"), Error) << length;
}

TEST(RestrictedUnpicklerTest, UnknownOpcodeIsNamedWithItsOffset) {
  expectError(kProto2 + "N" + bytes({0xff}), {"unknown or unsupported pickle opcode 0xff", "offset 3"});
  expectError(kProto2 + "I1\n.", {"opcode 0x49 ('I')", "offset 2"});
}

TEST(RestrictedUnpicklerTest, StackAndMemoMisuseThrow) {
  expectError(kProto2 + "h\x05.", {"memo index 5 was never stored"});
  expectError(kProto2 + "j\x00\x01\x00\x00."s, {"memo index 256 was never stored"});
  expectError(kProto2 + ".", {"STOP on an empty stack"});
  expectError(kProto2 + "Nt.", {"TUPLE without a preceding MARK"});
  expectError(kProto2 + "}(Ns.", {"SETITEM on an empty stack"});  // may not reach below the MARK
  expectError(kProto2 + "}(NNNu.", {"odd number of items"});
  expectError(kProto2 + "NNNs.", {"SETITEM target must be of type dict, found None"});
  expectError(kProto2 + bytes({0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9}) + ".", {"exceeds 64 bits"});
  expectError(bytes({0x80, 9}) + "N.", {"unsupported pickle protocol 9"});
}

}  // namespace
}  // namespace hopscope
