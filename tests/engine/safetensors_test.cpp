// Reading and writing safetensors: fixtures written by Python (make_safetensors_fixtures.py),
// round trips through hopscope's writer, the exact bytes of a written file, and one bad file per
// validation rule.
#include "hopscope/safetensors.h"

#include "hopscope/error.h"
#include "io/safetensors_header.h"  // engine-internal: tested on bytes in memory

#include <ATen/ops/arange.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/quantize_per_tensor.h>
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

namespace hopscope {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(HOPSCOPE_FIXTURES_DIR) + "/safetensors/";

std::string fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fresh folder under /tmp, removed with everything in it when the test ends.
struct SafetensorsScratch {
  SafetensorsScratch() {
    std::string pattern = (fs::temp_directory_path() / "hopscope-safetensors-XXXXXX").string();
    folder = mkdtemp(pattern.data());
  }
  ~SafetensorsScratch() { fs::remove_all(folder); }
  std::string file(const std::string& name) const { return (folder / name).string(); }
  fs::path folder;
};

template <typename T>
std::vector<T> valuesOf(const at::Tensor& tensor) {
  const at::Tensor contiguous = tensor.contiguous();
  const T* data = static_cast<const T*>(contiguous.data_ptr());
  return std::vector<T>(data, data + contiguous.numel());
}

// Bit patterns rather than values, so NaN payloads and -0 count too.
bool sameBits(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  const at::Tensor ca = a.contiguous(), cb = b.contiguous();
  if (ca.numel() == 0) return true;  // empty tensors may have no data pointer: memcmp(nullptr) is UB
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

std::vector<std::string> namesOf(const TensorMap& tensors) {
  std::vector<std::string> names;
  for (const auto& item : tensors.items()) names.push_back(item.first);
  return names;
}

// ---- files written by Python ----------------------------------------------------------------

class SafetensorsFixtureTest : public testing::TestWithParam<const char*> {};

TEST_P(SafetensorsFixtureTest, ReadsEveryDtypeWithExactValues) {
  const SafetensorsContents contents = readSafetensors(kFixtures + GetParam());
  const TensorMap& t = contents.tensors;
  EXPECT_EQ(contents.metadata, (std::map<std::string, std::string>{
                                   {"format", "pt"}, {"made_by", "make_safetensors_fixtures.py"}}));
  ASSERT_EQ(t.size(), 12u);

  const at::Tensor& f64 = t.at("layer.0/f64.values");
  EXPECT_EQ(f64.scalar_type(), at::kDouble);
  EXPECT_EQ(valuesOf<double>(f64),
            (std::vector<double>{0.1, -1e300, std::numeric_limits<double>::denorm_min()}));

  const at::Tensor& f32 = t.at("layer.0/f32.matrix");
  EXPECT_EQ(f32.scalar_type(), at::kFloat);
  EXPECT_EQ(f32.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(f32),
            (std::vector<float>{1.5f, -2.25f, 0.1f, std::numeric_limits<float>::max(),
                                -std::numeric_limits<float>::infinity(),
                                std::numeric_limits<float>::denorm_min()}));

  // Half and bfloat16 bits worked out by hand: 1, -2, 65504, 2^-24 and 1, -2, 0.15625, max.
  const at::Tensor& f16 = t.at("f16.values");
  EXPECT_EQ(f16.scalar_type(), at::kHalf);
  EXPECT_EQ(f16.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(valuesOf<uint16_t>(f16), (std::vector<uint16_t>{0x3C00, 0xC000, 0x7BFF, 0x0001}));
  const at::Tensor& bf16 = t.at("bf16.values");
  EXPECT_EQ(bf16.scalar_type(), at::kBFloat16);
  EXPECT_EQ(valuesOf<uint16_t>(bf16), (std::vector<uint16_t>{0x3F80, 0xC000, 0x3E20, 0x7F7F}));

  EXPECT_EQ(valuesOf<int64_t>(t.at("ints/i64")),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::max(), 1234567890123}));
  EXPECT_EQ(valuesOf<int32_t>(t.at("ints/i32")),
            (std::vector<int32_t>{std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::max(), 7}));
  EXPECT_EQ(valuesOf<int16_t>(t.at("ints/i16")), (std::vector<int16_t>{-32768, 32767, -1}));
  EXPECT_EQ(valuesOf<int8_t>(t.at("ints/i8")), (std::vector<int8_t>{-128, 127, 0}));
  EXPECT_EQ(valuesOf<uint8_t>(t.at("ints/u8")), (std::vector<uint8_t>{0, 255, 128}));
  EXPECT_EQ(t.at("ints/u8").scalar_type(), at::kByte);
  EXPECT_EQ(t.at("mask.bool").scalar_type(), at::kBool);
  EXPECT_EQ(valuesOf<bool>(t.at("mask.bool")), (std::vector<bool>{true, false, false, true}));

  const at::Tensor& scalar = t.at("scalar");
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(valuesOf<float>(scalar), std::vector<float>{42.5f});
  EXPECT_EQ(t.at("empty").sizes(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(t.at("empty").scalar_type(), at::kFloat);
}

INSTANTIATE_TEST_SUITE_P(AlignedViewsAndUnalignedCopies, SafetensorsFixtureTest,
                         testing::Values("good_aligned.safetensors", "good_unaligned.safetensors"));

TEST(SafetensorsReadTest, KeepsHeaderOrder) {
  // good_unaligned lists the tensors sorted by name, unlike their order in the data block.
  const std::vector<std::string> dataOrder = {
      "layer.0/f64.values", "layer.0/f32.matrix", "f16.values", "bf16.values",
      "ints/i64", "ints/i32", "ints/i16", "ints/i8", "ints/u8", "mask.bool", "scalar", "empty"};
  EXPECT_EQ(namesOf(readSafetensors(kFixtures + "good_aligned.safetensors").tensors), dataOrder);
  std::vector<std::string> sorted = dataOrder;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(namesOf(readSafetensors(kFixtures + "good_unaligned.safetensors").tensors), sorted);
}

TEST(SafetensorsReadTest, AlignedDataIsViewedAndUnalignedCopied) {
  // Views of one mapping lie as far apart as their data offsets; copies are separate
  // allocations (LibTorch aligns those to 64 bytes, so never 24 apart).
  auto distance = [](const TensorMap& t, const std::string& a, const std::string& b) {
    return static_cast<const char*>(t.at(b).data_ptr()) -
           static_cast<const char*>(t.at(a).data_ptr());
  };
  const TensorMap aligned = readSafetensors(kFixtures + "good_aligned.safetensors").tensors;
  EXPECT_EQ(distance(aligned, "layer.0/f64.values", "layer.0/f32.matrix"), 24);
  EXPECT_EQ(distance(aligned, "ints/i64", "ints/u8"), 109 - 64);
  const TensorMap unaligned = readSafetensors(kFixtures + "good_unaligned.safetensors").tensors;
  EXPECT_NE(distance(unaligned, "layer.0/f64.values", "layer.0/f32.matrix"), 24);
  EXPECT_EQ(distance(unaligned, "ints/i8", "ints/u8"), 3);  // bytes are always aligned
}

TEST(SafetensorsReadTest, TensorsKeepTheMappingAlive) {
  at::Tensor matrix;
  {
    SafetensorsContents contents = readSafetensors(kFixtures + "good_aligned.safetensors");
    matrix = contents.tensors.at("layer.0/f32.matrix");
  }  // the contents are gone; an unmapped view would crash or read garbage here
  EXPECT_EQ(valuesOf<float>(matrix)[0], 1.5f);
  EXPECT_EQ(valuesOf<float>(matrix)[1], -2.25f);
}

TEST(SafetensorsReadTest, WritingIntoAReadTensorNeverChangesTheFile) {
  const std::string path = kFixtures + "good_aligned.safetensors";
  const std::string before = fileBytes(path);
  {
    SafetensorsContents contents = readSafetensors(path);
    at::Tensor matrix = contents.tensors.at("layer.0/f32.matrix");
    matrix.fill_(7.0);  // a misuse: the mapping is private copy-on-write, so only memory changes
    EXPECT_EQ(valuesOf<float>(matrix)[0], 7.0f);
  }
  EXPECT_EQ(fileBytes(path), before);
  EXPECT_EQ(valuesOf<float>(readSafetensors(path).tensors.at("layer.0/f32.matrix"))[0], 1.5f);
}

TEST(SafetensorsReadTest, MissingFileNamesThePath) {
  const std::string path = kFixtures + "no_such_file.safetensors";
  try {
    readSafetensors(path);
    FAIL() << "no Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), path + ": cannot open: No such file or directory");
  }
}

// Every bad_*.safetensors fixture and the phrase its message must contain.
const std::map<std::string, std::string> kBadFiles = {
    {"bad_empty", "file has 0 bytes, shorter than 8 bytes"},
    {"bad_truncated", "file has 5 bytes, shorter than 8 bytes"},
    {"bad_header_huge", "header length 1099511627776 bytes exceeds the 100 MB limit"},
    {"bad_header_beyond_file", "header length 1000 bytes runs beyond the end of the file (10 bytes)"},
    {"bad_invalid_json", "header is not valid JSON"},
    {"bad_not_object", "header is not a JSON object (found array)"},
    {"bad_entry_not_object", "tensor 'w': entry must be a JSON object, found number"},
    {"bad_missing_dtype", "tensor 'w': missing \"dtype\""},
    {"bad_missing_offsets", "tensor 'w': missing \"data_offsets\""},
    {"bad_dtype_type", "tensor 'w': \"dtype\" must be a string, found number"},
    {"bad_shape_type", "tensor 'w': \"shape\" must be an array of integers, found string"},
    {"bad_offsets_type", "tensor 'w': \"data_offsets\" must be [begin, end]"},
    {"bad_unknown_dtype", "tensor 'w': unsupported dtype \"F8_E9\" (supported: F64, F32, F16, "
                          "BF16, I64, I32, I16, I8, U8, BOOL)"},
    {"bad_negative_shape", "tensor 'w': negative dimension -2 in \"shape\""},
    {"bad_huge_shape", "tensor 'w': shape [4611686018427387904, 4611686018427387904] is too large"},
    {"bad_begin_after_end", "tensor 'w': data_offsets [24, 0]: begin is after end"},
    {"bad_offsets_out_of_bounds", "tensor 'w': data_offsets [0, 48] reach beyond the data block, "
                                  "which has 24 bytes"},
    {"bad_byte_count", "tensor 'w': byte count mismatch: F32 shape [2, 3] needs 24 bytes but "
                       "data_offsets [0, 20] hold 20"},
    {"bad_overlap", "tensors 'a' [0, 24] and 'b' [16, 40] overlap"},
    {"bad_gap", "gap in the data block: bytes [24, 32] before tensor 'b' belong to no tensor"},
    {"bad_trailing_bytes", "trailing bytes: the data block has 32 bytes but the tensors cover "
                           "only 24 (the format does not allow bytes after the last tensor)"},
    {"bad_duplicate_names", "duplicate tensor name 'w'"},
    {"bad_duplicate_key", "entry 'w' has the key \"dtype\" twice"},
    {"bad_metadata_value", "\"__metadata__\" must map strings to strings, but 'epoch' holds a number"},
};

TEST(SafetensorsReadTest, EveryBadFileGivesItsError) {
  for (const auto& [name, phrase] : kBadFiles) {
    const std::string path = kFixtures + name + ".safetensors";
    try {
      readSafetensors(path);
      ADD_FAILURE() << name << ": no Error";
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(phrase), std::string::npos) << name << ": " << message;
    }
  }
}

TEST(SafetensorsReadTest, EveryBadFixtureIsChecked) {
  for (const auto& entry : fs::directory_iterator(kFixtures)) {
    const std::string stem = entry.path().stem().string();
    if (stem.rfind("bad_", 0) == 0) EXPECT_EQ(kBadFiles.count(stem), 1u) << stem;
  }
}

// ---- hopscope's writer ----------------------------------------------------------------------

// Tensors of a dtype built from raw bit patterns, so the values include NaN, -0 and denormals.
at::Tensor fromBits(std::vector<int64_t> bits, at::ScalarType bitsType, at::ScalarType dtype) {
  return at::tensor(bits, at::kLong).to(bitsType).view(dtype);
}

TEST(SafetensorsWriteTest, EveryDtypeRoundTripsExactly) {
  SafetensorsScratch scratch;
  TensorMap tensors;
  tensors.insert("f64", fromBits({0x7FF8000000000123, INT64_MIN /* -0.0 */, 1}, at::kLong,
                                 at::kDouble));
  tensors.insert("model.layers.0/self_attn.q_proj.weight",
                 fromBits({0x7FC00001, 0x7F800000, INT32_MIN, 1, 0x3F800000, -1}, at::kInt,
                          at::kFloat)
                     .reshape({2, 3}));
  tensors.insert("f16", fromBits({0x7E01, 0x8000, 0x0001, 0x3C00}, at::kShort, at::kHalf));
  tensors.insert("bf16", fromBits({0x7FC1, 0xFF80 - 0x10000, 0x0001, 0x3F80}, at::kShort,
                                  at::kBFloat16));
  tensors.insert("i64", at::tensor(std::vector<int64_t>{INT64_MIN, INT64_MAX, 0}, at::kLong));
  tensors.insert("i32", at::tensor(std::vector<int64_t>{INT32_MIN, INT32_MAX}, at::kLong).to(at::kInt));
  tensors.insert("i16", at::tensor(std::vector<int64_t>{-32768, 32767}, at::kLong).to(at::kShort));
  tensors.insert("i8", at::tensor(std::vector<int64_t>{-128, 127, 5}, at::kLong).to(at::kChar));
  tensors.insert("u8", at::tensor(std::vector<int64_t>{0, 255}, at::kLong).to(at::kByte));
  tensors.insert("bool", at::tensor(std::vector<int64_t>{1, 0, 1}, at::kLong).to(at::kBool));
  tensors.insert("scalar", at::tensor(std::vector<double>{-3.5}, at::kDouble).reshape({}));
  tensors.insert("empty", at::ones({3, 0, 2}, at::kHalf));
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "é ✓"}};

  const std::string path = scratch.file("all.safetensors");
  writeSafetensors(path, tensors, metadata);
  const SafetensorsContents read = readSafetensors(path);

  EXPECT_EQ(read.metadata, metadata);
  EXPECT_EQ(namesOf(read.tensors), namesOf(tensors));
  for (const auto& [name, tensor] : tensors.items())
    EXPECT_TRUE(sameBits(read.tensors.at(name), tensor)) << name;
  EXPECT_EQ(read.tensors.at("scalar").dim(), 0);
}

// Many small tensors (a large vocabulary of per-token tensors, say) keep their order and values;
// the header is built in linear time.
TEST(SafetensorsWriteTest, ManyTensorsRoundTripInOrder) {
  SafetensorsScratch scratch;
  TensorMap tensors;
  for (int i = 0; i < 20000; ++i)
    tensors.insert("t" + std::to_string((i * 7919) % 20000), at::tensor(std::vector<float>{static_cast<float>(i)}));
  const std::string path = scratch.file("many.safetensors");
  writeSafetensors(path, tensors, {{"format", "pt"}});
  const SafetensorsContents read = readSafetensors(path);
  EXPECT_EQ(namesOf(read.tensors), namesOf(tensors));
  EXPECT_EQ(read.tensors.at("t7919").item<float>(), 1.0f);
  EXPECT_EQ(read.metadata.at("format"), "pt");
}

TEST(SafetensorsWriteTest, NonContiguousTensorIsWrittenInLogicalOrder) {
  SafetensorsScratch scratch;
  TensorMap tensors;
  tensors.insert("transposed", at::arange(12, at::kInt).reshape({3, 4}).t());
  ASSERT_FALSE(tensors.at("transposed").is_contiguous());
  writeSafetensors(scratch.file("t.safetensors"), tensors);
  const at::Tensor read = readSafetensors(scratch.file("t.safetensors")).tensors.at("transposed");
  EXPECT_EQ(read.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(valuesOf<int32_t>(read),
            (std::vector<int32_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
}

TEST(SafetensorsWriteTest, WritesTheExactBytesOfTheFormat) {
  SafetensorsScratch scratch;
  TensorMap tensors;
  tensors.insert("a", at::tensor(std::vector<int64_t>{1, -2}, at::kLong).to(at::kInt));
  writeSafetensors(scratch.file("a.safetensors"), tensors);
  // 54 bytes of JSON plus 2 spaces put the data block at 8 + 56 = 64, a multiple of 8.
  const std::string expected =
      std::string("\x38\0\0\0\0\0\0\0", 8) +
      R"({"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}  )" +
      std::string("\x01\0\0\0\xfe\xff\xff\xff", 8);
  EXPECT_EQ(fileBytes(scratch.file("a.safetensors")), expected);
}

TEST(SafetensorsWriteTest, DataBlockStartsEightByteAligned) {
  SafetensorsScratch scratch;
  for (const std::string name : {"x", "xy", "xyz", "wxyz", "vwxyz", "uvwxyz", "tuvwxyz", "long"}) {
    TensorMap tensors;
    tensors.insert(name, at::ones({1}, at::kDouble));
    writeSafetensors(scratch.file("f"), tensors, {{"k", name}});
    const std::string bytes = fileBytes(scratch.file("f"));
    uint64_t headerLength = 0;
    std::memcpy(&headerLength, bytes.data(), 8);
    EXPECT_EQ((8 + headerLength) % 8, 0u) << name;
    EXPECT_EQ(bytes.size(), 8 + headerLength + 8) << name;
  }
}

void expectWriteError(const TensorMap& tensors, const std::string& phrase) {
  SafetensorsScratch scratch;
  const std::string path = scratch.file("out.safetensors");
  try {
    writeSafetensors(path, tensors);
    ADD_FAILURE() << "no Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path + ": " + phrase), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(fs::is_empty(scratch.folder)) << "nothing is written on error";
}

TEST(SafetensorsWriteTest, UnsupportedDtypesAreErrors) {
  TensorMap complex;
  complex.insert("ok", at::ones({2}));
  complex.insert("z", at::ones({2}, at::kComplexFloat));
  expectWriteError(complex, "tensor 'z': dtype ComplexFloat cannot be stored in safetensors "
                            "(supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
  TensorMap quantized;
  quantized.insert("q", at::quantize_per_tensor(at::ones({2}), 0.1, 0, at::kQInt8));
  expectWriteError(quantized, "tensor 'q': dtype QInt8 cannot be stored");
}

TEST(SafetensorsWriteTest, ReservedAndUndefinedTensorsAreErrors) {
  TensorMap reserved;
  reserved.insert("__metadata__", at::ones({1}));
  expectWriteError(reserved, "tensor '__metadata__': the name \"__metadata__\" is reserved");
  TensorMap undefined;
  undefined.insert("u", at::Tensor());
  expectWriteError(undefined, "tensor 'u': the tensor is undefined");
}

TEST(SafetensorsWriteTest, InvalidUtf8NameIsAnError) {
  TensorMap tensors;
  tensors.insert("bad\xff", at::ones({1}));
  expectWriteError(tensors, "a tensor name or metadata entry is not valid UTF-8");
}

// ---- header parser on bytes in memory -------------------------------------------------------

std::string fileWithHeader(const std::string& json, size_t dataSize) {
  std::string bytes(8, '\0');
  const uint64_t length = json.size();
  std::memcpy(bytes.data(), &length, 8);
  return bytes + json + std::string(dataSize, '\0');
}

SafetensorsHeader parse(const std::string& bytes) {
  return parseSafetensorsHeader(reinterpret_cast<const unsigned char*>(bytes.data()),
                                bytes.size(), "mem");
}

TEST(SafetensorsHeaderTest, ParsesZeroSizeScalarAndPaddedHeader) {
  const SafetensorsHeader header = parse(fileWithHeader(
      R"({"s": {"dtype": "F32", "shape": [], "data_offsets": [4, 8]},)"
      R"( "e1": {"dtype": "I64", "shape": [0], "data_offsets": [0, 0]},)"
      R"( "e2": {"dtype": "BF16", "shape": [5, 0], "data_offsets": [8, 8]},)"
      R"( "b": {"dtype": "BOOL", "shape": [2, 2], "data_offsets": [0, 4]}}   )",
      8));
  ASSERT_EQ(header.tensors.size(), 4u);
  EXPECT_EQ(header.dataStart, 8u + 256u);
  EXPECT_EQ(header.dataSize, 8u);
  EXPECT_EQ(header.tensors[0].name, "s");
  EXPECT_TRUE(header.tensors[0].shape.empty());
  EXPECT_EQ(header.tensors[0].begin, 4u);
  EXPECT_EQ(header.tensors[2].dtype, at::kBFloat16);
  EXPECT_EQ(header.tensors[2].shape, (std::vector<int64_t>{5, 0}));
  EXPECT_EQ(header.tensors[3].dtype, at::kBool);
  EXPECT_TRUE(header.metadata.empty());
}

TEST(SafetensorsHeaderTest, EmptyHeaderObjectWithNoDataIsValid) {
  EXPECT_TRUE(parse(fileWithHeader("{}", 0)).tensors.empty());
}

TEST(SafetensorsHeaderTest, ZeroSizeTensorInsideAnotherIsAnOverlap) {
  EXPECT_THROW(
      {
        try {
          parse(fileWithHeader(R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},)"
                               R"( "z": {"dtype": "U8", "shape": [0], "data_offsets": [2, 2]}})",
                               4));
        } catch (const Error& error) {
          EXPECT_STREQ(error.what(), "mem: tensors 'a' [0, 4] and 'z' [2, 2] overlap in the "
                                     "data block");
          throw;
        }
      },
      Error);
}

TEST(SafetensorsHeaderTest, DuplicateMetadataIsAnError) {
  EXPECT_THROW(parse(fileWithHeader(R"({"__metadata__": {}, "__metadata__": {}})", 0)), Error);
}

}  // namespace
}  // namespace hopscope
