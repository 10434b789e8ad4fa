#pragma once
// GPT-2's pre-tokenizer: splits text into the pieces BPE works on (contractions, letter runs,
// digit runs, other-symbol runs, whitespace runs), each with at most one leading space.
#include <string_view>
#include <vector>

namespace hopscope::bpe {

class PreTokenizer {
 public:
  PreTokenizer();  // compiles the pattern once (JIT when PCRE2 has it)
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Pieces of `text` in order (views into it). `text` must be valid UTF-8 (checked by the caller).
  // Safe to call from several threads at once.
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  struct Compiled;
  Compiled* compiled_;
};

// The one compiled pre-tokenizer all BPE tokenizers share (compiled on first use).
const PreTokenizer& sharedPreTokenizer();

}  // namespace hopscope::bpe
