// Text copied from a file into an error message keeps the message on one line (hopscope-cli
// prints exactly one line per failure): names with control characters are refused where they
// enter, and quoted text is escaped.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "error_message.h"
#include "hopscope/message_text.h"
#include "hopscope/model_config.h"
#include "io/restricted_unpickler.h"
#include "io/safetensors_header.h"

using namespace hopscope;

namespace {

TEST(MessageTextTest, PrintableEscapesControlCharactersAndCuts) {
  EXPECT_EQ(printable("a\nb\x7f"), "a\\x0ab\\x7f");
  EXPECT_EQ(printable(std::string(100, 'x'), 4), "xxxx...");
  EXPECT_TRUE(hasControlCharacters("a\tb"));
  EXPECT_FALSE(hasControlCharacters("caf\xc3\xa9"));
}

TEST(MessageTextTest, SafetensorsNamesWithControlCharactersAreRefused) {
  const std::string header = "{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}";
  std::string file(8, '\0');
  file[0] = static_cast<char>(header.size());
  file += header;
  EXPECT_EQ(test::errorMessage([&] {
              parseSafetensorsHeader(reinterpret_cast<const unsigned char*>(file.data()), file.size(), "m.safetensors");
            }),
            "m.safetensors: tensor name 'a\\x0ab' contains control characters");
}

TEST(MessageTextTest, ConfigStringsWithControlCharactersAreRefused) {
  const nlohmann::json config = {{"model_type", "bert"}, {"hidden_act", "ge\nlu"}};
  EXPECT_EQ(test::errorMessage([&] { parseModelConfig(config, "config.json"); }),
            "config.json: \"hidden_act\" contains control characters: \"ge\\nlu\"");
}

TEST(MessageTextTest, PickleGlobalsAreEscaped) {
  const std::string pickle = "\x80\x02" "cos\nsys\x01tem\n.";
  EXPECT_EQ(test::errorMessage([&] { unpickleRestricted(pickle, "p.pkl"); }),
            "p.pkl: refusing pickle global 'os.sys\\x01tem': only the globals of a plain state dict are allowed");
}

}  // namespace
