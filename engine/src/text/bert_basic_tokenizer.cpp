#include "text/bert_basic_tokenizer.h"

#include "hopscope/error.h"

#include <utf8proc.h>

namespace hopscope::bert {
namespace {

using CodePoints = std::u32string;

CodePoints decodeUtf8(std::string_view utf8) {
  CodePoints out;
  out.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  size_t pos = 0;
  while (pos < utf8.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t used = utf8proc_iterate(bytes + pos, utf8.size() - pos, &cp);
    if (used <= 0 || cp < 0) {
      throw Error("text to tokenize is not valid UTF-8 (bad byte sequence at byte offset " +
                  std::to_string(pos) + ")");
    }
    out.push_back(static_cast<char32_t>(cp));
    pos += static_cast<size_t>(used);
  }
  return out;
}

void appendUtf8(char32_t cp, std::string& out) {
  utf8proc_uint8_t buffer[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

// Rust char::is_whitespace (the White_Space property): \t..\r, U+0085 and categories Zs, Zl, Zp.
bool isWhitespace(char32_t cp) {
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

// HF's is_control: categories Cc, Cf, Co, Cs, except \t \n \r (whitespace). Unassigned code
// points (Cn) are kept: the Rust implementation keeps them (the Python one drops them).
bool isControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CO ||
         c == UTF8PROC_CATEGORY_CS;
}

// HF hard-codes all ASCII non-alphanumeric printable characters as punctuation ("$", "^", "`"
// are symbols in Unicode), plus every Unicode P* category.
bool isPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

// The "CJK Unified Ideographs" blocks as HF's Rust code hard-codes them (kana and hangul are not
// included; the Python BasicTokenizer starts the sixth range at 0x2B820, Rust at 0x2B920).
bool isChineseChar(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// clean_text and handle_chinese_chars, in that order, as BertNormalizer applies them.
CodePoints cleanAndSpaceOut(const CodePoints& text, bool spaceOutChinese) {
  CodePoints out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
    if (isWhitespace(cp)) {
      out.push_back(U' ');
    } else if (spaceOutChinese && isChineseChar(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

// NFD, then drop nonspacing marks (category Mn).
CodePoints stripAccents(const CodePoints& text) {
  std::string utf8;
  for (char32_t cp : text) appendUtf8(cp, utf8);
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  const auto length = static_cast<utf8proc_ssize_t>(utf8.size());
  std::vector<utf8proc_int32_t> nfd(text.size() + 8);
  utf8proc_ssize_t n = 0;
  for (;;) {
    n = utf8proc_decompose(bytes, length, nfd.data(), static_cast<utf8proc_ssize_t>(nfd.size()),
                           UTF8PROC_DECOMPOSE);
    if (n < 0) throw Error(std::string("Unicode decomposition failed: ") + utf8proc_errmsg(n));
    if (static_cast<size_t>(n) <= nfd.size()) break;
    nfd.resize(static_cast<size_t>(n));  // too small: utf8proc reported the size it needs
  }
  CodePoints out;
  out.reserve(static_cast<size_t>(n));
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    const auto cp = static_cast<char32_t>(nfd[static_cast<size_t>(i)]);
    if (category(cp) != UTF8PROC_CATEGORY_MN) out.push_back(cp);
  }
  return out;
}

// Full lower-case mapping as Rust's char::to_lowercase does it, one code point at a time (so no
// final-sigma rule: "Σ" always becomes "σ"). The only unconditional multi-code-point lower-case
// mapping in Unicode is U+0130 "İ" -> "i" + U+0307; utf8proc covers the single-code-point rest.
CodePoints lowerCase(const CodePoints& text) {
  CodePoints out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp == 0x0130) {
      out.push_back(U'i');
      out.push_back(0x0307);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
    }
  }
  return out;
}

// BertPreTokenizer: whitespace separates words and is dropped; each punctuation character is a
// word of its own.
std::vector<std::string> splitWords(const CodePoints& text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (char32_t cp : text) {
    if (isWhitespace(cp)) {
      flush();
    } else if (isPunctuation(cp)) {
      flush();
      appendUtf8(cp, current);
      flush();
    } else {
      appendUtf8(cp, current);
    }
  }
  flush();
  return words;
}

}  // namespace

std::vector<std::string> basicTokenize(std::string_view utf8, const WordPieceOptions& options) {
  CodePoints text = cleanAndSpaceOut(decodeUtf8(utf8), options.tokenizeChineseChars);
  if (options.lowerCase) {
    // HF order: accents are stripped before lower-casing.
    if (options.stripAccents) text = stripAccents(text);
    text = lowerCase(text);
  }
  return splitWords(text);
}

size_t countCodePoints(std::string_view utf8) {
  size_t count = 0;
  for (char byte : utf8) {
    if ((static_cast<unsigned char>(byte) & 0xC0) != 0x80) ++count;  // not a continuation byte
  }
  return count;
}

size_t lastCodePointBytes(std::string_view utf8) {
  size_t bytes = 1;
  while (bytes < utf8.size() &&
         (static_cast<unsigned char>(utf8[utf8.size() - bytes]) & 0xC0) == 0x80) {
    ++bytes;
  }
  return bytes;
}

}  // namespace hopscope::bert
