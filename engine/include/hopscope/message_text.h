#pragma once
// Text taken from a file (tensor names, tokens, pickle globals) as it appears inside an error
// message: control characters escaped and the length cut, so that a message stays one line
// (hopscope-cli's contract) whatever the file holds.
#include <string>
#include <string_view>

namespace hopscope {

inline bool hasControlCharacters(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

inline std::string printable(std::string_view text, size_t maxBytes = 80) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (const char c : text.substr(0, maxBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 15];
    } else {
      out += c;
    }
  }
  if (text.size() > maxBytes) out += "...";
  return out;
}

}  // namespace hopscope
