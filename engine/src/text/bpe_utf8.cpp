#include "text/bpe_utf8.h"

#include <cstdint>

namespace hopscope::bpe {

namespace {

// Length of the well-formed prefix (1-4) of the sequence starting at `offset`, following Unicode's
// table of well-formed byte sequences (no overlongs, no surrogates, nothing above U+10FFFF).
// Returns 0 when `offset` cannot start a sequence; `complete` tells whether the prefix is a whole
// character (otherwise it is a "maximal subpart" to replace by one U+FFFD).
size_t wellFormedPrefix(std::string_view bytes, size_t offset, bool& complete) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  const uint8_t lead = at(offset);
  complete = true;
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t secondLow = 0x80, secondHigh = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) secondLow = 0xA0;
    if (lead == 0xED) secondHigh = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) secondLow = 0x90;
    if (lead == 0xF4) secondHigh = 0x8F;
  } else {
    complete = false;
    return 0;
  }
  size_t taken = 1;
  for (; taken < length; ++taken) {
    const size_t i = offset + taken;
    if (i >= bytes.size()) break;
    const uint8_t low = taken == 1 ? secondLow : 0x80, high = taken == 1 ? secondHigh : 0xBF;
    if (at(i) < low || at(i) > high) break;
  }
  complete = taken == length;
  return taken;
}

}  // namespace

std::string encodeUtf8(char32_t codePoint) {
  std::string out;
  if (codePoint < 0x80) {
    out.push_back(static_cast<char>(codePoint));
  } else if (codePoint < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (codePoint >> 6)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else if (codePoint < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (codePoint >> 12)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (codePoint >> 18)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  }
  return out;
}

char32_t nextCodePoint(std::string_view text, size_t& offset) {
  const uint8_t lead = static_cast<uint8_t>(text[offset++]);
  if (lead < 0x80) return lead;
  const int continuation = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  char32_t codePoint = lead & (0x3F >> continuation);
  for (int i = 0; i < continuation && offset < text.size(); ++i) {
    codePoint = (codePoint << 6) | (static_cast<uint8_t>(text[offset++]) & 0x3F);
  }
  return codePoint;
}

size_t firstInvalidUtf8(std::string_view bytes) {
  size_t offset = 0;
  while (offset < bytes.size()) {
    bool complete = false;
    const size_t length = wellFormedPrefix(bytes, offset, complete);
    if (!complete) return offset;
    offset += length;
  }
  return std::string_view::npos;
}

std::string decodeUtf8Lossy(std::string_view bytes) {
  static const std::string replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  size_t offset = 0;
  while (offset < bytes.size()) {
    bool complete = false;
    const size_t length = wellFormedPrefix(bytes, offset, complete);
    if (complete) {
      out.append(bytes.substr(offset, length));
    } else {
      out += replacement;
    }
    offset += length == 0 ? 1 : length;
  }
  return out;
}

}  // namespace hopscope::bpe
