#pragma once
// The few UTF-8 operations byte-level BPE needs: validation, lossy decoding, code point stepping.
#include <cstddef>
#include <string>
#include <string_view>

namespace hopscope::bpe {

std::string encodeUtf8(char32_t codePoint);

// Reads the code point starting at `offset` of valid UTF-8 and advances `offset` past it.
char32_t nextCodePoint(std::string_view text, size_t& offset);

// Offset of the first byte that does not start a well-formed UTF-8 sequence, or npos.
size_t firstInvalidUtf8(std::string_view bytes);

// Bytes -> valid UTF-8, each maximal ill-formed subpart replaced by one U+FFFD: the same result as
// Python's bytes.decode("utf-8", errors="replace") and Rust's String::from_utf8_lossy.
std::string decodeUtf8Lossy(std::string_view bytes);

}  // namespace hopscope::bpe
