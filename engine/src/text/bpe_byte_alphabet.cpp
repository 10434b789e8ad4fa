#include "text/bpe_byte_alphabet.h"

#include "text/bpe_utf8.h"

namespace hopscope::bpe {

namespace {
// Bytes that GPT-2 keeps as the Latin-1 character of the same value: visible ASCII and Latin-1
// except the soft hyphen. All other bytes (controls, space, 0x7F-0xA0, 0xAD) go to 256, 257, ...
bool isKeptAsItself(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}
}  // namespace

ByteAlphabet::ByteAlphabet() {
  bytesByCodePoint_.fill(-1);
  char32_t next = 256;
  for (int byte = 0; byte < 256; ++byte) {
    const char32_t codePoint = isKeptAsItself(byte) ? static_cast<char32_t>(byte) : next++;
    symbols_[byte] = encodeUtf8(codePoint);
    bytesByCodePoint_[codePoint] = static_cast<int16_t>(byte);
  }
}

void ByteAlphabet::appendBytes(const std::string& spelling, std::string& out) const {
  size_t offset = 0;
  while (offset < spelling.size()) {
    const size_t start = offset;
    const char32_t codePoint = nextCodePoint(spelling, offset);
    const int byte = byteOf(codePoint);
    if (byte >= 0) {
      out.push_back(static_cast<char>(byte));
    } else {
      out.append(spelling, start, offset - start);
    }
  }
}

const ByteAlphabet& byteAlphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

}  // namespace hopscope::bpe
