#pragma once
// GPT-2's reversible map between raw bytes and printable Unicode characters ("bytes_to_unicode"):
// vocab.json and merges.txt spell every byte as one printable character, e.g. ' ' as "Ġ" (U+0120).
#include <array>
#include <cstdint>
#include <string>

namespace hopscope::bpe {

class ByteAlphabet {
 public:
  ByteAlphabet();
  // UTF-8 spelling of the character standing for `byte`.
  const std::string& symbol(uint8_t byte) const { return symbols_[byte]; }
  // The byte a code point stands for, or -1 if the code point is not in the alphabet.
  int byteOf(char32_t codePoint) const {
    return codePoint < bytesByCodePoint_.size() ? bytesByCodePoint_[codePoint] : -1;
  }
  // Appends the raw bytes a vocabulary spelling stands for. Characters outside the alphabet are
  // kept as their own UTF-8 (as Hugging Face's ByteLevel decoder does). `spelling` is valid UTF-8.
  void appendBytes(const std::string& spelling, std::string& out) const;

 private:
  std::array<std::string, 256> symbols_;
  std::array<int16_t, 324> bytesByCodePoint_;  // the alphabet's code points all lie below 0x144
};

const ByteAlphabet& byteAlphabet();

}  // namespace hopscope::bpe
