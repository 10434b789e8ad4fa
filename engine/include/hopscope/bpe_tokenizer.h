#pragma once
// GPT-2 byte-level BPE (Hugging Face GPT2Tokenizer semantics) from vocab.json + merges.txt.
// A family may prepend a start token (bosToken below); the defaults are the OPT checkpoints'.
#include "hopscope/tokenizer.h"

#include <memory>
#include <string>

namespace hopscope {

struct BpeOptions {
  // Token prepended by encode(text, true); empty for none.
  std::string bosToken = "</s>";
  // Tokens matched verbatim in the input before BPE (never split), e.g. "</s>", "<pad>".
  std::vector<std::string> specialTokens = {"<s>", "<pad>", "</s>", "<unk>"};
};

class BpeTokenizer : public Tokenizer {
 public:
  // Throws Error naming the file and line on a malformed vocab.json or merges.txt.
  static std::unique_ptr<BpeTokenizer> fromFiles(const std::string& vocabJsonPath,
                                                 const std::string& mergesPath,
                                                 const BpeOptions& options = {});
  ~BpeTokenizer() override;

  Encoding encode(const std::string& text, bool addSpecialTokens = true) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = true) const override;
  // Token text with bytes decoded and a leading space shown as "␣" (U+2423).
  std::string displayToken(int64_t id) const override;
  int64_t vocabSize() const override;
  int64_t tokenId(const std::string& token) const override;
  std::string tokenString(int64_t id) const override;

 private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hopscope
