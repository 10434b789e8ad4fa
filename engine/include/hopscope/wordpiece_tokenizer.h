#pragma once
// BERT WordPiece tokenizer (Hugging Face BertTokenizer semantics) read from a vocab.txt.
#include "hopscope/tokenizer.h"

#include <memory>
#include <string>

namespace hopscope {

struct WordPieceOptions {
  bool lowerCase = true;      // also strips accents (NFD, drop Mn), as bert-base-uncased does
  bool stripAccents = true;   // only meaningful when lowerCase is true (HF default: follows lowerCase)
  bool tokenizeChineseChars = true;
  size_t maxInputCharsPerWord = 100;  // longer words become [UNK]
};

class WordPieceTokenizer : public Tokenizer {
 public:
  // Reads vocab.txt (one token per line, id = line number). Throws Error naming the file on failure.
  static std::unique_ptr<WordPieceTokenizer> fromVocabFile(const std::string& path,
                                                           const WordPieceOptions& options = {});
  // Same from the file's text (tests, in-memory vocabularies).
  static std::unique_ptr<WordPieceTokenizer> fromVocabText(const std::string& text,
                                                           const WordPieceOptions& options = {});
  ~WordPieceTokenizer() override;

  Encoding encode(const std::string& text, bool addSpecialTokens = true) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = true) const override;
  std::string displayToken(int64_t id) const override;
  int64_t vocabSize() const override;
  int64_t tokenId(const std::string& token) const override;
  std::string tokenString(int64_t id) const override;

  int64_t clsId() const;
  int64_t sepId() const;
  int64_t padId() const;
  int64_t maskId() const;
  int64_t unkId() const;

 private:
  struct Impl;
  explicit WordPieceTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hopscope
