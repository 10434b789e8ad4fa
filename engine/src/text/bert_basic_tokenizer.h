#pragma once
// The text-to-words half of BERT tokenization: Hugging Face's BertNormalizer followed by its
// BertPreTokenizer (the Rust `tokenizers` crate; the slow Python BasicTokenizer agrees except for
// a few rare code points). WordPiece then splits each word into vocabulary pieces.
#include "hopscope/wordpiece_tokenizer.h"

#include <string>
#include <string_view>
#include <vector>

namespace hopscope::bert {

// Normalises `utf8` (clean control characters, space out CJK ideographs, strip accents,
// lower-case, as `options` ask) and splits it on whitespace and punctuation.
// Returns the words in UTF-8. Throws Error if `utf8` is not valid UTF-8.
std::vector<std::string> basicTokenize(std::string_view utf8, const WordPieceOptions& options);

// Number of code points in a valid UTF-8 string.
size_t countCodePoints(std::string_view utf8);

// Byte length of the last code point of a non-empty valid UTF-8 string.
size_t lastCodePointBytes(std::string_view utf8);

}  // namespace hopscope::bert
