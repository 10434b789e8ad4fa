#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/bpe_pretokenizer.h"

#include <pcre2.h>

#include <stdexcept>
#include <string>

namespace hopscope::bpe {

namespace {

// GPT-2's pattern  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with \s spelled out as Oniguruma's Unicode \s (what Hugging Face tokenizers runs): U+0009-000D,
// U+0085 and the Z categories, so that the split does not depend on which characters a given
// PCRE2 version counts as \s. UTF + UCP make \p{...} and the classes work on code points.
constexpr const char* kWhitespace = R"(\t-\r\x{85}\p{Z})";

std::string gpt2Pattern() {
  const std::string s = std::string("[") + kWhitespace + "]";
  const std::string notS = std::string("[^") + kWhitespace + "]";
  return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + std::string(kWhitespace) +
         "\\p{L}\\p{N}]+|" + s + "+(?!" + notS + ")|" + s + "+";
}

}  // namespace

struct PreTokenizer::Compiled {
  pcre2_code* code = nullptr;
};

PreTokenizer::PreTokenizer() : compiled_(new Compiled) {
  const std::string pattern = gpt2Pattern();
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
  if (compiled_->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    delete compiled_;
    throw std::logic_error("GPT-2 pre-tokenizer pattern does not compile: " +
                           std::string(reinterpret_cast<char*>(message)));
  }
  // Without JIT pcre2_match interprets the pattern: slower, same result.
  pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

PreTokenizer::~PreTokenizer() {
  pcre2_code_free(compiled_->code);
  delete compiled_;
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(compiled_->code, nullptr);
  if (match == nullptr) throw std::bad_alloc();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  PCRE2_SIZE offset = 0;
  while (offset < text.size()) {
    // The text was validated once by the caller: re-checking it at every call would be quadratic.
    const int found = pcre2_match(compiled_->code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK,
                                  match, nullptr);
    if (found == PCRE2_ERROR_NOMATCH) break;  // cannot happen: every character is in some branch
    if (found < 0) {
      pcre2_match_data_free(match);
      throw std::runtime_error("GPT-2 pre-tokenizer: PCRE2 match failed with code " +
                               std::to_string(found));
    }
    const PCRE2_SIZE* bounds = pcre2_get_ovector_pointer(match);
    if (bounds[1] == bounds[0]) break;  // no branch matches empty; guards against looping
    pieces.emplace_back(text.data() + bounds[0], bounds[1] - bounds[0]);
    offset = bounds[1];
  }
  pcre2_match_data_free(match);
  return pieces;
}

const PreTokenizer& sharedPreTokenizer() {
  static const PreTokenizer preTokenizer;
  return preTokenizer;
}

}  // namespace hopscope::bpe
