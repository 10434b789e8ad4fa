// readPytorchBin on files written by torch.save (tests/fixtures/pickle/make_pickle_fixtures.py),
// compared element by element with the values torch itself listed in expected.json.
#include "hopscope/pytorch_bin_reader.h"

#include "hopscope/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

namespace hopscope {
namespace {

const std::string kDir = std::string(HOPSCOPE_FIXTURES_DIR) + "/pickle/";

const nlohmann::json& expectedValues() {
  static const nlohmann::json expected = [] {
    std::ifstream file(kDir + "expected.json");
    return nlohmann::json::parse(file);
  }();
  return expected;
}

at::ScalarType dtypeNamed(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float64") return at::kDouble;
  if (name == "int64") return at::kLong;
  if (name == "int32") return at::kInt;
  if (name == "int16") return at::kShort;
  if (name == "int8") return at::kChar;
  if (name == "uint8") return at::kByte;
  if (name == "bool") return at::kBool;
  throw std::runtime_error("unknown dtype in expected.json: " + name);
}

double expectedFloat(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    return text == "inf" ? INFINITY : -INFINITY;
  }
  return value.get<double>();
}

// Same bits, so -0.0 differs from 0.0 and NaN equals NaN.
bool sameDouble(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void expectTensorMatches(const at::Tensor& tensor, const nlohmann::json& expected) {
  const std::string name = expected["name"];
  SCOPED_TRACE(name);
  EXPECT_EQ(tensor.scalar_type(), dtypeNamed(expected["dtype"]));
  EXPECT_EQ(tensor.sizes().vec(), expected["shape"].get<std::vector<int64_t>>());
  EXPECT_TRUE(tensor.is_contiguous());
  const auto& values = expected["values"];
  ASSERT_EQ(tensor.numel(), static_cast<int64_t>(values.size()));
  if (at::isFloatingType(tensor.scalar_type())) {
    const at::Tensor wide = tensor.to(at::kDouble).contiguous();  // exact for every float type
    const double* data = wide.data_ptr<double>();
    for (size_t i = 0; i < values.size(); ++i)
      EXPECT_TRUE(sameDouble(data[i], expectedFloat(values[i])))
          << "element " << i << ": " << data[i] << " vs " << values[i];
  } else {
    const at::Tensor wide = tensor.to(at::kLong).contiguous();
    const int64_t* data = wide.data_ptr<int64_t>();
    for (size_t i = 0; i < values.size(); ++i) {
      const int64_t want = values[i].is_boolean() ? int64_t(values[i].get<bool>()) : values[i].get<int64_t>();
      EXPECT_EQ(data[i], want) << "element " << i;
    }
  }
}

// Reads a fixture and checks names (in file order), dtypes, shapes and every element.
TensorMap expectFixtureMatches(const std::string& file) {
  TensorMap tensors = readPytorchBin(kDir + file);
  const auto& expected = expectedValues().at(file);
  EXPECT_EQ(tensors.size(), expected.size());
  for (size_t i = 0; i < expected.size() && i < tensors.size(); ++i) {
    EXPECT_EQ(tensors.items()[i].first, expected[i]["name"].get<std::string>());
    expectTensorMatches(tensors.items()[i].second, expected[i]);
  }
  return tensors;
}

void expectReadError(const std::string& file, std::initializer_list<const char*> fragments) {
  const std::string path = kDir + file;
  try {
    readPytorchBin(path);
    FAIL() << file << ": no Error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    for (const char* fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  }
}

TEST(PytorchBinReaderTest, EveryDtypeKeepsItsTypeAndValues) {
  const TensorMap tensors = expectFixtureMatches("dtypes.bin");
  EXPECT_EQ(tensors.size(), 10u);
}

TEST(PytorchBinReaderTest, ViewsOffsetsAndTiedWeights) {
  const TensorMap tensors = expectFixtureMatches("views.bin");
  // Tied names read their storage once and keep sharing it, as torch.load does.
  EXPECT_EQ(tensors.at("embed.weight").data_ptr(), tensors.at("lm_head.weight").data_ptr());
  // The transpose is copied into its own contiguous memory.
  EXPECT_NE(tensors.at("transposed").data_ptr(), tensors.at("base").data_ptr());
}

TEST(PytorchBinReaderTest, ScalarAndEmptyTensors) {
  const TensorMap tensors = expectFixtureMatches("shapes.bin");
  EXPECT_EQ(tensors.at("scalar").dim(), 0);
  EXPECT_EQ(tensors.at("empty").numel(), 0);
}

TEST(PytorchBinReaderTest, ModuleStateDictWithMetadata) {
  expectFixtureMatches("module_state_dict.bin");  // _metadata attribute is not a tensor entry
}

TEST(PytorchBinReaderTest, PlainDictWithParameterSkipsNonTensors) {
  const TensorMap tensors = expectFixtureMatches("parameters.bin");
  EXPECT_FALSE(tensors.contains("step"));
  EXPECT_FALSE(tensors.contains("flags"));
}

TEST(PytorchBinReaderTest, WrappedStateDictsAreUnwrapped) {
  expectFixtureMatches("wrapped_state_dict.bin");
  expectFixtureMatches("wrapped_model.bin");
}

TEST(PytorchBinReaderTest, RefusesCodeExecution) {
  expectReadError("os_system.bin",
                  {"refusing pickle global 'os.system': only the globals of a plain state dict are allowed"});
  expectReadError("whole_module.bin", {"refusing pickle global 'torch.nn.modules.linear.Linear'"});
}

TEST(PytorchBinReaderTest, RefusesWhatIsNotAStateDict) {
  expectReadError("bare_tensor.bin", {"holds a tensor, not a state dict"});
  expectReadError("two_state_dicts.bin", {"entry 'model' is a dict holding tensors"});
}

TEST(PytorchBinReaderTest, RefusesFilesThatAreNotTorchZips) {
  expectReadError("truncated.bin", {"damaged zip archive (truncated download?)"});
  expectReadError("not_a_zip.bin", {"Git LFS pointer"});
  expectReadError("legacy.bin", {"legacy PyTorch format", "re-save", "safetensors"});
  expectReadError("no_data_pkl.bin", {"no record 'data.pkl'"});
  expectReadError("does_not_exist.bin", {"cannot open file"});
  expectReadError("expected.json", {"not a zip archive (truncated download?)"});
}

TEST(PytorchBinReaderTest, RefusesStoragesShorterThanTheirTensors) {
  expectReadError("short_record.bin",
                  {"record 'data/0' holds 20 bytes", "6 FloatStorage elements needs 24"});
  expectReadError("view_out_of_bounds.bin",
                  {"tensor 'w' (offset 0, size [2, 3], stride [3, 1]) reaches element 5",
                   "holds 4 elements"});
}

}  // namespace
}  // namespace hopscope
