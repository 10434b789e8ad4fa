#pragma once
// Text -> token ids. Implementations: WordPieceTokenizer, BpeTokenizer (GPT-2 byte-level BPE).
#include <cstdint>
#include <string>
#include <vector>

namespace hopscope {

struct Encoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;  // vocabulary spelling of each id (e.g. "##ing", "Ġthe")
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Encodes text; with addSpecialTokens the framing is added (WordPiece [CLS] ... [SEP]; BPE a start token).
  virtual Encoding encode(const std::string& text, bool addSpecialTokens = true) const = 0;
  // Ids back to text (special tokens skipped when skipSpecial).
  virtual std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = true) const = 0;
  // A human-readable label of one token for plots (e.g. "##ing", "␣the" for a leading space).
  virtual std::string displayToken(int64_t id) const = 0;
  virtual int64_t vocabSize() const = 0;
  // Id of a token spelled exactly as in the vocabulary, or -1.
  virtual int64_t tokenId(const std::string& token) const = 0;
  virtual std::string tokenString(int64_t id) const = 0;
};

}  // namespace hopscope
