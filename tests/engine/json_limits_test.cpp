// JSON nesting is refused while parsing, in every reader of JSON files (config.json, safetensors
// header, vocab.json), before any recursive copy, dump or destruction could overflow the stack.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "error_message.h"
#include "hopscope/checkpoint.h"
#include "hopscope/json_limits.h"
#include "hopscope/safetensors.h"
#include "io/safetensors_header.h"
#include "text/bpe_vocab_files.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

const std::string kDeep(300000, '[');

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

fs::path scratchFile(const std::string& name, const std::string& bytes) {
  const fs::path path = fs::temp_directory_path() / ("hopscope-json-limits-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(JsonLimitsTest, DepthUpToTheLimitParsesDeeperIsRefused) {
  EXPECT_EQ(parseJsonLimited(nested(kMaxJsonDepth), "ok.json").dump().size(), 2u * kMaxJsonDepth);
  EXPECT_EQ(test::errorMessage([] { parseJsonLimited(nested(kMaxJsonDepth + 1), "x.json"); }),
            "x.json: JSON nested deeper than 64 levels (not a file hopscope reads)");
  EXPECT_NE(test::errorMessage([] { parseJsonLimited(kDeep, "deep.json"); }).find("deep.json: JSON nested deeper"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([] { parseJsonLimited("{\"a\":" + kDeep, "o.json"); }).find("nested deeper"),
            std::string::npos);
  EXPECT_THROW(parseJsonLimited("[1,", "bad.json"), nlohmann::json::parse_error);  // callers word these
}

// nlohmann reports a number beyond a double as out_of_range, which callers catching parse_error
// used to miss (found by fuzz_model_config and fuzz_safetensors).
TEST(JsonLimitsTest, NumbersBeyondADoubleAreAnError) {
  EXPECT_EQ(test::errorMessage([] { parseJsonLimited("{\"eps\": 1e400}", "c.json"); }),
            "c.json: invalid JSON: number overflow parsing '1e400'");
  const std::string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1e400],\"data_offsets\":[0,0]}}";
  std::string file(8, '\0');
  file[0] = static_cast<char>(header.size());
  file += header;
  EXPECT_EQ(test::errorMessage([&] {
              parseSafetensorsHeader(reinterpret_cast<const unsigned char*>(file.data()), file.size(), "m.safetensors");
            }),
            "m.safetensors: invalid JSON: number overflow parsing '1e400'");
}

TEST(JsonLimitsTest, SnippetsAreCut) {
  const nlohmann::json big = std::string(1000, 'x');
  EXPECT_EQ(jsonSnippet(big, 10), "\"xxxxxxxxx...");
  EXPECT_EQ(jsonSnippet(nlohmann::json::array({1, 2})), "[1,2]");
}

TEST(JsonLimitsTest, SafetensorsHeaderNestingIsRefused) {
  std::string file(8, '\0');
  const uint64_t length = kDeep.size();
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  file += kDeep;
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  EXPECT_NE(test::errorMessage([&] { parseSafetensorsHeader(bytes, file.size(), "m.safetensors"); })
                .find("m.safetensors: JSON nested deeper than 64 levels"),
            std::string::npos);
}

TEST(JsonLimitsTest, ConfigJsonNestingIsRefused) {
  const fs::path folder = fs::temp_directory_path() / ("hopscope-json-limits-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  std::ofstream(folder / "config.json") << kDeep;
  std::ofstream(folder / "model.safetensors") << "";
  const std::string message = test::errorMessage([&] { readCheckpoint(folder.string()); });
  EXPECT_NE(message.find("config.json: JSON nested deeper"), std::string::npos) << message;
  fs::remove_all(folder);
}

TEST(JsonLimitsTest, BpeVocabularyNestingIsRefused) {
  const fs::path path = scratchFile("vocab.json", "{\"a\": " + kDeep);
  const std::string message = test::errorMessage([&] { bpe::readVocabJson(path.string()); });
  EXPECT_NE(message.find("vocab.json': JSON nested deeper"), std::string::npos) << message;
  fs::remove(path);
}

}  // namespace
